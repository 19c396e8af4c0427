package ops

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/special"
)

// SoftplusReparam returns the reparameterized Gaussian draw
//
//	u = loc + softplus(ρ) ⊙ ε
//
// as one operation, where loc, ρ and ε have the same shape (ε is noise and
// gets no gradient). Its gradient is g for loc and g ⊙ ε ⊙ σ(ρ) for ρ, one
// more operation. It replaces the Softplus, HadamardProd and Add of the
// generic graph and their four gradient operations, and it reuses its
// output storage from one run to the next. softplus is gorgonia's
// (log(1 + eˣ), with x returned above 16), so the draw agrees with a scale
// built by gorgonia.Softplus.
func SoftplusReparam(loc, rho, eps *G.Node) (*G.Node, error) {
	if err := checkFloat("SoftplusReparam", loc, rho, eps); err != nil {
		return nil, err
	}
	if !loc.Shape().Eq(rho.Shape()) || !loc.Shape().Eq(eps.Shape()) {
		return nil, fmt.Errorf("ops: SoftplusReparam: shapes loc %v, ρ %v and ε %v differ", loc.Shape(), rho.Shape(), eps.Shape())
	}
	n, err := G.ApplyOp(reparamOp{buf: new(OutBuf)}, loc, rho, eps)
	if err != nil {
		return nil, fmt.Errorf("ops: SoftplusReparam: %w", err)
	}
	return n, nil
}

// Reparam returns the reparameterized draw u = loc + scale ⊙ ε as one
// operation (loc, scale and ε of the same shape; ε gets no gradient); its
// gradient is g for loc and g ⊙ ε for scale, one more operation. When S
// particles share loc and scale (a mean-field guide), the scale is computed
// once and only this op is repeated per particle: cheaper than
// SoftplusReparam, which recomputes softplus(ρ) and σ(ρ) for each draw.
func Reparam(loc, scale, eps *G.Node) (*G.Node, error) {
	if err := checkFloat("Reparam", loc, scale, eps); err != nil {
		return nil, err
	}
	if !loc.Shape().Eq(scale.Shape()) || !loc.Shape().Eq(eps.Shape()) {
		return nil, fmt.Errorf("ops: Reparam: shapes loc %v, scale %v and ε %v differ", loc.Shape(), scale.Shape(), eps.Shape())
	}
	n, err := G.ApplyOp(reparamOp{buf: new(OutBuf), affine: true}, loc, scale, eps)
	if err != nil {
		return nil, fmt.Errorf("ops: Reparam: %w", err)
	}
	return n, nil
}

// reparamOp is loc + softplus(ρ) ⊙ ε, or with affine loc + scale ⊙ ε.
type reparamOp struct {
	PlainOp
	buf    *OutBuf
	affine bool
}

var _ G.SDOp = reparamOp{}

func (op reparamOp) Arity() int { return 3 }
func (op reparamOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a, a, a)
}
func (op reparamOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("SoftplusReparam takes 3 inputs, got %d", len(in))
	}
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("SoftplusReparam: input shape is a %T", in[0])
	}
	return s.Clone(), nil
}
func (op reparamOp) String() string {
	if op.affine {
		return "Reparam"
	}
	return "SoftplusReparam"
}
func (op reparamOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "govi/ops."+op.String()) }
func (op reparamOp) Hashcode() uint32      { return HashOf(op.WriteHash) }

func (op reparamOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return reparamDo[float32](op, in)
	}
	return reparamDo[float64](op, in)
}

// reparamDo is reparamOp.Do for either float type; softplus is computed in
// float64 and rounded.
func reparamDo[T Float](op reparamOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("SoftplusReparam", in, 3)
	if err != nil {
		return nil, err
	}
	loc, rho, eps := v[0], v[1], v[2]
	if len(rho) != len(loc) || len(eps) != len(loc) {
		return nil, fmt.Errorf("SoftplusReparam: %d, %d and %d values", len(loc), len(rho), len(eps))
	}
	out, d := bufLike[T](op.buf, in[0].Shape())
	sc := func(x T) T { return T(special.SoftplusGorgonia(float64(x))) }
	if op.affine {
		sc = func(x T) T { return x }
	}
	if d == nil { // a scalar
		setScalarOf(out, float64(loc[0]+sc(rho[0])*eps[0]))
		return out, nil
	}
	if op.affine {
		for i := range d {
			d[i] = loc[i] + rho[i]*eps[i]
		}
		return out, nil
	}
	for i := range d {
		d[i] = loc[i] + T(special.SoftplusGorgonia(float64(rho[i])))*eps[i]
	}
	return out, nil
}

func (op reparamOp) DiffWRT(int) []bool { return []bool{true, true, false} }

// SymDiff passes g to loc and forms g ⊙ ε ⊙ σ(ρ) for ρ.
func (op reparamOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("SoftplusReparam takes 3 inputs, got %d", len(inputs))
	}
	dr, err := G.ApplyOp(reparamGradOp{buf: new(OutBuf), affine: op.affine}, inputs[1], inputs[2], grad)
	if err != nil {
		return nil, fmt.Errorf("ops: SoftplusReparam gradient: %w", err)
	}
	return G.Nodes{grad, dr, nil}, nil
}

// reparamGradOp computes g ⊙ ε ⊙ σ(ρ) from ρ, ε and g.
// reparamGradOp is g ⊙ ε ⊙ σ(ρ), or with affine g ⊙ ε.
type reparamGradOp struct {
	PlainOp
	buf    *OutBuf
	affine bool
}

func (op reparamGradOp) Arity() int { return 3 }
func (op reparamGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a, a, a)
}
func (op reparamGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return reparamOp{}.InferShape(in...)
}
func (op reparamGradOp) String() string {
	if op.affine {
		return "ReparamGrad"
	}
	return "SoftplusReparamGrad"
}
func (op reparamGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "govi/ops."+op.String()) }
func (op reparamGradOp) Hashcode() uint32      { return HashOf(op.WriteHash) }

func (op reparamGradOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return reparamGradDo[float32](op, in)
	}
	return reparamGradDo[float64](op, in)
}

// reparamGradDo is reparamGradOp.Do for either float type; σ(ρ) is
// computed in float64 and rounded.
func reparamGradDo[T Float](op reparamGradOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("SoftplusReparamGrad", in, 3)
	if err != nil {
		return nil, err
	}
	rho, eps, g := v[0], v[1], v[2]
	if len(eps) != len(rho) || len(g) != len(rho) {
		return nil, fmt.Errorf("SoftplusReparamGrad: %d, %d and %d values", len(rho), len(eps), len(g))
	}
	out, d := bufLike[T](op.buf, in[0].Shape())
	ds := func(x T) T { return T(special.Sigmoid(float64(x))) }
	if op.affine {
		ds = func(T) T { return 1 }
	}
	if d == nil {
		setScalarOf(out, float64(g[0]*eps[0]*ds(rho[0])))
		return out, nil
	}
	if op.affine {
		for i := range d {
			d[i] = g[i] * eps[i]
		}
		return out, nil
	}
	for i := range d {
		d[i] = g[i] * eps[i] * T(special.Sigmoid(float64(rho[i])))
	}
	return out, nil
}

// ReparamN returns S reparameterized draws u[s] = loc + scale ⊙ ε[s] as
// one operation: loc and scale share a shape, ε has one more leading axis
// of S particles, and so has u. The gradient is Σ_s g[s] for loc and
// Σ_s g[s] ⊙ ε[s] for the scale. It is the draw of a mean-field guide that
// gives all particles at once (svi.Config.Vectorize).
func ReparamN(loc, scale, eps *G.Node) (*G.Node, error) {
	if err := checkFloat("ReparamN", loc, scale, eps); err != nil {
		return nil, err
	}
	if !loc.Shape().Eq(scale.Shape()) || eps.Shape().Dims() != loc.Shape().Dims()+1 || !tensor.Shape(eps.Shape()[1:]).Eq(loc.Shape()) {
		return nil, fmt.Errorf("ops: ReparamN: ε %v must be [S] followed by the shape %v of loc and scale %v", eps.Shape(), loc.Shape(), scale.Shape())
	}
	n, err := G.ApplyOp(reparamNOp{buf: new(OutBuf), dims: loc.Shape().Dims()}, loc, scale, eps)
	if err != nil {
		return nil, fmt.Errorf("ops: ReparamN: %w", err)
	}
	return n, nil
}

type reparamNOp struct {
	PlainOp
	buf  *OutBuf
	dims int // of loc and scale; ε and u have one more
}

func (op reparamNOp) Arity() int { return 3 }
func (op reparamNOp) Type() hm.Type {
	return hm.NewFnType(FloatType(op.dims), FloatType(op.dims), FloatType(op.dims+1), FloatType(op.dims+1))
}
func (op reparamNOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("ReparamN", in, 3)
	if err != nil {
		return nil, err
	}
	return s[2].Clone(), nil
}
func (op reparamNOp) String() string        { return "ReparamN" }
func (op reparamNOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "govi/ops.ReparamN") }
func (op reparamNOp) Hashcode() uint32      { return HashOf(op.WriteHash) }

func (op reparamNOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return reparamNDo[float32](op, in)
	}
	return reparamNDo[float64](op, in)
}

func reparamNDo[T Float](op reparamNOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ReparamN", in, 3)
	if err != nil {
		return nil, err
	}
	loc, scale, eps := v[0], v[1], v[2]
	n := len(loc)
	if len(scale) != n || n == 0 || len(eps)%n != 0 {
		return nil, fmt.Errorf("ReparamN: %d, %d and %d values", n, len(scale), len(eps))
	}
	out, d := bufGet[T](op.buf, false, in[2].Shape()...)
	for s := 0; s < len(eps)/n; s++ {
		e, u := eps[s*n:(s+1)*n], d[s*n:(s+1)*n]
		for i := range u {
			u[i] = loc[i] + scale[i]*e[i]
		}
	}
	return out, nil
}

func (op reparamNOp) DiffWRT(int) []bool { return []bool{true, true, false} }

// SymDiff sums g over the particles for loc and forms Σ_s g ⊙ ε for the scale.
func (op reparamNOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("ReparamN takes 3 inputs, got %d", len(inputs))
	}
	dl, err := G.ApplyOp(reparamNGradOp{buf: new(OutBuf), dims: op.dims, scale: false}, inputs[0], inputs[2], grad)
	if err != nil {
		return nil, fmt.Errorf("ops: ReparamN gradient: %w", err)
	}
	ds, err := G.ApplyOp(reparamNGradOp{buf: new(OutBuf), dims: op.dims, scale: true}, inputs[0], inputs[2], grad)
	if err != nil {
		return nil, fmt.Errorf("ops: ReparamN gradient: %w", err)
	}
	return G.Nodes{dl, ds, nil}, nil
}

// reparamNGradOp computes Σ_s g[s] (or, with scale, Σ_s g[s] ⊙ ε[s]) from
// loc (for the shape), ε and g.
type reparamNGradOp struct {
	PlainOp
	buf   *OutBuf
	dims  int
	scale bool
}

func (op reparamNGradOp) Arity() int { return 3 }
func (op reparamNGradOp) Type() hm.Type {
	return hm.NewFnType(FloatType(op.dims), FloatType(op.dims+1), FloatType(op.dims+1), FloatType(op.dims))
}
func (op reparamNGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := InputShapes("ReparamNGrad", in, 3)
	if err != nil {
		return nil, err
	}
	return s[0].Clone(), nil
}
func (op reparamNGradOp) String() string {
	if op.scale {
		return "ReparamNGrad{scale}"
	}
	return "ReparamNGrad{loc}"
}
func (op reparamNGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "govi/ops."+op.String()) }
func (op reparamNGradOp) Hashcode() uint32      { return HashOf(op.WriteHash) }

func (op reparamNGradOp) Do(in ...G.Value) (G.Value, error) {
	if isFloat32(in) {
		return reparamNGradDo[float32](op, in)
	}
	return reparamNGradDo[float64](op, in)
}

func reparamNGradDo[T Float](op reparamNGradOp, in []G.Value) (G.Value, error) {
	v, err := floatInputsOf[T]("ReparamNGrad", in, 3)
	if err != nil {
		return nil, err
	}
	loc, eps, g := v[0], v[1], v[2]
	n := len(loc)
	if n == 0 || len(eps) != len(g) || len(g)%n != 0 {
		return nil, fmt.Errorf("ReparamNGrad: %d, %d and %d values", n, len(eps), len(g))
	}
	out, d := bufGet[T](op.buf, true, in[0].Shape()...)
	for s := 0; s < len(g)/n; s++ {
		gs, es := g[s*n:(s+1)*n], eps[s*n:(s+1)*n]
		if op.scale {
			for i := range d {
				d[i] += gs[i] * es[i]
			}
		} else {
			for i := range d {
				d[i] += gs[i]
			}
		}
	}
	return out, nil
}
