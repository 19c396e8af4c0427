package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/govi/govi/ops"
)

// gemmShape is one product C = op(A)·B with C m×n and inner dimension k;
// op(A) = Aᵀ when transA (A stored k×m), and likewise op(B) = Bᵀ when
// transB (B stored n×k).
type gemmShape struct {
	label          string
	transA, transB bool
	m, n, k        int
	step           int // > 0: one of the five products of a BNN step with N = step, H = 50
}

// flops is the product's 2·m·n·k floating-point operations.
func (g gemmShape) flops() float64 { return 2 * float64(g.m) * float64(g.n) * float64(g.k) }

// stepProducts returns the five matrix products of one particle of a
// 13-H-1 BNN step on n rows, in the order models/bnn runs them (see
// gemmFlops).
func stepProducts(n, h int, tag string) []gemmShape {
	return []gemmShape{
		{fmt.Sprintf("x·W₁: %d×%d · %d×%d%s", n, inputs, inputs, h, tag), false, false, n, h, inputs, n},
		{fmt.Sprintf("h·W₂: %d×%d · %d×1%s", n, h, h, tag), false, false, n, 1, h, n},
		{fmt.Sprintf("∂W₂ = hᵀ·δ₂: (%d×%d)ᵀ · %d×1%s", n, h, n, tag), true, false, h, 1, n, n},
		{fmt.Sprintf("∂h = δ₂·W₂ᵀ: %d×1 · (%d×1)ᵀ%s", n, h, tag), false, true, n, h, 1, n},
		{fmt.Sprintf("∂W₁ = xᵀ·δ₁: (%d×%d)ᵀ · %d×%d%s", n, inputs, n, h, tag), true, false, inputs, h, n, n},
	}
}

// gemmShapes are a square reference, the products of a BNN step at N = 455
// and N = 10⁵ (H = 50), and the widest first layer of the width sweep.
var gemmShapes = slices.Concat(
	[]gemmShape{{label: "square: 512×512 · 512×512", m: 512, n: 512, k: 512}},
	stepProducts(455, 50, ""),
	stepProducts(100000, 50, ""),
	[]gemmShape{{label: "x·W₁: 455×13 · 13×1000 (H = 1000)", m: 455, n: 1000, k: inputs}},
)

// blasName names the implementation behind blas64.
func blasName() string { return fmt.Sprintf("%T", blas64.Implementation()) }

// dgemmSweep times blas64.Gemm (C = op(A)·op(B), β = 0) and govi's
// ops.MatMul (dgemv/dger for the skinny products, the AVX2/FMA kernels or
// banded gonum dgemm for the others) at every shape with GOMAXPROCS 1 and
// 2 and prints the table, with, for each BNN step
// size, the sum of its five products' medians: the time a step of one
// particle spends in matrix products. gonum's Dgemm splits C into 64×64
// blocks over GOMAXPROCS goroutines when C has at least 4 blocks, and runs
// serially otherwise.
func dgemmSweep(ctx context.Context, w io.Writer, o options) error {
	tb := &table{
		title: fmt.Sprintf("dgemm (%s, float64, β = 0)", blasName()),
		cols:  []string{"product", "implementation", "GOMAXPROCS", "calls×blocks", "µs/call", "range µs", "GFLOP/s", "allocs/call"},
	}
	r := rand.New(rand.NewPCG(o.seed, 2))
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	type key struct {
		step, procs int
		impl        string
	}
	impls := []string{"gonum dgemm", "ops.MatMul"}
	sumTime := map[key]time.Duration{}
	sumFlops := map[key]float64{}
	for i, g := range gemmShapes {
		a := blas64.General{Rows: g.m, Cols: g.k, Stride: g.k, Data: randSlice(r, g.m*g.k)}
		if g.transA {
			a = blas64.General{Rows: g.k, Cols: g.m, Stride: g.m, Data: a.Data}
		}
		b := blas64.General{Rows: g.k, Cols: g.n, Stride: g.n, Data: randSlice(r, g.k*g.n)}
		if g.transB {
			b = blas64.General{Rows: g.n, Cols: g.k, Stride: g.k, Data: b.Data}
		}
		c := blas64.General{Rows: g.m, Cols: g.n, Stride: g.n, Data: make([]float64, g.m*g.n)}
		tA, tB := blas.NoTrans, blas.NoTrans
		if g.transA {
			tA = blas.Trans
		}
		if g.transB {
			tB = blas.Trans
		}
		for _, impl := range impls {
			for _, procs := range []int{1, 2} {
				runtime.GOMAXPROCS(procs)
				call := func() error {
					blas64.Gemm(tA, tB, 1, a, b, 0, c)
					return nil
				}
				if impl == "ops.MatMul" {
					call = func() error {
						ops.MatMul(g.transA, g.transB, g.m, g.n, g.k, a.Data, b.Data, 0, c.Data)
						return nil
					}
				}
				t, err := measure(ctx, o, call)
				if err != nil {
					return err
				}
				lo, hi := t.spread()
				tb.add(g.label, impl, procs, fmt.Sprintf("%d×%d", t.calls, o.reps),
					f3(us(t.median())), f3(us(lo))+"–"+f3(us(hi)),
					f3(g.flops()/t.median().Seconds()/1e9), f3(t.allocs))
				if g.step > 0 {
					sumTime[key{g.step, procs, impl}] += t.median()
					sumFlops[key{g.step, procs, impl}] += g.flops()
				}
			}
		}
		if g.step > 0 && (i+1 == len(gemmShapes) || gemmShapes[i+1].step != g.step) {
			for _, impl := range impls {
				for _, procs := range []int{1, 2} {
					k := key{g.step, procs, impl}
					tb.add(fmt.Sprintf("Σ of the five products above (one particle, N = %d, H = 50)", g.step), impl, procs, "",
						f3(us(sumTime[k])), "", f3(sumFlops[k]/sumTime[k].Seconds()/1e9), "")
				}
			}
		}
	}
	return tb.write(w, o, "dgemm")
}

// us returns d in microseconds.
func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func randSlice(r *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = r.NormFloat64()
	}
	return s
}
