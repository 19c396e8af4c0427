package vae

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/inproc"
	"github.com/govi/govi/svi"
)

// fitRanks fits on p in-process ranks (p = 1: one process, no Reducer);
// driver, if set, returns each rank's Driver.
func fitRanks(p int, cfg Config, train *Dataset, s Settings, driver func() Driver) ([]*Fitted, error) {
	world := inproc.New(p)
	fits, errs := make([]*Fitted, p), make([]error, p)
	var wg sync.WaitGroup
	for r := range p {
		sr := s
		if p > 1 {
			sr.DataParallel = DataParallel{Rank: r, Reducer: world[r]}
		}
		if driver != nil {
			sr.Driver = driver()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fits[r], errs[r] = Fit(context.Background(), cfg, train, sr)
		}()
	}
	wg.Wait()
	return fits, errors.Join(errs...)
}

// TestDataParallelResume: a VAE fit on 2 in-process ranks keeps identical
// weights on both; stopped at step 6 of 12 (rank 0's checkpoint) and
// resumed on 2 ranks it equals the uninterrupted fit bit for bit (the same
// operations in the same order). Resumed in one process, on 3 ranks, and
// a one-process checkpoint on 2 ranks, every rank starts from exactly the
// checkpoint's weights and runs on to step 12, the ranks in step.
func TestDataParallelResume(t *testing.T) {
	t.Parallel()
	d, err := ReadDigits(digitsPath)
	require.NoError(t, err)
	train := d.Binarize(0.5).Head(101) // unequal shards
	cfg := Config{Dim: 64, Hidden: []int{8}}
	s := Settings{Steps: 12, Batch: 20, Estimator: svi.KLELBO, Seed: 3}
	full, err := fitRanks(2, cfg, train, s, nil)
	require.NoError(t, err)
	assert.Equal(t, full[0].State.Params, full[1].State.Params, "the ranks' weights")
	assert.Len(t, full[0].State.Trace, 12)

	cut := s
	cut.Steps = 6
	part, err := fitRanks(2, cfg, train, cut, nil)
	require.NoError(t, err)
	ck := filepath.Join(t.TempDir(), "fit.ckpt")
	require.NoError(t, part[0].Trainer.SaveCheckpoint(ck, part[0].State))
	resume := func() Driver { return loadDriver{path: ck} }
	resumed, err := fitRanks(2, cfg, train, s, resume)
	require.NoError(t, err)
	for r := range resumed {
		assert.Equal(t, full[r].State.Trace, resumed[r].State.Trace, "rank %d: losses", r)
		assert.Equal(t, full[r].State.Params, resumed[r].State.Params, "rank %d: weights", r)
	}

	one, err := fitRanks(1, cfg, train, cut, nil)
	require.NoError(t, err)
	ck1 := filepath.Join(t.TempDir(), "one.ckpt")
	require.NoError(t, one[0].Trainer.SaveCheckpoint(ck1, one[0].State))
	for _, tc := range []struct {
		name string
		p    int
		ck   string
		from *Fitted
	}{
		{"2 ranks in one process", 1, ck, part[0]},
		{"2 ranks on 3", 3, ck, part[0]},
		{"one process on 2 ranks", 2, ck1, one[0]},
	} {
		seen, k := make([]*svi.Params, tc.p), 0 // fitRanks makes the drivers in rank order
		driver := func() Driver {
			k++
			return seenDriver{loadDriver: loadDriver{path: tc.ck}, seen: &seen[k-1]}
		}
		fits, err := fitRanks(tc.p, cfg, train, s, driver)
		require.NoError(t, err, tc.name)
		for r, f := range fits {
			assert.Equal(t, tc.from.State.Params, seen[r], "%s: rank %d starts from the checkpoint's weights", tc.name, r)
			assert.Equal(t, 12, f.State.Iter, "%s: rank %d", tc.name, r)
			assert.Equal(t, tc.from.State.Trace, f.State.Trace[:6], "%s: rank %d: the checkpoint's losses", tc.name, r)
			assert.Equal(t, fits[0].State.Params, f.State.Params, "%s: rank %d's weights are rank 0's", tc.name, r)
		}
	}
}

// seenDriver is loadDriver keeping a copy of the weights it loaded.
type seenDriver struct {
	loadDriver
	seen **svi.Params
}

func (d seenDriver) Start(t *svi.Trainer) (*svi.State, error) {
	st, err := d.loadDriver.Start(t)
	if err == nil {
		*d.seen = st.Params.Clone()
	}
	return st, err
}
