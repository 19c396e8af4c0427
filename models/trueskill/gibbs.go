package trueskill

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// GibbsSettings controls the Gibbs sampler.
type GibbsSettings struct {
	Samples int // draws kept after burn-in; must be positive
	BurnIn  int // draws discarded first
	Thin    int // keep every Thin-th draw; 0 means 1
	// Batches is the number of batches for the batch-means Monte Carlo
	// standard errors; 0 means 50. Samples must be at least 2·Batches.
	Batches int
}

// GibbsResult is the outcome of [Gibbs].
type GibbsResult struct {
	Posterior // means, standard deviations and covariance of the kept draws
	// MCSEMean and MCSEStd are the Monte Carlo standard errors of Mean and
	// Std by batch means (the error of Std by the delta method from the
	// batch means of squared deviations).
	MCSEMean, MCSEStd []float64
	Samples           int // draws kept
}

// Gibbs samples the posterior of the probit model exactly (in the limit of
// many draws) by Gibbs sampling with the performance differences as
// auxiliary variables, as in the 4F13 coursework:
//
//	t_g | s ~ N(s_P1 − s_P2, 2β²) truncated to the result's interval,
//	s | t  ~ N(Λ⁻¹b, Λ⁻¹),  Λ = I/σ₀² + Σ_g a_g a_gᵀ/(2β²),  b = μ₀/σ₀²·1 + Σ_g a_g t_g/(2β²),
//
// with a_g = e_P1 − e_P2. Λ does not depend on t, so it is factorized once
// (Λ = UᵀU, Cholesky); each sweep costs two triangular solves. The chain
// starts at the prior mean. Randomness comes only from rng; the same seed
// gives the same draws.
func Gibbs(ds *Dataset, c Config, s GibbsSettings, rng *rand.Rand) (*GibbsResult, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Link != Probit {
		return nil, errors.New("trueskill: Gibbs: only the probit link is supported")
	}
	if err := c.checkData(ds); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, errors.New("trueskill: Gibbs: nil random source")
	}
	if s.Thin == 0 {
		s.Thin = 1
	}
	if s.Batches == 0 {
		s.Batches = 50
	}
	if s.Samples <= 0 || s.BurnIn < 0 || s.Thin < 0 || s.Batches < 2 || s.Samples < 2*s.Batches {
		return nil, fmt.Errorf("trueskill: Gibbs: invalid settings %+v (need Samples > 0, BurnIn ≥ 0, Batches ≥ 2, Samples ≥ 2·Batches)", s)
	}

	n := len(ds.Players)
	s2 := 2 * c.Beta * c.Beta
	sd := math.Sqrt(s2)
	prior := 1 / (c.Sigma0 * c.Sigma0)

	lambda := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		lambda.SetSym(i, i, prior)
	}
	for _, g := range ds.Games {
		i, j := g.P1, g.P2
		lambda.SetSym(i, i, lambda.At(i, i)+1/s2)
		lambda.SetSym(j, j, lambda.At(j, j)+1/s2)
		lambda.SetSym(i, j, lambda.At(i, j)-1/s2)
	}
	var chol mat.Cholesky
	if ok := chol.Factorize(lambda); !ok {
		return nil, errors.New("trueskill: Gibbs: posterior precision is not positive definite")
	}
	var u mat.TriDense
	chol.UTo(&u)
	ur := u.RawTriangular()

	lo := make([]float64, len(ds.Games))
	hi := make([]float64, len(ds.Games))
	for g, gm := range ds.Games {
		lo[g], hi[g] = gm.Result.interval(c.Margin)
	}

	skill := make([]float64, n)
	for i := range skill {
		skill[i] = c.Mu0
	}
	vec := blas64.Vector{N: n, Inc: 1, Data: skill}
	b := make([]float64, n)
	acc := newMoments(n, s.Samples, s.Batches)
	total := s.BurnIn + s.Samples*s.Thin
	for it := 1; it <= total; it++ {
		// Draw every t_g given the current skills, accumulating
		// b = μ₀/σ₀²·1 + Σ_g a_g t_g/s2.
		for i := range b {
			b[i] = prior * c.Mu0
		}
		for g, gm := range ds.Games {
			d := skill[gm.P1] - skill[gm.P2]
			t := d + sd*truncNormal(rng, (lo[g]-d)/sd, (hi[g]-d)/sd)
			b[gm.P1] += t / s2
			b[gm.P2] -= t / s2
		}
		// s = U⁻¹(U⁻ᵀb + z), z ~ N(0, I): mean Λ⁻¹b, covariance U⁻¹U⁻ᵀ = Λ⁻¹.
		copy(skill, b)
		blas64.Trsv(blas.Trans, ur, vec)
		for i := range skill {
			skill[i] += rng.NormFloat64()
		}
		blas64.Trsv(blas.NoTrans, ur, vec)
		if it > s.BurnIn && (it-s.BurnIn)%s.Thin == 0 {
			acc.add(skill)
		}
	}
	res := &GibbsResult{Samples: s.Samples}
	res.Players = append([]string(nil), ds.Players...)
	res.Mean, res.Std, res.Cov, res.MCSEMean, res.MCSEStd = acc.result()
	return res, nil
}
