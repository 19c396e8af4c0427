package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/models/trueskill"
	"github.com/govi/govi/svi"
)

// trueSkillReport is the report.json of the trueskill command. It holds
// everything `train trueskill predict` needs: the model (config), every
// player's posterior mean and standard deviation and, for a guide with a
// joint covariance, the covariance of the skills (rows and columns in the
// order of Players).
type trueSkillReport struct {
	Model      string           `json:"model"`
	Matches    string           `json:"matches"`
	Games      int              `json:"games"`
	Draws      int              `json:"draws"`
	Config     tsConfig         `json:"config"`
	Margin     *tsScalar        `json:"draw_margin,omitempty"`    // posterior of a learned margin
	Home       *tsScalar        `json:"home_advantage,omitempty"` // posterior of η
	Guide      string           `json:"guide"`
	Estimator  string           `json:"estimator"`
	Particles  int              `json:"particles"`
	LearnRate  float64          `json:"lr"`
	Init       string           `json:"init"`
	Seed       uint64           `json:"seed"`
	Steps      int              `json:"steps"`
	ELBO       float64          `json:"elbo"`
	ELBOStdErr float64          `json:"elbo_stderr"`
	Wall       float64          `json:"wall_seconds"`
	Players    []tsPlayer       `json:"players"`
	Covariance [][]float64      `json:"covariance,omitempty"` // in the order of Players
	HomeCov    []float64        `json:"home_covariance,omitempty"`
	Test       *tsTest          `json:"test,omitempty"`
	TestLoss   *float64         `json:"test_logloss,omitempty"`
	TestAcc    *float64         `json:"test_accuracy,omitempty"`
	TestDraws  *float64         `json:"test_draw_rate,omitempty"`
	Trace      []float64        `json:"elbo_trace,omitempty"`
	Diagnostic *svi.Diagnostics `json:"diagnostics,omitempty"`
	Retries    int              `json:"guard_retries,omitempty"`
}

// tsConfig is trueskill.Config in the report; Margin is the fixed margin,
// or the posterior mean of a learned one (which forecasts plug in).
type tsConfig struct {
	Mu0           float64 `json:"mu0"`
	Sigma0        float64 `json:"sigma0"`
	Beta          float64 `json:"beta"`
	Margin        float64 `json:"margin"`
	Likelihood    string  `json:"likelihood"`
	LearnMargin   bool    `json:"learn_margin"`
	HomeAdvantage bool    `json:"home_advantage"`
}

type tsScalar struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

type tsPlayer struct {
	Name         string  `json:"name"`
	Mean         float64 `json:"mean"`
	Std          float64 `json:"std"`
	Conservative float64 `json:"conservative"` // mean − 3·std
}

// tsTest is the evaluation on -test.
type tsTest struct {
	File          string     `json:"file"`
	Games         int        `json:"games"`
	Skipped       int        `json:"skipped"`
	Unknown       string     `json:"unknown_policy"`
	NewPlayers    int        `json:"new_players"`
	LogLoss       float64    `json:"logloss"`
	Accuracy      float64    `json:"accuracy"`
	DrawRate      float64    `json:"draw_rate"`
	PredDraw      float64    `json:"mean_predicted_draw"`
	PlugInLogLoss float64    `json:"plugin_logloss"`
	BaseLogLoss   *float64   `json:"baseline_logloss,omitempty"` // absent when infinite (a result the baseline never saw)
	BaseRates     [3]float64 `json:"baseline_rates"`             // training win/draw/loss rates for P1
}

func runTrueSkill(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "predict" {
		return runTrueSkillPredict(args[1:], stdout, stderr)
	}
	fs, prof := newFlags("trueskill", stderr)
	matches := fs.String("matches", "", "results `file`: CSV with header, columns winner,loser[,draw] or those named by -p1, -p2, -result")
	p1 := fs.String("p1", "", "`column` of the first player (with -p2 and -result; default: winner/loser layout)")
	p2 := fs.String("p2", "", "`column` of the second player")
	result := fs.String("result", "", "`column` of the result for -p1: 1/0/-1 or 1/0.5/0 (win/draw/loss)")
	winner := fs.String("winner", "winner", "winner `column` of the winner/loser layout")
	loser := fs.String("loser", "loser", "loser `column` of the winner/loser layout (a column named draw, if present, marks draws with 1)")
	coding := fs.String("coding", "auto", "result coding: signed (1/0/-1), score (1/0.5/0) or auto (told apart by -1 or 0.5 in the file)")
	link := fs.String("likelihood", "probit", "probit (TrueSkill) or logistic (Bradley–Terry)")
	margin := fs.String("draw-margin", "auto", "draw margin ε: a number ≥ 0, learn (a latent ε with a half-normal prior of scale β), or auto (learn when the file has draws, else 0)")
	home := fs.Bool("home", false, "learn a home advantage η ~ N(0, σ₀²) added to every game's skill difference (the first player is at home)")
	mu0 := fs.Float64("mu0", 0, "prior mean μ₀ of every skill")
	sigma0 := fs.Float64("sigma0", 1, "prior standard deviation σ₀ of every skill")
	beta := fs.Float64("beta", 1, "performance scale β")
	initFrom := fs.String("init", "mode", "start of the fit: mode (skills at their posterior mode, found by Newton's method) or prior (all at μ₀)")
	test := fs.String("test", "", "held-out results `file` (same columns) to score the posterior-predictive forecasts on")
	unknown := fs.String("unknown", "error", "players of -test not in -matches: error, skip (leave their games out) or prior (give them the prior N(μ₀, σ₀²))")
	sf := addSVIFlags(fs, 10000, 0.01, 4, "entropy")
	out := fs.String("out", "", "output `dir` for report.json and elbo.png")
	stop, err := parseFlags(fs, prof, args)
	if err != nil {
		return err
	}
	defer stop()
	if *matches == "" {
		return errors.New("train trueskill: -matches is required")
	}
	if *out == "" {
		return errors.New("train trueskill: -out is required")
	}
	if err := sf.validate("trueskill"); err != nil {
		return err
	}
	if *unknown != "error" && *unknown != "skip" && *unknown != "prior" {
		return fmt.Errorf("train trueskill: unknown -unknown %q (want error, skip or prior)", *unknown)
	}
	if *initFrom != "mode" && *initFrom != "prior" {
		return fmt.Errorf("train trueskill: unknown -init %q (want mode or prior)", *initFrom)
	}
	c := trueskill.Config{Mu0: *mu0, Sigma0: *sigma0, Beta: *beta}
	switch *link {
	case "probit":
		c.Link = trueskill.Probit
	case "logistic":
		c.Link = trueskill.Logistic
	default:
		return fmt.Errorf("train trueskill: unknown -likelihood %q (want probit or logistic)", *link)
	}
	opts, err := csvOptions(*matches, *p1, *p2, *result, *coding)
	if err != nil {
		return err
	}
	opts.Winner, opts.Loser = *winner, *loser
	ds, err := trueskill.ReadFile(*matches, opts)
	if err != nil {
		return fmt.Errorf("train %w", err) // "train trueskill: file:line: …"
	}
	_, nDraws, _ := ds.Counts()
	var o trueskill.Options
	switch *margin {
	case "learn":
		o.LearnMargin = true
	case "auto":
		o.LearnMargin = nDraws > 0
	default:
		v, err := strconv.ParseFloat(*margin, 64)
		if err != nil || !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("train trueskill: -draw-margin %q is not a number ≥ 0, learn or auto", *margin)
		}
		c.Margin = v
	}
	o.HomeAdvantage = *home
	if *sf.vectorize {
		o.Workers = *sf.workers
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("train trueskill: %w", err)
	}
	m, err := trueskill.NewModel(ds, c, o)
	if err != nil {
		return fmt.Errorf("train trueskill: %w (pass -draw-margin learn or a positive margin)", err)
	}
	mf := guides.MeanField{}
	if *initFrom == "mode" {
		if mf.InitLoc, err = m.InitLoc(); err != nil {
			return fmt.Errorf("train trueskill: -init mode: %w", err)
		}
	}
	guide, err := sf.guideFor("trueskill", mf)
	if err != nil {
		return err
	}
	cfg, err := sf.config("trueskill")
	if err != nil {
		return err
	}
	start := time.Now()
	tr, err := svi.New(m, guide, cfg)
	if err != nil {
		return fmt.Errorf("train trueskill: %w", err)
	}
	rep := trueSkillReport{Model: "trueskill", Matches: *matches, Games: len(ds.Games), Draws: nDraws,
		Guide: *sf.guide, Estimator: cfg.Estimator.String(), Particles: cfg.Particles, LearnRate: *sf.lr, Init: *initFrom, Seed: *sf.seed}
	st, fit, err := fitSVI(ctx, "trueskill", sf, tr, nil, *out, stderr)
	if fit != nil {
		rep.Trace, rep.Diagnostic, rep.Retries = fit.Trace, fit.Diagnostics, fit.Retries
	}
	if err != nil {
		return err
	}
	rep.Steps = st.Iter
	rep.ELBO, rep.ELBOStdErr = fit.Diagnostics.ELBO, fit.Diagnostics.ELBOStdErr
	f, err := m.Fitted(tr, st, guide)
	if err != nil {
		return fmt.Errorf("train trueskill: %w", err)
	}
	rep.fill(f, o)
	if *test != "" {
		if err := rep.evaluate(f, ds, *test, opts, *unknown); err != nil {
			return err
		}
	}
	rep.Wall = time.Since(start).Seconds()
	if err := writeReport(*out, rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "trueskill %s: %d players, %d games, ELBO %.3f; top: ", *sf.guide, len(ds.Players), len(ds.Games), rep.ELBO)
	for k, p := range rep.Players[:min(3, len(rep.Players))] {
		if k > 0 {
			fmt.Fprint(stdout, ", ")
		}
		fmt.Fprintf(stdout, "%s %.2f ± %.2f", p.Name, p.Mean, p.Std)
	}
	if rep.Test != nil {
		fmt.Fprintf(stdout, "; test log-loss %.4f, accuracy %.3f on %d games", rep.Test.LogLoss, rep.Test.Accuracy, rep.Test.Games)
	}
	fmt.Fprintf(stdout, "; report in %s\n", *out)
	return nil
}

// fill stores the fitted posterior, players sorted by mean.
func (rep *trueSkillReport) fill(f *trueskill.Fitted, o trueskill.Options) {
	rep.Config = tsConfig{Mu0: f.Config.Mu0, Sigma0: f.Config.Sigma0, Beta: f.Config.Beta, Margin: f.Config.Margin,
		Likelihood: f.Config.Link.String(), LearnMargin: o.LearnMargin, HomeAdvantage: o.HomeAdvantage}
	if f.Margin != nil {
		rep.Margin = &tsScalar{Mean: f.Margin.Mean, Std: f.Margin.Std}
	}
	if f.Home != nil {
		rep.Home = &tsScalar{Mean: f.Home.Mean, Std: f.Home.Std}
	}
	index := make(map[string]int, len(f.Players))
	for i, n := range f.Players {
		index[n] = i
	}
	ratings := f.Ratings()
	order := make([]int, len(ratings))
	for k, r := range ratings {
		order[k] = index[r.Name]
		rep.Players = append(rep.Players, tsPlayer{Name: r.Name, Mean: r.Mean, Std: r.Std, Conservative: r.Conservative})
	}
	if f.Cov != nil {
		rep.Covariance = make([][]float64, len(order))
		for a, i := range order {
			rep.Covariance[a] = make([]float64, len(order))
			for b, j := range order {
				rep.Covariance[a][b] = f.Cov.At(i, j)
			}
		}
	}
	if f.HomeCov != nil {
		for _, i := range order {
			rep.HomeCov = append(rep.HomeCov, f.HomeCov[i])
		}
	}
}

// evaluate scores the posterior-predictive, plug-in and constant-rate
// forecasts on the test file.
func (rep *trueSkillReport) evaluate(f *trueskill.Fitted, train *trueskill.Dataset, path string, opts trueskill.CSVOptions, unknown string) error {
	res := &tsTest{File: path, Unknown: unknown}
	fe := f
	switch unknown {
	case "error", "skip":
		opts.Players, opts.SkipUnknown = f.Players, unknown == "skip"
	case "prior":
		all, err := trueskill.ReadFile(path, opts)
		if err != nil {
			return fmt.Errorf("train %w", err)
		}
		fe = f.Extend(all.Players)
		res.NewPlayers = len(fe.Players) - len(f.Players)
		opts.Players = fe.Players
	}
	test, err := trueskill.ReadFile(path, opts)
	if err != nil {
		var le *trueskill.LineError
		if unknown == "error" && errors.As(err, &le) && strings.Contains(le.Msg, "unknown player") {
			return fmt.Errorf("train %w (use -unknown skip or -unknown prior)", err)
		}
		return fmt.Errorf("train %w", err)
	}
	res.Games, res.Skipped = len(test.Games), test.Skipped
	mt, err := trueskill.Evaluate(test, fe.Predict)
	if err != nil {
		return fmt.Errorf("train trueskill: -test: %w", err)
	}
	if math.IsInf(mt.LogLoss, 0) {
		return fmt.Errorf("train trueskill: -test: a test game has forecast probability 0 (a draw with a draw margin of 0?); pass -draw-margin learn or a positive margin")
	}
	res.LogLoss, res.Accuracy, res.DrawRate, res.PredDraw = mt.LogLoss, mt.Accuracy, mt.DrawRate, mt.PredDraw
	pi, err := trueskill.Evaluate(test, fe.PredictPlugIn)
	if err != nil {
		return fmt.Errorf("train trueskill: -test: %w", err)
	}
	res.PlugInLogLoss = pi.LogLoss
	base, err := baselineRates(train)
	if err != nil {
		return err
	}
	res.BaseRates = [3]float64{base.Win, base.Draw, base.Loss}
	if bm, err := trueskill.Evaluate(test, trueskill.ConstantPredictor(base)); err == nil && !math.IsInf(bm.LogLoss, 0) {
		res.BaseLogLoss = &bm.LogLoss
	}
	rep.Test = res
	rep.TestLoss, rep.TestAcc, rep.TestDraws = &res.LogLoss, &res.Accuracy, &res.DrawRate
	return nil
}

// baselineRates returns the training set's win/draw/loss rates for P1.
// In the winner/loser layout P1 is always the winner, so the rates carry
// no information and the symmetric rates (1 − r)/2, r, (1 − r)/2 with the
// observed draw rate r are used instead.
func baselineRates(train *trueskill.Dataset) (trueskill.Forecast, error) {
	base, err := trueskill.BaseRates(train)
	if err != nil {
		return base, fmt.Errorf("train trueskill: %w", err)
	}
	if base.Loss == 0 {
		base = trueskill.Forecast{Win: (1 - base.Draw) / 2, Draw: base.Draw, Loss: (1 - base.Draw) / 2}
	}
	return base, nil
}

// csvOptions resolves the column flags. With -coding auto the result column
// is scanned: a −1 means signed coding, a 0.5 score coding; a file with
// only 1 and 0 is ambiguous (0 is a draw in one coding and a loss in the
// other) and needs -coding.
func csvOptions(path, p1, p2, result, coding string) (trueskill.CSVOptions, error) {
	if p1 == "" && p2 == "" && result == "" {
		return trueskill.CSVOptions{}, nil
	}
	if p1 == "" || p2 == "" || result == "" {
		return trueskill.CSVOptions{}, errors.New("train trueskill: -p1, -p2 and -result go together")
	}
	o := trueskill.CSVOptions{P1: p1, P2: p2, Result: result}
	switch coding {
	case "signed":
		o.Coding = trueskill.Signed
	case "score":
		o.Coding = trueskill.Score
	case "auto":
		c, err := detectCoding(path, result)
		if err != nil {
			return o, err
		}
		o.Coding = c
	default:
		return o, fmt.Errorf("train trueskill: unknown -coding %q (want signed, score or auto)", coding)
	}
	return o, nil
}

func detectCoding(path, column string) (trueskill.Coding, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("train trueskill: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		// Let the reader report the empty or malformed file with its line.
		return trueskill.Signed, nil
	}
	col := -1
	for j, h := range header {
		if strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) == column {
			col = j
		}
	}
	if col < 0 {
		return trueskill.Signed, nil // the reader names the missing column
	}
	var minus, half bool
	for {
		rec, err := r.Read()
		if err != nil {
			break // end of file, or a parse error the reader reports
		}
		if col >= len(rec) {
			continue
		}
		switch v, err := strconv.ParseFloat(strings.TrimSpace(rec[col]), 64); {
		case err != nil:
		case v == -1:
			minus = true
		case v == 0.5:
			half = true
		}
	}
	switch {
	case minus && half:
		return 0, fmt.Errorf("train trueskill: %s: column %q holds both -1 and 0.5: pass -coding signed (1/0/-1) or score (1/0.5/0)", path, column)
	case half:
		return trueskill.Score, nil
	case minus:
		return trueskill.Signed, nil
	}
	return 0, fmt.Errorf("train trueskill: %s: column %q holds only 1 and 0, which is ambiguous: pass -coding signed (0 is a draw) or -coding score (0 is a loss)", path, column)
}

// runTrueSkillPredict prints the forecast of one game from a report.
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
	f, err := loadFitted(*post)
	if err != nil {
		return err
	}
	i, err := f.index(*p1)
	if err != nil {
		return err
	}
	j, err := f.index(*p2)
	if err != nil {
		return err
	}
	if i == j {
		return fmt.Errorf("train trueskill predict: %q cannot play itself", *p1)
	}
	pred, how := f.Predict, "posterior predictive"
	if *plugIn {
		pred, how = f.PredictPlugIn, "plug-in means"
	}
	fc, err := pred(i, j)
	if err != nil {
		return fmt.Errorf("train trueskill predict: %w", err)
	}
	fmt.Fprintf(stdout, "%s vs %s (%s): %s wins %.4f, draw %.4f, %s wins %.4f\n", *p1, *p2, how, *p1, fc.Win, fc.Draw, *p2, fc.Loss)
	return nil
}

// reportFitted is a Fitted rebuilt from a report, with its name index.
type reportFitted struct {
	*trueskill.Fitted
	byName map[string]int
}

func (r reportFitted) index(name string) (int, error) {
	i, ok := r.byName[name]
	if !ok {
		return 0, fmt.Errorf("train trueskill predict: unknown player %q (not in the report)", name)
	}
	return i, nil
}

func loadFitted(path string) (reportFitted, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return reportFitted{}, fmt.Errorf("train trueskill predict: %w", err)
	}
	var rep trueSkillReport
	if err := json.Unmarshal(b, &rep); err != nil {
		return reportFitted{}, fmt.Errorf("train trueskill predict: %s: %w", path, err)
	}
	if rep.Model != "trueskill" || len(rep.Players) == 0 {
		return reportFitted{}, fmt.Errorf("train trueskill predict: %s is not a trueskill report", path)
	}
	c := trueskill.Config{Mu0: rep.Config.Mu0, Sigma0: rep.Config.Sigma0, Beta: rep.Config.Beta, Margin: rep.Config.Margin}
	switch rep.Config.Likelihood {
	case "probit":
		c.Link = trueskill.Probit
	case "logistic":
		c.Link = trueskill.Logistic
	default:
		return reportFitted{}, fmt.Errorf("train trueskill predict: %s: unknown likelihood %q", path, rep.Config.Likelihood)
	}
	if err := c.Validate(); err != nil {
		return reportFitted{}, fmt.Errorf("train trueskill predict: %s: %w", path, err)
	}
	n := len(rep.Players)
	f := &trueskill.Fitted{Config: c}
	r := reportFitted{Fitted: f, byName: make(map[string]int, n)}
	for i, p := range rep.Players {
		f.Players = append(f.Players, p.Name)
		f.Mean = append(f.Mean, p.Mean)
		f.Std = append(f.Std, p.Std)
		r.byName[p.Name] = i
	}
	if rep.Covariance != nil {
		if len(rep.Covariance) != n {
			return reportFitted{}, fmt.Errorf("train trueskill predict: %s: covariance has %d rows for %d players", path, len(rep.Covariance), n)
		}
		f.Cov = mat.NewSymDense(n, nil)
		for i, row := range rep.Covariance {
			if len(row) != n {
				return reportFitted{}, fmt.Errorf("train trueskill predict: %s: covariance row %d has %d entries for %d players", path, i, len(row), n)
			}
			for j := i; j < n; j++ {
				f.Cov.SetSym(i, j, row[j])
			}
		}
	}
	if rep.Home != nil {
		f.Home = &trueskill.Marginal{Mean: rep.Home.Mean, Std: rep.Home.Std}
		if rep.HomeCov != nil {
			if len(rep.HomeCov) != n {
				return reportFitted{}, fmt.Errorf("train trueskill predict: %s: home covariance has %d entries for %d players", path, len(rep.HomeCov), n)
			}
			f.HomeCov = rep.HomeCov
		}
	}
	if rep.Margin != nil {
		f.Margin = &trueskill.Marginal{Mean: rep.Margin.Mean, Std: rep.Margin.Std}
	}
	return r, nil
}
