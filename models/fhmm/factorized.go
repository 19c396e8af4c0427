package fhmm

import (
	"fmt"
	"math"

	"github.com/govi/govi/internal/monotone"
)

// Factorized fits the fully factorised q(s) = Π_t Π_m
// Categorical(s_t⁽ᵐ⁾; θ_t⁽ᵐ⁾) to the sequence y (T rows of D) with the
// parameters p fixed. A sweep visits t = 1, …, T and, within each t, the
// chains m = 1, …, M, setting
//
//	θ_t⁽ᵐ⁾ ∝ exp{W⁽ᵐ⁾ᵀC⁻¹ỹ_t⁽ᵐ⁾ − ½Δ⁽ᵐ⁾ + (log P⁽ᵐ⁾)ᵀθ_{t−1}⁽ᵐ⁾ + (log P⁽ᵐ⁾)θ_{t+1}⁽ᵐ⁾}
//
// with log π⁽ᵐ⁾ for the first transition term at t = 1 and no second term
// at t = T; each update is the exact maximiser of the ELBO,
//
//	Σ_t E_q[log N(y_t; Σ_m W⁽ᵐ⁾s_t⁽ᵐ⁾, C)] + Σ_m (θ_1⁽ᵐ⁾ᵀ log π⁽ᵐ⁾ + Σ_t θ_t⁽ᵐ⁾ᵀ(log P⁽ᵐ⁾)θ_{t+1}⁽ᵐ⁾) − Σ θ log θ,
//
// in θ_t⁽ᵐ⁾, so the ELBO, evaluated after each sweep, never decreases; a
// fall beyond rounding is returned as a [*DecreaseError]. Sweeps stop as
// for [Structured]. It refuses a zero transition probability with
// [ErrZeroTransition] (see the package documentation).
func Factorized(p Params, y [][]float64, set Settings) (*MeanField, error) {
	md, err := factorizedModel(p)
	if err != nil {
		return nil, err
	}
	z, err := md.whiten(y)
	if err != nil {
		return nil, err
	}
	set, err = set.withDefaults()
	if err != nil {
		return nil, err
	}
	if set.InitLogH != nil {
		return nil, fmt.Errorf("fhmm: Factorized: Settings.InitLogH applies to Structured only; use InitMarginals")
	}
	if set.InitMarginals != nil {
		if err := checkInit(set.InitMarginals, len(z), md.m, md.l, "InitMarginals", true); err != nil {
			return nil, err
		}
	}
	f := newFactorized(md, z, set.InitMarginals)
	return f.iterate(set)
}

// factorized holds the state of fully factorised mean field.
type factorized struct {
	md    *model
	z     [][]float64   // whitened data, T×D
	theta [][][]float64 // T×M×L
	pred  [][]float64   // Σ_m V⁽ᵐ⁾θ_t⁽ᵐ⁾, T×D
	logit []float64     // L
}

// newFactorized starts from a copy of init or, if nil, the prior marginals.
func newFactorized(md *model, z [][]float64, init [][][]float64) *factorized {
	f := &factorized{md: md, z: z, theta: make([][][]float64, len(z)),
		pred: newRect(len(z), md.d), logit: make([]float64, md.l)}
	for t := range f.theta {
		f.theta[t] = newRect(md.m, md.l)
		for m, row := range f.theta[t] {
			switch {
			case init != nil:
				copy(row, init[t][m])
			case t == 0:
				copy(row, md.p.Pi[m])
			default:
				for i, w := range f.theta[t-1][m] {
					axpy(row, w, md.p.P[m][i])
				}
			}
		}
	}
	return f
}

// update sets θ_t⁽ᵐ⁾ to its optimum given everything else, keeping pred
// current.
func (f *factorized) update(t, m int) {
	md, pt, th := f.md, f.pred[t], f.theta[t][m]
	for l, w := range th {
		if w != 0 {
			axpy(pt, -w, md.v[m][l])
		}
	}
	mx := math.Inf(-1)
	for l, v := range md.v[m] {
		var a float64
		for i, zi := range f.z[t] {
			a += v[i] * (zi - pt[i])
		}
		a -= 0.5 * md.delta[m][l]
		if t == 0 {
			a += md.logPi[m][l]
		} else {
			for i, w := range f.theta[t-1][m] {
				a += xlogy(w, md.logP[m][i][l])
			}
		}
		if t+1 < len(f.theta) {
			for j, w := range f.theta[t+1][m] {
				a += xlogy(w, md.logP[m][l][j])
			}
		}
		f.logit[l] = a
		mx = math.Max(mx, a)
	}
	var sum float64
	for l, a := range f.logit {
		th[l] = math.Exp(a - mx)
		sum += th[l]
	}
	for l := range th {
		th[l] /= sum
		if th[l] != 0 {
			axpy(pt, th[l], md.v[m][l])
		}
	}
}

func (f *factorized) sweep() {
	f.md.fillPred(f.pred, f.theta)
	for t := range f.theta {
		for m := range f.theta[t] {
			f.update(t, m)
		}
	}
}

// elbo evaluates the ELBO of the current θ exactly.
func (f *factorized) elbo() float64 {
	md := f.md
	e := md.expectedLogLik(f.z, f.theta, f.pred)
	for t, tt := range f.theta {
		for m, th := range tt {
			for i, w := range th {
				if w == 0 {
					continue
				}
				e -= w * math.Log(w)
				if t == 0 {
					e += w * md.logPi[m][i]
				}
				if t+1 < len(f.theta) {
					for j, u := range f.theta[t+1][m] {
						e += xlogy(w*u, md.logP[m][i][j])
					}
				}
			}
		}
	}
	return e
}

// trans returns Σ_t θ_t⁽ᵐ⁾θ_{t+1}⁽ᵐ⁾ᵀ, M×L×L.
func (f *factorized) trans() [][][]float64 {
	out := make([][][]float64, f.md.m)
	for m := range out {
		out[m] = newRect(f.md.l, f.md.l)
		for t := 0; t+1 < len(f.theta); t++ {
			for i, w := range f.theta[t][m] {
				axpy(out[m][i], w, f.theta[t+1][m])
			}
		}
	}
	return out
}

func (f *factorized) iterate(set Settings) (*MeanField, error) {
	q := &MeanField{ELBO: []float64{f.elbo()}}
	for sweep := 1; sweep <= set.MaxSweeps; sweep++ {
		f.sweep()
		prev, e := q.ELBO[len(q.ELBO)-1], f.elbo()
		if monotone.Fell(prev, e) {
			return nil, &DecreaseError{Method: "Factorized", Iter: sweep, Before: prev, After: e}
		}
		q.ELBO = append(q.ELBO, e)
		q.Sweeps = sweep
		if e-prev <= set.Tol*math.Abs(e) {
			q.Converged = true
			break
		}
	}
	q.Marginals, q.Trans = f.theta, f.trans()
	return q, nil
}
