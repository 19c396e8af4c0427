package bnn_test

import (
	"context"
	"fmt"
	"log"

	"github.com/govi/govi/models/bnn"
	"github.com/govi/govi/svi"
)

// The latent sites of the UCI regression network 13-50-1.
func ExampleNewModel() {
	m, err := bnn.NewModel(bnn.Config{Hidden: []int{50}}, 13, 32, 455)
	if err != nil {
		log.Fatal(err)
	}
	sites, err := svi.Trace(m)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range sites {
		fmt.Println(s.Name, s.Shape, s.Support)
	}
	// Output:
	// layer0/w [13 50] real
	// layer0/b [50] real
	// layer1/w [50 1] real
	// layer1/b [1] real
	// tau [] positive
}

// Fit a network to the toy problem and read its posterior predictive.
func ExampleFit() {
	train := bnn.Toy(100, 1)
	cfg := bnn.Config{Hidden: []int{50}, NoiseShape: 1, NoiseRate: 0.01}
	net, err := bnn.Fit(context.Background(), cfg, train, bnn.Settings{Steps: 4000, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	x := []float64{-6, 0, 6}
	p, err := net.Predict(x, 1000, 2)
	if err != nil {
		log.Fatal(err)
	}
	q, err := p.Quantiles([]float64{0.025, 0.975})
	if err != nil {
		log.Fatal(err)
	}
	for i := range x {
		fmt.Printf("x=%g: mean %.1f, sd %.1f, 95%% interval [%.1f, %.1f]\n", x[i], p.Mean[i], p.Std[i], q[0][i], q[1][i])
	}
	ll, err := p.MeanLogLik([]float64{-216, 0, 216})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("log predictive density of the truth: %.2f\n", ll)
}
