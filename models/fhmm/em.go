package fhmm

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/govi/govi/internal/monotone"
)

// em runs variational EM from p. The ELBO after the M-step of iteration i
// is ELBO(q_i, θ_{i+1}) = E_{q_i}[log p(y, s | θ_{i+1})] + H[q_i], with the
// entropy H[q_i] = ELBO_i − E_{q_i}[log p(y, s | θ_i)] taken from the
// E-step; the next structured E-step starts from q_i itself (its chains'
// marginals), so its first sweep starts from that value.
func (e *emData) em(p Params, set LearnSettings) (*Fit, error) {
	fit := &Fit{}
	var warm [][][]float64
	var warmELBO float64
	for it := 1; it <= set.MaxIter; it++ {
		st, elbo, err := e.eStep(p, set, warm, warmELBO)
		if err != nil {
			return nil, err
		}
		if it > 1 && monotone.Fell(warmELBO, elbo) {
			return nil, &DecreaseError{Method: "Learn E-step", Iter: it, Before: warmELBO, After: elbo}
		}
		fit.ELBO = append(fit.ELBO, elbo)
		fit.Iters, fit.Params, fit.Marginals = it, p, st.gamma
		if it > 1 && elbo-fit.ELBO[it-2] <= set.Tol*math.Abs(elbo) {
			fit.Converged = true
			break
		}
		if it == set.MaxIter {
			break
		}
		before, err := expectedLogJoint(p, st, e.syy)
		if err != nil {
			return nil, err
		}
		next, err := mStep(st, e.syy, p)
		if err != nil {
			return nil, err
		}
		after, err := expectedLogJoint(next, st, e.syy)
		if err != nil {
			return nil, err
		}
		after += elbo - before // + H[q_i]
		if monotone.Fell(elbo, after) {
			return nil, &DecreaseError{Method: "Learn M-step", Iter: it, Before: elbo, After: after}
		}
		p, warm, warmELBO = next, st.gamma, after
	}
	return fit, nil
}

// eStep returns the statistics of q and its ELBO under p: the exact
// posterior, or structured mean field started from the marginals warm
// (whose ELBO under p is warmELBO) or, if warm is nil, from the prior.
func (e *emData) eStep(p Params, set LearnSettings, warm [][][]float64, warmELBO float64) (*suff, float64, error) {
	st := &suff{}
	var elbo float64
	if set.EStep == EStepExact {
		post, cross, err := exact(p, e.y, true)
		if err != nil {
			return nil, 0, err
		}
		st.gamma, st.cross, st.trans, elbo = post.Marginals, cross, post.Trans, post.LogLik
	} else {
		md, err := newModel(p)
		if err != nil {
			return nil, 0, err
		}
		z, err := md.whiten(e.y)
		if err != nil {
			return nil, 0, err
		}
		s := newStructured(md, z)
		if warm == nil {
			if err := s.initPotentials(nil); err != nil {
				return nil, 0, err
			}
			warmELBO = s.elbo()
		} else {
			for t, g := range warm {
				for m, row := range g {
					copy(s.gamma[t][m], row)
				}
			}
		}
		q, err := s.iterate(set.Inner, warmELBO)
		if err != nil {
			return nil, 0, err
		}
		st.gamma, st.cross, st.trans = q.Marginals, factorCross(q.Marginals), q.Trans
		elbo = q.ELBO[len(q.ELBO)-1]
	}
	d, ml := len(e.y[0]), len(st.cross)
	st.b = mat.NewDense(d, ml, nil)
	raw := st.b.RawMatrix()
	for t, row := range e.y {
		for m, g := range st.gamma[t] {
			for l, w := range g {
				col := m*len(g) + l
				for i, v := range row {
					raw.Data[i*raw.Stride+col] += v * w
				}
			}
		}
	}
	return st, elbo, nil
}
