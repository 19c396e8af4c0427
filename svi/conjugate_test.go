package svi_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// normalNormal is μ ~ N(m0, s0²), yᵢ ~ N(μ, σ²) with known σ. Its posterior
// is N(mN, sN²) with 1/sN² = 1/s0² + n/σ², mN = sN²(m0/s0² + Σy/σ²).
type normalNormal struct {
	m0, s0, sigma float64
	y             []float64
}

func (nn normalNormal) Build(m *svi.M) error {
	mu := m.Sample("mu", dist.Normal{Loc: m.Const(nn.m0), Scale: m.Const(nn.s0)})
	y := m.Data("y", len(nn.y))
	m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(nn.sigma)}, y)
	return m.Err()
}

func (nn normalNormal) posterior() (mean, sd float64) {
	prec := 1/(nn.s0*nn.s0) + float64(len(nn.y))/(nn.sigma*nn.sigma)
	sum := 0.0
	for _, v := range nn.y {
		sum += v
	}
	v := 1 / prec
	return v * (nn.m0/(nn.s0*nn.s0) + sum/(nn.sigma*nn.sigma)), math.Sqrt(v)
}

func TestNormalNormalPosterior(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	nn := normalNormal{m0: 1, s0: 2, sigma: 1.5}
	for i := 0; i < 20; i++ {
		nn.y = append(nn.y, 3+1.5*r.NormFloat64())
	}
	wantMean, wantSD := nn.posterior()
	for _, tc := range []struct {
		name string
		est  svi.Estimator
	}{{"trace", svi.TraceELBO}, {"entropy", svi.EntropyELBO}} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := svi.New(nn, guides.MeanField{}, svi.Config{Particles: 4, Estimator: tc.est, Optimizer: svi.Adam{LearnRate: 0.02}})
			require.NoError(t, err)
			st, err := tr.Init(1)
			require.NoError(t, err)
			require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
			_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 2000})
			require.NoError(t, err)
			st.Opt.LRScale = 0.05 // anneal, so the final iterate sits at the optimum
			_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 2000})
			require.NoError(t, err)
			sum, err := tr.Summarize(st, 10, rand.New(rand.NewPCG(1, 2)), nil)
			require.NoError(t, err)
			// Tolerances: the mean-field family contains the exact posterior,
			// so only SGD noise remains; after annealing to lr 1e-3 Adam's
			// final iterate jitters by about 0.01 sN in location and 1% in scale.
			assert.InDelta(t, wantMean, sum[0].Mean[0], 0.05*wantSD, "posterior mean")
			assert.InDelta(t, wantSD, sum[0].Std[0], 0.1*wantSD, "posterior sd")
		})
	}
}
