package bnn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/govi/govi/svi"
)

// SelectMode is what [Protocol] chooses on a validation cut of each
// training split (never on the test split).
type SelectMode int

const (
	// SelectNone fits each split once, with the given settings.
	SelectNone SelectMode = iota
	// SelectEpochs chooses the number of epochs.
	SelectEpochs
	// SelectNoise chooses the epochs and the noise prior: the Config's
	// Gamma(a, b) or the weak Gamma(1, 0.01) (regression; classification
	// chooses the epochs only).
	SelectNoise
	// SelectModel chooses the epochs, the noise prior as SelectNoise does,
	// and between the network and the Bayesian linear model (the same
	// Config without hidden layers): four candidates, of which the two
	// linear ones cost little. A network is chosen only if its validation
	// log predictive density beats the best linear candidate's by more
	// than one standard error of their paired difference (the
	// one-standard-error rule; see simplest). It is train bnn's default for regression:
	// a network alone falls short of evidence-optimized Bayesian linear
	// regression on nearly linear data, by its hidden units' spread and,
	// where the noise is small, by the Gamma(6, 6) noise prior (issue #19;
	// UCI_RESULTS.md). Classification chooses the epochs only; a
	// heteroscedastic network, which has no noise prior, chooses between
	// the network and the linear model.
	SelectModel
)

var selectNames = []string{"none", "epochs", "noise", "model"}

// String returns "none", "epochs", "noise" or "model".
func (m SelectMode) String() string { return enumString(selectNames, int(m), "SelectMode") }

// ParseSelectMode returns the mode named s, as String gives it.
func ParseSelectMode(s string) (SelectMode, error) {
	return parseEnum[SelectMode](selectNames, s, "selection")
}

// Split is one train/test split of a data set.
type Split struct {
	Index int   // k: the split's fits are seeded by Settings.Seed + k
	Train *Data // the rows fitted (and, with Select, cut for validation)
	Test  *Data // the rows scored; nil for none
}

// Defaults of the zero Protocol fields.
const (
	DefaultValFrac = 0.1 // validation fraction of a training split
	// ProtocolSteps and ProtocolMinEpochs make the default run length:
	// enough epochs for ProtocolSteps steps, and at least
	// ProtocolMinEpochs (as the published runs on Boston take).
	ProtocolSteps     = 20000
	ProtocolMinEpochs = 40
	// selectDraws are the posterior draws of a validation score.
	selectDraws = 200
)

// Protocol is the evaluation protocol of Hernández-Lobato & Adams (2015)
// on the UCI regression benchmarks: fit each train/test split (optionally
// after choosing the epochs, or the epochs and the noise prior, on a
// validation cut of its training rows), score the test rows and report the
// mean ± standard error of the scores over splits. The zero value of every
// field but Config is valid.
type Protocol struct {
	// Config is the network. With Classification and Classes 0, the
	// classes are counted from the labels of every split.
	Config Config
	// Settings are those of every fit; split k is seeded by Seed + k. With
	// Epochs and Steps both 0 a fit takes enough epochs for ProtocolSteps
	// steps and at least ProtocolMinEpochs (with Select: the most tried);
	// Batch 0 means DefaultBatch. Recorder is replaced by NewRecorder's.
	Settings Settings
	// Select is what is chosen on a validation cut of each training split;
	// the zero value fits each split once (SelectNone). train bnn uses
	// SelectModel by default for regression.
	Select  SelectMode
	ValFrac float64 // validation fraction for Select; 0 means DefaultValFrac
	// Checks is the number of validation scores per selection run; 0
	// means 1 (at the end) for SelectNoise and 10 for SelectEpochs.
	Checks int
	Draws  int // posterior draws for the test metrics; 0 means DefaultDraws
	// Ensemble is the number K of fits of each split, seeded Seed + k,
	// Seed + k + 1, …, Seed + k + K − 1 after one selection (with the
	// selection's choice, the selection seeded as without an ensemble),
	// scored by their mixture predictive ([Ensemble]; member j's test
	// draws seeded as its own fit's would be). 0 and 1 mean one fit. It
	// costs K times the compute of the final fit.
	Ensemble int
	// DiagnosticDraws are the draws of q for each fit's report
	// (Net.Diagnose on its whole training split); 0 skips it.
	DiagnosticDraws int
	// NewRecorder, when set, returns the recorder of a fit of steps steps
	// in all (counting those of a resumed checkpoint).
	NewRecorder func(steps int) svi.Recorder
	// Log receives a line per split and selection; nil means none.
	Log io.Writer
}

// RunSplits runs the protocol p on each split in turn and returns the
// per-split results, their summary and the fitted networks. A split whose
// test rows are its training rows is refused (build splits from row
// indices with [Data.SplitRows], which refuses any shared row). When a fit
// fails it returns the splits done so far with the error.
func RunSplits(ctx context.Context, splits []Split, p Protocol) (*SplitsResult, error) {
	if err := p.resolve(splits); err != nil {
		return nil, err
	}
	res := &SplitsResult{}
	for i, sp := range splits {
		r, net, err := p.runSplit(ctx, sp)
		if err != nil {
			return res, fmt.Errorf("bnn: split %d: %w", sp.Index, err)
		}
		if sp.Test != nil {
			fmt.Fprintf(p.Log, "split %d (%d/%d): %s in %.1f s\n", sp.Index, i+1, len(splits), r.Metrics.line(p.Config.Task), r.TrainSeconds)
		}
		res.PerSplit = append(res.PerSplit, *r)
		res.Nets = append(res.Nets, net)
		res.TrainSeconds += r.TrainSeconds
		res.SelectSeconds += r.SelectSeconds
	}
	res.summarize(p.Config.Task)
	return res, nil
}

// resolve fills the defaults of p and checks it against the splits.
func (p *Protocol) resolve(splits []Split) error {
	if len(splits) == 0 {
		return errors.New("bnn: RunSplits needs at least one split")
	}
	for _, sp := range splits {
		if sp.Train == nil || sp.Train.N == 0 {
			return fmt.Errorf("bnn: split %d has no training rows", sp.Index)
		}
		if sp.Test != nil && sameRows(sp.Train, sp.Test) {
			return fmt.Errorf("bnn: split %d: the test rows are the training rows (%d rows): a test row must not be trained on", sp.Index, sp.Test.N)
		}
	}
	if p.Config.Task == Classification && p.Config.Classes == 0 {
		k, err := countClasses(splits)
		if err != nil {
			return err
		}
		p.Config.Classes = k
	}
	if err := p.Config.Validate(); err != nil {
		return err
	}
	if p.Config.Task == Regression {
		d := p.Config.withDefaults() // the noise prior the fits use, which the results name
		p.Config.NoiseShape, p.Config.NoiseRate = d.NoiseShape, d.NoiseRate
	}
	s := &p.Settings
	switch {
	case p.Select < SelectNone || p.Select > SelectModel:
		return fmt.Errorf("bnn: unknown %v", p.Select)
	case p.Select != SelectNone && s.Steps > 0:
		return errors.New("bnn: selection chooses the epochs; Settings.Steps must be 0")
	case (s.Checkpoint != "" || s.Resume != "") && (p.Select != SelectNone || len(splits) > 1):
		return fmt.Errorf("bnn: a checkpoint holds one fit: no selection and one split, got %v and %d splits", p.Select, len(splits))
	case p.Ensemble < 0:
		return fmt.Errorf("bnn: Ensemble must not be negative, got %d", p.Ensemble)
	case p.Ensemble > 1 && (s.Checkpoint != "" || s.Resume != ""):
		return fmt.Errorf("bnn: a checkpoint holds one fit, and Ensemble asks for %d", p.Ensemble)
	case p.Checks < 0 || p.Draws < 0 || p.DiagnosticDraws < 0:
		return fmt.Errorf("bnn: Checks, Draws and DiagnosticDraws must not be negative, got %d, %d and %d", p.Checks, p.Draws, p.DiagnosticDraws)
	}
	if p.ValFrac == 0 {
		p.ValFrac = DefaultValFrac
	}
	if p.Checks == 0 {
		p.Checks = 1
		if p.Select == SelectEpochs {
			p.Checks = 10
		}
	}
	if s.Batch == 0 {
		s.Batch = DefaultBatch
	}
	if p.Log == nil {
		p.Log = io.Discard
	}
	return nil
}

// countClasses returns the number of classes K ≥ 2 of labels 0…K−1 over
// every split.
func countClasses(splits []Split) (int, error) {
	k := 0
	for _, sp := range splits {
		for _, d := range []*Data{sp.Train, sp.Test} {
			if d == nil {
				continue
			}
			for _, v := range d.Y {
				if v != math.Trunc(v) || v < 0 || v > 1e6 {
					return 0, fmt.Errorf("bnn: class labels must be integers 0…K−1, found %v", v)
				}
				k = max(k, int(v)+1)
			}
		}
	}
	return max(k, 2), nil
}

// epochs returns the run length of a fit on n rows: s.Epochs, or enough
// epochs for ProtocolSteps steps and at least ProtocolMinEpochs.
func (p *Protocol) epochs(s Settings, n int) int {
	if s.Epochs > 0 {
		return s.Epochs
	}
	spe := svi.StepsPerEpoch(n, min(s.Batch, n))
	return max(ProtocolMinEpochs, (ProtocolSteps+spe-1)/spe)
}

// runSplit fits one split (after the selection, if any), reports the fit
// and scores the test rows.
func (p *Protocol) runSplit(ctx context.Context, sp Split) (*SplitResult, *Net, error) {
	s := p.Settings
	s.Seed += uint64(sp.Index)
	r := &SplitResult{Split: sp.Index, Train: sp.Train.N}
	c := p.Config
	if p.Select != SelectNone {
		var err error
		if c, s, err = p.choose(ctx, sp, s, r); err != nil {
			return nil, nil, err
		}
		r.Linear = len(c.Hidden) == 0 && len(p.Config.Hidden) > 0
	}
	spe := svi.StepsPerEpoch(sp.Train.N, min(s.Batch, sp.Train.N))
	total := s.Steps
	if total == 0 {
		s.Epochs = p.epochs(s, sp.Train.N)
		total = s.Epochs * spe
	}
	if p.NewRecorder != nil {
		s.Recorder = p.NewRecorder(total)
	}
	net, err := Fit(ctx, c, sp.Train, s)
	if err != nil {
		return nil, net, err
	}
	r.fit(net, c, spe)
	if r.PriorStd, err = net.PriorStd(); err != nil {
		return nil, net, err
	}
	if p.DiagnosticDraws > 0 {
		if r.Diagnostics, err = net.Diagnose(sp.Train, p.DiagnosticDraws, s.Seed+2000); err != nil {
			return nil, net, fmt.Errorf("fit report: %w", err)
		}
		d := r.Diagnostics
		fmt.Fprintf(p.Log, "split %d: ELBO %.2f ± %.2f, IWAE %.2f, k̂ %.2f — %s\n", sp.Index, d.ELBO, d.ELBOStdErr, d.IWAE, d.KHat, d.Verdict)
	}
	ens, err := p.members(ctx, net, c, sp, s, r)
	if err != nil {
		return nil, net, err
	}
	if sp.Test != nil {
		r.Test = sp.Test.N
		m, err := ens.Evaluate(sp.Test, p.Draws, s.Seed+1000)
		if err != nil {
			return nil, net, err
		}
		r.Metrics = *m
	}
	return r, net, nil
}

// members returns the ensemble of split sp: net (seeded s.Seed), and with
// p.Ensemble = K > 1 the fits seeded s.Seed + 1 … s.Seed + K − 1 of
// configuration c, whose training time is added to r's.
func (p *Protocol) members(ctx context.Context, net *Net, c Config, sp Split, s Settings, r *SplitResult) (Ensemble, error) {
	ens := Ensemble{net}
	for j := 1; j < p.Ensemble; j++ {
		sj := s
		sj.Seed += uint64(j)
		if p.NewRecorder != nil {
			sj.Recorder = p.NewRecorder(net.Steps())
		}
		m, err := Fit(ctx, c, sp.Train, sj)
		if err != nil {
			return nil, fmt.Errorf("ensemble member %d: %w", j, err)
		}
		ens = append(ens, m)
		r.TrainSeconds += m.TrainTime().Seconds()
	}
	if p.Ensemble > 1 {
		r.Ensemble = p.Ensemble
		fmt.Fprintf(p.Log, "split %d: %d ensemble members fitted (%.1f s in all)\n", sp.Index, p.Ensemble, r.TrainSeconds)
	}
	return ens, nil
}

// choose runs the selection on a validation cut of sp's training rows and
// returns the chosen configuration and settings.
func (p *Protocol) choose(ctx context.Context, sp Split, s Settings, r *SplitResult) (Config, Settings, error) {
	t0 := time.Now()
	c := p.Config
	cands := p.candidates(c, s)
	for i := range cands {
		cands[i].Settings.Epochs = p.epochs(s, sp.Train.N)
	}
	fmt.Fprintf(p.Log, "split %d: choosing %s on a %.0f%% validation cut of the training split\n", sp.Index, p.Select, 100*p.ValFrac)
	sel, err := Select(ctx, sp.Train, cands, p.ValFrac, p.Checks, selectDraws, s.Seed)
	if err == nil {
		// Data-parallel: every rank scored the same weights on the same
		// validation rows, so all must have chosen alike.
		err = s.DataParallel.agree("selections", float64(sel.Best), float64(sel.Epochs))
	}
	if err != nil {
		return c, s, err
	}
	if p.Select == SelectModel {
		if err := simplest(sel, cands); err != nil {
			return c, s, err
		}
	}
	r.SelectSeconds = time.Since(t0).Seconds()
	s.Epochs = sel.Epochs
	for _, cp := range sel.Checkpoints {
		r.Validation = append(r.Validation, ValidationScore{Candidate: cands[cp.Candidate].Name, Epochs: cp.Epochs, LogLik: cp.LogLik, RMSE: cp.RMSE})
	}
	fmt.Fprintf(p.Log, "split %d: chose %s, %d epochs (%.0f s)\n", sp.Index, cands[sel.Best].Name, sel.Epochs, r.SelectSeconds)
	return cands[sel.Best].Config, s, nil
}

// candidates returns the configurations the selection p.Select tries
// from c: c, with SelectNoise and SelectModel also c under the weak noise
// prior Gamma(1, 0.01) (regression), and with SelectModel each of those
// without hidden layers (the Bayesian linear model).
func (p *Protocol) candidates(c Config, s Settings) []Candidate {
	name := func(c Config) string { return fmt.Sprintf("Gamma(%g, %g)", c.NoiseShape, c.NoiseRate) }
	if c.Heteroscedastic {
		name = func(Config) string { return "heteroscedastic" }
	}
	cands := []Candidate{{Name: name(c), Config: c, Settings: s}}
	if c.Task != Regression || p.Select < SelectNoise {
		return cands
	}
	if !c.Heteroscedastic {
		weak := c
		weak.NoiseShape, weak.NoiseRate = 1, 0.01
		cands = append(cands, Candidate{Name: name(weak), Config: weak, Settings: s})
	}
	if p.Select == SelectModel && len(c.Hidden) > 0 {
		for _, cd := range cands {
			lin := cd.Config
			lin.Hidden = nil
			cands = append(cands, Candidate{Name: "linear, " + cd.Name, Config: lin, Settings: s})
		}
	}
	return cands
}

// simplest applies the one-standard-error rule (Breiman et al. 1984;
// Hastie, Tibshirani & Friedman 2009, §7.10) to a SelectModel selection:
// when a network is the best candidate, the best linear candidate takes
// its place unless the network's validation log predictive density
// exceeds the linear model's by more than one standard error of their
// paired difference over the validation rows. With a cut of a few dozen
// rows the best score alone picks a network on nearly linear data by
// chance (differences of 0.001–0.03 nats against standard errors of
// 0.01–0.03), and the network then pays for its spread on the test rows.
// Each candidate's last checkpoint (its full run) is compared; sel.Best
// and sel.Epochs change when the rule switches.
func simplest(sel *Selection, cands []Candidate) error {
	if len(cands[sel.Best].Config.Hidden) == 0 {
		return nil
	}
	last := map[int]Checkpoint{}
	for _, cp := range sel.Checkpoints {
		if prev, ok := last[cp.Candidate]; !ok || cp.Epochs >= prev.Epochs {
			last[cp.Candidate] = cp
		}
	}
	lin := -1
	for i, c := range cands {
		if len(c.Config.Hidden) == 0 && (lin < 0 || last[i].LogLik > last[lin].LogLik) {
			lin = i
		}
	}
	if lin < 0 || last[lin].RowLogLik == nil {
		return nil
	}
	var best Checkpoint
	for _, cp := range sel.Checkpoints {
		if cp.Candidate == sel.Best && cp.Epochs == sel.Epochs {
			best = cp
		}
	}
	d, se, err := PairedDiff(best.RowLogLik, last[lin].RowLogLik)
	if err != nil {
		return err
	}
	if d <= se {
		sel.Best, sel.Epochs = lin, last[lin].Epochs
	}
	return nil
}
