package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/fdcheck"
)

// denseParams are the inputs of the two-layer test network: x0 [B, D],
// w1 [D, H], b1 [H], w2 [H, K], b2 [K], and the cost weights c [B, K].
type denseParams struct {
	B, D, H, K            int
	x0, w1, b1, w2, b2, c []float64
	act                   Activation
}

func newDenseParams(act Activation, seed uint64) denseParams {
	const B, D, H, K = 7, 4, 5, 3
	r := rand.New(rand.NewPCG(1, seed))
	p := denseParams{B: B, D: D, H: H, K: K, act: act}
	p.x0, p.w1, p.b1 = randVec(r, B*D, 1), randVec(r, D*H, 1), randVec(r, H, 0.5)
	p.w2, p.b2, p.c = randVec(r, H*K, 1), randVec(r, K, 0.5), randVec(r, B*K, 1)
	return p
}

// genericLayer is act(h·w + b) from generic gorgonia operations.
func genericLayer(h, w, b *G.Node, act Activation) *G.Node {
	z := G.Must(G.Mul(h, w))
	br := G.Must(G.Reshape(b, tensor.Shape{1, b.Shape()[0]}))
	z = G.Must(G.BroadcastAdd(z, br, nil, []byte{0}))
	switch act {
	case ReLU:
		return G.Must(G.Rectify(z))
	case Tanh:
		return G.Must(G.Tanh(z))
	}
	return z
}

// denseCost builds a two-layer network on one graph, fused or generic:
// cost = Σ c ⊙ (act2(act1(tanh(x0)·w1 + b1)·w2 + b2)). x0 passes through
// tanh so the first layer's input is computed and needs a gradient too.
// It returns the cost and its gradients with respect to x0, w1, b1, w2, b2.
func denseCost(t *testing.T, fused bool, p denseParams) (float64, [][]float64) {
	t.Helper()
	g := G.NewGraph()
	nx := matNode(g, p.B, p.D, p.x0)
	nw1, nb1 := matNode(g, p.D, p.H, p.w1), vecNode(g, p.b1)
	nw2, nb2 := matNode(g, p.H, p.K, p.w2), vecNode(g, p.b2)
	nc := matNode(g, p.B, p.K, p.c)
	x := G.Must(G.Tanh(nx))
	var out *G.Node
	if fused {
		h, err := Dense(x, nw1, nb1, p.act)
		require.NoError(t, err)
		out, err = Dense(h, nw2, nb2, Identity)
		require.NoError(t, err)
	} else {
		out = genericLayer(genericLayer(x, nw1, nb1, p.act), nw2, nb2, Identity)
	}
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(out, nc))))
	wrt := G.Nodes{nx, nw1, nb1, nw2, nb2}
	grads, err := G.Grad(cost, wrt...)
	require.NoError(t, err)
	res := runTape(t, g, wrt, append(G.Nodes{cost}, grads...)...)
	return res[0][0], res[1:]
}

// hostLayer is act(h·w + b) with plain loops, independent of DenseForward.
func hostLayer(h, w, b []float64, rows, nin, nout int, act Activation) []float64 {
	z := make([]float64, rows*nout)
	for r := 0; r < rows; r++ {
		for j := 0; j < nout; j++ {
			s := b[j]
			for i := 0; i < nin; i++ {
				s += h[r*nin+i] * w[i*nout+j]
			}
			switch act {
			case ReLU:
				s = math.Max(0, s)
			case Tanh:
				s = math.Tanh(s)
			}
			z[r*nout+j] = s
		}
	}
	return z
}

// hostDense is denseCost's cost computed on the host with plain loops.
func hostDense(p denseParams) float64 {
	x := make([]float64, len(p.x0))
	for i, v := range p.x0 {
		x[i] = math.Tanh(v)
	}
	h := hostLayer(x, p.w1, p.b1, p.B, p.D, p.H, p.act)
	o := hostLayer(h, p.w2, p.b2, p.B, p.H, p.K, Identity)
	var s float64
	for i, v := range o {
		s += p.c[i] * v
	}
	return s
}

// TestDenseGradient checks two stacked Dense layers, value and gradients
// with respect to every input (the first layer's input is computed), against
// the same network built from generic gorgonia operations and against
// central differences of a host computation.
func TestDenseGradient(t *testing.T) {
	t.Parallel()
	for _, act := range []Activation{ReLU, Tanh, Identity} {
		t.Run(act.String(), func(t *testing.T) {
			t.Parallel()
			p := newDenseParams(act, uint64(act))
			vf, gf := denseCost(t, true, p)
			vu, gu := denseCost(t, false, p)
			assert.InDelta(t, vu, vf, fusedTol*math.Max(1, math.Abs(vu)), "value")
			assert.InDelta(t, hostDense(p), vf, fusedTol*math.Max(1, math.Abs(vf)), "value vs host")
			params := [][]float64{p.x0, p.w1, p.b1, p.w2, p.b2}
			for i, name := range []string{"x", "w1", "b1", "w2", "b2"} {
				assertClose(t, gu[i], gf[i], fusedTol, "fused vs generic ∂/∂"+name)
				// hostDense reads params[i] through p, which aliases it.
				fd := fdcheck.Grad(func([]float64) float64 { return hostDense(p) }, params[i], fdStep)
				assertClose(t, fd, gf[i], fdRelTol, "fused vs finite differences ∂/∂"+name)
			}
		})
	}
}

// TestDenseForward checks the host layer against plain loops, for each
// activation and for the skinny shapes MatMul hands to dgemv and dger.
func TestDenseForward(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 1))
	for _, sz := range [][3]int{{7, 4, 5}, {1, 4, 5}, {7, 1, 5}, {7, 4, 1}, {1, 1, 1}} {
		rows, nin, nout := sz[0], sz[1], sz[2]
		x, w, b := randVec(r, rows*nin, 1), randVec(r, nin*nout, 1), randVec(r, nout, 0.5)
		for _, act := range []Activation{ReLU, Tanh, Identity} {
			z := make([]float64, rows*nout)
			for i := range z {
				z[i] = math.NaN() // DenseForward must overwrite every element
			}
			DenseForward(z, x, w, b, rows, nin, nout, act)
			assertClose(t, hostLayer(x, w, b, rows, nin, nout, act), z, fusedTol, fmt.Sprintf("%v %v", sz, act))
		}
	}
}

// TestDenseReusesOutput runs one machine twice with different inputs: the
// op keeps its output tensor (and the gradient ops theirs) between runs,
// and the second run's values and gradients must be those of a fresh graph.
// The bias gradient accumulates a column sum into its buffer, so a missing
// reset would double it.
func TestDenseReusesOutput(t *testing.T) {
	t.Parallel()
	for _, act := range []Activation{ReLU, Tanh, Identity} {
		t.Run(act.String(), func(t *testing.T) {
			t.Parallel()
			p := newDenseParams(act, 10+uint64(act))
			g := G.NewGraph()
			nx := matNode(g, p.B, p.D, p.x0)
			nw1, nb1 := matNode(g, p.D, p.H, p.w1), vecNode(g, p.b1)
			nw2, nb2 := matNode(g, p.H, p.K, p.w2), vecNode(g, p.b2)
			nc := matNode(g, p.B, p.K, p.c)
			h, err := Dense(G.Must(G.Tanh(nx)), nw1, nb1, act)
			require.NoError(t, err)
			out, err := Dense(h, nw2, nb2, Identity)
			require.NoError(t, err)
			cost := G.Must(G.Sum(G.Must(G.HadamardProd(out, nc))))
			wrt := G.Nodes{nx, nw1, nb1, nw2, nb2}
			grads, err := G.Grad(cost, wrt...)
			require.NoError(t, err)
			vals := make([]G.Value, 1+len(grads))
			G.Read(cost, &vals[0])
			for i, gn := range grads {
				G.Read(gn, &vals[1+i])
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
			defer vm.Close()
			require.NoError(t, vm.RunAll())
			buf := out.Op().(denseOp).buf
			first := buf.v
			require.NotNil(t, first)

			// Second run: new inputs x0 and w1, in place.
			q := newDenseParams(act, 20+uint64(act))
			copy(nx.Value().Data().([]float64), q.x0)
			copy(nw1.Value().Data().([]float64), q.w1)
			p.x0, p.w1 = q.x0, q.w1
			vm.Reset()
			require.NoError(t, vm.RunAll())
			assert.Same(t, first, buf.v, "the output tensor is reused")
			// Reuse must not change a bit: the same arithmetic as a fresh graph.
			vf, gf := denseCost(t, true, p)
			assert.Equal(t, vf, valuesOf(t, vals[0])[0], "value of the second run")
			for i, name := range []string{"x", "w1", "b1", "w2", "b2"} {
				assert.Equal(t, gf[i], valuesOf(t, vals[1+i]), "second run ∂/∂"+name)
			}
		})
	}
}

// TestDenseDataInput: a fed input (a node without an op) gets no gradient
// operation; a computed one does.
func TestDenseDataInput(t *testing.T) {
	t.Parallel()
	for _, computed := range []bool{false, true} {
		g := G.NewGraph()
		x := matNode(g, 4, 3, make([]float64, 12))
		w := matNode(g, 3, 2, make([]float64, 6))
		b := vecNode(g, make([]float64, 2))
		in := x
		if computed {
			in = G.Must(G.Tanh(x))
		}
		y, err := Dense(in, w, b, Tanh)
		require.NoError(t, err)
		wrt := G.Nodes{w, b}
		if computed {
			wrt = append(wrt, x)
		}
		_, err = G.Grad(G.Must(G.Sum(y)), wrt...)
		require.NoError(t, err)
		var wrtX, wrtW, wrtB int
		for _, n := range g.AllNodes() {
			if n.Op() == nil {
				continue
			}
			switch n.Op().String() {
			case "DenseGrad{tanh,x}":
				wrtX++
			case "DenseGrad{tanh,w}":
				wrtW++
			case "DenseGrad{tanh,b}":
				wrtB++
			}
		}
		want := 0
		if computed {
			want = 1
		}
		assert.Equal(t, want, wrtX, "computed=%v: gradient ops for x", computed)
		assert.Equal(t, 1, wrtW, "computed=%v: gradient ops for w", computed)
		assert.Equal(t, 1, wrtB, "computed=%v: gradient ops for b", computed)
	}
}

func TestDenseErrors(t *testing.T) {
	t.Parallel()
	g := G.NewGraph()
	x := G.NewMatrix(g, G.Float64, G.WithShape(4, 3), G.WithName("x"))
	w := G.NewMatrix(g, G.Float64, G.WithShape(3, 2), G.WithName("w"))
	b := G.NewVector(g, G.Float64, G.WithShape(2), G.WithName("b"))
	bad := G.NewVector(g, G.Float64, G.WithShape(5), G.WithName("bad"))
	wT := G.NewMatrix(g, G.Float64, G.WithShape(2, 3), G.WithName("wT"))
	x32 := G.NewMatrix(g, G.Float32, G.WithShape(4, 3), G.WithName("x32"))
	xInt := G.NewMatrix(g, G.Int, G.WithShape(4, 3), G.WithName("xInt"))
	y, err := Dense(x, w, b, Tanh)
	require.NoError(t, err)
	assert.Equal(t, []int{4, 2}, []int(y.Shape()))
	for _, tc := range []struct {
		name    string
		x, w, b *G.Node
		act     Activation
		want    string
	}{
		{"bias width", x, w, bad, ReLU, "do not fit"},
		{"weight shape", x, wT, b, ReLU, "do not fit"},
		{"mixed dtypes", x32, w, b, ReLU, "input 1 is float64, input 0 is float32"},
		{"int", xInt, w, b, ReLU, "float32 or float64 only"},
		{"activation", x, w, b, Activation(7), "unknown activation"},
		{"negative activation", x, w, b, Activation(-1), "unknown activation"},
		{"nil input", nil, w, b, ReLU, "input 0 is nil"},
		{"nil bias", x, w, nil, ReLU, "input 2 is nil"},
	} {
		_, err := Dense(tc.x, tc.w, tc.b, tc.act)
		assert.ErrorContains(t, err, tc.want, tc.name)
		if err != nil {
			assert.True(t, strings.HasPrefix(err.Error(), "ops: "), "%s: %v", tc.name, err)
		}
	}
}

func TestActivation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		act  Activation
	}{{"relu", ReLU}, {"tanh", Tanh}, {"identity", Identity}} {
		a, err := ParseActivation(tc.name)
		require.NoError(t, err)
		assert.Equal(t, tc.act, a)
		assert.Equal(t, tc.name, a.String())
		assert.True(t, a.Valid())
	}
	assert.Equal(t, ReLU, Activation(0), "ReLU is the zero value")
	_, err := ParseActivation("gelu")
	assert.ErrorContains(t, err, `ops: unknown activation "gelu"`)
	assert.Equal(t, "Activation(7)", Activation(7).String())
	assert.False(t, Activation(7).Valid())
	assert.False(t, Activation(-1).Valid())

	// Apply and Backward against their definitions. The
	// values include ±0, where ReLU's output and derivative are 0.
	z := []float64{-1.5, -0.0, 0.0, 0.3, 2.0, -1e-300}
	g := []float64{0.7, -1.1, 2.0, 0.5, -0.25, 3.0}
	for _, act := range []Activation{ReLU, Tanh, Identity} {
		y := append([]float64(nil), z...)
		act.Apply(y)
		dz := make([]float64, len(z))
		act.Backward(dz, g, y)
		for i, v := range z {
			wantY, wantD := v, g[i]
			switch act {
			case ReLU:
				wantY = math.Max(0, v)
				if v <= 0 {
					wantY, wantD = 0, 0
				}
			case Tanh:
				wantY = math.Tanh(v)
				wantD = g[i] * (1 - wantY*wantY)
			}
			assert.Equal(t, wantY, y[i], "%v: Apply(%v)", act, v)
			assert.False(t, math.Signbit(y[i]) && act == ReLU, "%v: Apply(%v) is +0 or positive", act, v)
			assert.Equal(t, wantD, dz[i], "%v: Backward at %v", act, v)
		}
	}
}

// BenchmarkDenseLayers times the forward and backward pass of a 13-50-1
// ReLU network on 455 rows, fused (Dense) against generic gorgonia ops.
func BenchmarkDenseLayers(b *testing.B) {
	const B, D, H, K = 455, 13, 50, 1
	r := rand.New(rand.NewPCG(1, 1))
	x0, w1, b1 := randVec(r, B*D, 1), randVec(r, D*H, 1), randVec(r, H, 0.5)
	w2, b2, c := randVec(r, H*K, 1), randVec(r, K, 0.5), randVec(r, B*K, 1)
	for _, fused := range []bool{true, false} {
		b.Run(fmt.Sprintf("fused=%v", fused), func(b *testing.B) {
			g := G.NewGraph()
			nx := matNode(g, B, D, x0)
			nw1, nb1 := matNode(g, D, H, w1), vecNode(g, b1)
			nw2, nb2 := matNode(g, H, K, w2), vecNode(g, b2)
			nc := matNode(g, B, K, c)
			var out *G.Node
			if fused {
				out = G.Must(Dense(G.Must(Dense(nx, nw1, nb1, ReLU)), nw2, nb2, Identity))
			} else {
				out = genericLayer(genericLayer(nx, nw1, nb1, ReLU), nw2, nb2, Identity)
			}
			cost := G.Must(G.Sum(G.Must(G.HadamardProd(out, nc))))
			wrt := G.Nodes{nw1, nb1, nw2, nb2}
			grads, err := G.Grad(cost, wrt...)
			if err != nil {
				b.Fatal(err)
			}
			vm := G.NewTapeMachine(g.SubgraphRoots(append(G.Nodes{cost}, grads...)...), G.BindDualValues(wrt...))
			defer vm.Close()
			b.ReportAllocs()
			for b.Loop() {
				if err := vm.RunAll(); err != nil {
					b.Fatal(err)
				}
				vm.Reset()
			}
		})
	}
}
