package bnn

import "fmt"

// Metrics are a fitted network's scores on held-out rows, in the target's
// units, from its posterior predictive. Regression fills RMSE, LogLik,
// Coverage95 and NoiseStd; classification Accuracy, NLL and ECE. The JSON
// names are those of the UCI protocol's reports.
type Metrics struct {
	RMSE       float64 `json:"test_rmse,omitempty"`       // of the predictive mean
	LogLik     float64 `json:"test_ll,omitempty"`         // mean log predictive density
	Coverage95 float64 `json:"test_coverage95,omitempty"` // fraction inside the central 95% interval
	NoiseStd   float64 `json:"noise_std,omitempty"`       // mean predictive noise sd over draws
	Accuracy   float64 `json:"test_accuracy,omitempty"`
	NLL        float64 `json:"test_nll,omitempty"` // mean negative log predictive probability
	ECE        float64 `json:"ece,omitempty"`      // expected calibration error, 10 bins
}

// eceBins is the number of confidence bins of Metrics.ECE.
const eceBins = 10

// Evaluate scores the network on d from draws posterior draws (0 means
// DefaultDraws) seeded by seed.
func (n *Net) Evaluate(d *Data, draws int, seed uint64) (*Metrics, error) {
	return n.evaluate(d, draws, seed, true)
}

// evaluate is Evaluate; without all it fills only RMSE and LogLik, or
// Accuracy and NLL, which model selection needs.
func (n *Net) evaluate(d *Data, draws int, seed uint64, all bool) (*Metrics, error) {
	if d == nil || d.N == 0 {
		return nil, fmt.Errorf("bnn: Evaluate: no data")
	}
	if n.cfg.Task == Regression {
		p, err := n.Predict(d.X, draws, seed)
		if err != nil {
			return nil, err
		}
		return regressionMetrics(p, d.Y, all)
	}
	p, err := n.PredictClass(d.X, draws, seed)
	if err != nil {
		return nil, err
	}
	return classMetrics(p, d.Y, all)
}

// regressionMetrics scores the predictive p on the targets y: RMSE and
// LogLik, and with all the coverage and the mean noise sd.
func regressionMetrics(p *Predictive, y []float64, all bool) (*Metrics, error) {
	m := &Metrics{}
	var err error
	if m.RMSE, err = p.RMSE(y); err != nil {
		return nil, err
	}
	if m.LogLik, err = p.MeanLogLik(y); err != nil || !all {
		return m, err
	}
	if m.Coverage95, err = p.Coverage(y, 0.95); err != nil {
		return nil, err
	}
	for _, s := range p.NoiseStd {
		m.NoiseStd += s / float64(p.T)
	}
	return m, nil
}

// classMetrics scores the predictive p on the labels y: accuracy and NLL,
// and with all the calibration error.
func classMetrics(p *ClassPredictive, y []float64, all bool) (*Metrics, error) {
	m := &Metrics{}
	var err error
	if m.Accuracy, err = p.Accuracy(y); err != nil {
		return nil, err
	}
	if m.NLL, err = p.NLL(y); err != nil || !all {
		return m, err
	}
	if m.ECE, err = p.ECE(y, eceBins); err != nil {
		return nil, err
	}
	return m, nil
}

// line is the metrics of task as the protocol's progress line gives them.
func (m *Metrics) line(task Task) string {
	if task == Regression {
		return fmt.Sprintf("test RMSE %.4f, LL %.4f, 95%% coverage %.2f, noise sd %.3g", m.RMSE, m.LogLik, m.Coverage95, m.NoiseStd)
	}
	return fmt.Sprintf("test accuracy %.4f, NLL %.4f, ECE %.4f", m.Accuracy, m.NLL, m.ECE)
}
