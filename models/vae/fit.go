package vae

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/govi/govi/svi"
)

// Defaults of the zero Settings fields.
const (
	DefaultEpochs    = 100
	DefaultBatch     = 128
	DefaultLearnRate = 1e-3
)

// Settings control Fit. The zero value is valid.
type Settings struct {
	Epochs    int     // passes over the training set; 0 means DefaultEpochs
	Steps     int     // if positive, the number of steps (overrides Epochs)
	Batch     int     // minibatch rows B; 0 means DefaultBatch, capped at the rows
	LearnRate float64 // Adam step size; 0 means DefaultLearnRate
	Particles int     // draws of z per datum and step; 0 means 1
	// Estimator of the ELBO; the zero value is svi.TraceELBO. svi.KLELBO
	// (closed-form KL, the usual VAE choice) needs Covariance Diagonal.
	Estimator svi.Estimator
	Seed      uint64       // seeds initialization, noise and minibatch order
	Recorder  svi.Recorder // sees every step; nil means none
}

// Fitted is a trained VAE: the model and guide, the trainer that owns the
// graph, and the svi state.
type Fitted struct {
	VAE     *VAE
	Trainer *svi.Trainer
	State   *svi.State
	Elapsed time.Duration // wall time of the steps
}

// Net returns the host-side network of the fitted parameters.
func (f *Fitted) Net() (*Net, error) { return f.VAE.Net(f.State.Params) }

// Fit trains the VAE of cfg on train by minibatch SVI with Adam.
func Fit(ctx context.Context, cfg Config, train *Dataset, s Settings) (*Fitted, error) {
	if err := train.check(); err != nil {
		return nil, err
	}
	if cfg.Dim != train.Dim {
		return nil, fmt.Errorf("vae: Config.Dim is %d, the data have %d columns", cfg.Dim, train.Dim)
	}
	switch {
	case s.Epochs < 0 || s.Steps < 0 || s.Batch < 0 || s.Particles < 0:
		return nil, fmt.Errorf("vae: negative settings %+v", s)
	case !(s.LearnRate >= 0) || math.IsInf(s.LearnRate, 0):
		return nil, fmt.Errorf("vae: learning rate must be positive and finite, got %v", s.LearnRate)
	}
	if s.Epochs == 0 {
		s.Epochs = DefaultEpochs
	}
	if s.Batch == 0 {
		s.Batch = DefaultBatch
	}
	s.Batch = min(s.Batch, train.Rows)
	if s.LearnRate == 0 {
		s.LearnRate = DefaultLearnRate
	}
	steps := s.Steps
	if steps == 0 {
		steps = s.Epochs * svi.StepsPerEpoch(train.Rows, s.Batch)
	}
	v, err := New(cfg, s.Batch, train.Rows, s.Seed)
	if err != nil {
		return nil, err
	}
	tr, err := svi.New(v.Model(), v.Guide(), svi.Config{Particles: s.Particles, Estimator: s.Estimator,
		Optimizer: svi.Adam{LearnRate: s.LearnRate}})
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	st, err := tr.Init(s.Seed)
	if err != nil {
		return nil, err
	}
	if st.Batches, err = Minibatches(train, s.Batch, s.Seed+1); err != nil {
		return nil, err
	}
	start := time.Now()
	_, err = svi.Run(ctx, tr, st, Batches(train, st), &svi.Settings{Steps: steps, Recorder: s.Recorder})
	f := &Fitted{VAE: v, Trainer: tr, State: st, Elapsed: time.Since(start)}
	if err != nil {
		return f, fmt.Errorf("vae: %w", err)
	}
	return f, nil
}
