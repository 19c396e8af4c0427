package bnn

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

// stopAt returns a recorder that interrupts a fit after step k.
func stopAt(k int, err error) svi.Recorder {
	return svi.RecorderFunc(func(info svi.Info) error {
		if info.Iter == k {
			return err
		}
		return nil
	})
}

// fitOn fits on p ranks (p = 1: one process, no Reducer).
func fitOn(p int, cfg Config, train *Data, s Settings) ([]*Net, error) {
	if p == 1 {
		n, err := Fit(context.Background(), cfg, train, s)
		return []*Net{n}, err
	}
	return fitRanksErr(p, cfg, train, s)
}

// TestDataParallelResume checks the checkpoint rule of DataParallel
// against uninterrupted runs, its independent truth, exactly (bit for bit:
// the same operations in the same order). A minibatch fit interrupted at
// step 27 of 60 (the annealed phase and several epochs of every rank's
// dealer cross the cut) on P ranks resumes on the same P to the
// uninterrupted run's losses and weights on every rank. Resumed on another
// P it starts from the checkpoint's weights (a resume to step 27 takes no
// step and ends with them), keeps the checkpoint's losses, and each rank
// ends with the dealer of an uninterrupted run on that P (the stream that
// P deals from the checkpoint's step on).
func TestDataParallelResume(t *testing.T) {
	t.Parallel()
	const cut = 27
	train := Toy(61, 4) // unequal shards for P = 2 and 3
	cfg := Config{Hidden: []int{6}}
	base := Settings{Steps: 60, Batch: 12, Seed: 2, Anneal: 0.25}
	stop := errors.New("interrupted")
	for _, tc := range []struct{ from, to int }{{2, 2}, {2, 1}, {2, 3}, {1, 2}, {3, 3}} {
		ck := filepath.Join(t.TempDir(), "fit.ckpt")
		s := base
		s.Checkpoint, s.CheckpointEvery, s.Recorder = ck, 10, stopAt(cut, stop)
		part, err := fitOn(tc.from, cfg, train, s)
		require.ErrorIs(t, err, stop, "P = %d", tc.from)
		require.Equal(t, cut, part[0].Steps())

		full, err := fitOn(tc.to, cfg, train, base)
		require.NoError(t, err)
		s = base
		s.Resume = ck
		resumed, err := fitOn(tc.to, cfg, train, s)
		require.NoError(t, err, "%d ranks resume a checkpoint of %d", tc.to, tc.from)
		for r, n := range resumed {
			what := func(x string) string { return x + " after resuming on another P" }
			if tc.from == tc.to {
				what = func(x string) string { return x + " after resuming on the same P" }
				assert.Equal(t, full[r].Losses(), n.Losses(), "%d → %d ranks, rank %d: %s", tc.from, tc.to, r, what("losses"))
				assert.Equal(t, paramsOf(full[r]), paramsOf(n), "%d → %d ranks, rank %d: %s", tc.from, tc.to, r, what("weights"))
			}
			assert.Equal(t, part[0].Losses(), n.Losses()[:cut], "%d → %d ranks, rank %d: the checkpoint's losses", tc.from, tc.to, r)
			assert.Equal(t, full[r].State().Batches.Order, n.State().Batches.Order, "%d → %d ranks, rank %d: %s", tc.from, tc.to, r, what("minibatch order"))
			assert.Equal(t, full[r].State().Batches.Pos, n.State().Batches.Pos, "%d → %d ranks, rank %d: %s", tc.from, tc.to, r, what("minibatch position"))
		}
		s.Steps = cut
		same, err := fitOn(tc.to, cfg, train, s)
		require.NoError(t, err)
		for r, n := range same {
			assert.Equal(t, paramsOf(part[0]), paramsOf(n), "%d → %d ranks, rank %d: the weights resumed", tc.from, tc.to, r)
		}
	}
}

// TestDataParallelResumeRefusals: a resume with another minibatch or seed
// is refused (the fingerprint records them, not the ranks), and ranks that
// load different checkpoints all fail.
func TestDataParallelResumeRefusals(t *testing.T) {
	t.Parallel()
	train := Toy(40, 4)
	cfg := Config{Hidden: []int{4}}
	dir := t.TempDir()
	base := Settings{Steps: 6, Batch: 8, Seed: 2}
	var cks []string
	for i, steps := range []int{4, 5} {
		s := base
		s.Steps, s.Checkpoint = steps, filepath.Join(dir, string(rune('a'+i))+".ckpt")
		_, err := fitOn(2, cfg, train, s)
		require.NoError(t, err)
		cks = append(cks, s.Checkpoint)
	}
	for _, tc := range []struct {
		name, want string
		change     func(*Settings)
	}{
		{"batch", `batch is "8" in the checkpoint and "10" in this run`, func(s *Settings) { s.Batch = 10 }},
		{"seed", `seed is "2" in the checkpoint and "3" in this run`, func(s *Settings) { s.Seed = 3 }},
	} {
		s := base
		s.Resume = cks[0]
		tc.change(&s)
		_, err := fitOn(2, cfg, train, s)
		assert.ErrorContains(t, err, tc.want, "case %s", tc.name)
	}
	// Rank r resumes cks[r]: neither rank's hash is the mean of the two.
	world := inproc.New(2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for r := range errs {
		s := base
		s.Resume, s.DataParallel = cks[r], DataParallel{Rank: r, Reducer: world[r]}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[r] = Fit(context.Background(), cfg, train, s)
		}()
	}
	wg.Wait()
	for r, err := range errs {
		assert.ErrorContains(t, err, "hold different states", "rank %d", r)
	}
}
