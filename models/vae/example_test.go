package vae_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/govi/govi/models/vae"
)

// ExamplePPCA fits probabilistic PCA in closed form: the answer a linear
// VAE with a Gaussian likelihood converges to.
func ExamplePPCA() {
	// 500 points near a line in ℝ³: x = z·(2, 1, 0) + (0, 0, 5) + 0.1·ε.
	r := rand.New(rand.NewPCG(1, 2))
	const n, d = 500, 3
	x := make([]float64, 0, n*d)
	for i := 0; i < n; i++ {
		z := r.NormFloat64()
		x = append(x, 2*z+0.1*r.NormFloat64(), z+0.1*r.NormFloat64(), 5+0.1*r.NormFloat64())
	}
	fit, err := vae.PPCA(x, n, d, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	w0, w1 := fit.W.At(0, 0), fit.W.At(1, 0)
	if w0 < 0 { // W is defined up to sign
		w0, w1 = -w0, -w1
	}
	fmt.Printf("W = (%.1f, %.1f, %.1f), σ = %.2f, μ₃ = %.1f\n", w0, w1, math.Abs(fit.W.At(2, 0)), math.Sqrt(fit.Sigma2), fit.Mean[2])
	// Output: W = (2.0, 1.0, 0.0), σ = 0.10, μ₃ = 5.0
}
