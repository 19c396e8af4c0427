package vae

import (
	"context"
	"fmt"
	"maps"
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
	// Epochs is the number of passes over the training set (a fraction is
	// rounded to the nearest step, at least one); 0 means DefaultEpochs.
	Epochs    float64
	Steps     int     // if positive, the number of steps (overrides Epochs)
	Batch     int     // minibatch rows B; 0 means DefaultBatch, capped at the rows
	LearnRate float64 // Adam step size; 0 means DefaultLearnRate
	Particles int     // draws of z per datum and step; 0 means 1
	// Estimator of the ELBO; the zero value is svi.TraceELBO. svi.KLELBO
	// (closed-form KL, the usual VAE choice) needs Covariance Diagonal.
	Estimator svi.Estimator
	// Trainer, when set, is the trainer's whole configuration (svi.New),
	// and LearnRate, Particles and Estimator are not used: for the options
	// they do not cover, such as workers or gradient clipping.
	Trainer  *svi.Config
	Seed     uint64       // seeds initialization, noise and minibatch order
	Recorder svi.Recorder // sees every step; nil means none (unused with a Driver)
	// DataParallel, when its Reducer is set, makes the fit one rank of a
	// data-parallel fit (see DataParallel); it replaces the Trainer's
	// Reduce.
	DataParallel DataParallel
	// Driver, when set, starts and runs the optimization in place of
	// Init and svi.Run: to resume from a checkpoint, or to run with a
	// divergence guard, a stopping rule or a schedule.
	Driver Driver
}

// A Driver runs the optimization of a fit that [Fit] has built.
type Driver interface {
	// Start returns the state the fit begins from: t.Init, or a state
	// loaded from a checkpoint. Fit gives a new state its minibatches
	// (State.Batches); a resumed one keeps those of its checkpoint, so it
	// sees the batches an uninterrupted fit would.
	Start(t *svi.Trainer) (*svi.State, error)
	// Run advances st to steps steps in all (counting those st has taken)
	// with the minibatches of next. On failure st holds the last good
	// state.
	Run(ctx context.Context, t *svi.Trainer, st *svi.State, steps int, next func() (svi.Batch, error)) error
}

// plain is the Driver of a Settings without one: Init and svi.Run.
type plain struct {
	seed uint64
	rec  svi.Recorder
}

func (p plain) Start(t *svi.Trainer) (*svi.State, error) { return t.Init(p.seed) }

func (p plain) Run(ctx context.Context, t *svi.Trainer, st *svi.State, steps int, next func() (svi.Batch, error)) error {
	_, err := svi.Run(ctx, t, st, next, &svi.Settings{Steps: steps - st.Iter, Recorder: p.rec})
	return err
}

// Plan is the run length of a fit.
type Plan struct {
	Batch  int     // minibatch rows B
	Steps  int     // steps in all
	Epochs float64 // Steps in passes over the training set
}

// Plan returns the run length of a fit with s on rows training rows.
func (s Settings) Plan(rows int) Plan {
	p := Plan{Batch: s.Batch, Steps: s.Steps}
	if p.Batch == 0 {
		p.Batch = DefaultBatch
	}
	p.Batch = min(p.Batch, rows)
	spe := svi.StepsPerEpoch(rows, p.Batch)
	if p.Steps <= 0 {
		epochs := s.Epochs
		if epochs == 0 {
			epochs = DefaultEpochs
		}
		p.Steps = max(1, int(epochs*float64(spe)+0.5))
	}
	p.Epochs = float64(p.Steps) / float64(spe)
	return p
}

// Fitted is a trained VAE: the model and guide, the trainer that owns the
// graph, and the svi state.
type Fitted struct {
	VAE     *VAE
	Trainer *svi.Trainer
	State   *svi.State
	Rows    int           // training rows N
	Plan    Plan          // the run length planned
	Elapsed time.Duration // wall time of the steps
}

// Net returns the host-side network of the fitted parameters.
func (f *Fitted) Net() (*Net, error) { return f.VAE.Net(f.State.Params) }

// Params returns the number of fitted parameters (encoder and decoder).
func (f *Fitted) Params() int { return f.Trainer.Layout().Size() }

// Trace returns the ELBO estimate of every step taken, per image: −loss/N.
func (f *Fitted) Trace() []float64 {
	out := make([]float64, len(f.State.Trace))
	for i, l := range f.State.Trace {
		out[i] = -l / float64(f.Rows)
	}
	return out
}

// TrainELBO returns the mean per-image ELBO estimate over the last
// epoch's steps (over all steps when fewer), 0 before the first step.
func (f *Fitted) TrainELBO() float64 {
	tr := f.Trace()
	k := min(svi.StepsPerEpoch(f.Rows, f.Plan.Batch), len(tr))
	e := 0.0
	for _, v := range tr[len(tr)-k:] {
		e += v / float64(k)
	}
	return e
}

// ImagesPerSecond returns the training speed: B·steps/Elapsed.
func (f *Fitted) ImagesPerSecond() float64 {
	return float64(f.Plan.Batch) * float64(f.State.Iter) / f.Elapsed.Seconds()
}

// Fit trains the VAE of cfg on train by minibatch SVI with Adam. When the
// optimization fails after it started, Fit returns the fit as it stands
// with the error. The trainer's fingerprint (svi.Config.Fingerprint, kept
// in its checkpoints) names the training images and cfg, so that a Driver
// resuming from a checkpoint of other data or another network is refused.
func Fit(ctx context.Context, cfg Config, train *Dataset, s Settings) (*Fitted, error) {
	if err := train.check(); err != nil {
		return nil, err
	}
	if cfg.Dim != train.Dim {
		return nil, fmt.Errorf("vae: Config.Dim is %d, the data have %d columns", cfg.Dim, train.Dim)
	}
	switch {
	case !(s.Epochs >= 0) || math.IsInf(s.Epochs, 0) || s.Steps < 0 || s.Batch < 0 || s.Particles < 0:
		return nil, fmt.Errorf("vae: negative settings %+v", s)
	case !(s.LearnRate >= 0) || math.IsInf(s.LearnRate, 0):
		return nil, fmt.Errorf("vae: learning rate must be positive and finite, got %v", s.LearnRate)
	}
	if s.LearnRate == 0 {
		s.LearnRate = DefaultLearnRate
	}
	plan := s.Plan(train.Rows)
	dp := s.DataParallel
	shard, br, err := dp.shard(train, plan.Batch)
	if err != nil {
		return nil, err
	}
	v, err := New(cfg, br, dp.ranks()*shard.Rows, s.Seed)
	if err != nil {
		return nil, err
	}
	tc := svi.Config{Particles: s.Particles, Estimator: s.Estimator, Optimizer: svi.Adam{LearnRate: s.LearnRate}}
	if s.Trainer != nil {
		tc = *s.Trainer
	}
	tc.Fingerprint = fingerprint(tc.Fingerprint, cfg, train)
	// The total batch and the seed fix every rank's batches, whatever the
	// ranks (see DataParallel).
	tc.Fingerprint["batch"], tc.Fingerprint["seed"] = fmt.Sprint(plan.Batch), fmt.Sprint(s.Seed)
	if dp.Reducer != nil {
		tc.Reduce = dp.Reducer
	}
	tr, err := svi.New(v.Model(), v.Guide(), tc)
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	d := s.Driver
	if d == nil {
		d = plain{seed: s.Seed, rec: s.Recorder}
	}
	st, err := d.Start(tr)
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	mb, err := dp.minibatches(shard, br, s.Seed+1)
	if err == nil {
		// A checkpoint of this P continues its dealer (rank 0) or replays
		// the rank's own; one of another P replays the new P's streams
		// (see DataParallel).
		err = st.SetRankBatches(mb, dp.Rank == 0)
	}
	if err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	next := Batches(shard, st)
	f := &Fitted{VAE: v, Trainer: tr, State: st, Rows: train.Rows, Plan: plan}
	start := time.Now()
	err = d.Run(ctx, tr, st, plan.Steps, next)
	f.Elapsed = time.Since(start)
	if err != nil {
		return f, fmt.Errorf("vae: %w", err)
	}
	return f, nil
}

// fingerprint returns base (not modified) with the entries of the training
// data and of the network: cfg's fields but the initial scales, which do
// not change the objective.
func fingerprint(base svi.Fingerprint, cfg Config, train *Dataset) svi.Fingerprint {
	fp := maps.Clone(base)
	if fp == nil {
		fp = svi.Fingerprint{}
	}
	fp["data"] = svi.DataFingerprint(train.Rows, train.X)
	c := cfg.withDefaults()
	c.InitScale, c.InitNoise = 0, 0
	fp.AddFields("model", c)
	return fp
}
