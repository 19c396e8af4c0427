package lfm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// SVISettings configures [FitSVI]. The zero value fits the mean-field q by
// the score estimator with the leave-one-out baseline over 8 particles.
type SVISettings struct {
	Estimator svi.Estimator // ScoreELBO, VIMCOBound, EnumELBO or ConcreteELBO; the zero value (TraceELBO) means ScoreELBO
	Baseline  svi.Baseline  // the score estimator's control variate
	// Particles is S; 0 means 8 for score and vimco, 1 for enum and concrete.
	Particles   int
	Temperature float64 // concrete's τ; 0 means svi.DefaultTemperature
	Steps       int     // 0 means 2000
	LearnRate   float64 // Adam's; 0 means 0.05
	Seed        uint64
	// Amortized fits q(z_n | x_n) by an encoder (guides.AmortizedDiscrete)
	// with hidden widths Hidden (ReLU) on minibatches of Batch rows (0
	// means all rows); otherwise q has one logit per row and factor and
	// every step uses all rows.
	Amortized bool
	Hidden    []int
	Batch     int
	// GradDraws is the number of gradient estimates at the final
	// parameters behind SVIFit.GradVar; 0 means 100.
	GradDraws int
}

// SVIFit is the result of [FitSVI].
type SVIFit struct {
	Lambda  [][]float64 // q(z_nj = 1), N rows of K
	RowELBO []float64   // each row's exact ELBO under q (MeanFieldELBO)
	ELBO    float64     // Σ RowELBO
	// Trace holds the ELBO estimate of every step (the bound, for vimco;
	// the relaxed objective, for concrete), summed over the data set.
	Trace   []float64
	GradVar *svi.GradientStats // at the final parameters, on all rows
	Runtime time.Duration      // of the steps
}

func (s SVISettings) withDefaults(n int) (SVISettings, error) {
	if s.Estimator == svi.TraceELBO {
		s.Estimator = svi.ScoreELBO
	}
	switch s.Estimator {
	case svi.ScoreELBO, svi.VIMCOBound, svi.EnumELBO, svi.ConcreteELBO:
	default:
		return s, fmt.Errorf("lfm: estimator %v does not train discrete sites (want score, vimco, enum or concrete)", s.Estimator)
	}
	if s.Particles < 0 || s.Steps < 0 || s.Batch < 0 || s.GradDraws < 0 || s.LearnRate < 0 {
		return s, fmt.Errorf("lfm: SVISettings: Particles, Steps, Batch, GradDraws and LearnRate must not be negative")
	}
	if s.Particles == 0 {
		s.Particles = 1
		if s.Estimator == svi.ScoreELBO || s.Estimator == svi.VIMCOBound {
			s.Particles = 8
		}
	}
	if s.Steps == 0 {
		s.Steps = 2000
	}
	if s.LearnRate == 0 {
		s.LearnRate = 0.05
	}
	if s.GradDraws == 0 {
		s.GradDraws = 100
	}
	if s.Batch == 0 || s.Batch > n || !s.Amortized {
		s.Batch = n
	}
	return s, nil
}

// FitSVI fits the mean-field (or amortized) q(z_n) = Π_j Bernoulli(λ_nj) to
// the rows of x under the fixed parameters p by SVI with one of the
// estimators for discrete sites, then scores it exactly (MeanFieldELBO)
// and measures the gradient's variance at the final parameters. K ≤
// MaxExactFactors, for the exact score.
func FitSVI(ctx context.Context, p Params, x [][]float64, set SVISettings) (*SVIFit, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := checkData(x, p.D(), p.Likelihood); err != nil {
		return nil, err
	}
	n, k, d := len(x), p.K(), p.D()
	set, err := set.withDefaults(n)
	if err != nil {
		return nil, err
	}
	var guide svi.Guide = guides.Discrete{InitLogitsFn: func(_ svi.Site, dst []float64, r *rand.Rand) {
		for i := range dst {
			dst[i] = 0.01 * r.NormFloat64()
		}
	}}
	amort := guides.AmortizedDiscrete{Input: "x", Dim: d, Hidden: set.Hidden, Activation: ops.ReLU}
	if set.Amortized {
		guide = amort
	}
	cfg := svi.Config{Estimator: set.Estimator, Baseline: set.Baseline, Particles: set.Particles,
		Temperature: set.Temperature, Optimizer: svi.Adam{LearnRate: set.LearnRate}}
	tr, err := svi.New(SVIModel{P: p, Rows: set.Batch, N: n}, guide, cfg)
	if err != nil {
		return nil, err
	}
	st, err := tr.Init(set.Seed)
	if err != nil {
		return nil, err
	}
	flat := make([]float64, 0, n*d)
	for _, row := range x {
		flat = append(flat, row...)
	}
	next, err := batchesOf(st, flat, n, d, set)
	if err != nil {
		return nil, err
	}
	res, err := svi.Run(ctx, tr, st, next, &svi.Settings{Steps: set.Steps})
	if err != nil {
		return nil, err
	}
	fit := &SVIFit{Runtime: res.Runtime}
	for _, l := range st.Trace {
		fit.Trace = append(fit.Trace, -l)
	}
	logits, err := finalLogits(st, amort, flat, n, set)
	if err != nil {
		return nil, err
	}
	fit.Lambda = make([][]float64, n)
	for i := range fit.Lambda {
		fit.Lambda[i] = make([]float64, k)
		for j := range k {
			fit.Lambda[i][j] = special.Sigmoid(logits[i*k+j])
		}
	}
	if fit.RowELBO, err = MeanFieldELBO(p, x, fit.Lambda); err != nil {
		return nil, err
	}
	for _, v := range fit.RowELBO {
		fit.ELBO += v
	}
	if set.Batch == n {
		fit.GradVar, err = tr.GradientVariance(st, svi.Batch{"x": flat}, set.GradDraws, set.Seed+1)
	}
	return fit, err
}

// batchesOf returns the batch source of the run: all rows every step, or
// minibatches of set.Batch rows dealt by the state.
func batchesOf(st *svi.State, flat []float64, n, d int, set SVISettings) (func() (svi.Batch, error), error) {
	if set.Batch == n {
		b := svi.Batch{"x": flat}
		return func() (svi.Batch, error) { return b, nil }, nil
	}
	mb, err := svi.NewMinibatches(n, set.Batch, rand.NewPCG(set.Seed, 0x6c666d))
	if err != nil {
		return nil, err
	}
	if err := st.SetBatches(mb); err != nil {
		return nil, err
	}
	buf := make([]float64, set.Batch*d)
	return func() (svi.Batch, error) {
		for i, r := range st.Batches.Next() {
			copy(buf[i*d:(i+1)*d], flat[r*d:(r+1)*d])
		}
		return svi.Batch{"x": buf}, nil
	}, nil
}

// finalLogits returns the fitted logits of every row: the parameters of a
// mean-field fit, or the encoder's output on all rows.
func finalLogits(st *svi.State, amort guides.AmortizedDiscrete, flat []float64, n int, set SVISettings) ([]float64, error) {
	if set.Amortized {
		l, err := amort.Logits(st.Params, []string{"z"}, flat, n)
		if err != nil {
			return nil, err
		}
		return l["z"], nil
	}
	l, ok := st.Params.Get("guides/z/logits")
	if !ok {
		return nil, fmt.Errorf("lfm: the fit has no logits")
	}
	return l, nil
}
