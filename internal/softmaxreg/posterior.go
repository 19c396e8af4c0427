package softmaxreg

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Posterior is the log posterior of the log-linear classifier on a data
// set. Its methods are safe for concurrent use.
type Posterior struct {
	X          []float64 // N×D row-major inputs
	Y          []int     // N labels in 0…K−1
	N, D, K    int
	PriorScale float64    // σ_p
	xm         *mat.Dense // X as an N×D matrix, for LogDensity's products
}

// New returns the posterior of labels y (integers 0…k−1 stored as
// floats) given the N×d inputs x and the prior scale σ_p.
func New(x, y []float64, d, k int, priorScale float64) (*Posterior, error) {
	switch {
	case d < 1 || len(x) == 0 || len(x)%d != 0 || len(x)/d != len(y):
		return nil, fmt.Errorf("softmaxreg: %d input values and %d labels are not N rows of %d columns", len(x), len(y), d)
	case k < 2:
		return nil, fmt.Errorf("softmaxreg: need at least 2 classes, got %d", k)
	case !(priorScale > 0) || math.IsInf(priorScale, 0):
		return nil, fmt.Errorf("softmaxreg: prior scale must be positive and finite, got %v", priorScale)
	}
	p := &Posterior{X: x, Y: make([]int, len(y)), N: len(y), D: d, K: k, PriorScale: priorScale}
	for i, v := range y {
		if v != math.Trunc(v) || v < 0 || v >= float64(k) {
			return nil, fmt.Errorf("softmaxreg: label %d is %v, not a class in 0…%d", i, v, k-1)
		}
		p.Y[i] = int(v)
	}
	p.xm = mat.NewDense(p.N, d, x)
	return p, nil
}

// Outputs returns O: K logits for K > 2, one for K = 2.
func (p *Posterior) Outputs() int {
	if p.K == 2 {
		return 1
	}
	return p.K
}

// Dim returns the number of parameters, (D+1)·O.
func (p *Posterior) Dim() int { return (p.D + 1) * p.Outputs() }

// logits writes zᵢ = xᵢ W + b (O values) into z.
func (p *Posterior) logits(z, xi, theta []float64) {
	o := p.Outputs()
	copy(z, theta[p.D*o:])
	for j, v := range xi {
		if v == 0 {
			continue
		}
		w := theta[j*o : (j+1)*o]
		for c := range z {
			z[c] += v * w[c]
		}
	}
}

// probs turns the logits z into the probabilities of the O outputs in
// place (softmax, or σ for one logit) and returns log p(y | z).
func (p *Posterior) probs(z []float64, y int) float64 {
	if len(z) == 1 {
		lp := -softplus(-z[0]) // log σ(z)
		if y == 0 {
			lp = -softplus(z[0])
		}
		z[0] = 1 / (1 + math.Exp(-z[0]))
		return lp
	}
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, v)
	}
	var s float64
	for _, v := range z {
		s += math.Exp(v - m)
	}
	lse := m + math.Log(s)
	lp := z[y] - lse
	for c, v := range z {
		z[c] = math.Exp(v - lse)
	}
	return lp
}

func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// LogDensity returns log p(θ | data) up to its normalizing constant, and
// writes the gradient into grad unless grad is nil. The data term is
// computed with matrix products: Z = X W + 1 bᵀ, ∇_W = Xᵀ G, ∇_b = 1ᵀ G
// with Gᵢ = e_{yᵢ} − softmax(zᵢ) (or yᵢ − σ(zᵢ)).
func (p *Posterior) LogDensity(grad, theta []float64) float64 {
	o := p.Outputs()
	inv := 1 / (p.PriorScale * p.PriorScale)
	var lp float64
	for i, v := range theta {
		lp -= 0.5 * v * v * inv
		if grad != nil {
			grad[i] = -v * inv
		}
	}
	w := mat.NewDense(p.D, o, theta[:p.D*o])
	b := theta[p.D*o:]
	z := mat.NewDense(p.N, o, nil)
	z.Mul(p.xm, w)
	zr := z.RawMatrix().Data
	for i := 0; i < p.N; i++ {
		zi := zr[i*o : (i+1)*o]
		for c := range zi {
			zi[c] += b[c]
		}
		y := p.Y[i]
		lp += p.probs(zi, y)
		// zᵢ becomes ∂ log p(yᵢ | zᵢ)/∂zᵢ = e_y − pᵢ (softmax) or y − σ(zᵢ).
		if o == 1 {
			zi[0] = float64(y) - zi[0]
			continue
		}
		for c := range zi {
			zi[c] = -zi[c]
		}
		zi[y]++
	}
	if grad == nil {
		return lp
	}
	var gw mat.Dense
	gw.Mul(p.xm.T(), z)
	for j := 0; j < p.D; j++ {
		for c := range o {
			grad[j*o+c] += gw.At(j, c)
		}
	}
	gb := grad[p.D*o:]
	for i := 0; i < p.N; i++ {
		for c := range o {
			gb[c] += zr[i*o+c]
		}
	}
	return lp
}

// NegHessian returns −∇² log p(θ | data) (Dim×Dim): Σᵢ Aᵢ ⊗ x̃ᵢ x̃ᵢᵀ + I/σ_p².
func (p *Posterior) NegHessian(theta []float64) *mat.SymDense {
	o, d1 := p.Outputs(), p.D+1
	n := p.Dim()
	// xa holds x̃ᵢ for every row; xs the rows scaled by one entry of Aᵢ.
	xa := mat.NewDense(p.N, d1, nil)
	a := make([]float64, p.N*o*o)
	z := make([]float64, o)
	for i := 0; i < p.N; i++ {
		xi := p.X[i*p.D : (i+1)*p.D]
		for j, v := range xi {
			xa.Set(i, j, v)
		}
		xa.Set(i, p.D, 1)
		p.logits(z, xi, theta)
		p.probs(z, p.Y[i])
		ai := a[i*o*o : (i+1)*o*o]
		if o == 1 {
			ai[0] = z[0] * (1 - z[0])
			continue
		}
		for c := range o {
			for e := range o {
				ai[c*o+e] = -z[c] * z[e]
			}
			ai[c*o+c] += z[c]
		}
	}
	h := mat.NewSymDense(n, nil)
	xs := mat.NewDense(p.N, d1, nil)
	var blk mat.Dense
	for c := range o {
		for e := c; e < o; e++ {
			for i := 0; i < p.N; i++ {
				w := a[i*o*o+c*o+e]
				for j := range d1 {
					xs.Set(i, j, w*xa.At(i, j))
				}
			}
			blk.Mul(xa.T(), xs)
			for j := range d1 {
				for k := range d1 {
					h.SetSym(j*o+c, k*o+e, blk.At(j, k))
				}
			}
		}
	}
	inv := 1 / (p.PriorScale * p.PriorScale)
	for i := range n {
		h.SetSym(i, i, h.At(i, i)+inv)
	}
	return h
}

// Probs writes the class probabilities (rows×K) of the rows of x under
// the parameters theta into dst and returns it (a new slice when dst is
// nil).
func (p *Posterior) Probs(dst, x, theta []float64) []float64 {
	rows := len(x) / p.D
	if dst == nil {
		dst = make([]float64, rows*p.K)
	}
	z := make([]float64, p.Outputs())
	for i := 0; i < rows; i++ {
		p.logits(z, x[i*p.D:(i+1)*p.D], theta)
		p.probs(z, 0)
		pr := dst[i*p.K : (i+1)*p.K]
		if len(z) == 1 {
			pr[0], pr[1] = 1-z[0], z[0]
			continue
		}
		copy(pr, z)
	}
	return dst
}
