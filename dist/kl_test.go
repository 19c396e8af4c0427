package dist

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

// klNormalRef is the closed form written from variances, independently of
// kl.go: ½[σq²/σp² + (μp − μq)²/σp² − 1 + log(σp²/σq²)].
func klNormalRef(mq, sq, mp, sp float64) float64 {
	vq, vp := sq*sq, sp*sp
	return 0.5 * (vq/vp + (mp-mq)*(mp-mq)/vp - 1 + math.Log(vp/vq))
}

func TestKLNormalNormal(t *testing.T) {
	mq := []float64{0, 1.5, -3, 0, 1e3}
	sq := []float64{1, 0.3, 2, 1e-6, 5}
	mp := []float64{0, -0.5, -3, 0, 0}
	sp := []float64{1, 1, 0.5, 1e3, 1e-2}
	g := G.NewGraph()
	kl, err := KL(Normal{Loc: vec(g, mq), Scale: vec(g, sq)}, Normal{Loc: vec(g, mp), Scale: vec(g, sp)})
	require.NoError(t, err)
	got := evalNodes(t, g, nil, kl)[0]
	for i := range mq {
		near(t, klNormalRef(mq[i], sq[i], mp[i], sp[i]), got[i], logProbTol, "element %d", i)
	}
	assert.Equal(t, 0.0, got[0], "KL(q‖q) = 0")

	// Monte Carlo: E_q[log q(z) − log p(z)], within mcSigmas standard errors.
	r := rand.New(rand.NewPCG(31, 32))
	for i := range 3 {
		q := distuv.Normal{Mu: mq[i], Sigma: sq[i], Src: r}
		p := distuv.Normal{Mu: mp[i], Sigma: sp[i]}
		d := make([]float64, mcDraws)
		for j := range d {
			z := q.Rand()
			d[j] = q.LogProb(z) - p.LogProb(z)
		}
		m, v := stat.MeanVariance(d, nil)
		se := math.Sqrt(v / float64(len(d)))
		if se == 0 {
			assert.InDelta(t, m, got[i], 1e-15)
			continue
		}
		assert.InDelta(t, m, got[i], mcSigmas*se, "element %d: Monte Carlo %v ± %v", i, m, se)
	}
}

func TestKLNoClosedForm(t *testing.T) {
	g := G.NewGraph()
	n, err := NewNormal(g, 0, 1)
	require.NoError(t, err)
	l, err := NewLaplace(g, 0, 1)
	require.NoError(t, err)
	for _, pair := range [][2]any{{n, l}, {l, n}, {l, l}, {n, nil}} {
		_, err := KL(pair[0], pair[1])
		assert.True(t, errors.Is(err, ErrNoAnalyticKL), "%T‖%T: %v", pair[0], pair[1], err)
	}
}

func TestKLPointers(t *testing.T) {
	g := G.NewGraph()
	q, err := NewNormal(g, 1, 2)
	require.NoError(t, err)
	p, err := NewNormal(g, 0, 1)
	require.NoError(t, err)
	kl, err := KL(&q, &p)
	require.NoError(t, err)
	near(t, klNormalRef(1, 2, 0, 1), evalNodes(t, g, nil, kl)[0][0], logProbTol, "KL(&q‖&p)")
}
