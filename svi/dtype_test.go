package svi_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// TestFloat32NormalNormal fits the Normal–Normal model of
// TestNormalNormalPosterior with a float32 training graph: the posterior
// is recovered to the same tolerances, the first loss agrees with the
// float64 graph's, and checkpoints and the state stay float64.
func TestFloat32NormalNormal(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	nn := normalNormal{m0: 1, s0: 2, sigma: 1.5}
	for i := 0; i < 20; i++ {
		nn.y = append(nn.y, 3+1.5*r.NormFloat64())
	}
	wantMean, wantSD := nn.posterior()
	for _, est := range []svi.Estimator{svi.TraceELBO, svi.EntropyELBO, svi.KLELBO, svi.STLELBO} {
		t.Run(est.String(), func(t *testing.T) {
			first := map[svi.DType]float64{}
			for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
				tr, err := svi.New(nn, guides.MeanField{}, svi.Config{Particles: 4, Estimator: est, Optimizer: svi.Adam{LearnRate: 0.02}, DType: dt})
				require.NoError(t, err)
				st, err := tr.Init(1)
				require.NoError(t, err)
				require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
				info, err := tr.Step(st, nil)
				require.NoError(t, err)
				first[dt] = info.Loss
				if dt == svi.Float64 {
					continue
				}
				_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 2000})
				require.NoError(t, err)
				st.Opt.LRScale = 0.05
				_, err = svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 2000})
				require.NoError(t, err)
				sum, err := tr.Summarize(st, 10, rand.New(rand.NewPCG(1, 2)), nil)
				require.NoError(t, err)
				// The tolerances of TestNormalNormalPosterior: float32
				// rounding (1e-7 relative) is far below the SGD jitter.
				assert.InDelta(t, wantMean, sum[0].Mean[0], 0.05*wantSD, "posterior mean")
				assert.InDelta(t, wantSD, sum[0].Std[0], 0.1*wantSD, "posterior sd")
				path := t.TempDir() + "/ck"
				require.NoError(t, tr.SaveCheckpoint(path, st))
				back, err := tr.LoadCheckpoint(path)
				require.NoError(t, err)
				assert.Equal(t, st.Params.At(0), back.Params.At(0), "checkpoint round trip")
			}
			// Same parameters and noise: the losses differ by the float32
			// rounding of about 40 terms of order 10 (≈ 1e-5 absolute);
			// 1e-3 relative would still catch a wrong term.
			assert.InDelta(t, first[svi.Float64], first[svi.Float32], 1e-3*max(1, first[svi.Float64]), "first loss")
		})
	}
}

// TestFloat32Refused: the configurations float32 does not support are
// refused when the trainer is built, with an error naming the cause.
func TestFloat32Refused(t *testing.T) {
	model := svi.ModelFunc(func(m *svi.M) error {
		mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(2)}, 3)
		m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(1)}, m.Const(0.5))
		return m.Err()
	})
	for _, tc := range []struct {
		name  string
		guide svi.Guide
		cfg   svi.Config
		want  string
	}{
		{"unknown dtype", guides.MeanField{}, svi.Config{DType: svi.DType(5)}, "unknown dtype"},
		// A model whose operations are float64-only fails to build.
		{"float64 op", guides.MeanField{}, svi.Config{Estimator: svi.EntropyELBO, DType: svi.Float32}, "float32 training graph"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := model
			if tc.name == "float64 op" {
				m = svi.ModelFunc(func(m *svi.M) error {
					mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(2)}, 3)
					// A float64 constant, whatever the graph's dtype.
					half := G.NewConstant(tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{0.5, 0.5, 0.5})), G.In(m.Graph()), G.WithName("half"))
					loc, err := G.Add(mu, half)
					if err != nil {
						return m.Fail(err)
					}
					m.Observe("y", dist.Normal{Loc: loc, Scale: m.Const(1)}, m.Const(0.5))
					return m.Err()
				})
			}
			_, err := svi.New(m, tc.guide, tc.cfg)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestParseDType(t *testing.T) {
	for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
		got, err := svi.ParseDType(dt.String())
		require.NoError(t, err)
		assert.Equal(t, dt, got)
	}
	_, err := svi.ParseDType("float16")
	assert.ErrorContains(t, err, "unknown dtype")
}

// TestCheckpointRecordsDType: a checkpoint records its trainer's dtype, and
// a trainer of the other dtype refuses it with a *DTypeError naming both
// (the parameters would load, but the fit would not continue the
// trajectory of the run that wrote it); the same dtype resumes.
func TestCheckpointRecordsDType(t *testing.T) {
	nn := normalNormal{m0: 1, s0: 2, sigma: 1.5, y: []float64{2.5, 3.1, 2.2}}
	trainers := map[svi.DType]*svi.Trainer{}
	for _, dt := range []svi.DType{svi.Float64, svi.Float32} {
		tr, err := svi.New(nn, guides.MeanField{}, svi.Config{Particles: 2, DType: dt})
		require.NoError(t, err)
		require.NoError(t, tr.Feed(svi.Batch{"y": nn.y}))
		trainers[dt] = tr
		if dt == svi.Float32 {
			assert.Equal(t, "float32", tr.Description().DType)
		} else {
			assert.Empty(t, tr.Description().DType, "float64 checkpoints stay as before")
		}
	}
	for _, tc := range []struct{ wrote, reads svi.DType }{{svi.Float32, svi.Float64}, {svi.Float64, svi.Float32}} {
		st, err := trainers[tc.wrote].Init(1)
		require.NoError(t, err)
		_, err = trainers[tc.wrote].Step(st, nil)
		require.NoError(t, err)
		path := t.TempDir() + "/ck"
		require.NoError(t, trainers[tc.wrote].SaveCheckpoint(path, st))
		_, err = trainers[tc.reads].LoadCheckpoint(path)
		var de *svi.DTypeError
		require.ErrorAs(t, err, &de, "%v checkpoint read by %v", tc.wrote, tc.reads)
		assert.Equal(t, svi.DTypeError{Checkpoint: tc.wrote, Trainer: tc.reads}, *de)
		assert.ErrorContains(t, err, "written by a "+tc.wrote.String()+" training graph")
		back, err := trainers[tc.wrote].LoadCheckpoint(path)
		require.NoError(t, err, "same dtype")
		assert.Equal(t, st.Params.At(0), back.Params.At(0))
	}
}
