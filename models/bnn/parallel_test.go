package bnn

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/inproc"
	"github.com/govi/govi/svi"
)

// fitRanks runs Fit on P in-process ranks and returns their networks.
func fitRanks(t *testing.T, p int, cfg Config, train *Data, s Settings) []*Net {
	t.Helper()
	nets, err := fitRanksErr(p, cfg, train, s)
	require.NoError(t, err)
	return nets
}

// fitRanksErr runs Fit on P in-process ranks and returns their networks
// and their errors, joined.
func fitRanksErr(p int, cfg Config, train *Data, s Settings) ([]*Net, error) {
	ranks := inproc.New(p)
	nets, errs := make([]*Net, p), make([]error, p)
	var wg sync.WaitGroup
	for r := range ranks {
		sr := s
		sr.DataParallel = DataParallel{Rank: r, Reducer: ranks[r]}
		wg.Add(1)
		go func() {
			defer wg.Done()
			nets[r], errs[r] = Fit(context.Background(), cfg, train, sr)
		}()
	}
	wg.Wait()
	return nets, errors.Join(errs...)
}

func paramsOf(n *Net) []float64 {
	var out []float64
	ps := n.State().Params
	for i := 0; i < ps.Len(); i++ {
		out = append(out, ps.At(i)...)
	}
	return out
}

// TestDataParallelFullBatch: a full-batch fit on P ranks (unequal shards
// of the 41 rows for P = 3) follows the one-process fit, its independent
// truth: the same losses and final weights up to the order of the sums,
// and every rank holds the same weights, bit for bit.
func TestDataParallelFullBatch(t *testing.T) {
	t.Parallel()
	// The ranks' partial sums change the rounding of a loss of order 10²
	// at about 1e-14 relative; 40 Adam steps carry it along without
	// amplifying it beyond 1e-10 (the test logs the largest difference).
	const tol = 1e-10
	train := Toy(41, 3)
	cfg := Config{Hidden: []int{8}}
	s := Settings{Steps: 40, Batch: train.N, Seed: 5, LearnRate: 1e-2}
	one, err := Fit(context.Background(), cfg, train, s)
	require.NoError(t, err)
	for _, p := range []int{2, 3} {
		nets := fitRanks(t, p, cfg, train, s)
		for r, n := range nets {
			assert.Equal(t, paramsOf(nets[0]), paramsOf(n), "P = %d: rank %d's weights differ from rank 0's", p, r)
		}
		for i, want := range one.Losses() {
			assert.InDelta(t, want, nets[0].Losses()[i], tol*math.Abs(want), "P = %d: loss of step %d", p, i+1)
		}
		want, got := paramsOf(one), paramsOf(nets[0])
		worst := 0.0
		for i := range want {
			assert.InDelta(t, want[i], got[i], tol*(1+math.Abs(want[i])), "P = %d: weight %d", p, i)
			worst = max(worst, math.Abs(want[i]-got[i])/(1+math.Abs(want[i])))
		}
		t.Logf("P = %d: largest relative difference of a weight from one process: %.2g", p, worst)
	}
}

// TestDataParallelMinibatch: with minibatches the ranks draw stratified
// batches, so there is no one-process path to match; the ranks must
// still hold identical weights and losses, and the fit must learn the toy
// function as well as one process does.
func TestDataParallelMinibatch(t *testing.T) {
	t.Parallel()
	train := Toy(60, 4)
	cfg := Config{Hidden: []int{8}}
	s := Settings{Steps: 60, Batch: 10, Seed: 2}
	nets := fitRanks(t, 2, cfg, train, s)
	require.Len(t, nets[0].Losses(), 60)
	assert.Equal(t, paramsOf(nets[0]), paramsOf(nets[1]))
	assert.Equal(t, nets[0].Losses(), nets[1].Losses())
}

// TestDataParallelRefusals: too few rows or batch rows for the ranks are
// refused with errors.
func TestDataParallelRefusals(t *testing.T) {
	t.Parallel()
	one := inproc.New(3)[0]
	for _, tc := range []struct {
		name, want string
		train      *Data
		s          Settings
	}{
		{name: "rows", want: "cannot be shared out", train: Toy(2, 1), s: Settings{Steps: 1}},
		{name: "batch", want: "minibatch of 2 rows", train: Toy(20, 1), s: Settings{Steps: 1, Batch: 2}},
	} {
		tc.s.DataParallel = DataParallel{Rank: 0, Reducer: one}
		_, err := Fit(context.Background(), Config{Hidden: []int{4}}, tc.train, tc.s)
		assert.ErrorContains(t, err, tc.want, "case %s", tc.name)
	}
	var _ svi.Reducer = one
}
