package bnn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Toy returns the one-dimensional regression problem of Hernández-Lobato &
// Adams (2015, Fig. 5) and Lakshminarayanan et al. (2017, Fig. 1): n inputs
// drawn uniformly from [−4, 4] and targets y = x³ + ε with ε ~ N(0, 3²),
// seeded by seed. Outside [−4, 4] a good posterior predictive widens.
func Toy(n int, seed uint64) *Data {
	r := rand.New(rand.NewPCG(seed, 0x746f79))
	d := &Data{X: make([]float64, n), Y: make([]float64, n), N: n, D: 1}
	for i := range d.Y {
		x := -4 + 8*r.Float64()
		d.X[i] = x
		d.Y[i] = ToyTruth(x) + ToyNoise*r.NormFloat64()
	}
	return d
}

// ToyTruth is the toy problem's regression function x³.
func ToyTruth(x float64) float64 { return x * x * x }

// ToyNoise is the standard deviation of the toy problem's noise.
const ToyNoise = 3.0

// ToyBand is a regression network's posterior predictive on a grid over
// [−6, 6], where the toy problem's data cover [−4, 4], with how well it
// matches the truth.
type ToyBand struct {
	X, Mean, Std []float64 `json:"-"` // grid points, predictive means and standard deviations
	// CoverInside is the fraction of grid points in [−4, 4] where the
	// truth lies within mean ± 2 sd.
	CoverInside float64 `json:"cover_inside"`
	// SDInside and SDOutside are the mean predictive sd over the grid
	// points in [−4, 4] and in 5 ≤ |x| ≤ 6: a good posterior widens away
	// from the data.
	SDInside  float64 `json:"sd_inside"`
	SDOutside float64 `json:"sd_outside"`
}

// toyGrid is the number of points of ToyBand's grid.
const toyGrid = 241

// ToyBand returns the network's predictive band on the toy problem's grid
// from draws posterior draws seeded by seed.
func (n *Net) ToyBand(draws int, seed uint64) (*ToyBand, error) {
	if n.inputs != 1 {
		return nil, fmt.Errorf("bnn: ToyBand needs a network of one input, got %d", n.inputs)
	}
	xs := make([]float64, toyGrid)
	for i := range xs {
		xs[i] = -6 + 12*float64(i)/float64(toyGrid-1)
	}
	p, err := n.Predict(xs, draws, seed)
	if err != nil {
		return nil, err
	}
	b := &ToyBand{X: xs, Mean: p.Mean, Std: p.Std}
	var nin, nout, cover int
	for i, x := range xs {
		switch {
		case math.Abs(x) <= 4:
			nin++
			b.SDInside += p.Std[i]
			if math.Abs(ToyTruth(x)-p.Mean[i]) <= 2*p.Std[i] {
				cover++
			}
		case math.Abs(x) >= 5:
			nout++
			b.SDOutside += p.Std[i]
		}
	}
	b.CoverInside = float64(cover) / float64(nin)
	b.SDInside /= float64(nin)
	b.SDOutside /= float64(nout)
	return b, nil
}
