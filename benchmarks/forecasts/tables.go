package main

import (
	"fmt"
	"io"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/datadir"
	ts "github.com/govi/govi/models/trueskill"
)

// The EPL models: probit, σ₀ = β = 1, with the draw margin fixed at 0.5
// and no home advantage, or with both learned.
var (
	eplFixed   = ts.Config{Sigma0: 1, Beta: 1, Margin: 0.5}
	eplLearned = ts.Config{Sigma0: 1, Beta: 1}
)

// eplTraining is what the EPL tables fit: the training seasons, their
// constant home/draw/away rates, and the fixed-margin and the
// learned-margin-and-home models on them.
type eplTraining struct {
	train          *ts.Dataset
	base           ts.Forecast
	fixed, learned *ts.Model
}

// newEPLTraining reads the given seasons from the EPL file p.
func newEPLTraining(p string, seasons ...string) (*eplTraining, error) {
	e := &eplTraining{}
	var err error
	if e.train, err = ts.ReadFootball(p, seasons...); err != nil {
		return nil, err
	}
	if e.base, err = ts.BaseRates(e.train); err != nil {
		return nil, err
	}
	if e.fixed, err = ts.NewModel(e.train, eplFixed, ts.Options{}); err != nil {
		return nil, err
	}
	e.learned, err = ts.NewModel(e.train, eplLearned, ts.Options{LearnMargin: true, HomeAdvantage: true})
	return e, err
}

// eplMeanField prints the mean-field rows of the EPL 2012/13 table
// (REFERENCES.md §10), with the baseline and EP-full for comparison.
func eplMeanField(w io.Writer) error {
	p, err := footballPath()
	if err != nil {
		return err
	}
	e, err := newEPLTraining(p, "2008-9", "2009-10", "2010-11", "2011-12")
	if err != nil {
		return err
	}
	opts := ts.FootballOptions("2012-13")
	opts.Players, opts.SkipUnknown = e.train.Players, true
	test, err := ts.ReadFile(p, opts)
	if err != nil {
		return err
	}
	epf, err := ts.EP(e.train, eplFixed, &ts.EPSettings{FullCovariance: true})
	if err != nil {
		return err
	}
	mfFixed, err := fitFromMode(e.fixed, false, 31)
	if err != nil {
		return err
	}
	mfHome, err := fitFromMode(e.learned, false, 33)
	if err != nil {
		return err
	}
	var ratio float64
	for i := range epf.Std {
		ratio += mfFixed.Std[i] / epf.Std[i] / float64(len(epf.Std))
	}
	fmt.Fprintf(w, "### EPL 2012/13 from 2008/9–2011/12, mean-field (%d games between known teams)\n\n", len(test.Games))
	fmt.Fprintf(w, "Mean-field std / EP-full std, mean over teams (ε = 0.5): %.3f. Learned (mean-field): ε = %.3f ± %.3f, η = %.3f ± %.3f.\n\n",
		ratio, mfHome.Margin.Mean, mfHome.Margin.Std, mfHome.Home.Mean, mfHome.Home.Std)
	fmt.Fprint(w, tableHead)
	_, err = score(w, test, []row{
		{"baseline (training rates)", ts.ConstantPredictor(e.base)},
		{"EP-full predictive, ε = 0.5", ts.PosteriorPredictor(&epf.Posterior, eplFixed)},
		{"SVI mean-field predictive, ε = 0.5", mfFixed.Predict},
		{"SVI mean-field plug-in, ε = 0.5", mfFixed.PredictPlugIn},
		{"SVI mean-field predictive, ε, η learned", mfHome.Predict},
		{"SVI mean-field plug-in, ε, η learned", mfHome.PredictPlugIn},
	})
	fmt.Fprintln(w)
	return err
}

// eplRolling prints every EPL season from 2009/10 on forecast from all the
// seasons before it, full-rank, promoted teams at the prior, and the
// figures pooled over the four seasons.
func eplRolling(w io.Writer) error {
	p, err := footballPath()
	if err != nil {
		return err
	}
	seasons := []string{"2008-9", "2009-10", "2010-11", "2011-12", "2012-13"}
	keys := []string{"baseline", "full-rank predictive, ε = 0.5", "full-rank plug-in, ε = 0.5", "full-rank predictive, ε, η", "full-rank plug-in, ε, η"}
	type total struct{ loss, acc, n float64 }
	pooled := map[string]*total{}
	fmt.Fprint(w, "### EPL, every season from the ones before (full-rank; all 380 games, promoted teams at the prior)\n\n", tableHead)
	for k := 1; k < len(seasons); k++ {
		e, err := newEPLTraining(p, seasons[:k]...)
		if err != nil {
			return err
		}
		all, err := ts.ReadFootball(p, seasons[k])
		if err != nil {
			return err
		}
		fr, err := fitFromMode(e.fixed, true, uint64(50+k))
		if err != nil {
			return err
		}
		fh, err := fitFromMode(e.learned, true, uint64(60+k))
		if err != nil {
			return err
		}
		fr, fh = fr.Extend(all.Players), fh.Extend(all.Players)
		opts := ts.FootballOptions(seasons[k])
		opts.Players = fh.Players
		test, err := ts.ReadFile(p, opts)
		if err != nil {
			return err
		}
		res, err := score(w, test, []row{
			{seasons[k] + ": " + keys[0], ts.ConstantPredictor(e.base)},
			{seasons[k] + ": " + keys[1], fr.Predict},
			{seasons[k] + ": " + keys[2], fr.PredictPlugIn},
			{seasons[k] + ": " + keys[3], fh.Predict},
			{seasons[k] + ": " + keys[4], fh.PredictPlugIn},
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "| %s: learned ε = %.3f, η = %.3f; training seasons: %d | | | | |\n", seasons[k], fh.Margin.Mean, fh.Home.Mean, k)
		for name, m := range res {
			key := name[len(seasons[k])+2:]
			if pooled[key] == nil {
				pooled[key] = &total{}
			}
			n := float64(m.Games)
			pooled[key].loss += m.LogLoss * n
			pooled[key].acc += m.Accuracy * n
			pooled[key].n += n
		}
	}
	for _, key := range keys {
		tt := pooled[key]
		fmt.Fprintf(w, "| pooled 2009/10–2012/13: %s | %.4f | %.3f | | %d |\n", key, tt.loss/tt.n, tt.acc/tt.n, int(tt.n))
	}
	fmt.Fprintln(w)
	return nil
}

// atpLong prints the ATP 2012 forecasts from 2011 with the full-rank guide
// (warm started from the mean-field fit) and the logistic link, beside
// EP-full; probit, σ₀ = β = 1, games in a seeded random order.
func atpLong(w io.Writer) error {
	p2011, ok := datadir.Path(ts.Sackmann2011File)
	p2012, ok2 := datadir.Path(ts.Sackmann2012File)
	if !ok || !ok2 {
		fmt.Fprintf(w, "### ATP 2012 from 2011: skipped, %s and %s not found under %s\n\n", ts.Sackmann2011File, ts.Sackmann2012File, datadir.Env)
		return nil
	}
	train, err := ts.ReadSackmann(p2011, true)
	if err != nil {
		return err
	}
	opts := ts.SackmannOptions(true)
	opts.Players, opts.SkipUnknown = train.Players, true
	known, err := ts.ReadFile(p2012, opts)
	if err != nil {
		return err
	}
	all, err := ts.ReadSackmann(p2012, true)
	if err != nil {
		return err
	}
	c := ts.Config{Sigma0: 1, Beta: 1}
	m, err := ts.NewModel(train, c, ts.Options{})
	if err != nil {
		return err
	}
	mf, err := fitFromMode(m, false, 41)
	if err != nil {
		return err
	}
	fr, err := fit(m, guides.FullRank{}, fullRankPlan, 42, fromMeanField(mf))
	if err != nil {
		return err
	}
	logit := ts.Config{Sigma0: 1, Beta: 1, Link: ts.Logistic}
	ml, err := ts.NewModel(train, logit, ts.Options{})
	if err != nil {
		return err
	}
	mfl, err := fitFromMode(ml, false, 43)
	if err != nil {
		return err
	}
	epf, err := ts.EP(train, c, &ts.EPSettings{FullCovariance: true})
	if err != nil {
		return err
	}
	fmt.Fprint(w, "### ATP 2012 from 2011 (known: games between players of 2011; prior: new players at the prior)\n\n", tableHead)
	if _, err := score(w, orient(known, 2012), []row{
		{"known: full-rank predictive", fr.Predict},
		{"known: full-rank plug-in", fr.PredictPlugIn},
		{"known: EP-full predictive", ts.PosteriorPredictor(&epf.Posterior, c)},
		{"known: logistic mean-field predictive", mfl.Predict},
		{"known: logistic mean-field plug-in", mfl.PredictPlugIn},
	}); err != nil {
		return err
	}
	ext := fr.Extend(all.Players)
	opts = ts.SackmannOptions(true)
	opts.Players = ext.Players
	withNew, err := ts.ReadFile(p2012, opts)
	if err != nil {
		return err
	}
	_, err = score(w, orient(withNew, 2012), []row{
		{"prior: full-rank predictive", ext.Predict},
		{"prior: full-rank plug-in", ext.PredictPlugIn},
	})
	fmt.Fprintln(w)
	return err
}
