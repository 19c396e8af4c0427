package gmm

import (
	"gonum.org/v1/gonum/mat"
)

// Summary is a fitted mixture in the data's units: the component weights,
// means and covariances (D×D row-major each), and the effective components.
type Summary struct {
	Weights     []float64
	Means       [][]float64
	Covariances [][]float64
	Effective   []int // components with weight > EffectiveThreshold
}

// units returns the column means and standard deviations that map a fit on
// standardized data back to the data's units (see [Standardize]); nil
// means none: 0 and 1.
func units(mean, std []float64, d int) ([]float64, []float64) {
	if mean == nil {
		mean = make([]float64, d)
	}
	if std == nil {
		std = make([]float64, d)
		for j := range std {
			std[j] = 1
		}
	}
	return mean, std
}

// Summary returns the fit's weights, means m_k and covariances E[Λ_k]⁻¹ in
// the units of the data before [Standardize] returned mean and std (nil
// for data fitted as they are), with the effective components of r.
func (r *Result) Summary(mean, std []float64) *Summary {
	d := len(r.Means[0])
	mean, std = units(mean, std, d)
	s := &Summary{Weights: r.Weights, Effective: r.Effective}
	for c := range r.Weights {
		m := make([]float64, d)
		cov := make([]float64, d*d)
		for a := 0; a < d; a++ {
			m[a] = r.Means[c][a]*std[a] + mean[a]
			for b := 0; b < d; b++ {
				cov[a*d+b] = r.Covariances[c].At(a, b) * std[a] * std[b]
			}
		}
		s.Means = append(s.Means, m)
		s.Covariances = append(s.Covariances, cov)
	}
	return s
}

// Summary averages over draws of q (sites "weights", "means",
// "bartlett_diag" and "bartlett_off", as svi.Trainer.Sample returns them)
// the weights, the means and the covariances Σ_k = (L₀A_kA_kᵀL₀ᵀ)⁻¹, in
// the units of the data before [Standardize] returned mean and std (nil
// for data fitted as they are). A draw whose precision is numerically
// singular adds nothing to the covariance. The effective components are
// those whose mean weight exceeds EffectiveThreshold, in index order.
func (m *SVIModel) Summary(draws map[string][]float64, mean, std []float64) *Summary {
	K, D := m.K, m.D
	mean, std = units(mean, std, D)
	off := D * (D - 1) / 2
	T := len(draws["weights"]) / K
	s := &Summary{Weights: make([]float64, K), Means: make([][]float64, K), Covariances: make([][]float64, K)}
	for c := range s.Means {
		s.Means[c], s.Covariances[c] = make([]float64, D), make([]float64, D*D)
	}
	l0 := mat.NewDense(D, D, m.L0())
	a := mat.NewDense(D, D, nil)
	var l, lam, sigma mat.Dense
	for t := 0; t < T; t++ {
		for c := 0; c < K; c++ {
			s.Weights[c] += draws["weights"][t*K+c] / float64(T)
			for i := 0; i < D; i++ {
				s.Means[c][i] += (draws["means"][(t*K+c)*D+i]*std[i] + mean[i]) / float64(T)
			}
			a.Zero()
			q := 0
			for i := 0; i < D; i++ {
				a.Set(i, i, draws["bartlett_diag"][(t*K+c)*D+i])
				for j := 0; j < i; j++ {
					a.Set(i, j, draws["bartlett_off"][(t*K+c)*off+q])
					q++
				}
			}
			l.Mul(l0, a)
			lam.Mul(&l, l.T())
			if err := sigma.Inverse(&lam); err != nil {
				continue // a numerically singular draw adds nothing
			}
			for i := 0; i < D; i++ {
				for j := 0; j < D; j++ {
					s.Covariances[c][i*D+j] += sigma.At(i, j) * std[i] * std[j] / float64(T)
				}
			}
		}
	}
	for c, w := range s.Weights {
		if w > EffectiveThreshold {
			s.Effective = append(s.Effective, c)
		}
	}
	return s
}
