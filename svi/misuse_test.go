package svi_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// TestMisuseGivesErrors: the public API answers misuse with an error, not
// a panic.
func TestMisuseGivesErrors(t *testing.T) {
	tr, st, _ := newNN(t, svi.Config{}, 1)
	_, err := tr.Step(nil, nil)
	assert.ErrorContains(t, err, "state is not initialized")
	_, err = tr.Summarize(st, 10, nil, nil)
	assert.ErrorContains(t, err, "needs a random generator")
	//lint:ignore SA1012 a nil context is the misuse under test
	_, err = svi.Run(nil, tr, st, nil, &svi.Settings{Steps: 1}) //nolint:staticcheck
	assert.ErrorContains(t, err, "needs a context")
	_, err = svi.Run(context.Background(), tr, &svi.State{}, nil, nil)
	assert.ErrorContains(t, err, "state is not initialized")

	panicky := svi.ModelFunc(func(m *svi.M) error {
		mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)})
		var idx []int
		_ = idx[3] // a bug in the user's model
		m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(1)}, m.Const(0))
		return m.Err()
	})
	_, err = svi.New(panicky, guides.MeanField{}, svi.Config{})
	require.Error(t, err)
	assert.ErrorContains(t, err, `the model panicked after site "mu"`)
	assert.ErrorContains(t, err, "index out of range")
}

// TestConstantOutOfDomainIssue14: a prior or likelihood with a negative
// constant scale is refused by New, naming the site and the distribution,
// instead of a NaN loss blamed on the first step.
func TestConstantOutOfDomainIssue14(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		model svi.ModelFunc
		want  string
	}{
		{"prior", func(m *svi.M) error {
			mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(-1)})
			m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(1)}, m.Const(0))
			return m.Err()
		}, `svi: prior of site "mu": dist: Normal scale must be positive and finite, got -1`},
		{"likelihood", func(m *svi.M) error {
			mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)})
			m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(-0.5)}, m.Const(0))
			return m.Err()
		}, `svi: Observe "y": dist: Normal scale must be positive and finite, got -0.5`},
	} {
		_, err := svi.New(tc.model, guides.MeanField{}, svi.Config{})
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
}

// TestTraceDisagreesIssue14: a state whose step count disagrees with its
// loss trace is refused by Step and SaveCheckpoint.
func TestTraceDisagreesIssue14(t *testing.T) {
	t.Parallel()
	tr, st, _ := newNN(t, svi.Config{}, 1)
	st.Iter = 4
	_, err := tr.Step(st, nil)
	assert.ErrorContains(t, err, "svi: the state has taken 4 steps but its loss trace holds 0")
	assert.ErrorContains(t, tr.SaveCheckpoint(t.TempDir()+"/x.ckpt", st), "has taken 4 steps but its loss trace holds 0")
	st.Iter, st.Trace = -1, nil
	_, err = tr.Step(st, nil)
	assert.ErrorContains(t, err, "has taken -1 steps")
}
