package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/graph"
)

// f32Tol is the float32 ops' agreement with float64 on the same inputs,
// relative to max(1, |value|): float32 rounds to 2⁻²⁴ ≈ 6e-8 relative,
// and the values here are sums and products of at most a few hundred
// terms of order one (a dense layer's 40-term dot products, then a
// weighted sum over its 60 outputs), whose rounding errors stay below a
// few hundred ulps; 2e-5 leaves a margin of ten over the largest error
// seen (2e-6) and still fails on any float64-only formula fed float32.
const f32Tol = 2e-5

// dtInput is one input of a dtype-agreement case: its values and shape,
// and whether the cost is differentiated with respect to it.
type dtInput struct {
	v     []float64
	shape []int
	diff  bool
}

// runDtype builds the cost of build on inputs of dtype dt holding ins'
// values (rounded to float32 for float32) and returns the cost, its
// gradients with respect to the inputs marked diff, and the dtypes of
// the cost's value.
func runDtype(t *testing.T, dt tensor.Dtype, ins []dtInput, build func(g *G.ExprGraph, x []*G.Node) (*G.Node, error)) (float64, [][]float64, tensor.Dtype) {
	t.Helper()
	g := G.NewGraph()
	graph.SetDtype(g, dt) // graph.Tensor's constants take it
	nodes := make([]*G.Node, len(ins))
	var wrt G.Nodes
	for i, in := range ins {
		var tv *tensor.Dense
		if dt == tensor.Float32 {
			v := make([]float32, len(in.v))
			for j, x := range in.v {
				v[j] = float32(x)
			}
			tv = tensor.New(tensor.WithShape(in.shape...), tensor.WithBacking(v))
		} else {
			tv = tensor.New(tensor.WithShape(in.shape...), tensor.WithBacking(append([]float64(nil), in.v...)))
		}
		nodes[i] = G.NewTensor(g, dt, len(in.shape), G.WithShape(in.shape...), G.WithName(graph.Name(g, "in")), G.WithValue(tv))
		if in.diff {
			wrt = append(wrt, nodes[i])
		}
	}
	cost, err := build(g, nodes)
	require.NoError(t, err)
	grads, err := G.Grad(cost, wrt...)
	require.NoError(t, err)
	vals := make([]G.Value, 1+len(grads))
	for i, n := range append(G.Nodes{cost}, grads...) {
		G.Read(n, &vals[i])
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
	defer vm.Close()
	require.NoError(t, vm.RunAll())
	c, err := Scalar(vals[0])
	require.NoError(t, err)
	out := make([][]float64, len(grads))
	for i, v := range vals[1:] {
		require.Equal(t, dt, v.Dtype(), "gradient %d", i)
		switch d := v.Data().(type) {
		case []float32:
			for _, x := range d {
				out[i] = append(out[i], float64(x))
			}
		case float32:
			out[i] = []float64{float64(d)}
		default:
			out[i] = valuesOf(t, v)
		}
	}
	return c, out, vals[0].Dtype()
}

// weighted returns Σ w ⊙ y for a fixed weight tensor of y's shape built
// from seeded draws, so that every output element reaches the cost with
// its own weight.
func weighted(g *G.ExprGraph, y *G.Node, seed uint64) (*G.Node, error) {
	r := rand.New(rand.NewPCG(seed, 9))
	n := y.Shape().TotalSize()
	var wv any
	if y.Dtype() == tensor.Float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		wv = v
	} else {
		wv = randVec(r, n, 1)
	}
	w := G.NewConstant(tensor.New(tensor.WithShape(y.Shape().Clone()...), tensor.WithBacking(wv)), G.In(g), G.WithName(graph.Name(g, "w")))
	p, err := G.HadamardProd(y, w)
	if err != nil {
		return nil, err
	}
	return G.Sum(p)
}

// TestFloat32AgreesWithFloat64 runs every op that supports float32 on the
// same inputs in both dtypes: values and gradients agree within f32Tol,
// and the float32 graph's values are float32.
func TestFloat32AgreesWithFloat64(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(17, 32))
	const rows, nin, nout = 7, 40, 60
	x, w, b := randVec(r, rows*nin, 1), randVec(r, nin*nout, 0.2), randVec(r, nout, 0.5)
	labels3 := []float64{0, 2, 1, 1, 0, 2, 2}
	labels2 := []float64{0, 1, 1, 0, 1, 0, 0}
	type tc struct {
		name  string
		ins   []dtInput
		build func(g *G.ExprGraph, x []*G.Node) (*G.Node, error)
	}
	var cases []tc
	for _, act := range []Activation{ReLU, Tanh, Identity} {
		// x computed (Square of an input), so that ∂/∂x is formed too.
		cases = append(cases, tc{"Dense/" + act.String(), []dtInput{{x, []int{rows, nin}, true}, {w, []int{nin, nout}, true}, {b, []int{nout}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				y, err := Dense(G.Must(G.Square(in[0])), in[1], in[2], act)
				if err != nil {
					return nil, err
				}
				return weighted(g, y, 1)
			}})
	}
	loc, rho, eps := randVec(r, 30, 1), randVec(r, 30, 2), randVec(r, 30, 1)
	cases = append(cases,
		tc{"Reparam", []dtInput{{loc, []int{30}, true}, {rho, []int{30}, true}, {eps, []int{30}, false}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				u, err := Reparam(in[0], G.Must(G.Exp(in[1])), in[2])
				if err != nil {
					return nil, err
				}
				return weighted(g, u, 2)
			}},
		tc{"SoftplusReparam", []dtInput{{loc, []int{30}, true}, {rho, []int{30}, true}, {eps, []int{30}, false}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				u, err := SoftplusReparam(in[0], in[1], in[2])
				if err != nil {
					return nil, err
				}
				return weighted(g, u, 3)
			}},
		tc{"GaussianLogLik", []dtInput{{loc, []int{30, 1}, true}, {eps, []int{30}, false}, {[]float64{2.5}, []int{1}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return GaussianLogLik(in[0], in[1], in[2]) }},
		tc{"LogitLogLik/categorical", []dtInput{{randVec(r, 21, 2), []int{7, 3}, true}, {labels3, []int{7}, false}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return LogitLogLik(in[0], in[1]) }},
		tc{"LogitLogLik/bernoulli", []dtInput{{randVec(r, 7, 2), []int{7, 1}, true}, {labels2, []int{7}, false}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return LogitLogLik(in[0], in[1]) }},
		tc{"BernoulliLogLik", []dtInput{{randVec(r, 21, 2), []int{7, 3}, true}, {[]float64{0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1}, []int{7, 3}, false}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return BernoulliLogLik(in[0], in[1]) }},
		tc{"ReparamN", []dtInput{{loc[:10], []int{10}, true}, {rho[:10], []int{10}, true}, {eps, []int{3, 10}, false}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				u, err := ReparamN(in[0], G.Must(G.Exp(in[1])), in[2])
				if err != nil {
					return nil, err
				}
				return weighted(g, u, 5)
			}},
		tc{"SoftplusScale+SumLog", []dtInput{{rho, []int{5, 6}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				s, err := SoftplusScale(in[0])
				if err != nil {
					return nil, err
				}
				h, err := SumLog(s)
				if err != nil {
					return nil, err
				}
				c, err := weighted(g, s, 4)
				if err != nil {
					return nil, err
				}
				return G.Add(c, h)
			}},
		tc{"NormalPriorLogProb", []dtInput{{w[:200], []int{10, 20}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return NormalPriorLogProb(in[0], 0.7) }},
		// C = AᵀA + I is SPD; the cost reaches both outputs.
		tc{"LogDetSPD+InvSPD", []dtInput{{randVec(r, 16, 0.7), []int{4, 4}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				b := graph.New(g)
				eye := graph.Tensor(g, "eye", []float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 4, 4)
				c := b.Add(b.MatMul(b.Apply("T", func(x *G.Node) (*G.Node, error) { return G.Transpose(x) }, in[0]), in[0]), eye)
				ld := b.Apply("LogDetSPD", LogDetSPD, c)
				inv := b.Apply("InvSPD", InvSPD, c)
				if err := b.Err(); err != nil {
					return nil, err
				}
				w, err := weighted(g, inv, 4)
				if err != nil {
					return nil, err
				}
				return b.Add(ld, w), b.Err()
			}},
		tc{"GammaPriorLogProb", []dtInput{{[]float64{0.3, 1.7, 4.2}, []int{3}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return GammaPriorLogProb(in[0], 6, 6) }},
	)
	// The vectorized, local-reparameterization and moment (dvi) ops: the
	// variances are positive inputs (|v| + 0.1).
	posv := func(n int, sc float64) []float64 {
		v := randVec(r, n, sc)
		for i := range v {
			v[i] = abs(v[i]) + 0.1
		}
		return v
	}
	const S, B, ni, no = 3, 5, 4, 6
	sq := func(x *G.Node) *G.Node { return G.Must(G.Square(x)) }
	cases = append(cases,
		tc{"PairDiff", []dtInput{{randVec(r, 6, 1), []int{6}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				d, err := PairDiff(sq(in[0]), []int{0, 2, 5, 1, 0}, []int{1, 1, 3, 4, 5})
				if err != nil {
					return nil, err
				}
				return weighted(g, d, 6)
			}},
		tc{"GaussianLogLikN", []dtInput{{randVec(r, S*B, 1), []int{S, B}, true}, {randVec(r, B, 1), []int{B}, false}, {posv(S, 1), []int{S}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) { return GaussianLogLikN(in[0], in[1], in[2]) }},
		tc{"DenseN/shared", []dtInput{{randVec(r, B*ni, 1), []int{B, ni}, false}, {randVec(r, S*ni*no, 0.5), []int{S, ni, no}, true}, {randVec(r, S*no, 0.5), []int{S, no}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				y, err := DenseN(in[0], in[1], in[2], Tanh)
				if err != nil {
					return nil, err
				}
				return weighted(g, y, 7)
			}},
		tc{"DenseN/particles", []dtInput{{randVec(r, S*B*ni, 1), []int{S, B, ni}, true}, {randVec(r, S*ni*no, 0.5), []int{S, ni, no}, true}, {randVec(r, S*no, 0.5), []int{S, no}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				y, err := DenseN(sq(in[0]), in[1], in[2], ReLU)
				if err != nil {
					return nil, err
				}
				return weighted(g, y, 8)
			}},
		tc{"LocalDense", []dtInput{{randVec(r, B*ni, 1), []int{B, ni}, true}, {randVec(r, ni*no, 0.5), []int{ni, no}, true}, {posv(ni*no, 0.3), []int{ni, no}, true},
			{randVec(r, no, 0.5), []int{no}, true}, {posv(no, 0.3), []int{no}, true}, {randVec(r, B*no, 1), []int{B, no}, false}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				y, err := LocalDense(sq(in[0]), in[1], in[2], in[3], in[4], in[5], Tanh)
				if err != nil {
					return nil, err
				}
				return weighted(g, y, 9)
			}},
		tc{"MomentDense+MomentReLU+GaussianExpectedLogLik", []dtInput{{posv(2*B*ni, 1), []int{2, B, ni}, true}, {randVec(r, ni*no, 0.5), []int{ni, no}, true}, {posv(ni*no, 0.3), []int{ni, no}, true},
			{randVec(r, no, 0.5), []int{no}, true}, {posv(no, 0.3), []int{no}, true},
			{randVec(r, no*1, 0.5), []int{no, 1}, true}, {posv(no, 0.3), []int{no, 1}, true}, {randVec(r, B, 1), []int{B}, false}, {[]float64{0.4}, []int{}, true}, {[]float64{1.7}, []int{}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				h, err := MomentDense(sq(in[0]), in[1], in[2], in[3], in[4])
				if err != nil {
					return nil, err
				}
				if h, err = MomentReLU(h); err != nil {
					return nil, err
				}
				b0 := graph.Tensor(g, "b0", []float64{0.1}, 1)
				bv := graph.Tensor(g, "bv", []float64{0.05}, 1)
				f, err := MomentDense(h, in[5], in[6], b0, bv)
				if err != nil {
					return nil, err
				}
				return GaussianExpectedLogLik(f, in[7], in[8], in[9])
			}},
	)
	// The ops along an axis, the stick-breaking transform and the tiling,
	// which compute in float64 on the widened input and round once.
	cases = append(cases,
		tc{"LogSumExp+LogMeanExp", []dtInput{{randVec(r, 12, 2), []int{3, 4}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				b := graph.New(g)
				l := b.Apply("LogSumExp", func(x *G.Node) (*G.Node, error) { return LogSumExp(x, 1) }, sq(in[0]))
				m := b.Apply("LogMeanExp", func(x *G.Node) (*G.Node, error) { return LogMeanExp(x, 0) }, in[0])
				if err := b.Err(); err != nil {
					return nil, err
				}
				wl, err := weighted(g, l, 10)
				if err != nil {
					return nil, err
				}
				wm, err := weighted(g, m, 11)
				if err != nil {
					return nil, err
				}
				return b.Add(wl, wm), b.Err()
			}},
		tc{"StickBreaking+LogDet", []dtInput{{randVec(r, 8, 1.5), []int{2, 4}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				y, err := StickBreaking(in[0])
				if err != nil {
					return nil, err
				}
				ld, err := StickBreakingLogDet(in[0])
				if err != nil {
					return nil, err
				}
				wy, err := weighted(g, y, 12)
				if err != nil {
					return nil, err
				}
				wl, err := weighted(g, ld, 13)
				if err != nil {
					return nil, err
				}
				return G.Add(wy, wl)
			}},
		tc{"ReduceSum+TileRows+SumTiles", []dtInput{{randVec(r, 6, 1), []int{2, 3}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				tiled, err := TileRows(sq(in[0]), 3)
				if err != nil {
					return nil, err
				}
				back, err := SumTiles(tiled, 3)
				if err != nil {
					return nil, err
				}
				s, err := ReduceSum(back, 1)
				if err != nil {
					return nil, err
				}
				wt, err := weighted(g, tiled, 14)
				if err != nil {
					return nil, err
				}
				ws, err := weighted(g, s, 15)
				if err != nil {
					return nil, err
				}
				return G.Add(wt, ws)
			}},
	)
	// The elementwise special functions (UnaryFn), each on inputs in its
	// domain: positive for the gamma family, negative for log1mexp.
	pos, neg := make([]float64, 12), make([]float64, 12)
	for i := range pos {
		pos[i] = 0.3 + 0.4*float64(i)
		neg[i] = -0.05 - 0.4*float64(i)
	}
	for _, u := range []struct {
		name string
		f    func(*G.Node) (*G.Node, error)
		in   []float64
	}{
		{"Lgamma", Lgamma, pos}, {"Digamma", Digamma, pos}, {"LgammaHalfDiff", LgammaHalfDiff, pos},
		{"Softplus", Softplus, eps}, {"LogSigmoid", LogSigmoid, eps}, {"Log1mExp", Log1mExp, neg},
		{"NormCDF", NormCDF, eps}, {"LogNormCDF", LogNormCDF, rho}, {"Erf", Erf, eps},
	} {
		cases = append(cases, tc{"UnaryFn/" + u.name, []dtInput{{u.in, []int{len(u.in)}, true}},
			func(g *G.ExprGraph, in []*G.Node) (*G.Node, error) {
				y, err := u.f(in[0])
				if err != nil {
					return nil, err
				}
				return weighted(g, y, 5)
			}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The float64 reference sees the float32-rounded inputs, so that
			// only the arithmetic differs.
			ins := make([]dtInput, len(c.ins))
			for i, in := range c.ins {
				v := make([]float64, len(in.v))
				for j, x := range in.v {
					v[j] = float64(float32(x))
				}
				ins[i] = dtInput{v, in.shape, in.diff}
			}
			want, wantG, dt64 := runDtype(t, tensor.Float64, ins, c.build)
			got, gotG, dt32 := runDtype(t, tensor.Float32, ins, c.build)
			assert.Equal(t, tensor.Float64, dt64)
			assert.Equal(t, tensor.Float32, dt32, "the float32 cost")
			assert.InDelta(t, want, got, f32Tol*max(1, abs(want)), "cost")
			require.Len(t, gotG, len(wantG))
			for i := range wantG {
				assertClose(t, wantG[i], gotG[i], f32Tol, c.name+" gradient")
			}
		})
	}
}

func abs(x float64) float64 { return max(x, -x) }

// TestMatMul32 checks MatMul32 against MatMul on float32-rounded operands
// for every transposition and beta, including the matrix–vector shapes.
func TestMatMul32(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 32))
	for _, sz := range [][3]int{{7, 5, 9}, {20, 1, 13}, {1, 17, 6}, {9, 8, 1}, {33, 40, 50}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, beta := range []float64{0, 1, 0.5} {
					a, b, c := randVec(r, m*k, 1), randVec(r, k*n, 1), randVec(r, m*n, 1)
					a32, b32, c32 := to32(a), to32(b), to32(c)
					a, b, c = to64(a32), to64(b32), to64(c32)
					MatMul(ta, tb, m, n, k, a, b, beta, c)
					MatMul32(ta, tb, m, n, k, a32, b32, float32(beta), c32)
					// k ≤ 50 products of unit normals: |c| ≲ 25, each step
					// rounding to 6e-8 relative.
					assertClose(t, c, to64(c32), 1e-5, "MatMul32")
				}
			}
		}
	}
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
