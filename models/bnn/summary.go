package bnn

import (
	"math"
	"slices"

	"github.com/govi/govi/svi"
)

// SplitResult is the outcome of one split of [RunSplits]: the fit, the
// selection scores (with Protocol.Select) and the test metrics.
type SplitResult struct {
	Split  int `json:"split"`
	Train  int `json:"n_train"`
	Test   int `json:"n_test"`
	Epochs int `json:"epochs"` // steps / steps per epoch
	Steps  int `json:"steps"`
	// NoiseShape and NoiseRate are the noise prior fitted (the one chosen,
	// with SelectNoise or SelectModel); zero for classification.
	NoiseShape float64 `json:"noise_shape,omitempty"`
	NoiseRate  float64 `json:"noise_rate,omitempty"`
	// Linear is set when SelectModel chose the Bayesian linear model (the
	// Config without hidden layers) over the network.
	Linear bool `json:"linear,omitempty"`
	// PriorStd is each layer's prior sd at the end of the fit (Net.PriorStd):
	// learned with Config.EmpiricalBayes, fixed otherwise.
	PriorStd []float64 `json:"prior_std,omitempty"`
	Metrics
	// Ensemble is the number of fits scored by their mixture
	// (Protocol.Ensemble), absent for one; TrainSeconds then sums them.
	Ensemble       int     `json:"ensemble,omitempty"`
	TrainSeconds   float64 `json:"train_seconds"`
	SelectSeconds  float64 `json:"select_seconds,omitempty"`
	StepsPerSecond float64 `json:"steps_per_second"`
	FinalLoss      float64 `json:"final_loss"` // mean −ELBO of the last finalLossSteps steps
	// Validation holds every validation score of the selection runs.
	Validation []ValidationScore `json:"validation,omitempty"`
	// Diagnostics is the fit report on the whole training split (see
	// Net.Diagnose), nil without Protocol.DiagnosticDraws.
	Diagnostics *svi.Diagnostics `json:"diagnostics,omitempty"`
}

// ValidationScore is one validation score of a selection run.
type ValidationScore struct {
	Candidate string  `json:"candidate"` // the noise prior, as "Gamma(a, b)", after "linear, " for the linear model
	Epochs    int     `json:"epochs"`
	LogLik    float64 `json:"val_ll"`   // mean validation log predictive density
	RMSE      float64 `json:"val_rmse"` // validation RMSE (regression), or error rate (classification)
}

// finalLossSteps is the number of last steps SplitResult.FinalLoss
// averages.
const finalLossSteps = 100

// fit fills the figures of the fitted net of configuration c, which took
// spe steps per epoch.
func (r *SplitResult) fit(net *Net, c Config, spe int) {
	r.Epochs, r.Steps = net.Steps()/spe, net.Steps()
	if c.Task == Regression {
		r.NoiseShape, r.NoiseRate = c.NoiseShape, c.NoiseRate
	}
	r.TrainSeconds = net.TrainTime().Seconds()
	r.StepsPerSecond = float64(net.Steps()) / r.TrainSeconds
	ls := net.Losses()
	tail := ls[max(0, len(ls)-finalLossSteps):]
	for _, l := range tail {
		r.FinalLoss += l / float64(len(tail))
	}
}

// SplitsResult is the outcome of [RunSplits]. With test rows, the test
// metrics are means over splits, and the *SE fields their standard errors
// s/√n (s the sample standard deviation over the n splits; absent for one
// split). Regression fills TestRMSE, TestLL and Coverage95;
// classification TestAccuracy, TestNLL and ECE.
type SplitsResult struct {
	TestRMSE     *float64 `json:"test_rmse,omitempty"`
	TestRMSESE   *float64 `json:"test_rmse_se,omitempty"`
	TestLL       *float64 `json:"test_ll,omitempty"`
	TestLLSE     *float64 `json:"test_ll_se,omitempty"`
	Coverage95   *float64 `json:"test_coverage95,omitempty"`
	TestAccuracy *float64 `json:"test_accuracy,omitempty"`
	TestAccSE    *float64 `json:"test_accuracy_se,omitempty"`
	TestNLL      *float64 `json:"test_nll,omitempty"`
	ECE          *float64 `json:"ece,omitempty"`

	Diagnostics    *svi.Diagnostics `json:"diagnostics,omitempty"` // the fit report, when one split ran
	TrainSeconds   float64          `json:"train_seconds"`         // summed over splits, selection runs excluded
	SelectSeconds  float64          `json:"select_seconds,omitempty"`
	StepsPerSecond float64          `json:"steps_per_second"` // median over splits (0 without test rows)
	PerSplit       []SplitResult    `json:"per_split"`
	Nets           []*Net           `json:"-"` // the fitted networks, one per split
}

// summarize fills the means, standard errors and median speed over
// r.PerSplit, which must have test rows.
func (r *SplitsResult) summarize(task Task) {
	if len(r.PerSplit) == 1 {
		r.Diagnostics = r.PerSplit[0].Diagnostics
	}
	if len(r.PerSplit) == 0 || r.PerSplit[0].Test == 0 {
		return
	}
	ms := func(f func(*Metrics) float64) (*float64, *float64) {
		v := make([]float64, len(r.PerSplit))
		for i := range r.PerSplit {
			v[i] = f(&r.PerSplit[i].Metrics)
		}
		return meanSE(v)
	}
	if task == Regression {
		r.TestRMSE, r.TestRMSESE = ms(func(m *Metrics) float64 { return m.RMSE })
		r.TestLL, r.TestLLSE = ms(func(m *Metrics) float64 { return m.LogLik })
		r.Coverage95, _ = ms(func(m *Metrics) float64 { return m.Coverage95 })
	} else {
		r.TestAccuracy, r.TestAccSE = ms(func(m *Metrics) float64 { return m.Accuracy })
		r.TestNLL, _ = ms(func(m *Metrics) float64 { return m.NLL })
		r.ECE, _ = ms(func(m *Metrics) float64 { return m.ECE })
	}
	rates := make([]float64, len(r.PerSplit))
	for i, s := range r.PerSplit {
		rates[i] = s.StepsPerSecond
	}
	r.StepsPerSecond = median(rates)
}

// meanSE returns the mean of v and its standard error s/√n, s² the
// unbiased sample variance; the standard error is nil for fewer than two
// values.
func meanSE(v []float64) (mean, se *float64) {
	n := float64(len(v))
	var m, ss float64
	for _, x := range v {
		m += x / n
	}
	if len(v) < 2 {
		return &m, nil
	}
	for _, x := range v {
		ss += (x - m) * (x - m) / (n - 1)
	}
	s := math.Sqrt(ss / n)
	return &m, &s
}

// median returns the median of v (the mean of the middle two for an even
// count); v is not modified.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
