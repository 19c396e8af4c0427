// Command forecasts prints the forecast tables of
// models/trueskill/REFERENCES.md §10 that take minutes to compute and that
// have no reference to be checked against, so they are not tests:
//
//   - epl: the mean-field rows of the EPL 2012/13 table (trained on
//     2008/9–2011/12, 306 games between known teams), beside the full-rank
//     fits that TestFootballForecastSVI checks against EP;
//   - rolling: every EPL season from 2009/10 on forecast from all the
//     seasons before it, full-rank, with ε = 0.5 fixed and with ε and η
//     learned, and the log-loss and accuracy pooled over the four seasons;
//   - atp: the 2012 ATP forecasts from 2011 with the full-rank guide (warm
//     started from the mean-field fit) and with the logistic link, beside
//     EP-full; TestTennisForecastSVI checks the mean-field rows.
//
// The fits, seeds and plans are those the tests use (REFERENCES.md §9–§10),
// so the figures are the file's. The football data are shipped; the ATP
// data are read from GOVI_DATA.
//
// Usage (from the repository root):
//
//	GOVI_DATA=/path/to/datasets go run ./benchmarks/forecasts [-only epl,rolling,atp]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/datadir"
	ts "github.com/govi/govi/models/trueskill"
	"github.com/govi/govi/svi"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// tables are the tables run can print, in order.
var tables = []struct {
	name  string
	print func(w io.Writer) error
}{{"epl", eplMeanField}, {"rolling", eplRolling}, {"atp", atpLong}}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("forecasts", flag.ContinueOnError)
	only := fs.String("only", "epl,rolling,atp", "comma-separated tables to print: epl, rolling, atp")
	if err := fs.Parse(args); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		want[strings.TrimSpace(n)] = true
	}
	known := 0
	for _, tb := range tables {
		if want[tb.name] {
			known++
		}
	}
	if known != len(want) {
		return fmt.Errorf("forecasts: -only %q: the tables are epl, rolling and atp", *only)
	}
	for _, tb := range tables {
		if !want[tb.name] {
			continue
		}
		if err := tb.print(w); err != nil {
			return fmt.Errorf("forecasts: %s: %w", tb.name, err)
		}
	}
	return nil
}

// plan is how a guide is fitted: Adam at LearnRate with Particles draws per
// step for Steps steps, the learning rate multiplied by Decay every Every
// steps, the iterates of the second half averaged.
type plan struct {
	Particles, Steps int
	LearnRate        float64
	Every            int
	Decay            float64
}

// The plans of REFERENCES.md §9–§10: forecast fits start at the posterior
// mode; the full-rank tennis fit starts from the mean-field one at a small
// learning rate (§9 explains why).
var (
	forecastPlan = plan{Particles: 2, Steps: 2000, LearnRate: 0.01, Every: 400, Decay: 0.5}
	fullRankPlan = plan{Particles: 4, Steps: 2000, LearnRate: 0.002, Every: 750, Decay: 0.25}
)

// fit fits guide g to m with plan p from seed; warm, when non-nil, sets the
// initial parameters.
func fit(m *ts.Model, g svi.Guide, p plan, seed uint64, warm func(*svi.State) error) (*ts.Fitted, error) {
	tr, err := svi.New(m, g, svi.Config{Particles: p.Particles, Estimator: svi.EntropyELBO, Optimizer: svi.Adam{LearnRate: p.LearnRate}})
	if err != nil {
		return nil, err
	}
	st, err := tr.Init(seed)
	if err != nil {
		return nil, err
	}
	if warm != nil {
		if err := warm(st); err != nil {
			return nil, err
		}
	}
	s := &svi.Settings{Steps: p.Steps, Average: true, Schedule: svi.StepDecay{Every: p.Every, Factor: p.Decay}}
	if _, err := svi.Run(context.Background(), tr, st, nil, s); err != nil {
		return nil, err
	}
	return m.Fitted(tr, st, g)
}

// fitFromMode fits a mean-field or full-rank guide started at m's mode with
// the forecast plan.
func fitFromMode(m *ts.Model, fullRank bool, seed uint64) (*ts.Fitted, error) {
	init, err := m.InitLoc()
	if err != nil {
		return nil, err
	}
	var g svi.Guide = guides.MeanField{InitLoc: init}
	if fullRank {
		g = guides.FullRank{InitLoc: init}
	}
	return fit(m, g, forecastPlan, seed, nil)
}

// fromMeanField is a warm start for a full-rank guide over the skill site:
// the mean-field fit's means and standard deviations, correlations 0.
func fromMeanField(mf *ts.Fitted) func(*svi.State) error {
	return func(st *svi.State) error {
		loc, ok := st.Params.Get("guides/" + ts.SiteSkill + "/loc")
		rho, ok2 := st.Params.Get("guides/" + ts.SiteSkill + "/rho")
		if !ok || !ok2 {
			return fmt.Errorf("the full-rank guide has no parameters for site %q", ts.SiteSkill)
		}
		copy(loc, mf.Mean)
		for i, s := range mf.Std {
			rho[i] = s + math.Log(-math.Expm1(-s)) // softplus⁻¹
		}
		return nil
	}
}

// row is one predictor of a table.
type row struct {
	name string
	pred ts.Predictor
}

// score evaluates each row on test, prints it as a table row and returns
// the metrics by name.
func score(w io.Writer, test *ts.Dataset, rows []row) (map[string]ts.Metrics, error) {
	out := map[string]ts.Metrics{}
	for _, r := range rows {
		m, err := ts.Evaluate(test, r.pred)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.name, err)
		}
		out[r.name] = m
		fmt.Fprintf(w, "| %s | %.4f | %.3f | %.3f | %d |\n", r.name, m.LogLoss, m.Accuracy, m.PredDraw, m.Games)
	}
	return out, nil
}

const tableHead = "| predictor | log-loss | accuracy | mean P(draw) | games |\n|---|---|---|---|---|\n"

// orient puts each game's players in a seeded random order (flipping the
// result with them): in a winner/loser file P1 is always the winner.
func orient(ds *ts.Dataset, seed uint64) *ts.Dataset {
	r := rand.New(rand.NewPCG(seed, 0))
	out := *ds
	out.Games = make([]ts.Game, len(ds.Games))
	for g, gm := range ds.Games {
		if r.IntN(2) == 1 {
			gm = ts.Game{P1: gm.P2, P2: gm.P1, Result: gm.Result.Reverse()}
		}
		out.Games[g] = gm
	}
	return &out
}

// footballPath is the shipped EPL results file.
func footballPath() (string, error) {
	p, ok := datadir.Shipped(ts.FootballFile)
	if !ok {
		return "", fmt.Errorf("shipped data file data/%s not found (run from the repository)", ts.FootballFile)
	}
	return p, nil
}
