package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/models/trueskill"
	"github.com/govi/govi/svi"
)

// trueSkillReport is the report.json of the trueskill command. It embeds
// the fitted posterior's JSON form (trueskill.FittedJSON: the model's
// config, every player's posterior mean and standard deviation and, for a
// guide with a joint covariance, the skills' covariance), which is what
// `train trueskill predict` reads.
type trueSkillReport struct {
	*trueskill.FittedJSON
	Matches    string           `json:"matches"`
	Games      int              `json:"games"`
	Draws      int              `json:"draws"`
	Guide      string           `json:"guide"`
	Estimator  string           `json:"estimator"`
	Particles  int              `json:"particles"`
	LearnRate  float64          `json:"lr"`
	Optimizer  string           `json:"optimizer"`
	DType      string           `json:"dtype,omitempty"` // float32; empty for float64
	Init       string           `json:"init"`
	Seed       uint64           `json:"seed"`
	Steps      int              `json:"steps"`
	ELBO       float64          `json:"elbo"`
	ELBOStdErr float64          `json:"elbo_stderr"`
	Wall       float64          `json:"wall_seconds"`
	Test       *tsTest          `json:"test,omitempty"`
	TestLoss   *float64         `json:"test_logloss,omitempty"`
	TestAcc    *float64         `json:"test_accuracy,omitempty"`
	TestDraws  *float64         `json:"test_draw_rate,omitempty"`
	Trace      []float64        `json:"elbo_trace,omitempty"`
	Diagnostic *svi.Diagnostics `json:"diagnostics,omitempty"`
	Retries    int              `json:"guard_retries,omitempty"`
	LR         *lrUsed          `json:"learning_rate,omitempty"` // the learning rate the fit ended with
}

// tsTest is the evaluation on -test.
type tsTest struct {
	File       string `json:"file"`
	Games      int    `json:"games"`
	Skipped    int    `json:"skipped"`
	Unknown    string `json:"unknown_policy"`
	NewPlayers int    `json:"new_players"`
	// InTraining counts the test games that also appear among the
	// training games (same players in the same order, same result): a
	// test file that repeats the training file shows here. They are scored
	// all the same (two teams can meet twice with the same result).
	InTraining int `json:"games_also_in_training"`
	*trueskill.HeldOut
}

// tsFlags are the trueskill command's flags.
type tsFlags struct {
	matches, p1, p2, result, winner, loser, coding *string
	link, margin, initFrom, test, unknown, out     *string
	home                                           *bool
	mu0, sigma0, beta                              *float64
	svi                                            *sviFlags
}

func addTrueSkillFlags(fs *flag.FlagSet) *tsFlags {
	return &tsFlags{
		matches:  fs.String("matches", "", "results `file`: CSV with header, columns winner,loser[,draw] or those named by -p1, -p2, -result"),
		p1:       fs.String("p1", "", "`column` of the first player (with -p2 and -result; default: winner/loser layout)"),
		p2:       fs.String("p2", "", "`column` of the second player"),
		result:   fs.String("result", "", "`column` of the result for -p1: 1/0/-1 or 1/0.5/0 (win/draw/loss)"),
		winner:   fs.String("winner", "winner", "winner `column` of the winner/loser layout"),
		loser:    fs.String("loser", "loser", "loser `column` of the winner/loser layout (a column named draw, if present, marks draws with 1)"),
		coding:   fs.String("coding", "auto", "result coding: signed (1/0/-1), score (1/0.5/0) or auto (told apart by -1 or 0.5 in the file)"),
		link:     fs.String("likelihood", "probit", "probit (TrueSkill) or logistic (Bradley–Terry)"),
		margin:   fs.String("draw-margin", "auto", "draw margin ε: a number ≥ 0, learn (a latent ε with a half-normal prior of scale β), or auto (learn when the file has draws, else 0)"),
		home:     fs.Bool("home", false, "learn a home advantage η ~ N(0, σ₀²) added to every game's skill difference (the first player is at home)"),
		mu0:      fs.Float64("mu0", 0, "prior mean μ₀ of every skill"),
		sigma0:   fs.Float64("sigma0", 1, "prior standard deviation σ₀ of every skill"),
		beta:     fs.Float64("beta", 1, "performance scale β"),
		initFrom: fs.String("init", "mode", "start of the fit: mode (skills at their posterior mode, found by Newton's method) or prior (all at μ₀)"),
		test:     fs.String("test", "", "held-out results `file` (same columns) to score the posterior-predictive forecasts on"),
		unknown:  fs.String("unknown", "error", "players of -test not in -matches: error, skip (leave their games out) or prior (give them the prior N(μ₀, σ₀²))"),
		svi:      addSVIFlags(fs, trueskillSpec()),
		out:      fs.String("out", "", "output `dir` for report.json and elbo.png"),
	}
}

func runTrueSkill(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "predict" {
		return runTrueSkillPredict(args[1:], stdout, stderr)
	}
	f, fs, stop, err := parseCommand("trueskill", args, stderr, addTrueSkillFlags)
	if err != nil {
		return err
	}
	defer stop()
	opts, err := f.check()
	if err != nil {
		return err
	}
	od, err := begin(fs, *f.out, f.svi, stderr)
	if err != nil {
		return err
	}
	defer od.Abort()
	ds, err := trueskill.ReadFile(*f.matches, opts)
	if err != nil {
		return fmt.Errorf("train %w", err) // "train trueskill: file:line: …"
	}
	var held *tsHeldOut
	if *f.test != "" {
		if held, err = readTest(ds, *f.test, opts, *f.unknown); err != nil {
			return err
		}
	}
	m, fp, err := f.model(ds)
	if err != nil {
		return err
	}
	mf := guides.MeanField{}
	if *f.initFrom == "mode" {
		if mf.InitLoc, err = m.InitLoc(); err != nil {
			return fmt.Errorf("train trueskill: -init mode: %w", err)
		}
	}
	sf := f.svi
	start := time.Now()
	tr, guide, cfg, err := sf.trainer("trueskill", m, mf, fp)
	if err != nil {
		return err
	}
	_, nDraws, _ := ds.Counts()
	rep := trueSkillReport{Matches: *f.matches, Games: len(ds.Games), Draws: nDraws,
		Guide: sf.guide, Estimator: cfg.Estimator.String(), Particles: cfg.Particles, LearnRate: sf.lr, Optimizer: sf.optimizerName(), Init: *f.initFrom, Seed: sf.seed}
	if cfg.DType != svi.Float64 {
		rep.DType = cfg.DType.String()
	}
	st, fit, err := fitSVI(ctx, "trueskill", sf, tr, nil, od, stderr)
	if fit != nil {
		rep.Trace, rep.Diagnostic, rep.Retries, rep.LR = fit.Trace, fit.Diagnostics, fit.Retries, fit.LR
	}
	if err != nil {
		return err
	}
	rep.Steps = st.Iter
	rep.ELBO, rep.ELBOStdErr = fit.Diagnostics.ELBO, fit.Diagnostics.ELBOStdErr
	fitted, err := m.Fitted(tr, st, guide)
	if err != nil {
		return fmt.Errorf("train trueskill: %w", err)
	}
	rep.FittedJSON = fitted.JSON()
	if held != nil {
		if err := rep.evaluate(fitted, ds, held); err != nil {
			return err
		}
		if n := rep.Test.InTraining; n > 0 {
			fmt.Fprintf(stderr, "trueskill: %d of the %d games of -test %s also appear in -matches %s (same players, order and result); they are scored all the same\n",
				n, rep.Test.Games, *f.test, *f.matches)
		}
	}
	rep.Wall = time.Since(start).Seconds()
	if err := od.CommitReport(rep); err != nil {
		return err
	}
	rep.print(stdout, sf.guide, len(ds.Players), *f.out)
	return nil
}

// check validates the flags and returns the options of the results files.
func (f *tsFlags) check() (trueskill.CSVOptions, error) {
	switch {
	case *f.matches == "":
		return trueskill.CSVOptions{}, errors.New("train trueskill: -matches is required")
	case *f.out == "":
		return trueskill.CSVOptions{}, errors.New("train trueskill: -out is required")
	case *f.unknown != "error" && *f.unknown != "skip" && *f.unknown != "prior":
		return trueskill.CSVOptions{}, fmt.Errorf("train trueskill: unknown -unknown %q (want error, skip or prior)", *f.unknown)
	case *f.initFrom != "mode" && *f.initFrom != "prior":
		return trueskill.CSVOptions{}, fmt.Errorf("train trueskill: unknown -init %q (want mode or prior)", *f.initFrom)
	case math.IsNaN(*f.mu0) || math.IsInf(*f.mu0, 0):
		return trueskill.CSVOptions{}, fmt.Errorf("train trueskill: -mu0 must be finite, got %v", *f.mu0)
	case !(*f.sigma0 > 0) || math.IsInf(*f.sigma0, 0):
		return trueskill.CSVOptions{}, fmt.Errorf("train trueskill: -sigma0 must be positive and finite, got %v", *f.sigma0)
	case !(*f.beta > 0) || math.IsInf(*f.beta, 0):
		return trueskill.CSVOptions{}, fmt.Errorf("train trueskill: -beta must be positive and finite, got %v", *f.beta)
	}
	if err := f.svi.validate("trueskill"); err != nil {
		return trueskill.CSVOptions{}, err
	}
	if _, err := trueskill.ParseLink(*f.link); err != nil {
		return trueskill.CSVOptions{}, fmt.Errorf("train trueskill: unknown -likelihood %q (want probit or logistic)", *f.link)
	}
	opts, err := csvOptions(*f.matches, *f.p1, *f.p2, *f.result, *f.coding)
	opts.Winner, opts.Loser = *f.winner, *f.loser
	return opts, err
}

// model returns the model of the flags on ds and its fingerprint: the
// players in order (a player's skill is its position), a hash of the games
// and the model's flags, resolved.
func (f *tsFlags) model(ds *trueskill.Dataset) (*trueskill.Model, svi.Fingerprint, error) {
	link, _ := trueskill.ParseLink(*f.link) // checked by check
	c := trueskill.Config{Mu0: *f.mu0, Sigma0: *f.sigma0, Beta: *f.beta, Link: link}
	_, nDraws, _ := ds.Counts()
	var o trueskill.Options
	switch *f.margin {
	case "learn":
		o.LearnMargin = true
	case "auto":
		o.LearnMargin = nDraws > 0
	default:
		v, err := strconv.ParseFloat(*f.margin, 64)
		if err != nil || !(v >= 0) || math.IsInf(v, 0) {
			return nil, nil, fmt.Errorf("train trueskill: -draw-margin %q is not a number ≥ 0, learn or auto", *f.margin)
		}
		c.Margin = v
	}
	o.HomeAdvantage = *f.home
	if f.svi.vectorize {
		o.Workers = f.svi.workers
	}
	if err := c.Validate(); err != nil {
		return nil, nil, fmt.Errorf("train trueskill: %w", err)
	}
	m, err := trueskill.NewModel(ds, c, o)
	if err != nil {
		return nil, nil, fmt.Errorf("train trueskill: %w (pass -draw-margin learn or a positive margin)", err)
	}
	games := make([]float64, 0, 3*len(ds.Games))
	for _, g := range ds.Games {
		games = append(games, float64(g.P1), float64(g.P2), float64(g.Result))
	}
	margin := fmt.Sprint(c.Margin)
	if o.LearnMargin {
		margin = "learn"
	}
	fp := svi.Fingerprint{"players": strings.Join(ds.Players, "\n"), "games": svi.DataFingerprint(len(ds.Games), games),
		"-mu0": fmt.Sprint(c.Mu0), "-sigma0": fmt.Sprint(c.Sigma0), "-beta": fmt.Sprint(c.Beta), "-likelihood": c.Link.String(),
		"-draw-margin": margin, "-home": fmt.Sprint(o.HomeAdvantage)}
	return m, fp, nil
}

// print writes the command's summary line.
func (rep *trueSkillReport) print(w io.Writer, guide string, players int, out string) {
	fmt.Fprintf(w, "trueskill %s: %d players, %d games, ELBO %.3f; top: ", guide, players, rep.Games, rep.ELBO)
	for k, p := range rep.Players[:min(3, len(rep.Players))] {
		if k > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%s %.2f ± %.2f", p.Name, p.Mean, p.Std)
	}
	if rep.Test != nil {
		fmt.Fprintf(w, "; test log-loss %.4f, accuracy %.3f on %d games", rep.Test.LogLoss, rep.Test.Accuracy, rep.Test.Games)
	}
	fmt.Fprintf(w, "; report in %s\n", out)
}

// tsHeldOut is the -test file, read before the fit.
type tsHeldOut struct {
	res  *tsTest
	test *trueskill.Dataset
	all  []string // with -unknown prior: the file's players, who join the fit's
}

// readTest reads the -test file under the -unknown policy against the
// players of the training file, before the fit (the fit's players are
// the training file's).
func readTest(train *trueskill.Dataset, path string, opts trueskill.CSVOptions, unknown string) (*tsHeldOut, error) {
	h := &tsHeldOut{res: &tsTest{File: path, Unknown: unknown}}
	if unknown == "prior" {
		all, err := trueskill.ReadFile(path, opts)
		if err != nil {
			return nil, fmt.Errorf("train %w (-test file)", err)
		}
		h.all = all.Players
		opts.Players = slices.Clone(train.Players)
		for _, p := range all.Players {
			if !slices.Contains(opts.Players, p) {
				opts.Players = append(opts.Players, p)
			}
		}
		h.res.NewPlayers = len(opts.Players) - len(train.Players)
	} else {
		opts.Players, opts.SkipUnknown = train.Players, unknown == "skip"
	}
	var err error
	if h.test, err = trueskill.ReadFile(path, opts); err != nil {
		var le *trueskill.LineError
		if unknown == "error" && errors.As(err, &le) && strings.Contains(le.Msg, "unknown player") {
			return nil, fmt.Errorf("train %w (-test file; use -unknown skip or -unknown prior)", err)
		}
		return nil, fmt.Errorf("train %w (-test file)", err)
	}
	h.res.Games, h.res.Skipped, h.res.InTraining = len(h.test.Games), h.test.Skipped, gamesIn(h.test, train)
	return h, nil
}

// evaluate scores the posterior-predictive, plug-in and constant-rate
// forecasts on the -test file read before the fit.
func (rep *trueSkillReport) evaluate(f *trueskill.Fitted, train *trueskill.Dataset, h *tsHeldOut) error {
	fe := f
	if h.all != nil {
		fe = f.Extend(h.all)
	}
	if !slices.Equal(fe.Players, h.test.Players) {
		return errors.New("train trueskill: -test: the fit's players are not those the file was read against")
	}
	res := h.res
	var err error
	if res.HeldOut, err = fe.ScoreHeldOut(train, h.test); err != nil {
		if errors.Is(err, trueskill.ErrZeroProbability) {
			err = fmt.Errorf("%w; pass -draw-margin learn or a positive margin", err)
		}
		return fmt.Errorf("train trueskill: -test: %w", err)
	}
	rep.Test = res
	rep.TestLoss, rep.TestAcc, rep.TestDraws = &res.LogLoss, &res.Accuracy, &res.DrawRate
	return nil
}

// gamesIn counts the games of test that also appear in train: the same
// players (by name) in the same order with the same result.
func gamesIn(test, train *trueskill.Dataset) int {
	type game struct {
		p1, p2 string
		r      trueskill.Result
	}
	seen := map[game]bool{}
	for _, g := range train.Games {
		seen[game{train.Players[g.P1], train.Players[g.P2], g.Result}] = true
	}
	n := 0
	for _, g := range test.Games {
		if seen[game{test.Players[g.P1], test.Players[g.P2], g.Result}] {
			n++
		}
	}
	return n
}

// csvOptions resolves the column flags; -coding auto asks
// trueskill.DetectCodingFile.
func csvOptions(path, p1, p2, result, coding string) (trueskill.CSVOptions, error) {
	if p1 == "" && p2 == "" && result == "" {
		return trueskill.CSVOptions{}, nil
	}
	if p1 == "" || p2 == "" || result == "" {
		return trueskill.CSVOptions{}, errors.New("train trueskill: -p1, -p2 and -result go together")
	}
	o := trueskill.CSVOptions{P1: p1, P2: p2, Result: result}
	var err error
	switch coding {
	case "auto":
		if o.Coding, err = trueskill.DetectCodingFile(path, result); err != nil {
			return o, fmt.Errorf("train %w; pass -coding signed or -coding score", err)
		}
	default:
		if o.Coding, err = trueskill.ParseCoding(coding); err != nil {
			return o, fmt.Errorf("train trueskill: unknown -coding %q (want signed, score or auto)", coding)
		}
	}
	return o, nil
}

// runTrueSkillPredict prints the forecast of one game from a report (or any
// file holding a trueskill.FittedJSON).
func runTrueSkillPredict(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("train trueskill predict", flag.ContinueOnError)
	fs.SetOutput(stderr)
	post := fs.String("posterior", "", "report.json `file` written by train trueskill")
	p1 := fs.String("p1", "", "first player (at home, with a home advantage)")
	p2 := fs.String("p2", "", "second player")
	plugIn := fs.Bool("plugin", false, "plug in the posterior means instead of integrating over the skills")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("train trueskill predict: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("train trueskill predict: unexpected argument %q", fs.Arg(0))
	}
	if *post == "" || *p1 == "" || *p2 == "" {
		return errors.New("train trueskill predict: -posterior, -p1 and -p2 are required")
	}
	f, err := trueskill.ReadFittedFile(*post)
	if err != nil {
		return fmt.Errorf("train trueskill predict: -posterior: %w", err)
	}
	var ij [2]int
	for k, name := range []string{*p1, *p2} {
		if ij[k], err = f.Index(name); err != nil {
			return fmt.Errorf("train trueskill predict: unknown player %q (not in %s)", name, *post)
		}
	}
	if ij[0] == ij[1] {
		return fmt.Errorf("train trueskill predict: %q cannot play itself", *p1)
	}
	pred, how := f.Predict, "posterior predictive"
	if *plugIn {
		pred, how = f.PredictPlugIn, "plug-in means"
	}
	fc, err := pred(ij[0], ij[1])
	if err != nil {
		return fmt.Errorf("train trueskill predict: %w", err)
	}
	fmt.Fprintf(stdout, "%s vs %s (%s): %s wins %.4f, draw %.4f, %s wins %.4f\n", *p1, *p2, how, *p1, fc.Win, fc.Draw, *p2, fc.Loss)
	return nil
}

// trueskillSpec is the trueskill command's use of the shared SVI flags:
// its fused likelihood kernel and the Gaussian guides train in float32 too.
func trueskillSpec() sviSpec {
	spec := naturalSpec(sviDefaults(10000, 0.01, 4, "entropy"))
	spec.float32 = true
	return spec
}
