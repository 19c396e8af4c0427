package fhmm

import (
	"fmt"
	"math"

	"github.com/govi/govi/internal/special"
)

// logitELBO returns the ELBO of the fully factorised q whose marginals are
// θ_t⁽ᵐ⁾ = softmax(a_t⁽ᵐ⁾), with a the T×(M·L) logits row-major (row t
// holds chain 0's L logits, then chain 1's, …), in closed form:
//
//	Σ_t E_q[log N(y_t; Σ_m W⁽ᵐ⁾s_t⁽ᵐ⁾, C)] + Σ_m (θ_1⁽ᵐ⁾ᵀ log π⁽ᵐ⁾ + Σ_t θ_t⁽ᵐ⁾ᵀ(log P⁽ᵐ⁾)θ_{t+1}⁽ᵐ⁾) − Σ θ log θ,
//
// the function [Factorized] maximises. log θ is taken as a − logsumexp(a),
// so θ that underflows to 0 contributes 0 to the entropy. When da is not
// nil it receives ∂ELBO/∂a (see marginalGrad). The model must have no zero
// transition probability (checked by netModel).
func (md *model) logitELBO(z [][]float64, a, da []float64) float64 {
	theta, logTheta := md.softmaxLogits(len(z), a)
	pred := newRect(len(z), md.d)
	e := md.expectedLogLik(z, theta, pred)
	for t, tt := range theta {
		for m, th := range tt {
			for i, w := range th {
				e -= xlogy(w, logTheta[t][m][i])
				if t == 0 {
					e += xlogy(w, md.logPi[m][i])
				}
				if t+1 < len(theta) {
					e += w * dot(md.logP[m][i], theta[t+1][m])
				}
			}
		}
	}
	if da != nil {
		md.logitGrad(z, theta, logTheta, pred, da)
	}
	return e
}

// softmaxLogits returns θ = softmax(a) and log θ per chain and time step.
// At t = 1 a state with π⁽ᵐ⁾_l = 0 is masked out (θ = 0, log θ = −∞, as if
// its logit were −∞): any q giving it mass has ELBO −∞, and variational EM
// often learns such zeros.
func (md *model) softmaxLogits(n int, a []float64) (theta, logTheta [][][]float64) {
	theta, logTheta = make([][][]float64, n), make([][][]float64, n)
	row := make([]float64, md.l)
	for t := range theta {
		theta[t], logTheta[t] = newRect(md.m, md.l), newRect(md.m, md.l)
		for m := range theta[t] {
			copy(row, a[(t*md.m+m)*md.l:(t*md.m+m+1)*md.l])
			for l := range row {
				if t == 0 && math.IsInf(md.logPi[m][l], -1) {
					row[l] = math.Inf(-1)
				}
			}
			lse := special.LogSumExp(row)
			for l, v := range row {
				logTheta[t][m][l] = v - lse
				theta[t][m][l] = math.Exp(v - lse)
			}
		}
	}
	return theta, logTheta
}

// marginalGrad sets g[t][m][l] = ∂ELBO/∂θ_t⁽ᵐ⁾(l), treating the marginals
// as free variables:
//
//	v⁽ᵐ⁾_lᵀ(z_t − Σ_n V⁽ⁿ⁾θ_t⁽ⁿ⁾) − ½Δ⁽ᵐ⁾_l + (G⁽ᵐ⁾θ_t⁽ᵐ⁾)_l
//	  + [t = 1] log π⁽ᵐ⁾_l + [t > 1] ((log P⁽ᵐ⁾)ᵀθ_{t−1}⁽ᵐ⁾)_l + [t < T] ((log P⁽ᵐ⁾)θ_{t+1}⁽ᵐ⁾)_l
//	  − log θ_t⁽ᵐ⁾(l) − 1,
//
// with pred holding Σ_n V⁽ⁿ⁾θ_t⁽ⁿ⁾ (T×D), and 0 for the states
// softmaxLogits masks.
func (md *model) marginalGrad(z [][]float64, theta, logTheta [][][]float64, pred [][]float64, g [][][]float64) {
	r := make([]float64, md.d)
	for t, tt := range theta {
		for i := range r {
			r[i] = z[t][i] - pred[t][i]
		}
		for m, th := range tt {
			for l := range th {
				v := dot(md.v[m][l], r) - 0.5*md.delta[m][l] + dot(md.gram[m][l], th)
				if t == 0 {
					v += md.logPi[m][l]
				} else {
					for i, w := range theta[t-1][m] {
						v += w * md.logP[m][i][l]
					}
				}
				if t+1 < len(theta) {
					v += dot(md.logP[m][l], theta[t+1][m])
				}
				g[t][m][l] = v - logTheta[t][m][l] - 1
				if math.IsInf(logTheta[t][m][l], -1) {
					g[t][m][l] = 0 // a masked state: θ = 0 is fixed
				}
			}
		}
	}
}

// logitGrad sets da = ∂ELBO/∂a from ∂ELBO/∂θ through the softmax of each
// head: ∂/∂a_k = θ_k (g_k − Σ_j θ_j g_j).
func (md *model) logitGrad(z [][]float64, theta, logTheta [][][]float64, pred [][]float64, da []float64) {
	g := make([][][]float64, len(theta))
	for t := range g {
		g[t] = newRect(md.m, md.l)
	}
	md.marginalGrad(z, theta, logTheta, pred, g)
	for t, tt := range theta {
		for m, th := range tt {
			mean := dot(th, g[t][m])
			for l, w := range th {
				da[(t*md.m+m)*md.l+l] = w * (g[t][m][l] - mean)
			}
		}
	}
}

// factorizedModel validates p for a fully factorised q ([Factorized], the
// inference network's closed-form ELBO): it refuses a zero transition
// probability, under which every q with full support has ELBO −∞.
func factorizedModel(p Params) (*model, error) {
	md, err := newModel(p)
	if err != nil {
		return nil, err
	}
	for m, pm := range p.P {
		for i, row := range pm {
			for j, v := range row {
				if v == 0 {
					return nil, fmt.Errorf("%w: Params.P[%d][%d][%d] = 0", ErrZeroTransition, m, i, j)
				}
			}
		}
	}
	return md, nil
}

// FactorizedELBO returns the ELBO of the fully factorised q(s) = Π_t Π_m
// Categorical(s_t⁽ᵐ⁾; θ_t⁽ᵐ⁾) with marginals theta (T×M×L, each row a
// probability vector within [SumTol]) under p for the data y, the
// objective [Factorized] maximises (see the package documentation), in
// closed form. It refuses a zero transition probability with
// [ErrZeroTransition].
func FactorizedELBO(p Params, y [][]float64, theta [][][]float64) (float64, error) {
	md, err := factorizedModel(p)
	if err != nil {
		return 0, err
	}
	z, err := md.whiten(y)
	if err != nil {
		return 0, err
	}
	if err := checkInit(theta, len(z), md.m, md.l, "marginals", true); err != nil {
		return 0, fmt.Errorf("FactorizedELBO: %w", err)
	}
	return newFactorized(md, z, theta).elbo(), nil
}
