package svi_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

// TestSetRankBatches checks the three cases of State.SetRankBatches
// against a dealer that dealt the batches itself (the uninterrupted run):
// a replayed dealer deals, from the state's step on, exactly its batches;
// the writer's own matching dealer is kept; a new state takes the dealer.
func TestSetRankBatches(t *testing.T) {
	t.Parallel()
	const n, b, steps = 23, 5, 11 // 4 batches a pass: the replay crosses passes
	dealer := func(stream uint64) *svi.Minibatches {
		m, err := svi.NewMinibatches(n, b, rand.NewPCG(9, stream))
		require.NoError(t, err)
		return m
	}
	uninterrupted := dealer(1)
	for range steps {
		uninterrupted.Next()
	}
	wantPos := uninterrupted.Pos
	// Another rank's dealer in the checkpoint: replaced by this rank's,
	// replayed to the step.
	st := &svi.State{Iter: steps, Batches: dealer(0)}
	require.NoError(t, st.SetRankBatches(dealer(1), false))
	for k := range 2 * n / b {
		assert.Equal(t, uninterrupted.Next(), st.Batches.Next(), "batch %d after the step", k)
	}
	// The writer's own dealer of the same rows and batch: kept.
	own := dealer(0)
	st = &svi.State{Iter: steps, Batches: own}
	require.NoError(t, st.SetRankBatches(dealer(0), true))
	assert.Same(t, own, st.Batches)
	// The writer's dealer of another batch size (a fit on other ranks):
	// replaced and replayed.
	other, err := svi.NewMinibatches(n, b+1, rand.NewPCG(9, 1))
	require.NoError(t, err)
	st = &svi.State{Iter: steps, Batches: other}
	fresh := dealer(1)
	require.NoError(t, st.SetRankBatches(fresh, true))
	assert.Same(t, fresh, st.Batches)
	assert.Equal(t, wantPos, st.Batches.Pos)
	// A new state.
	st = &svi.State{}
	fresh = dealer(1)
	require.NoError(t, st.SetRankBatches(fresh, false))
	assert.Same(t, fresh, st.Batches)
	assert.Equal(t, n, st.Batches.Pos, "no batch dealt yet")
}
