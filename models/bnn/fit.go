package bnn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/govi/govi/svi"
)

// Defaults of the zero Settings fields.
const (
	DefaultEpochs    = 40   // passes over the training set
	DefaultBatch     = 32   // minibatch rows
	DefaultLearnRate = 3e-3 // Adam step size
	DefaultParticles = 2    // weight draws per step
	DefaultInitScale = 0.01 // initial standard deviation of q for every weight
	DefaultInitTau   = 10.0 // initial location of q(τ) is log DefaultInitTau
)

// Settings control Fit. The zero value is valid: every zero field takes the
// default named beside it.
type Settings struct {
	Epochs    int     // passes over the training set; 0 means DefaultEpochs
	Steps     int     // if positive, the number of steps (overrides Epochs)
	Batch     int     // minibatch rows B; 0 means DefaultBatch, capped at N (full batch)
	LearnRate float64 // Adam step size; 0 means DefaultLearnRate
	Particles int     // S, weight draws per step; 0 means DefaultParticles
	Seed      uint64  // seeds initialization, noise and minibatch order
	InitScale float64 // initial σ of q for every weight; 0 means DefaultInitScale
	// Anneal, in (0, 1), is the fraction of the steps at the end of the run
	// taken at a tenth of the learning rate; 0 means none.
	Anneal float64
	// Guide is the variational family; the zero value is MeanField.
	Guide Guide
	// Rank is the LowRank guide's rank; 0 means 2.
	Rank int
	// Estimator names the ELBO estimator (svi.ParseEstimator): "" means
	// "entropy" (the analytic entropy of q), "kl" the closed-form KL(q‖p)
	// of the weights (with the noise precision's term by Monte Carlo,
	// svi.Config.KLFallback), and trace, stl or iwae. A MAP guide always
	// uses the log-joint.
	Estimator string
	// Checkpoint, when set, names the file that receives the fit's state
	// (svi.Trainer.SaveCheckpoint) every CheckpointEvery steps and at the
	// end, also when the fit fails: then it holds the last good state.
	Checkpoint      string
	CheckpointEvery int // steps between checkpoints; 0 means 1000
	// Resume names a checkpoint written by a fit with the same Config,
	// Guide, Estimator, Particles and data size; the fit continues from its
	// step to the planned total, seeing the minibatches and noise an
	// uninterrupted run would, so the result is the same to the last bit.
	Resume string
	// Workers splits the particles over this many graphs run in parallel
	// (svi.Config.Workers); 0 means 1. Results depend on it, not on the
	// machine.
	Workers int
	// Vectorize evaluates all particles in one graph (svi.Config.Vectorize:
	// batched fused layers and likelihood) instead of one graph copy per
	// particle; regression with the mean-field guide, the entropy or kl
	// estimator and one worker. Same noise, same numbers, fewer operations.
	Vectorize bool
	// Recorder sees every step's diagnostics; nil means none.
	Recorder svi.Recorder
	// Every, when positive, calls Check after every Every epochs (and at
	// the end) with the epochs done so far; a non-nil error stops the fit.
	Every int
	Check func(epochs int, n *Net) error
}

func (s Settings) withDefaults(n int) Settings {
	if s.Epochs == 0 {
		s.Epochs = DefaultEpochs
	}
	if s.Batch == 0 {
		s.Batch = DefaultBatch
	}
	if s.Batch > n {
		s.Batch = n
	}
	if s.LearnRate == 0 {
		s.LearnRate = DefaultLearnRate
	}
	if s.Particles == 0 {
		s.Particles = DefaultParticles
	}
	if s.InitScale == 0 {
		s.InitScale = DefaultInitScale
	}
	if s.Rank == 0 {
		s.Rank = 2
	}
	if s.Estimator == "" {
		s.Estimator = "entropy"
	}
	if s.CheckpointEvery == 0 {
		s.CheckpointEvery = 1000
	}
	return s
}

func (s Settings) validate() error {
	switch {
	case s.Epochs < 0 || s.Steps < 0:
		return fmt.Errorf("bnn: epochs and steps must not be negative, got %d and %d", s.Epochs, s.Steps)
	case s.Batch < 0:
		return fmt.Errorf("bnn: batch size must be positive, got %d", s.Batch)
	case !(s.LearnRate >= 0) || math.IsInf(s.LearnRate, 0):
		return fmt.Errorf("bnn: learning rate must be positive and finite, got %v", s.LearnRate)
	case s.Particles < 0:
		return fmt.Errorf("bnn: particles must be positive, got %d", s.Particles)
	case !(s.InitScale >= 0) || math.IsInf(s.InitScale, 0):
		return fmt.Errorf("bnn: InitScale must be positive and finite, got %v", s.InitScale)
	case !(s.Anneal >= 0 && s.Anneal < 1):
		return fmt.Errorf("bnn: Anneal must lie in [0, 1), got %v", s.Anneal)
	case s.Every < 0:
		return fmt.Errorf("bnn: Every must not be negative, got %d", s.Every)
	case s.Workers < 0 || s.Workers > max(s.Particles, 1) && s.Particles > 0:
		return fmt.Errorf("bnn: Workers must lie between 1 and the particles, got %d", s.Workers)
	case s.Rank < 0:
		return fmt.Errorf("bnn: Rank must not be negative, got %d", s.Rank)
	case s.CheckpointEvery < 0:
		return fmt.Errorf("bnn: CheckpointEvery must not be negative, got %d", s.CheckpointEvery)
	case s.Guide < MeanField || s.Guide > MAP:
		return fmt.Errorf("bnn: unknown guide %v", s.Guide)
	}
	if s.Estimator != "" {
		if _, err := svi.ParseEstimator(s.Estimator); err != nil {
			return fmt.Errorf("bnn: %w", err)
		}
	}
	return nil
}

// StepsPerEpoch returns the minibatch steps in one pass over n rows with
// batches of b rows (the rows left over are dealt in the next pass).
func StepsPerEpoch(n, b int) int {
	if b <= 0 || b >= n {
		return 1
	}
	return n / b
}

// Net is a fitted Bayesian neural network: the scaler of its training
// data, the trained svi state and the trainer that owns its graph. A Net is
// not safe for concurrent use.
type Net struct {
	cfg     Config
	inputs  int
	scaler  *Scaler
	trainer *svi.Trainer
	guide   svi.Guide
	state   *svi.State
	losses  []float64
	steps   int
	elapsed time.Duration
}

// Config returns the network's configuration, defaults filled in.
func (n *Net) Config() Config { return n.cfg }

// Scaler returns the standardization fitted on the training data.
func (n *Net) Scaler() *Scaler { return n.scaler }

// Losses returns the loss (−ELBO estimate, full-data scale) of every step.
func (n *Net) Losses() []float64 { return n.losses }

// Steps returns the optimization steps taken.
func (n *Net) Steps() int { return n.steps }

// TrainTime returns the wall time of the optimization (Check calls excluded).
func (n *Net) TrainTime() time.Duration { return n.elapsed }

// State returns the svi state (variational parameters and optimizer).
func (n *Net) State() *svi.State { return n.state }

// Fit standardizes train (inputs always, the target for regression), builds
// the model for minibatches of s.Batch rows and maximizes the ELBO with
// Adam over the guide s.Guide (mean-field by default), under svi's
// divergence guard (a non-finite step is rolled back and retried at a
// smaller learning rate; see svi.Guard). Weight means start at He
// initialization (√(2/fan-in) for ReLU, √(1/fan-in) otherwise), biases at 0,
// every weight's σ at s.InitScale, and τ at DefaultInitTau. When a step or
// a Check fails after training started, Fit returns the network as it
// stands (after a divergence: its last good state) together with the
// error, and s.Checkpoint, if set, holds that state.
func Fit(ctx context.Context, cfg Config, train *Data, s Settings) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	if train == nil || train.N == 0 {
		return nil, fmt.Errorf("bnn: no training data")
	}
	if _, err := NewData(train.X, train.Y, train.D); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if cfg.Task == Classification {
		if err := train.checkLabels(cfg.Classes); err != nil {
			return nil, err
		}
	}
	s = s.withDefaults(train.N)
	sc, err := NewScaler(train, cfg.Task == Regression)
	if err != nil {
		return nil, err
	}
	x, err := sc.X(train.X)
	if err != nil {
		return nil, err
	}
	y := train.Y
	if cfg.Task == Regression {
		y = sc.Y(train.Y)
	}
	model, err := NewModel(cfg, train.D, s.Batch, train.N)
	if err != nil {
		return nil, err
	}
	est, _ := svi.ParseEstimator(s.Estimator) // checked by validate
	if s.Guide == MAP {
		est = svi.TraceELBO // a point mass: the objective is the log-joint
	}
	model.klPrior = est == svi.KLELBO
	if cfg.LocalReparam && (s.Guide != MeanField || est == svi.IWAEBound) {
		return nil, fmt.Errorf("bnn: the local reparameterization needs the meanfield guide and an estimator other than iwae, got %v and %v", s.Guide, est)
	}
	sites, err := svi.Trace(model)
	if err != nil {
		return nil, err
	}
	guide, err := newGuide(s.Guide, s.Rank, cfg, sites, s.InitScale, s.Seed)
	if err != nil {
		return nil, err
	}
	tr, err := svi.New(model, guide, svi.Config{Particles: s.Particles, Estimator: est,
		Optimizer: svi.Adam{LearnRate: s.LearnRate}, KLFallback: true, Workers: s.Workers, Vectorize: s.Vectorize})
	if err != nil {
		return nil, fmt.Errorf("bnn: %w", err)
	}
	bt := newBatcher(x, y, train.D, s.Batch, rand.New(rand.NewPCG(s.Seed, 0x62617463)))
	var st *svi.State
	if s.Resume != "" {
		if st, err = tr.LoadCheckpoint(s.Resume); err != nil {
			return nil, fmt.Errorf("bnn: %w", err)
		}
		// The batches the checkpointed run has dealt are dealt again, so
		// the resumed run sees the ones an uninterrupted run would.
		for i := 0; i < st.Iter; i++ {
			bt.next()
		}
	} else if st, err = tr.Init(s.Seed); err != nil {
		return nil, err
	}
	net := &Net{cfg: cfg, inputs: train.D, scaler: sc, trainer: tr, guide: guide, state: st, steps: st.Iter, losses: st.Trace}
	spe := StepsPerEpoch(train.N, s.Batch)
	steps := s.Steps
	if steps == 0 {
		steps = s.Epochs * spe
	}
	batch := svi.Batch{}
	next := func() (svi.Batch, error) {
		batch["x"], batch["y"] = bt.next()
		return batch, nil
	}
	save := func() error {
		if s.Checkpoint == "" {
			return nil
		}
		if err := tr.SaveCheckpoint(s.Checkpoint, st); err != nil {
			return fmt.Errorf("bnn: %w", err)
		}
		return nil
	}
	rec := svi.RecorderFunc(func(info svi.Info) error {
		if s.Recorder != nil {
			if err := s.Recorder.Record(info); err != nil {
				return err
			}
		}
		if info.Iter%s.CheckpointEvery == 0 {
			return save()
		}
		return nil
	})
	settings := &svi.Settings{Recorder: rec, Report: -1, Guard: &svi.Guard{}}
	if s.Anneal > 0 {
		settings.Schedule = annealFrom(steps - int(math.Round(s.Anneal*float64(steps))))
	}
	// The run is cut into chunks at the Check points.
	var cuts []int
	if s.Every > 0 {
		for k := s.Every * spe; k < steps; k += s.Every * spe {
			cuts = append(cuts, k)
		}
	}
	start := time.Now()
	var checking time.Duration // time spent in Check, left out of TrainTime
	done := st.Iter
	fail := func(err error) (*Net, error) {
		if serr := save(); serr != nil {
			return net, errors.Join(err, serr)
		}
		if s.Checkpoint != "" {
			err = fmt.Errorf("%w (the last good state is saved in %s)", err, s.Checkpoint)
		}
		return net, err
	}
	for done < steps {
		end := steps
		for _, c := range cuts {
			if c > done {
				end = c
				break
			}
		}
		settings.Steps = end - done
		res, err := svi.Run(ctx, tr, st, next, settings)
		if res != nil {
			done += res.Steps
		}
		net.steps, net.losses, net.elapsed = done, st.Trace, time.Since(start)-checking
		if err != nil {
			return fail(fmt.Errorf("bnn: %w", err))
		}
		if res.Steps < settings.Steps {
			break // stopped early (svi.ErrStop from the Recorder)
		}
		if s.Check != nil && s.Every > 0 && (done%(s.Every*spe) == 0 || done == steps) {
			t0 := time.Now()
			err := s.Check(done/spe, net)
			checking += time.Since(t0)
			if err != nil {
				return fail(err)
			}
		}
	}
	if err := save(); err != nil {
		return net, err
	}
	return net, nil
}

// annealFrom is the learning-rate schedule of Settings.Anneal: full rate
// before the step it names, a tenth from there on.
type annealFrom int

func (a annealFrom) Scale(st *svi.State) float64 {
	if st.Iter >= int(a) {
		return 0.1
	}
	return 1
}

// initLoc fills the initial means: He initialization for weight matrices,
// zero for biases, log DefaultInitTau for the noise site.
func initLoc(cfg Config) func(site svi.Site, dst []float64, r *rand.Rand) {
	return func(site svi.Site, dst []float64, r *rand.Rand) {
		switch {
		case site.Name == NoiseSite:
			for i := range dst {
				dst[i] = math.Log(DefaultInitTau)
			}
		case len(site.Shape) == 2:
			gain := 1.0
			last := site.Name == WeightSite(len(cfg.Hidden))
			if cfg.Activation == ReLU && !last {
				gain = 2
			}
			sd := math.Sqrt(gain / float64(site.Shape[0]))
			for i := range dst {
				dst[i] = sd * r.NormFloat64()
			}
		}
	}
}
