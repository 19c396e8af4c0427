package fhmm_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/govi/govi/models/fhmm"
)

// Example compares exact inference with the two mean-field approximations
// on a seeded sequence from three chains of three states.
func Example() {
	r := rand.New(rand.NewPCG(1, 2))
	p, err := fhmm.RandomParams(3, 3, 4, r)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, y, err := fhmm.Generate(p, 100, r)
	if err != nil {
		fmt.Println(err)
		return
	}
	post, err := fhmm.Exact(p, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("log p(y)          %.2f\n", post.LogLik)
	for _, m := range []struct {
		name string
		run  func(fhmm.Params, [][]float64, fhmm.Settings) (*fhmm.MeanField, error)
	}{{"structured", fhmm.Structured}, {"factorized", fhmm.Factorized}} {
		q, err := m.run(p, y, fhmm.Settings{})
		if err != nil {
			fmt.Println(err)
			return
		}
		elbo := q.ELBO[len(q.ELBO)-1]
		fmt.Printf("%-10s ELBO   %.2f (gap %.2f) after %d sweeps\n", m.name, elbo, post.LogLik-elbo, q.Sweeps)
	}
	// Output:
	// log p(y)          -739.01
	// structured ELBO   -744.29 (gap 5.28) after 17 sweeps
	// factorized ELBO   -752.97 (gap 13.96) after 15 sweeps
}

// ExampleLearn fits two binary chains to a seeded sequence by variational
// EM with structured mean field and compares the log-likelihood of the fit
// with that of the parameters that generated the data.
func ExampleLearn() {
	r := rand.New(rand.NewPCG(3, 4))
	truth, err := fhmm.RandomParams(2, 2, 3, r)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, y, err := fhmm.Generate(truth, 300, r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fit, err := fhmm.Learn(y, 2, 2, fhmm.LearnSettings{Starts: 3, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	at, err := fhmm.Exact(fit.Params, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	gen, err := fhmm.Exact(truth, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ELBO at the fit      %.2f (start %d, %d iterations)\n", fit.ELBO[len(fit.ELBO)-1], fit.Start, fit.Iters)
	fmt.Printf("log p(y) at the fit  %.2f\n", at.LogLik)
	fmt.Printf("log p(y) at truth    %.2f\n", gen.LogLik)
	// Output:
	// ELBO at the fit      -1627.07 (start 2, 62 iterations)
	// log p(y) at the fit  -1626.12
	// log p(y) at truth    -1633.87
}
