package gmm

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/inproc"
	"github.com/govi/govi/svi"
)

// parallelTol compares a fit on P in-process ranks with the one-process
// fit, relative to max(1, |value|): the data are standardised, so every
// quantity compared is O(1) or larger, or (means of empty components,
// small responsibilities) an O(1) quantity's rounding-level remainder. The
// fits differ only in the order of the sums over points (the ranks'
// partial sums added in rank order), about 1e-16 relative per sum;
// coordinate ascent near its fixed point does not amplify it.
const parallelTol = 1e-10

var _ svi.Reducer = inproc.Rank{}

// fitRanks fits x on p in-process ranks and returns each rank's result
// and error.
func fitRanks(x []float64, d, p int, cfg Config) ([]*Result, []error) {
	res := make([]*Result, p)
	errs := inproc.Run(p, func(rk inproc.Rank) error {
		rc := cfg
		rc.DataParallel = DataParallel{Rank: rk.Rank(), Reducer: rk}
		var err error
		res[rk.Rank()], err = Fit(x, d, rc)
		return err
	})
	return res, errs
}

// assertClose checks |got − want| ≤ parallelTol·max(1, |want|) elementwise.
func assertClose(t *testing.T, want, got []float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if d := math.Abs(got[i] - want[i]); !(d <= parallelTol*math.Max(1, math.Abs(want[i]))) {
			t.Errorf("%s[%d]: %.17g, one process %.17g (difference %.3g)", what, i, got[i], want[i], d)
		}
	}
}

// TestDataParallel fits 271 rows of the standardised Old Faithful data on
// 2 ranks (135 + 136 rows) and 3 ranks (90 + 90 + 91), from both
// initialisations, and checks every rank against the one-process fit: the
// same bound trace (and so the same stopping iteration), factors and
// summary; the ranks' responsibilities together are the one-process ones;
// and all ranks hold the same factors bit for bit.
func TestDataParallel(t *testing.T) {
	z, d := faithful(t)
	z = z[:271*d]
	for _, tc := range []struct {
		p    int
		init Init
		k    int
	}{
		{2, InitKMeans, 6}, {3, InitKMeans, 6}, {3, InitRandom, 4},
	} {
		t.Run(fmt.Sprintf("P=%d/%v", tc.p, tc.init), func(t *testing.T) {
			cfg := Config{K: tc.k, Init: tc.init, Seed: 3}
			ref, err := Fit(z, d, cfg)
			require.NoError(t, err)
			res, errs := fitRanks(z, d, tc.p, cfg)
			var resp []float64
			for r, got := range res {
				require.NoError(t, errs[r], "rank %d", r)
				msg := fmt.Sprintf("rank %d of %d: ", r, tc.p)
				assertClose(t, ref.Bound, got.Bound, msg+"bound")
				assert.Equal(t, ref.Converged, got.Converged, msg+"converged")
				assert.Equal(t, ref.Effective, got.Effective, msg+"effective components")
				assertClose(t, ref.Weights, got.Weights, msg+"weights")
				assertClose(t, ref.Q.Alpha, got.Q.Alpha, msg+"α")
				assertClose(t, ref.Q.Beta, got.Q.Beta, msg+"β")
				assertClose(t, ref.Q.Nu, got.Q.Nu, msg+"ν")
				for c := range ref.Means {
					assertClose(t, ref.Q.M[c], got.Q.M[c], fmt.Sprintf("%sm_%d", msg, c))
					assertClose(t, ref.Q.W[c].RawSymmetric().Data, got.Q.W[c].RawSymmetric().Data, fmt.Sprintf("%sW_%d", msg, c))
					assertClose(t, ref.Covariances[c].RawSymmetric().Data, got.Covariances[c].RawSymmetric().Data, fmt.Sprintf("%scovariance %d", msg, c))
				}
				assert.Equal(t, res[0].Bound, got.Bound, msg+"the same bound on every rank, bit for bit")
				assert.Equal(t, res[0].Q.Alpha, got.Q.Alpha, msg+"the same α on every rank, bit for bit")
				resp = append(resp, got.Resp...)
			}
			assertClose(t, ref.Resp, resp, "the ranks' responsibilities in rank order")
			t.Logf("%d iterations, bound %.12g", ref.Iterations, ref.Bound[len(ref.Bound)-1])
		})
	}
}

// TestDataParallelRefusals: a rank that refuses (bad rank number, other
// data) ends the fit with an error on every rank, none waiting for the
// others.
func TestDataParallelRefusals(t *testing.T) {
	good := []float64{0, 1, 1, 0, 2, 2, 3, 1}
	for _, tc := range []struct {
		name string
		x    [][]float64 // each rank's data
		rank []int
		want []string
	}{
		{"rank out of range", [][]float64{good, good}, []int{0, 2},
			[]string{"gmm: 1 of the 2 ranks refused the data or the Config", "gmm: rank 2 of 2 ranks"}},
		{"bad data on rank 1", [][]float64{good, good[:7]}, []int{0, 1},
			[]string{"gmm: 1 of the 2 ranks refused", "not a multiple of d = 2"}},
		{"different shapes", [][]float64{good, good[:6]}, []int{0, 1},
			[]string{"gmm: the 2 ranks were given data of different shapes (this rank's is 4×2)", "(this rank's is 3×2)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := inproc.Run(len(tc.x), func(rk inproc.Rank) error {
				r := rk.Rank()
				_, err := Fit(tc.x[r], 2, Config{K: 2, DataParallel: DataParallel{Rank: tc.rank[r], Reducer: rk}})
				return err
			})
			for r, want := range tc.want {
				assert.ErrorContains(t, errs[r], want, "rank %d", r)
			}
		})
	}
	_, err := Fit(good, 2, Config{DataParallel: DataParallel{Rank: 1}})
	assert.ErrorContains(t, err, "gmm: DataParallel.Rank 1 without a Reducer")
}

// TestSVIShardMatchesOneProcess: SVIModel.Shard on 2 and 3 in-process
// ranks, full batch with the ranks' gradients averaged (svi.Config.Reduce),
// follows the one-process SVI fit of all the rows with the same seed: the
// same losses and final parameters to parallelTol (only the order of the
// sums over points differs, about 1e-16 relative a step; 60 Adam steps do
// not amplify it beyond 1e-10 here), and the ranks hold the same
// parameters bit for bit. Fewer rows than ranks are refused.
func TestSVIShardMatchesOneProcess(t *testing.T) {
	z, d := faithful(t)
	z = z[:101*d]
	const k, steps = 3, 60
	m, err := NewSVIModel(z, d, Config{K: k})
	require.NoError(t, err)
	guide := guides.MeanField{InitLoc: map[string][]float64{"means": InitMeans(z, d, k, 4)}}
	fit := func(md *SVIModel, x []float64, r svi.Reducer) (*svi.State, error) {
		tr, err := svi.New(md, guide, svi.Config{Particles: 2, Optimizer: svi.Adam{LearnRate: 0.02}, Reduce: r})
		if err != nil {
			return nil, err
		}
		if err := tr.Feed(svi.Batch{"x": x}); err != nil {
			return nil, err
		}
		st, err := tr.Init(5)
		if err != nil {
			return nil, err
		}
		_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: steps})
		return st, err
	}
	ref, err := fit(m, z, nil)
	require.NoError(t, err)
	for _, p := range []int{2, 3} {
		states := make([]*svi.State, p)
		errs := inproc.Run(p, func(rk inproc.Rank) error {
			shard, lo, hi, err := m.Shard(p, rk.Rank())
			if err == nil {
				states[rk.Rank()], err = fit(shard, z[lo*d:hi*d], rk)
			}
			return err
		})
		for r, st := range states {
			require.NoError(t, errs[r], "P=%d rank %d", p, r)
			msg := fmt.Sprintf("P=%d rank %d: ", p, r)
			assertClose(t, ref.Trace, st.Trace, msg+"losses")
			for i, name := range ref.Params.Names() {
				assertClose(t, ref.Params.At(i), st.Params.At(i), msg+name)
			}
			assert.Equal(t, states[0].Params, st.Params, msg+"the ranks' parameters, bit for bit")
		}
	}
	_, _, _, err = m.Shard(102, 0)
	assert.ErrorContains(t, err, "101 rows cannot be shared out over 102 ranks")
}
