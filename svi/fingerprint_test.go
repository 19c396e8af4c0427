package svi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

// TestHashFloats checks the hash against Python's hashlib over the same
// bytes (struct.pack('<Q', len) then '<d' per value, for each array).
func TestHashFloats(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		xs   [][]float64
		want string
	}{
		{"nothing", nil, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"one empty array", [][]float64{{}}, "af5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc"},
		{"two arrays", [][]float64{{1, -2.5}, {3}}, "81432fa88516127ff95408ccfda687673e9a60803442c4832267cef8f76a1a66"},
	} {
		assert.Equal(t, tc.want, svi.HashFloats(tc.xs...), tc.name)
	}
	assert.NotEqual(t, svi.HashFloats([]float64{1, 2}, []float64{3}), svi.HashFloats([]float64{1}, []float64{2, 3}), "array boundaries count")
	assert.Equal(t, "2 rows, sha256 "+svi.HashFloats([]float64{1, 2}), svi.DataFingerprint(2, []float64{1, 2}))
}

// TestFingerprintAddFields: one entry per exported field, through a
// pointer too; a non-struct is one entry.
func TestFingerprintAddFields(t *testing.T) {
	t.Parallel()
	type cfg struct {
		Hidden []int
		Scale  float64
		hidden bool
	}
	f := svi.Fingerprint{}
	f.AddFields("model", cfg{Hidden: []int{50, 20}, Scale: 0.5})
	f.AddFields("opt", &cfg{Scale: 2})
	f.AddFields("k", 3)
	assert.Equal(t, svi.Fingerprint{"model.Hidden": "[50 20]", "model.Scale": "0.5", "opt.Hidden": "[]", "opt.Scale": "2", "k": "3"}, f)
}

// fpTrainer returns a trainer of the small normal–normal model with the
// given configuration and a state after three steps.
func fpTrainer(t *testing.T, cfg svi.Config) (*svi.Trainer, *svi.State) {
	t.Helper()
	tr, st, _ := newNN(t, cfg, 1)
	for range 3 {
		_, err := tr.Step(st, nil)
		require.NoError(t, err)
	}
	return tr, st
}

// TestCheckpointFingerprintIssue14: a checkpoint is refused by a trainer
// whose fingerprint (data, settings, list) or estimator differs, and the
// message names what differs; the same fingerprint loads.
func TestCheckpointFingerprintIssue14(t *testing.T) {
	t.Parallel()
	data := svi.DataFingerprint(5, []float64{1.2, 0.4, 2.2, 1.7, 0.9})
	with := func(k, v string) svi.Fingerprint {
		f := svi.Fingerprint{"data": data, "model": "prior N(0.5, 1.5²)", "players": "A\nB\nC\nD"}
		if k == "" {
			return f
		}
		if v == "" {
			delete(f, k)
		} else {
			f[k] = v
		}
		return f
	}
	base := with("", "")
	mine := with("", "")
	tr, st := fpTrainer(t, svi.Config{Particles: 2, Fingerprint: mine})
	mine["data"] = "changed after New" // the trainer keeps its own copy
	path := filepath.Join(t.TempDir(), "fit.ckpt")
	require.NoError(t, tr.SaveCheckpoint(path, st))

	half := svi.DataFingerprint(3, []float64{1.2, 2.2, 0.9})
	for _, tc := range []struct {
		name string
		cfg  svi.Config
		want []string
	}{
		{"other data", svi.Config{Particles: 2, Fingerprint: with("data", half)},
			[]string{"other data or settings", `data is "5 rows, sha256 `, `" in the checkpoint and "3 rows, sha256 `}},
		{"other prior", svi.Config{Particles: 2, Fingerprint: with("model", "prior N(0, 1)")},
			[]string{`model is "prior N(0.5, 1.5²)" in the checkpoint and "prior N(0, 1)" in this run`}},
		{"new player in place of another", svi.Config{Particles: 2, Fingerprint: with("players", "A\nB\nC\nE")},
			[]string{`players differ at item 4: "D" in the checkpoint, "E" in this run (4 in each)`}},
		{"one more player", svi.Config{Particles: 2, Fingerprint: with("players", "A\nB\nC\nD\nE")},
			[]string{`players differ at item 5: nothing in the checkpoint, "E" in this run (4 in the checkpoint, 5 in this run)`}},
		{"key missing here", svi.Config{Particles: 2, Fingerprint: with("players", "")},
			[]string{`the checkpoint records players "A\nB\nC\nD", which this run does not have`}},
		{"no fingerprint", svi.Config{Particles: 2}, []string{"records data", "records model", "records players"}},
		{"other particles", svi.Config{Particles: 3, Fingerprint: base},
			[]string{"written for the trace estimator with 2 particles, this trainer uses trace with 3"}},
		{"other estimator", svi.Config{Particles: 2, Estimator: svi.EntropyELBO, Fingerprint: base},
			[]string{"written for the trace estimator with 2 particles, this trainer uses entropy with 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			other, _, _ := newNN(t, tc.cfg, 1)
			_, err := other.LoadCheckpoint(path)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Contains(t, err.Error(), path)
		})
	}
	same, _, _ := newNN(t, svi.Config{Particles: 2, Fingerprint: base}, 1)
	got, err := same.LoadCheckpoint(path)
	require.NoError(t, err)
	assert.Equal(t, st.Trace, got.Trace)
	// The checkpoint without a fingerprint is refused by one with.
	plain, pst := fpTrainer(t, svi.Config{Particles: 2})
	bare := filepath.Join(t.TempDir(), "bare.ckpt")
	require.NoError(t, plain.SaveCheckpoint(bare, pst))
	_, err = same.LoadCheckpoint(bare)
	assert.ErrorContains(t, err, `the checkpoint records no data (this run's is "5 rows, sha256 `)
}

// rewriteCheckpoint rewrites the checkpoint at path: edit changes the
// decoded header and payload, and the checksum is recomputed so that only
// the edit is wrong.
func rewriteCheckpoint(t *testing.T, path string, edit func(header, payload map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var c map[string]any
	require.NoError(t, json.Unmarshal(b, &c))
	var pl map[string]any
	raw, _ := json.Marshal(c["payload"])
	require.NoError(t, json.Unmarshal(raw, &pl))
	edit(c, pl)
	raw, err = json.Marshal(pl)
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	c["payload"], c["sha256"] = json.RawMessage(raw), hex.EncodeToString(sum[:])
	b, err = json.Marshal(c)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// TestCheckpointCountsIssue14: a checkpoint of an older version, or whose
// step counts disagree with its loss trace, is refused with a message
// saying so.
func TestCheckpointCountsIssue14(t *testing.T) {
	t.Parallel()
	tr, st := fpTrainer(t, svi.Config{})
	for _, tc := range []struct {
		name string
		edit func(h, pl map[string]any)
		want string
	}{
		{"version 1", func(h, _ map[string]any) { h["version"] = 1 }, "has checkpoint version 1, which does not record the data and settings of its fit; this govi reads version 2 only"},
		{"version 3", func(h, _ map[string]any) { h["version"] = 3 }, "has checkpoint version 3; this govi reads version 2"},
		{"negative step", func(_, pl map[string]any) { pl["iter"] = -1 }, "negative step count"},
		{"trace shorter than steps", func(_, pl map[string]any) { pl["iter"] = 5 }, "has taken 5 steps but its loss trace holds 3"},
		{"trace longer than steps", func(_, pl map[string]any) { pl["trace"] = append(pl["trace"].([]any), 1.0) }, "has taken 3 steps but its loss trace holds 4"},
		{"more averaged than steps", func(_, pl map[string]any) { pl["avg_n"] = 4 }, "4 iterates averaged in 3 steps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), strings.ReplaceAll(tc.name, " ", "_")+".ckpt")
			require.NoError(t, tr.SaveCheckpoint(path, st))
			rewriteCheckpoint(t, path, tc.edit)
			_, err := tr.LoadCheckpoint(path)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}
