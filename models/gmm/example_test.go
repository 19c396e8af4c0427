package gmm_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/govi/govi/models/gmm"
)

func ExampleFit() {
	// 200 points from two well separated Gaussians in the plane.
	r := rand.New(rand.NewPCG(1, 2))
	var x []float64
	for i := 0; i < 200; i++ {
		c := 0.0
		if i%4 == 0 {
			c = 6 // a quarter of the points in the second cluster
		}
		x = append(x, c+r.NormFloat64(), c+0.5*r.NormFloat64())
	}
	res, err := gmm.Fit(x, 2, gmm.Config{K: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range res.Effective {
		fmt.Printf("weight %.2f, mean (%.1f, %.1f)\n", res.Weights[k], res.Means[k][0], res.Means[k][1])
	}
	// Output:
	// weight 0.75, mean (0.0, 0.0)
	// weight 0.25, mean (6.0, 5.9)
}
