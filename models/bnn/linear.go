package bnn

import (
	"fmt"
	"math"

	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/models/blr"
)

// LinearBaseline is Bayesian linear regression with its prior and noise
// precisions α and β chosen by type-II maximum likelihood (blr.Evidence),
// the model a regression network should not lose to on nearly linear
// data: the inputs and the target are standardized with train's means and
// sds as Fit does, a bias column is added, w ~ N(0, α⁻¹I) over all
// weights and the bias, y ~ N(Xw, β⁻¹). It scores test by the exact
// posterior predictive N(φᵀm_N, 1/β + φᵀS_Nφ) mapped to the target's
// units, and returns the metrics (RMSE, LogLik, Coverage95 of the central
// 95% interval, NoiseStd = s_y/√β) and the log predictive density of
// each test row.
func LinearBaseline(train, test *Data) (*Metrics, []float64, error) {
	if train == nil || test == nil || train.N == 0 || test.N == 0 || train.D != test.D {
		return nil, nil, fmt.Errorf("bnn: LinearBaseline needs training and test rows of the same width")
	}
	sc, err := NewScaler(train, true)
	if err != nil {
		return nil, nil, err
	}
	design := func(x []float64) ([]float64, error) {
		xs, err := sc.X(x)
		if err != nil {
			return nil, err
		}
		out := make([]float64, 0, len(xs)/train.D*(train.D+1))
		for i := 0; i < len(xs); i += train.D {
			out = append(append(out, xs[i:i+train.D]...), 1)
		}
		return out, nil
	}
	xtr, err := design(train.X)
	if err != nil {
		return nil, nil, err
	}
	post, err := blr.Evidence(xtr, sc.Y(train.Y), train.D+1, blr.Settings{})
	if err != nil {
		return nil, nil, fmt.Errorf("bnn: LinearBaseline: %w", err)
	}
	xte, err := design(test.X)
	if err != nil {
		return nil, nil, err
	}
	mean, vr, err := post.Predict(xte)
	if err != nil {
		return nil, nil, err
	}
	const z975 = 1.959963984540054 // Φ⁻¹(0.975)
	m := &Metrics{NoiseStd: sc.YStd / math.Sqrt(post.Beta)}
	ll := make([]float64, test.N)
	for i, y := range test.Y {
		mu, sd := mean[i]*sc.YStd+sc.YMean, math.Sqrt(vr[i])*sc.YStd
		z := (y - mu) / sd
		ll[i] = -0.5*z*z - math.Log(sd) - special.LogSqrt2Pi
		m.RMSE += (y - mu) * (y - mu) / float64(test.N)
		m.LogLik += ll[i] / float64(test.N)
		if math.Abs(z) <= z975 {
			m.Coverage95 += 1 / float64(test.N)
		}
	}
	m.RMSE = math.Sqrt(m.RMSE)
	return m, ll, nil
}
