package bnn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
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
	Particles int     // S, weight draws per step; 0 means DefaultParticles (1 with EstimatorDVI)
	Seed      uint64  // seeds initialization, noise and minibatch order
	InitScale float64 // initial σ of q for every weight; 0 means DefaultInitScale
	// Anneal, in (0, 1), is the fraction of the steps at the end of the run
	// taken at a tenth of the learning rate; 0 means none.
	Anneal float64
	// Guide is the variational family; the zero value is MeanField.
	Guide Guide
	// Rank is the LowRank and LastLayer guides' rank; 0 means 2.
	Rank int
	// Estimator names the ELBO estimator (svi.ParseEstimator): "" means
	// "entropy" (the analytic entropy of q), "kl" the closed-form KL(q‖p)
	// of the weights (with the noise precision's term by Monte Carlo,
	// svi.Config.KLFallback), and trace, stl or iwae. A MAP guide always
	// uses the log-joint. EstimatorDVI ("dvi") is the kl estimator with
	// the likelihood's expectation in closed form instead of sampled.
	Estimator string
	// Checkpoint, when set, names the file that receives the fit's state
	// (svi.Trainer.SaveCheckpoint) every CheckpointEvery steps and at the
	// end, also when the fit fails: then it holds the last good state. In a
	// data-parallel fit rank 0 alone writes it.
	Checkpoint      string
	CheckpointEvery int // steps between checkpoints; 0 means 1000
	// Resume names a checkpoint written by a fit with the same Config,
	// training data, Guide, Estimator, Particles, Batch and Seed; the fit
	// continues from its step to the planned total, seeing the minibatches
	// and noise an uninterrupted run would, so the result is the same to
	// the last bit. A checkpoint of other data (its row count and values'
	// hash, svi.DataFingerprint), another Config or settings, or with more
	// steps than planned, is refused, naming the difference. A
	// data-parallel fit may resume a checkpoint of any number of ranks
	// (see DataParallel).
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
	// DType is the training graph's floating-point type
	// (svi.Config.DType): svi.Float64, the zero value, or svi.Float32 for
	// the mean-field guide with the entropy, kl, trace or stl estimator
	// (also with LocalReparam, dvi and Vectorize). The state, checkpoints
	// and predictions stay float64.
	DType svi.DType
	// RawInputs feeds the inputs as given instead of standardizing each
	// column with the training set's mean and standard deviation (the
	// target of a regression is standardized still). It suits pixels
	// already scaled to [0, 1] (ReadIDX), where standardizing would blow
	// up a border pixel that is rarely lit by its tiny standard deviation.
	RawInputs bool
	// Recorder sees every step's diagnostics; nil means none.
	Recorder svi.Recorder
	// Every, when positive, calls Check after every Every epochs (and at
	// the end) with the epochs done so far; a non-nil error stops the fit.
	Every int
	Check func(epochs int, n *Net) error
	// DataParallel, when its Reducer is set, makes the fit one rank of a
	// data-parallel fit: it trains on its shard of the training rows and
	// averages every step's gradient over the ranks (see DataParallel).
	DataParallel DataParallel
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
		if s.Estimator == EstimatorDVI {
			s.Particles = 1 // the likelihood has no draws to average
		}
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
	case s.Guide < MeanField || s.Guide > LastLayerFull:
		return fmt.Errorf("bnn: unknown guide %v", s.Guide)
	}
	if s.Estimator != "" && s.Estimator != EstimatorDVI {
		if _, err := svi.ParseEstimator(s.Estimator); err != nil {
			return fmt.Errorf("bnn: %w", err)
		}
	}
	return nil
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
	f, err := newFitRun(cfg, train, s)
	if err != nil {
		return nil, err
	}
	return f.run(ctx)
}

// fitRun is one fit in progress: the network being trained (its trainer
// and state), the standardized data and the run's plan.
type fitRun struct {
	net        *Net
	s          Settings
	next       func() (svi.Batch, error)
	ck         *svi.Checkpointer // nil without Settings.Checkpoint
	steps, spe int               // planned steps, steps per epoch
}

// newFitRun validates the settings, standardizes the data, builds the
// trainer and starts (or resumes) the state.
func newFitRun(cfg Config, train *Data, s Settings) (*fitRun, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	if err := s.DataParallel.validate(); err != nil {
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
	if s.RawInputs {
		sc.keepInputs()
	}
	x, err := sc.X(train.X)
	if err != nil {
		return nil, err
	}
	y := train.Y
	if cfg.Task == Regression {
		y = sc.Y(train.Y)
	}
	dp := s.DataParallel
	lo, hi, br, err := dp.shard(train.N, s.Batch)
	if err != nil {
		return nil, err
	}
	x, y = x[lo*train.D:hi*train.D], y[lo:hi]
	tr, guide, err := newTrainer(cfg, s, train, br, dp.ranks()*(hi-lo))
	if err != nil {
		return nil, err
	}
	st, err := startState(tr, s, hi-lo, br)
	if err != nil {
		return nil, err
	}
	f := &fitRun{s: s, spe: svi.StepsPerEpoch(train.N, s.Batch), next: rowFeed(x, y, train.D, st)}
	if cfg.EmpiricalBayes {
		e, err := newEBScales(guide, tr.Sites(), cfg.priorGroups(train.D))
		if err != nil {
			return nil, err
		}
		f.next = ebFeed(f.next, e, st)
	}
	f.net = &Net{cfg: cfg, inputs: train.D, scaler: sc, trainer: tr, guide: guide, state: st, steps: st.Iter, losses: st.Trace}
	f.steps = s.Steps
	if f.steps == 0 {
		f.steps = s.Epochs * f.spe
	}
	if st.Iter > f.steps {
		return nil, fmt.Errorf("bnn: %s has taken %d steps, more than the %d this fit plans", s.Resume, st.Iter, f.steps)
	}
	if s.Checkpoint != "" && dp.writes() {
		f.ck = &svi.Checkpointer{Trainer: tr, State: st, Path: s.Checkpoint, Every: s.CheckpointEvery}
	}
	return f, nil
}

// newTrainer builds the model for minibatches of batch rows scaled as
// minibatches of n rows (s.Batch and train.N in one process; see
// DataParallel), its guide and the trainer, whose fingerprint
// (svi.Config.Fingerprint) names the training data and the configuration.
func newTrainer(cfg Config, s Settings, train *Data, batch, n int) (*svi.Trainer, svi.Guide, error) {
	model, err := NewModel(cfg, train.D, batch, n)
	if err != nil {
		return nil, nil, err
	}
	dvi := s.Estimator == EstimatorDVI
	est := svi.KLELBO // dvi: the kl estimator with the likelihood in closed form
	if dvi {
		if err := checkDVI(cfg, s); err != nil {
			return nil, nil, err
		}
	} else {
		est, _ = svi.ParseEstimator(s.Estimator) // checked by validate
	}
	if s.Guide == MAP {
		est = svi.TraceELBO // a point mass: the objective is the log-joint
	}
	if err := checkHeteroSettings(cfg, s); err != nil {
		return nil, nil, err
	}
	model.klPrior, model.dvi = est == svi.KLELBO, dvi
	if cfg.LocalReparam && (s.Guide != MeanField || est == svi.IWAEBound) {
		return nil, nil, fmt.Errorf("bnn: the local reparameterization needs the meanfield guide and an estimator other than iwae, got %v and %v", s.Guide, est)
	}
	sites, err := svi.Trace(model)
	if err != nil {
		return nil, nil, err
	}
	guide, err := newGuide(s.Guide, s.Rank, cfg, sites, s.InitScale, s.Seed)
	if err != nil {
		return nil, nil, err
	}
	// The total minibatch and the seed fix the batches of every rank (a
	// resumed rank may replay its dealer), whatever the number of ranks.
	fp := svi.Fingerprint{"data": svi.DataFingerprint(train.N, train.X, train.Y),
		"batch": strconv.Itoa(s.Batch), "seed": strconv.FormatUint(s.Seed, 10)}
	fp.AddFields("model", cfg)
	if dvi {
		fp["likelihood"] = "dvi: expectation under q in closed form"
	}
	if s.DType != svi.Float64 {
		fp["dtype"] = s.DType.String() // a float64 fit's fingerprint is unchanged
	}
	if s.RawInputs {
		fp["inputs"] = "as given, not standardized"
	}
	tr, err := svi.New(model, guide, svi.Config{Particles: s.Particles, Estimator: est,
		Optimizer: svi.Adam{LearnRate: s.LearnRate}, KLFallback: true, Workers: s.Workers, Vectorize: s.Vectorize, Fingerprint: fp,
		Reduce: s.DataParallel.Reducer, DType: s.DType})
	if err != nil {
		return nil, nil, fmt.Errorf("bnn: %w", err)
	}
	return tr, guide, nil
}

// startState returns a new state, or the one s.Resume holds, with its
// minibatches of batch rows out of n (see DataParallel for a resumed
// rank's dealer).
func startState(tr *svi.Trainer, s Settings, n, batch int) (*svi.State, error) {
	var st *svi.State
	var err error
	if s.Resume != "" {
		if st, err = tr.LoadCheckpoint(s.Resume); err == nil {
			err = tr.CheckReplicas(st)
		}
		if err != nil {
			return nil, fmt.Errorf("bnn: %w", err)
		}
	} else if st, err = tr.Init(s.Seed); err != nil {
		return nil, err
	}
	// Rank r of a data-parallel fit deals from stream 0x62617463 + r.
	mb, err := svi.NewMinibatches(n, batch, rand.NewPCG(s.Seed, 0x62617463+uint64(s.DataParallel.Rank)))
	if err != nil {
		return nil, fmt.Errorf("bnn: %w", err)
	}
	// Rank 0 wrote the checkpoint: it keeps its dealer when it fits, the
	// others replay theirs to the step (svi.State.SetRankBatches).
	if err := st.SetRankBatches(mb, s.DataParallel.writes()); err != nil {
		return nil, fmt.Errorf("bnn: %w", err)
	}
	return st, nil
}

// save writes the checkpoint, if one was asked for.
func (f *fitRun) save() error {
	if f.ck == nil {
		return nil
	}
	if err := f.ck.Save(); err != nil {
		return fmt.Errorf("bnn: %w", err)
	}
	return nil
}

// fail saves the last good state and returns the network with err.
func (f *fitRun) fail(err error) (*Net, error) {
	if serr := f.save(); serr != nil {
		return f.net, errors.Join(err, serr)
	}
	if f.ck != nil {
		err = fmt.Errorf("%w (the last good state is saved in %s)", err, f.ck.Path)
	}
	return f.net, err
}

// run trains to the planned step, in chunks that end at the Check points.
func (f *fitRun) run(ctx context.Context) (*Net, error) {
	s, net, st := f.s, f.net, f.net.state
	rec := s.Recorder
	if f.ck != nil {
		rec = svi.Recorders(s.Recorder, f.ck)
	}
	settings := &svi.Settings{Recorder: rec, Guard: &svi.Guard{}}
	if s.Anneal > 0 {
		settings.Schedule = annealFrom(f.steps - int(math.Round(s.Anneal*float64(f.steps))))
	}
	every := s.Every * f.spe // steps between checks
	start := time.Now()
	var checking time.Duration // time spent in Check, left out of TrainTime
	for done := st.Iter; done < f.steps; {
		end := f.steps
		if every > 0 {
			end = min(f.steps, (done/every+1)*every)
		}
		settings.Steps = end - done
		res, err := svi.Run(ctx, net.trainer, st, f.next, settings)
		if res != nil {
			done += res.Steps
		}
		net.steps, net.losses, net.elapsed = done, st.Trace, time.Since(start)-checking
		if err != nil {
			return f.fail(fmt.Errorf("bnn: %w", err))
		}
		if res.Steps < settings.Steps {
			break // stopped early (svi.ErrStop from the Recorder)
		}
		if s.Check != nil && every > 0 && (done%every == 0 || done == f.steps) {
			t0 := time.Now()
			err := s.Check(done/f.spe, net)
			checking += time.Since(t0)
			if err != nil {
				return f.fail(err)
			}
		}
	}
	if err := f.save(); err != nil {
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
// zero for biases and the skip path's weights, log DefaultInitTau for the
// noise site.
func initLoc(cfg Config) func(site svi.Site, dst []float64, r *rand.Rand) {
	return func(site svi.Site, dst []float64, r *rand.Rand) {
		switch {
		case site.Name == SkipSite:
			clear(dst) // the skip path starts at zero: the network starts as without it
		case site.Name == NoiseSite:
			for i := range dst {
				dst[i] = math.Log(DefaultInitTau)
			}
		case cfg.Heteroscedastic && site.Name == BiasSite(len(cfg.Hidden)):
			dst[1] = -math.Log(DefaultInitTau) // the log-variance head starts where τ does
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

// rowFeed returns the batches of st.Batches as svi batches of the rows of
// x (n×d) and y; with the batch as large as the data, the data themselves.
func rowFeed(x, y []float64, d int, st *svi.State) func() (svi.Batch, error) {
	batch := svi.Batch{"x": x, "y": y}
	if st.Batches.B >= st.Batches.N {
		return func() (svi.Batch, error) { return batch, nil }
	}
	var bx, by []float64
	return func() (svi.Batch, error) {
		rows := st.Batches.Next()
		bx, by = svi.Rows(bx, x, d, rows), svi.Rows(by, y, 1, rows)
		batch["x"], batch["y"] = bx, by
		return batch, nil
	}
}
