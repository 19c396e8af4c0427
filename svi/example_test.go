package svi_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// Fit the mean μ of normal data with a N(0, 10²) prior: the posterior is
// N(2.904, 0.224²) in closed form.
func ExampleRun() {
	y := []float64{2.1, 3.3, 2.9, 3.8, 2.4, 3.1, 2.6, 3.0, 2.7, 3.2,
		2.5, 3.4, 2.8, 2.2, 3.6, 2.9, 3.1, 2.3, 3.5, 2.7}
	model := svi.ModelFunc(func(m *svi.M) error {
		mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(10)})
		obs := m.Data("y", len(y))
		m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(1)}, obs)
		return m.Err()
	})
	tr, err := svi.New(model, guides.MeanField{}, svi.Config{Particles: 4, Estimator: svi.EntropyELBO, Optimizer: svi.Adam{LearnRate: 0.02}})
	if err != nil {
		fmt.Println(err)
		return
	}
	st, _ := tr.Init(1)
	if err := tr.Feed(svi.Batch{"y": y}); err != nil {
		fmt.Println(err)
		return
	}
	_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 4000, Stop: &svi.Convergence{}, Average: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	sum, _ := tr.Summarize(st, 1000, rand.New(svi.NewRNG(2)), nil)
	fmt.Printf("mu: mean %.3f, sd %.3f\n", sum[0].Mean[0], sum[0].Std[0])
	// Output: mu: mean 2.906, sd 0.224
}
