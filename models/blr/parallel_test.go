package blr

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/inproc"
	"github.com/govi/govi/svi"
)

// TestDataParallelSameMinibatches checks data-parallel SVI (svi.Config.Reduce)
// on the Boston regression against its independent truth, one process fed
// the same minibatches: with the same seed, P = 2 ranks each hold 253 of
// the 506 rows and draw B_r = 16 of them a step from their own stream,
// with the likelihood scaled by P·N_r/B_r; one process is fed, each step,
// the union of the two ranks' batches (32 rows, rank 0's first) with the
// scale N/B = 506/32, which is the same loss term by term. After 300 Adam
// steps the final parameters agree to 1e-10, and the ranks' to the bit.
func TestDataParallelSameMinibatches(t *testing.T) {
	t.Parallel()
	// Only the order of the sums differs (two partial sums of 16 rows and
	// their mean against one sum of 32): about 1e-15 relative a step on
	// this smooth convex problem, which Adam does not amplify.
	const tol = 1e-10
	const p, br, steps, seed = 2, 16, 300, 11
	phi, y, d := bostonDesign(t)
	n := len(y)
	nr := n / p
	require.Equal(t, n, p*nr, "equal shards")
	// The batches of every rank, drawn up front: rank r deals from its
	// shard with stream r.
	batches := make([][][]int, p) // rank, step → global rows
	for r := range p {
		mb, err := svi.NewMinibatches(nr, br, rand.NewPCG(seed, uint64(r)))
		require.NoError(t, err)
		for range steps {
			rows := make([]int, 0, br)
			for _, i := range mb.Next() {
				rows = append(rows, r*nr+i)
			}
			batches[r] = append(batches[r], rows)
		}
	}
	cfg := svi.Config{Particles: 4, Optimizer: svi.Adam{LearnRate: 0.02}}
	fit := func(md Model, cfg svi.Config, rows func(step int) []int) (*svi.State, error) {
		tr, err := svi.New(md, guides.MeanField{}, cfg)
		if err != nil {
			return nil, err
		}
		st, err := tr.Init(seed)
		for k := 0; err == nil && k < steps; k++ {
			idx := rows(k)
			_, err = tr.Step(st, svi.Batch{"phi": svi.Rows(nil, phi, d, idx), "y": svi.Rows(nil, y, 1, idx)})
		}
		return st, err
	}
	one, err := fit(Model{Alpha: 1, Beta: 4, N: p * br, D: d, Scale: float64(n) / float64(p*br)}, cfg,
		func(k int) []int { return append(append([]int(nil), batches[0][k]...), batches[1][k]...) })
	require.NoError(t, err)

	world := inproc.New(p)
	states, errs := make([]*svi.State, p), make([]error, p)
	var wg sync.WaitGroup
	for r := range p {
		cr := cfg
		cr.Reduce = world[r]
		wg.Add(1)
		go func() {
			defer wg.Done()
			states[r], errs[r] = fit(Model{Alpha: 1, Beta: 4, N: br, D: d, Scale: float64(p*nr) / br}, cr,
				func(k int) []int { return batches[r][k] })
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	want, got := flatParams(one.Params), flatParams(states[0].Params)
	require.Len(t, got, len(want))
	worst := 0.0
	for i := range want {
		assert.InDelta(t, want[i], got[i], tol*(1+math.Abs(want[i])), "parameter %d", i)
		worst = max(worst, math.Abs(want[i]-got[i])/(1+math.Abs(want[i])))
	}
	t.Logf("largest relative difference from one process after %d steps: %.2g", steps, worst)
	assert.Equal(t, got, flatParams(states[1].Params), "rank 1's parameters differ from rank 0's")
	for k := range one.Trace {
		assert.InDelta(t, one.Trace[k], states[0].Trace[k], tol*(1+math.Abs(one.Trace[k])), "loss of step %d", k+1)
	}
}

func flatParams(p *svi.Params) []float64 {
	var out []float64
	for i := range p.Len() {
		out = append(out, p.At(i)...)
	}
	return out
}
