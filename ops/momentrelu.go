package ops

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/special"
)

// MomentReLU returns the means and variances of relu(a) for Gaussian
// pre-activations a ~ N(μ, σ²), each element on its own: a holds μ in
// a[0] and σ² in a[1] (shape [2, …], as [MomentDense] returns it) and the
// result has the same shape. With z = μ/σ, Φ and φ the standard normal
// distribution function and density (internal/special), the rectified
// Gaussian's moments are
//
//	E[relu(a)]  = μΦ(z) + σφ(z),
//	E[relu(a)²] = (μ² + σ²)Φ(z) + μσφ(z),
//	Var[relu(a)] = E[relu(a)²] − E[relu(a)]²,
//
// computed as in [ReLUMoments]. Its gradient is one elementwise operation,
// from the derivatives
//
//	∂E/∂μ = Φ(z),  ∂E/∂σ² = φ(z)/(2σ),  ∂Var/∂μ = 2E·Φ(−z),  ∂Var/∂σ² = Φ(z) − φ(z)·E/σ,
//
// and is not differentiable again. The input is float64 or float32 (the
// moments and their derivatives computed in float64 and rounded).
func MomentReLU(a *G.Node) (*G.Node, error) {
	if err := checkFloat("MomentReLU", a); err != nil {
		return nil, err
	}
	op := momentReLUOp{d: a.Shape().Dims(), buf: new(OutBuf), back: new(reluBack)}
	n, err := G.ApplyOp(op, a)
	if err != nil {
		return nil, fmt.Errorf("ops: MomentReLU %v: %w", a.Shape(), err)
	}
	return n, nil
}

// ReLUMoments returns the mean and variance of relu(a) for a ~ N(mu, v),
// v ≥ 0 (v = 0: max(mu, 0) and 0). The variance is taken as a mixture of
// a point mass at 0 and the normal truncated to a > 0,
//
//	Var/σ² = Φ(z)·[1 − λ(z + λ)] + Φ(z)Φ(−z)·(z + λ)²,  λ = φ(z)/Φ(z),
//
// with λ and z + λ from special.InvMillsSum, so that neither tail
// subtracts nearly equal numbers: E[relu(a)²] − E[relu(a)]² loses
// z²·1e-16 of relative accuracy for large positive z, this form none. The
// result is clamped at 0 against rounding.
func ReLUMoments(mu, v float64) (mean, variance float64) {
	r := reluTermsOf(mu, v)
	return r.mean, r.variance
}

// reluMillsBelow is where reluTermsOf takes z + λ from the continued
// fraction of Mills' ratio (special.InvMillsSum) instead of z + φ/Φ. Above
// it the subtraction loses at most a factor z² ≤ 25 of relative accuracy
// in E and z⁴ ≤ 625 in Var (to 1e-13), and the fraction, which needs up to
// 80 terms near z = −2.5 but about 25 at −5, is skipped where most
// pre-activations lie.
const reluMillsBelow = -5

// reluTerms are the rectified Gaussian's moments and their derivatives
// with respect to μ and σ² (see MomentReLU).
type reluTerms struct {
	mean, variance    float64
	dMeanMu, dMeanVar float64
	dVarMu, dVarVar   float64
}

// reluTermsOf returns the moments of relu(a), a ~ N(mu, v), and their
// derivatives. At v = 0 the derivatives are the limits for μ ≠ 0 (at
// μ = 0, where ∂E/∂σ² is infinite, they are taken as for μ < 0).
func reluTermsOf(mu, v float64) reluTerms {
	if !(v > 0) {
		if mu > 0 {
			return reluTerms{mean: mu, dMeanMu: 1, dVarVar: 1}
		}
		return reluTerms{}
	}
	s := math.Sqrt(v)
	z := mu / s
	q := special.NormCDF(-math.Abs(z)) // the smaller tail, to full relative accuracy
	p := 1 - q
	if z < 0 {
		p, q = q, p
	}
	if p == 0 {
		// Φ(z) underflows (z < −38): relu(a) is 0 to double precision.
		return reluTerms{}
	}
	phi := special.NormPDF(z)
	lam, zl := phi/p, 0.0 // λ = φ/Φ and z + λ
	if z < reluMillsBelow {
		lam, zl = special.InvMillsSum(z) // z + λ without cancellation
	} else {
		zl = z + lam
	}
	e := s * p * zl
	return reluTerms{
		mean:     e,
		variance: math.Max(0, v*p*((1-lam*zl)+q*zl*zl)),
		dMeanMu:  p,
		dMeanVar: phi / (2 * s),
		dVarMu:   2 * e * q,
		dVarVar:  p * (1 - zl*phi),
	}
}

// momentReLUOp is the forward op of MomentReLU; d is the input's rank.
type momentReLUOp struct {
	PlainOp
	d    int
	buf  *OutBuf
	back *reluBack
}

// reluBack holds the derivatives the forward pass of one MomentReLU node
// computed (∂E/∂μ, ∂E/∂σ², ∂Var/∂μ, ∂Var/∂σ², each n long) for its
// gradient op, which needs the same Φ, φ and λ: each run of the graph
// evaluates them once. The forward Do advances gen; the gradient op uses
// them only if gen has moved since it last did (a forward pass ran since),
// and recomputes them from its input otherwise.
type reluBack struct {
	gen, used uint64
	d         []float64 // [4n]
}

// fresh reports whether the derivatives were computed by a forward pass
// of n elements since the gradient last used them, and marks them used.
func (k *reluBack) fresh(n int) bool {
	ok := k.gen != k.used && len(k.d) == 4*n
	k.used = k.gen
	return ok
}

var _ G.SDOp = momentReLUOp{}

func (op momentReLUOp) Arity() int            { return 1 }
func (op momentReLUOp) Type() hm.Type         { return hm.NewFnType(FloatType(op.d), FloatType(op.d)) }
func (op momentReLUOp) String() string        { return "MomentReLU" }
func (op momentReLUOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "govi/ops.MomentReLU{%d}", op.d) }
func (op momentReLUOp) Hashcode() uint32      { return HashOf(op.WriteHash) }

// momentShape checks that s is a stack of means and variances, [2, …].
func momentShape(name string, s tensor.Shape) error {
	if s.Dims() < 2 || s[0] != 2 {
		return fmt.Errorf("ops: %s: moments of shape %v; want [2, …] (means, then variances)", name, s)
	}
	return nil
}

func (op momentReLUOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("MomentReLU", in, 1)
	if err != nil {
		return nil, err
	}
	if err := momentShape("MomentReLU", s[0]); err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}

func (op momentReLUOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return momentReLUDo[float32](op, in)
	}
	return momentReLUDo[float64](op, in)
}

func momentReLUDo[T Float](op momentReLUOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: MomentReLU", in, 1)
	if err != nil {
		return nil, err
	}
	if err := momentShape("MomentReLU", in[0].Shape()); err != nil {
		return nil, err
	}
	a := v[0]
	n := len(a) / 2
	out, d := bufGet[T](op.buf, false, in[0].Shape()...)
	k := op.back
	if cap(k.d) < 4*n {
		k.d = make([]float64, 4*n)
	}
	k.d = k.d[:4*n]
	for i := 0; i < n; i++ {
		r := reluTermsOf(float64(a[i]), float64(a[n+i]))
		d[i], d[n+i] = T(r.mean), T(r.variance)
		k.d[i], k.d[n+i], k.d[2*n+i], k.d[3*n+i] = r.dMeanMu, r.dMeanVar, r.dVarMu, r.dVarVar
	}
	k.gen++
	return out, nil
}

func (op momentReLUOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns the gradient node of the input moments.
func (op momentReLUOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if err := CheckArity("ops: MomentReLU", len(inputs), 1); err != nil {
		return nil, err
	}
	return GradNodes("ops: MomentReLU", op.DiffWRT(1), func(int) G.Op {
		return momentReLUGradOp{d: op.d, buf: new(OutBuf), back: op.back}
	}, inputs[0], grad)
}

// momentReLUGradOp maps the gradient [g_E; g_V] with respect to the
// output moments to the gradient with respect to the input moments:
// g_μ = g_E ∂E/∂μ + g_V ∂Var/∂μ and g_σ² = g_E ∂E/∂σ² + g_V ∂Var/∂σ².
// Its inputs are the input moments and the incoming gradient; the
// derivatives come from the forward pass when it ran in this run (back).
type momentReLUGradOp struct {
	PlainOp
	d    int
	buf  *OutBuf
	back *reluBack
}

func (op momentReLUGradOp) Arity() int { return 2 }
func (op momentReLUGradOp) Type() hm.Type {
	return hm.NewFnType(FloatType(op.d), FloatType(op.d), FloatType(op.d))
}
func (op momentReLUGradOp) String() string { return "MomentReLUGrad" }
func (op momentReLUGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "govi/ops.MomentReLUGrad{%d}", op.d)
}
func (op momentReLUGradOp) Hashcode() uint32 { return HashOf(op.WriteHash) }

func (op momentReLUGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("MomentReLUGrad", in, 2)
	if err != nil {
		return nil, err
	}
	if err := momentShape("MomentReLUGrad", s[0]); err != nil {
		return nil, err
	}
	if !s[1].Eq(s[0]) {
		return nil, fmt.Errorf("ops: MomentReLUGrad: gradient %v does not match the moments %v", s[1], s[0])
	}
	return s[0].Clone(), nil
}

func (op momentReLUGradOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return momentReLUGradDo[float32](op, in)
	}
	return momentReLUGradDo[float64](op, in)
}

func momentReLUGradDo[T Float](op momentReLUGradOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ops: MomentReLUGrad", in, 2)
	if err != nil {
		return nil, err
	}
	if err := momentShape("MomentReLUGrad", in[0].Shape()); err != nil {
		return nil, err
	}
	if !in[1].Shape().Eq(in[0].Shape()) {
		return nil, fmt.Errorf("ops: MomentReLUGrad: gradient %v does not match the moments %v", in[1].Shape(), in[0].Shape())
	}
	a, g := v[0], v[1]
	n := len(a) / 2
	out, d := bufGet[T](op.buf, false, in[0].Shape()...)
	if k := op.back; k != nil && k.fresh(n) {
		dm, dmv, dvm, dvv := k.d[:n], k.d[n:2*n], k.d[2*n:3*n], k.d[3*n:]
		for i := 0; i < n; i++ {
			gE, gV := float64(g[i]), float64(g[n+i])
			d[i] = T(gE*dm[i] + gV*dvm[i])
			d[n+i] = T(gE*dmv[i] + gV*dvv[i])
		}
		return out, nil
	}
	for i := 0; i < n; i++ {
		r := reluTermsOf(float64(a[i]), float64(a[n+i]))
		gE, gV := float64(g[i]), float64(g[n+i])
		d[i] = T(gE*r.dMeanMu + gV*r.dVarMu)
		d[n+i] = T(gE*r.dMeanVar + gV*r.dVarVar)
	}
	return out, nil
}
