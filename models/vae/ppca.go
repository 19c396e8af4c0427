package vae

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// PPCAFit is the maximum-likelihood probabilistic PCA of a data set
// (Tipping & Bishop 1999): x ~ N(μ, WWᵀ + σ²I) with W of rank L.
type PPCAFit struct {
	Mean   []float64  // μ, D values
	W      *mat.Dense // D×L
	Sigma2 float64    // σ², the mean of the D − L smallest eigenvalues of the covariance
	LogLik float64    // maximum mean log-likelihood per datum
}

// PPCA returns the closed-form maximum-likelihood probabilistic PCA with
// latent dimension L of rows×D data x:
//
//	μ = x̄,  S = (1/N) Σ (xₙ − μ)(xₙ − μ)ᵀ = U Λ Uᵀ,
//	σ² = (1/(D − L)) Σ_{j>L} λⱼ,  W = U_L (Λ_L − σ²I)^½,
//	(1/N) log p(X) = −½ (D log 2π + log|C| + tr(C⁻¹S)),  C = WWᵀ + σ²I.
//
// It needs L < D and a positive σ².
func PPCA(x []float64, rows, d, latent int) (*PPCAFit, error) {
	if rows < 2 || d < 1 || len(x) != rows*d {
		return nil, fmt.Errorf("vae: PPCA: %d values for %d rows of %d", len(x), rows, d)
	}
	if latent < 1 || latent >= d {
		return nil, fmt.Errorf("vae: PPCA: latent dimension %d must lie in [1, %d)", latent, d)
	}
	mu := make([]float64, d)
	for i := 0; i < rows; i++ {
		for j := 0; j < d; j++ {
			mu[j] += x[i*d+j] / float64(rows)
		}
	}
	c := mat.NewDense(rows, d, nil)
	for i := 0; i < rows; i++ {
		for j := 0; j < d; j++ {
			c.Set(i, j, x[i*d+j]-mu[j])
		}
	}
	s := mat.NewSymDense(d, nil)
	s.SymOuterK(1/float64(rows), c.T())
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, errors.New("vae: PPCA: eigendecomposition failed")
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	sigma2 := 0.0
	for j := 0; j < d-latent; j++ {
		sigma2 += vals[j]
	}
	sigma2 /= float64(d - latent)
	if !(sigma2 > 0) {
		return nil, errors.New("vae: PPCA: the discarded variance is zero")
	}
	w := mat.NewDense(d, latent, nil)
	for k := 0; k < latent; k++ {
		col := d - 1 - k // largest first
		f := math.Sqrt(math.Max(vals[col]-sigma2, 0))
		for j := 0; j < d; j++ {
			w.Set(j, k, vecs.At(j, col)*f)
		}
	}
	fit := &PPCAFit{Mean: mu, W: w, Sigma2: sigma2}
	ll, err := gaussianLogLik(x, rows, d, mu, covariance(w, sigma2))
	if err != nil {
		return nil, err
	}
	fit.LogLik = ll
	return fit, nil
}

// covariance returns WWᵀ + σ²I for a D×L matrix W.
func covariance(w mat.Matrix, sigma2 float64) *mat.SymDense {
	d, _ := w.Dims()
	c := mat.NewSymDense(d, nil)
	c.SymOuterK(1, w)
	for j := 0; j < d; j++ {
		c.SetSym(j, j, c.At(j, j)+sigma2)
	}
	return c
}

// gaussianLogLik returns the mean over rows of log N(xₙ; μ, C).
func gaussianLogLik(x []float64, rows, d int, mu []float64, c *mat.SymDense) (float64, error) {
	var ch mat.Cholesky
	if !ch.Factorize(c) {
		return 0, errors.New("vae: covariance is not positive definite")
	}
	logDet := ch.LogDet()
	r := mat.NewVecDense(d, nil)
	var sol mat.VecDense
	sum := 0.0
	for i := 0; i < rows; i++ {
		for j := 0; j < d; j++ {
			r.SetVec(j, x[i*d+j]-mu[j])
		}
		if err := ch.SolveVecTo(&sol, r); err != nil {
			return 0, err
		}
		sum += -0.5 * (float64(d)*math.Log(2*math.Pi) + logDet + mat.Dot(r, &sol))
	}
	return sum / float64(rows), nil
}

// ExactLogLik returns the mean exact log p(x) over rows of x for a linear
// VAE with a Gaussian likelihood, whose marginal is Gaussian:
// x ~ N(b, WᵀW + s²I) for the decoder x = zW + b + s·ε. It fails for any
// other configuration.
func (n *Net) ExactLogLik(x []float64, rows int) (float64, error) {
	if !n.cfg.Linear || n.cfg.Likelihood != Gaussian {
		return 0, errors.New("vae: ExactLogLik needs a linear decoder with a Gaussian likelihood")
	}
	if rows < 1 || len(x) != rows*n.cfg.Dim {
		return 0, fmt.Errorf("vae: ExactLogLik: %d values for %d rows of %d", len(x), rows, n.cfg.Dim)
	}
	l := n.dec[0]
	w := mat.NewDense(l.in, l.out, l.w) // L×D
	return gaussianLogLik(x, rows, n.cfg.Dim, l.b, covariance(w.T(), n.noise*n.noise))
}
