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
)

// TestDataParallelSelect runs the protocol with epoch selection, full
// batch, in one process and on 2 in-process ranks: a full-batch fit on P
// ranks follows the one-process fit up to the order of the sums (see
// TestDataParallelFullBatch), so the ranks choose the epochs one process
// chooses, with the same validation scores to the tolerance, and the
// ranks' results are identical.
func TestDataParallelSelect(t *testing.T) {
	t.Parallel()
	// Rounding of the partial sums (about 1e-14 relative a step), carried
	// through 4×15 Adam steps and 50 draws' scores: far below 1e-8.
	const tol = 1e-8
	train, test := Toy(61, 4), Toy(20, 5)
	p := Protocol{Config: Config{Hidden: []int{6}}, Select: SelectEpochs, Checks: 4, Draws: 50,
		Settings: Settings{Epochs: 60, Batch: 61, Seed: 3, LearnRate: 1e-2}}
	splits := []Split{{Train: train, Test: test}}
	one, err := RunSplits(context.Background(), splits, p)
	require.NoError(t, err)
	const ranks = 2
	world := inproc.New(ranks)
	res, errs := make([]*SplitsResult, ranks), make([]error, ranks)
	var wg sync.WaitGroup
	for r := range res {
		pr := p
		pr.Settings.DataParallel = DataParallel{Rank: r, Reducer: world[r]}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[r], errs[r] = RunSplits(context.Background(), splits, pr)
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	want, got := one.PerSplit[0], res[0].PerSplit[0]
	require.Len(t, want.Validation, 4, "one score a check")
	require.Len(t, got.Validation, len(want.Validation))
	for i, v := range want.Validation {
		assert.Equal(t, v.Epochs, got.Validation[i].Epochs, "check %d", i)
		assert.InDelta(t, v.LogLik, got.Validation[i].LogLik, tol*(1+math.Abs(v.LogLik)), "validation log-likelihood %d", i)
	}
	assert.Equal(t, want.Epochs, got.Epochs, "the chosen epochs")
	assert.Equal(t, res[0].PerSplit[0].Validation, res[1].PerSplit[0].Validation, "the ranks' scores")
	assert.Equal(t, paramsOf(res[0].Nets[0]), paramsOf(res[1].Nets[0]), "the ranks' refitted weights")
}

// TestDataParallelAgree: ranks that reached different values fail.
func TestDataParallelAgree(t *testing.T) {
	t.Parallel()
	world := inproc.New(2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for r := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[r] = DataParallel{Rank: r, Reducer: world[r]}.agree("selections", 1, float64(10+r))
		}()
	}
	wg.Wait()
	for r, err := range errs {
		assert.ErrorContains(t, err, "the 2 ranks reached different selections", "rank %d", r)
	}
	assert.NoError(t, DataParallel{}.agree("selections", 1, 2), "one process")
}
