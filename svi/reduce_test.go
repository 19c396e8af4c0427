package svi_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/inproc"
	"github.com/govi/govi/svi"
)

var (
	_ svi.Reducer     = inproc.Rank{}
	_ svi.Broadcaster = inproc.Rank{}
)

// shardModel is a regression with a global weight vector and a positive
// noise scale: w ~ N(0, I), s ~ LogNormal(0, 1), y ~ N(Φw, s²), with the
// likelihood of the rows fed scaled by scale.
type shardModel struct {
	rows, d int
	scale   float64
}

func (sm shardModel) Build(m *svi.M) error {
	w := m.Sample("w", dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, sm.d)
	s := m.Sample("s", dist.LogNormal{Loc: m.Const(0), Scale: m.Const(1)})
	phi := m.Data("phi", sm.rows, sm.d)
	y := m.Data("y", sm.rows)
	if err := m.Err(); err != nil {
		return err
	}
	mu, err := G.Mul(phi, w)
	if err != nil {
		return m.Fail(err)
	}
	if sm.scale != 1 {
		m.Scale(sm.scale)
	}
	m.Observe("y", dist.Normal{Loc: mu, Scale: s}, y)
	return m.Err()
}

// shardData returns n rows of a deterministic regression data set (no
// random noise: the residuals are a fixed cosine).
func shardData(n, d int) (phi, y []float64) {
	phi, y = make([]float64, n*d), make([]float64, n)
	for i := 0; i < n; i++ {
		t := float64(i) / float64(n)
		for j := 0; j < d; j++ {
			phi[i*d+j] = math.Sin(float64(j+1) * (t + 0.3))
		}
		y[i] = 0.5*phi[i*d] - phi[i*d+d-1] + 0.2*math.Cos(7*float64(i))
	}
	return phi, y
}

// gradRecorder is Adam that keeps the gradient of every update.
type gradRecorder struct {
	svi.Adam
	grads []*svi.Params
}

func (g *gradRecorder) Update(s *svi.OptState, p, grad *svi.Params) error {
	g.grads = append(g.grads, grad.Clone())
	return g.Adam.Update(s, p, grad)
}

// flat concatenates the arrays of p.
func flat(p *svi.Params) []float64 {
	var out []float64
	for i := 0; i < p.Len(); i++ {
		out = append(out, p.At(i)...)
	}
	return out
}

// TestReduceMatchesOneProcess checks the data-parallel rule of
// svi.Config.Reduce against its independent truth, one process fitting
// the concatenated rows: P trainers in goroutines, rank r holding rows
// [r·N/P, (r+1)·N/P) and feeding the first B_r of them with the likelihood
// scaled by P·N_r/B_r, give after the all-reduce the loss and gradient of
// one trainer fed the union of the batches with the scale N/ΣB_r, and,
// stepped together, keep identical parameters.
func TestReduceMatchesOneProcess(t *testing.T) {
	t.Parallel()
	// Only the summation order differs (P partial sums, then their sum):
	// a few ulps of values of order 10², relative.
	const tol = 1e-12
	const d, steps = 3, 20
	for _, tc := range []struct {
		name     string
		p, n, b  int // ranks, rows, each rank's minibatch (0: its whole shard)
		wantRows int // rows of the one-process batch
	}{
		{name: "full batch, unequal shards", p: 3, n: 13, wantRows: 13},
		{name: "minibatches", p: 2, n: 12, b: 2, wantRows: 4},
		{name: "one rank", p: 1, n: 7, wantRows: 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			phi, y := shardData(tc.n, d)
			// The one-process fit on the union of the ranks' batches.
			var oneX, oneY []float64
			for r := 0; r < tc.p; r++ {
				lo, hi := r*tc.n/tc.p, (r+1)*tc.n/tc.p
				if tc.b > 0 {
					hi = lo + tc.b
				}
				oneX, oneY = append(oneX, phi[lo*d:hi*d]...), append(oneY, y[lo:hi]...)
			}
			require.Len(t, oneY, tc.wantRows)
			oneOpt := &gradRecorder{}
			one := fitRank(t, shardModel{rows: tc.wantRows, d: d, scale: float64(tc.n) / float64(tc.wantRows)},
				svi.Config{Particles: 2, Optimizer: oneOpt}, svi.Batch{"phi": oneX, "y": oneY}, steps)

			ranks := inproc.New(tc.p)
			opts := make([]*gradRecorder, tc.p)
			states := make([]*svi.State, tc.p)
			errs := make([]error, tc.p)
			var wg sync.WaitGroup
			for r := 0; r < tc.p; r++ {
				lo, hi := r*tc.n/tc.p, (r+1)*tc.n/tc.p
				nr := hi - lo
				br := nr
				if tc.b > 0 {
					br = tc.b
				}
				opts[r] = &gradRecorder{}
				md := shardModel{rows: br, d: d, scale: float64(tc.p*nr) / float64(br)}
				cfg := svi.Config{Particles: 2, Optimizer: opts[r], Reduce: ranks[r]}
				b := svi.Batch{"phi": phi[lo*d : (lo+br)*d], "y": y[lo : lo+br]}
				wg.Add(1)
				go func() {
					defer wg.Done()
					states[r], errs[r] = fitRankErr(md, cfg, b, steps)
				}()
			}
			wg.Wait()
			require.NoError(t, errors.Join(errs...))
			for r := 0; r < tc.p; r++ {
				assert.Equal(t, flat(states[0].Params), flat(states[r].Params), "rank %d's parameters differ from rank 0's", r)
				assert.Equal(t, states[0].Trace, states[r].Trace, "rank %d's losses differ from rank 0's", r)
			}
			// The first step's gradient is at the same parameters.
			want, got := flat(oneOpt.grads[0]), flat(opts[0].grads[0])
			require.Len(t, got, len(want))
			for i := range want {
				assert.InDelta(t, want[i], got[i], tol*(1+math.Abs(want[i])), "gradient element %d", i)
			}
			assert.InDelta(t, one.Trace[0], states[0].Trace[0], tol*(1+math.Abs(one.Trace[0])), "first loss")
			// Later steps follow the same path up to the rounding carried along.
			const pathTol = 1e-9
			wantP, gotP := flat(one.Params), flat(states[0].Params)
			for i := range wantP {
				assert.InDelta(t, wantP[i], gotP[i], pathTol*(1+math.Abs(wantP[i])), "parameter %d after %d steps", i, steps)
			}
		})
	}
}

func fitRank(t *testing.T, md svi.Model, cfg svi.Config, b svi.Batch, steps int) *svi.State {
	t.Helper()
	st, err := fitRankErr(md, cfg, b, steps)
	require.NoError(t, err)
	return st
}

// fitRankErr takes steps steps from seed 7 with the data b.
func fitRankErr(md svi.Model, cfg svi.Config, b svi.Batch, steps int) (*svi.State, error) {
	tr, err := svi.New(md, guides.MeanField{}, cfg)
	if err != nil {
		return nil, err
	}
	st, err := tr.Init(7)
	if err != nil {
		return nil, err
	}
	for i := 0; i < steps; i++ {
		if _, err := tr.Step(st, b); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// TestReduceRefusesRuntime: a wall-time limit would stop the ranks at
// different steps.
func TestReduceRefusesRuntime(t *testing.T) {
	t.Parallel()
	phi, y := shardData(4, 2)
	tr, err := svi.New(shardModel{rows: 4, d: 2, scale: 1}, guides.MeanField{}, svi.Config{Reduce: inproc.New(1)[0]})
	require.NoError(t, err)
	st, err := tr.Init(1)
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"phi": phi, "y": y}))
	_, err = svi.Run(t.Context(), tr, st, nil, &svi.Settings{Steps: 2, Runtime: 1e9})
	assert.ErrorContains(t, err, "Runtime")
}

// onRanks runs f(r) for each of p ranks in its own goroutine and returns
// their errors.
func onRanks(p int, f func(r int) error) []error {
	errs := make([]error, p)
	var wg sync.WaitGroup
	for r := 0; r < p; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[r] = f(r)
		}()
	}
	wg.Wait()
	return errs
}

// TestReduceBroadcastsInit: ranks initialized from different seeds hold
// rank 0's parameters after Init, as they would from its seed alone.
func TestReduceBroadcastsInit(t *testing.T) {
	t.Parallel()
	const p = 3
	ranks := inproc.New(p)
	md := shardModel{rows: 2, d: 2, scale: 1}
	alone, err := svi.New(md, guides.MeanField{InitScale: 0.3}, svi.Config{})
	require.NoError(t, err)
	want, err := alone.Init(100)
	require.NoError(t, err)
	got := make([]*svi.State, p)
	errs := onRanks(p, func(r int) error {
		tr, err := svi.New(md, guides.MeanField{InitScale: 0.3}, svi.Config{Reduce: ranks[r]})
		if err == nil {
			got[r], err = tr.Init(100 + uint64(r))
		}
		return err
	})
	require.NoError(t, errors.Join(errs...))
	for r := range got {
		assert.Equal(t, flat(want.Params), flat(got[r].Params), "rank %d", r)
	}
}

// TestReduceNonFiniteOnOneRank: a non-finite gradient on one rank makes
// the reduced values non-finite on all, so every rank refuses the same step
// and keeps its parameters (none is left waiting in the next all-reduce).
func TestReduceNonFiniteOnOneRank(t *testing.T) {
	t.Parallel()
	const p = 2
	ranks := inproc.New(p)
	phi, y := shardData(4, 2)
	before := make([][]float64, p)
	states := make([]*svi.State, p)
	errs := onRanks(p, func(r int) error {
		tr, err := svi.New(shardModel{rows: 2, d: 2, scale: 2}, guides.MeanField{}, svi.Config{Reduce: ranks[r]})
		if err != nil {
			return err
		}
		if states[r], err = tr.Init(3); err != nil {
			return err
		}
		before[r] = flat(states[r].Params)
		ys := y[2*r : 2*r+2]
		if r == 1 {
			// Finite data (a non-finite batch is refused by Feed, on this
			// rank alone) whose squared residual overflows.
			ys = []float64{1e300, y[3]}
		}
		_, err = tr.Step(states[r], svi.Batch{"phi": phi[4*r : 4*r+4], "y": ys})
		return err
	})
	for r, err := range errs {
		var nf *svi.NonFiniteError
		assert.True(t, errors.As(err, &nf), "rank %d: got %v", r, err)
		assert.Equal(t, before[r], flat(states[r].Params), "rank %d's parameters changed", r)
		assert.Equal(t, 0, states[r].Iter, "rank %d counted the step", r)
	}
}

// TestCheckReplicas: ranks holding the same state pass; a rank whose
// parameters, or whose random source alone, differ from the others' makes
// every rank of two fail (each sees a mean other than its own hash).
func TestCheckReplicas(t *testing.T) {
	t.Parallel()
	const p = 2
	md := shardModel{rows: 2, d: 2, scale: 1}
	for _, tc := range []struct {
		name  string
		alter func(st *svi.State) // applied on rank 1
		want  string              // "" for agreement
	}{
		{name: "same state", alter: func(*svi.State) {}},
		{name: "a parameter", alter: func(st *svi.State) { st.Params.At(0)[0] += 1e-15 }, want: "hold different states"},
		{name: "the random source", alter: func(st *svi.State) { st.RNG.Seed(1, 2) }, want: "hold different states"},
	} {
		ranks := inproc.New(p)
		errs := onRanks(p, func(r int) error {
			tr, err := svi.New(md, guides.MeanField{}, svi.Config{Reduce: ranks[r]})
			if err != nil {
				return err
			}
			st, err := tr.Init(4)
			if err != nil {
				return err
			}
			if r == 1 {
				tc.alter(st)
			}
			return tr.CheckReplicas(st)
		})
		for r, err := range errs {
			if tc.want == "" {
				assert.NoError(t, err, "case %s, rank %d", tc.name, r)
			} else {
				assert.ErrorContains(t, err, tc.want, "case %s, rank %d", tc.name, r)
			}
		}
	}
}

// TestReduceStopsTogether: in a data-parallel run the context of one rank
// (here rank 2 of 3, cancelled by its recorder after its 7th step) stops
// every rank before the same step, as Ctrl-C or SIGTERM does under mpirun:
// all return an error wrapping svi.ErrStoppedTogether and
// context.Canceled after 7 steps, holding identical states; the run on
// one process (no Reducer) stops the same way without the agreement.
func TestReduceStopsTogether(t *testing.T) {
	t.Parallel()
	const p, cutAt = 3, 7
	phi, y := shardData(9, 2)
	ranks := inproc.New(p)
	states := make([]*svi.State, p)
	errs := onRanks(p, func(r int) error {
		md := shardModel{rows: 3, d: 2, scale: float64(p)}
		tr, err := svi.New(md, guides.MeanField{}, svi.Config{Reduce: ranks[r]})
		if err != nil {
			return err
		}
		if err := tr.Feed(svi.Batch{"phi": phi[6*r : 6*r+6], "y": y[3*r : 3*r+3]}); err != nil {
			return err
		}
		if states[r], err = tr.Init(1); err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rec := svi.RecorderFunc(func(info svi.Info) error {
			if r == p-1 && info.Iter == cutAt {
				cancel()
			}
			return nil
		})
		res, err := svi.Run(ctx, tr, states[r], nil, &svi.Settings{Steps: 100, Recorder: rec})
		if res != nil && res.Reason != "interrupted" {
			return fmt.Errorf("rank %d: stopped by %q", r, res.Reason)
		}
		return err
	})
	for r, err := range errs {
		assert.ErrorIs(t, err, svi.ErrStoppedTogether, "rank %d", r)
		assert.ErrorIs(t, err, context.Canceled, "rank %d", r)
		assert.ErrorContains(t, err, fmt.Sprintf("stopped after %d steps", cutAt), "rank %d", r)
		assert.Equal(t, cutAt, states[r].Iter, "rank %d", r)
		assert.Equal(t, states[0].Params, states[r].Params, "rank %d", r)
	}

	tr, err := svi.New(shardModel{rows: 3, d: 2, scale: 1}, guides.MeanField{}, svi.Config{})
	require.NoError(t, err)
	require.NoError(t, tr.Feed(svi.Batch{"phi": phi[:6], "y": y[:3]}))
	st, err := tr.Init(1)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopAt := svi.RecorderFunc(func(info svi.Info) error {
		if info.Iter == cutAt {
			cancel()
		}
		return nil
	})
	_, err = svi.Run(ctx, tr, st, nil, &svi.Settings{Steps: 100, Recorder: stopAt})
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, svi.ErrStoppedTogether, "one process")
	assert.Equal(t, cutAt, st.Iter)
}
