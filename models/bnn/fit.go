package bnn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/govi/govi/guides"
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
	// KL selects the estimator with the closed-form KL(q‖p) of the weights
	// (svi.KLELBO) instead of the analytic-entropy estimator
	// (svi.EntropyELBO). svi's KL estimator needs real-valued sites, so it
	// currently fails for regression, whose noise precision is positive.
	KL bool
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
// Adam over a mean-field Gaussian guide. Weight means start at He
// initialization (√(2/fan-in) for ReLU, √(1/fan-in) otherwise), biases at 0,
// every weight's σ at s.InitScale, and τ at DefaultInitTau. When a step or
// a Check fails after training started, Fit returns the network as it
// stands together with the error.
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
	est := svi.EntropyELBO
	if s.KL {
		est = svi.KLELBO
		model.klPrior = true
	}
	guide := guides.MeanField{InitScale: s.InitScale, InitLocFn: initLoc(cfg)}
	tr, err := svi.New(model, guide, svi.Config{Particles: s.Particles, Estimator: est,
		Optimizer: svi.Adam{LearnRate: s.LearnRate}})
	if err != nil {
		return nil, err
	}
	st, err := tr.Init(s.Seed)
	if err != nil {
		return nil, err
	}
	net := &Net{cfg: cfg, inputs: train.D, scaler: sc, trainer: tr, state: st}
	spe := StepsPerEpoch(train.N, s.Batch)
	steps := s.Steps
	if steps == 0 {
		steps = s.Epochs * spe
	}
	bt := newBatcher(x, y, train.D, s.Batch, rand.New(rand.NewPCG(s.Seed, 0x62617463)))
	batch := svi.Batch{}
	next := func() (svi.Batch, error) {
		batch["x"], batch["y"] = bt.next()
		return batch, nil
	}
	// The run is cut into chunks at the checkpoints and at the start of the
	// annealed phase.
	annealAt := steps - int(math.Round(s.Anneal*float64(steps)))
	var cuts []int
	if s.Every > 0 {
		for k := s.Every * spe; k < steps; k += s.Every * spe {
			cuts = append(cuts, k)
		}
	}
	start := time.Now()
	var checking time.Duration // time spent in Check, left out of TrainTime
	done := 0
	for done < steps {
		end := steps
		for _, c := range cuts {
			if c > done {
				end = c
				break
			}
		}
		if s.Anneal > 0 && done < annealAt && end > annealAt {
			end = annealAt
		}
		st.Opt.LRScale = 1
		if done >= annealAt && s.Anneal > 0 {
			st.Opt.LRScale = 0.1
		}
		res, err := svi.Run(ctx, tr, st, next, &svi.Settings{Steps: end - done, Recorder: s.Recorder, Report: -1})
		if res != nil {
			net.losses = append(net.losses, res.Losses...)
			done += res.Steps
		}
		net.steps, net.elapsed = done, time.Since(start)-checking
		if err != nil {
			return net, fmt.Errorf("bnn: %w", err)
		}
		if res.Steps == 0 {
			break
		}
		if s.Check != nil && s.Every > 0 && (done%(s.Every*spe) == 0 || done == steps) {
			t0 := time.Now()
			err := s.Check(done/spe, net)
			checking += time.Since(t0)
			if err != nil {
				return net, err
			}
		}
	}
	return net, nil
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
