package trueskill_test

import (
	"context"
	"fmt"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/models/trueskill"
	"github.com/govi/govi/svi"
)

// ExampleModel fits the full-rank guide to "A beats B 5 times" by SVI and
// prints the posterior and a forecast: the exact posterior has means
// ±0.90, standard deviations 0.84 and correlation 0.41 (REFERENCES.md §4).
func ExampleModel() {
	ds, err := trueskill.TwoPlayerCases()[0].Dataset()
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := trueskill.NewModel(ds, trueskill.Config{Sigma0: 1, Beta: 1}, trueskill.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	g := guides.FullRank{}
	tr, err := svi.New(m, g, svi.Config{Particles: 4, Estimator: svi.EntropyELBO, Optimizer: svi.Adam{LearnRate: 0.02}})
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := tr.Init(1)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := &svi.Settings{Steps: 3000, Average: true, Schedule: svi.StepDecay{Every: 500, Factor: 0.5}}
	if _, err := svi.Run(context.Background(), tr, st, nil, s); err != nil {
		fmt.Println(err)
		return
	}
	f, err := m.Fitted(tr, st, g)
	if err != nil {
		fmt.Println(err)
		return
	}
	q, _ := trueskill.Gaussian2Of(&f.Posterior, 0, 1, "")
	fmt.Printf("means %.1f %.1f, stds %.1f %.1f, correlation %.1f\n", q.Mean[0], q.Mean[1], q.Std()[0], q.Std()[1], q.Corr())
	p, _ := f.Predict(0, 1)
	fmt.Printf("A beats B next time: %.2f\n", p.Win)
	// Output:
	// means 0.9 -0.9, stds 0.8 0.8, correlation 0.4
	// A beats B next time: 0.86
}
