package dist

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNoiseFillers(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	u := make([]float64, mcDraws)
	FillCenteredUniform(u, r)
	for _, v := range u {
		if !(v > -0.5 && v < 0.5) {
			t.Fatalf("centered uniform draw %v outside (−½, ½)", v)
		}
	}
	checkMoments(t, u, 0, 1.0/12)
	e := make([]float64, mcDraws)
	FillStdExponential(e, r)
	checkMoments(t, e, 1, 1)
	n := make([]float64, mcDraws)
	FillStdNormal(n, r)
	checkMoments(t, n, 0, 1)

	// Same seed, same noise.
	a, b := make([]float64, 5), make([]float64, 5)
	FillCenteredUniform(a, rand.New(rand.NewPCG(1, 2)))
	FillCenteredUniform(b, rand.New(rand.NewPCG(1, 2)))
	assert.Equal(t, a, b)
}
