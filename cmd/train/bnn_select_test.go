package main

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/models/bnn"
)

// TestBNNSelectDefault: train bnn's -select is model (the noise prior and
// the network or the linear model, chosen on a validation cut; issue #19)
// for a regression fit of the protocol's length, and none where it was not
// given with a fixed length, a checkpoint, the toy or classification; an
// explicit -select wins.
func TestBNNSelectDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want bnn.SelectMode
	}{
		{"regression", []string{"-data", boston}, bnn.SelectModel},
		{"split dir", []string{"-split-dir", "x"}, bnn.SelectModel},
		{"heteroscedastic", []string{"-data", boston, "-heteroscedastic"}, bnn.SelectModel},
		{"-steps", []string{"-data", boston, "-steps", "10"}, bnn.SelectNone},
		{"-epochs", []string{"-data", boston, "-epochs", "10"}, bnn.SelectNone},
		{"-checkpoint", []string{"-data", boston, "-checkpoint", "x"}, bnn.SelectNone},
		{"-toy", []string{"-toy"}, bnn.SelectNone},
		{"classification", []string{"-data", boston, "-task", "classification"}, bnn.SelectNone},
		{"explicit", []string{"-data", boston, "-select", "noise"}, bnn.SelectNoise},
		{"explicit with -epochs", []string{"-data", boston, "-epochs", "10", "-select", "model"}, bnn.SelectModel},
	} {
		f, fs, stop, err := parseCommand("bnn", append(tc.args, "-out", t.TempDir()), io.Discard, addBNNFlags)
		require.NoError(t, err, tc.name)
		stop()
		p, rep, err := f.protocol(fs)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, p.Select, tc.name)
		assert.Equal(t, tc.want.String(), rep.Select, tc.name)
	}
}

// TestBNNSelectModel: -select model scores four candidates on the
// validation cut (the network and the linear model, each under Gamma(6, 6)
// and Gamma(1, 0.01)) and records whether it chose the linear model.
func TestBNNSelectModel(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	_, stderr, err := runCmd("bnn", "-data", boston, "-hidden", "4", "-epochs", "3", "-select", "model", "-draws", "20",
		"-diagnostic-draws", "0", "-out", dir)
	require.NoError(t, err)
	assert.Contains(t, stderr, "choosing model on a 10% validation cut")
	rep := readReport(t, dir)
	assert.Equal(t, "model", rep["select"])
	split := rep["per_split"].([]any)[0].(map[string]any)
	var names []string
	for _, v := range split["validation"].([]any) {
		names = append(names, v.(map[string]any)["candidate"].(string))
	}
	assert.Equal(t, []string{"Gamma(6, 6)", "Gamma(1, 0.01)", "linear, Gamma(6, 6)", "linear, Gamma(1, 0.01)"}, names)
	_, linear := split["linear"]
	t.Logf("chose the linear model: %v", linear)
}
