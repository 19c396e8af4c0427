package fhmm

import "gonum.org/v1/gonum/mat"

// Test hooks into the M-step machinery. ExpectedLogJoint returns
// E_q[log p(y, s)] under p for the q described by marginals (T×M×L),
// transition counts (M×L×L) and cross = Σ_t E[S_tS_tᵀ] (ML×ML; nil for a q
// that factorises over chains); MStep returns the maximiser of it.

func suffOf(y [][]float64, gamma, trans [][][]float64, cross [][]float64) (*suff, *mat.SymDense, error) {
	if cross == nil {
		cross = factorCross(gamma)
	}
	st := &suff{gamma: gamma, cross: cross, trans: trans}
	l := len(gamma[0][0])
	st.b = mat.NewDense(len(y[0]), len(cross), nil)
	for t, row := range y {
		for m, g := range gamma[t] {
			for s, w := range g {
				for i, v := range row {
					st.b.Set(i, m*l+s, st.b.At(i, m*l+s)+v*w)
				}
			}
		}
	}
	return st, scatter(y), nil
}

func ExpectedLogJoint(p Params, y [][]float64, gamma, trans [][][]float64, cross [][]float64) (float64, error) {
	st, syy, err := suffOf(y, gamma, trans, cross)
	if err != nil {
		return 0, err
	}
	return expectedLogJoint(p, st, syy)
}

func MStep(old Params, y [][]float64, gamma, trans [][][]float64, cross [][]float64) (Params, error) {
	st, syy, err := suffOf(y, gamma, trans, cross)
	if err != nil {
		return Params{}, err
	}
	return mStep(st, syy, old)
}

// ExactCross returns Σ_t E[S_tS_tᵀ] under the exact posterior.
func ExactCross(p Params, y [][]float64) ([][]float64, error) {
	_, cross, err := exact(p, y, true)
	return cross, err
}

// LogitELBO returns the closed-form ELBO of the fully factorised q with
// marginals softmax(a) (a: T×M·L, row-major) and, when da is not nil,
// writes its gradient with respect to a into da.
func LogitELBO(p Params, y [][]float64, a, da []float64) (float64, error) {
	md, err := factorizedModel(p)
	if err != nil {
		return 0, err
	}
	z, err := md.whiten(y)
	if err != nil {
		return 0, err
	}
	return md.logitELBO(z, a, da), nil
}

// MarginalGrad returns ∂ELBO/∂θ (T×M×L) of the fully factorised ELBO at
// the positive marginals theta, treated as free variables.
func MarginalGrad(p Params, y [][]float64, theta [][][]float64) ([][][]float64, error) {
	md, err := factorizedModel(p)
	if err != nil {
		return nil, err
	}
	z, err := md.whiten(y)
	if err != nil {
		return nil, err
	}
	pred := newRect(len(z), md.d)
	md.fillPred(pred, theta)
	logTheta := make([][][]float64, len(theta))
	g := make([][][]float64, len(theta))
	for t := range theta {
		logTheta[t], g[t] = newRect(md.m, md.l), newRect(md.m, md.l)
		for m := range theta[t] {
			logTheta[t][m] = logs(theta[t][m])
		}
	}
	md.marginalGrad(z, theta, logTheta, pred, g)
	return g, nil
}

// FreeFactorizedELBO is factorized.go's ELBO at marginals theta taken as
// they are (not checked to be probability vectors), for central
// differences in θ.
func FreeFactorizedELBO(p Params, y [][]float64, theta [][][]float64) (float64, error) {
	md, err := newModel(p)
	if err != nil {
		return 0, err
	}
	z, err := md.whiten(y)
	if err != nil {
		return 0, err
	}
	return newFactorized(md, z, theta).elbo(), nil
}
