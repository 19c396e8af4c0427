package lfm_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/govi/govi/models/lfm"
)

// Example compares exact inference with mean field on a seeded bars
// problem with noisy images, where overlapping bars open a gap.
func Example() {
	r := rand.New(rand.NewPCG(1, 2))
	p, err := lfm.Bars(6, r)
	if err != nil {
		fmt.Println(err)
		return
	}
	p.Sigma = 2
	_, x, err := lfm.Generate(p, 50, r)
	if err != nil {
		fmt.Println(err)
		return
	}
	post, err := lfm.Exact(p, x)
	if err != nil {
		fmt.Println(err)
		return
	}
	q, err := lfm.CAVI(p, x, lfm.Settings{})
	if err != nil {
		fmt.Println(err)
		return
	}
	gap, err := lfm.Gap(post, q)
	if err != nil {
		fmt.Println(err)
		return
	}
	var sum float64
	for _, g := range gap {
		sum += g
	}
	fmt.Printf("log evidence %.2f\n", post.Total)
	fmt.Printf("ELBO         %.2f after %d sweeps\n", q.ELBO[len(q.ELBO)-1], q.Sweeps)
	fmt.Printf("mean gap     %.4f nats per row\n", sum/float64(len(gap)))
	// Output:
	// log evidence -3827.88
	// ELBO         -3828.33 after 5 sweeps
	// mean gap     0.0091 nats per row
}

// ExampleLearn learns a bars problem from its rows alone: each learned
// factor lights up one bar's six pixels, and σ comes out near the 0.5
// that generated the rows.
func ExampleLearn() {
	r := rand.New(rand.NewPCG(3, 4))
	p, err := lfm.Bars(4, r)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, x, err := lfm.Generate(p, 300, r)
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := lfm.Learn(x, 4, lfm.LearnSettings{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for j, w := range l.Params.W {
		on := 0
		for _, v := range w {
			if v > 0.5 {
				on++
			}
		}
		fmt.Printf("factor %d: %d pixels above 0.5, π = %.2f\n", j, on, l.Params.Pi[j])
	}
	fmt.Printf("σ = %.2f after %d EM iterations\n", l.Params.Sigma, l.Iterations)
	// Output:
	// factor 0: 6 pixels above 0.5, π = 0.51
	// factor 1: 6 pixels above 0.5, π = 0.49
	// factor 2: 6 pixels above 0.5, π = 0.52
	// factor 3: 6 pixels above 0.5, π = 0.50
	// σ = 0.49 after 12 EM iterations
}
