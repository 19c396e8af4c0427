package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/models/lda"
)

// writeLDACorpus writes a tiny lda-c corpus of two themes (pets, finance)
// and its vocabulary into dir.
func writeLDACorpus(t *testing.T, dir string) (corpus, vocab string) {
	t.Helper()
	vocab = filepath.Join(dir, "vocab.txt")
	corpus = filepath.Join(dir, "corpus.dat")
	require.NoError(t, os.WriteFile(vocab, []byte("cat\ndog\nfish\nbank\nstock\nmoney\n"), 0o644))
	docs := []string{
		"3 0:4 1:3 2:2", "2 0:2 1:5", "3 1:1 2:4 0:2", "2 3:4 4:3", "3 3:2 4:2 5:5",
		"2 5:3 4:4", "4 0:3 1:2 3:1 5:1", "3 3:3 5:2 4:1", "2 0:5 2:2", "2 4:6 5:1",
		"3 1:2 2:3 0:1", "3 3:1 4:2 5:4",
	}
	require.NoError(t, os.WriteFile(corpus, []byte(strings.Join(docs, "\n")+"\n"), 0o644))
	return corpus, vocab
}

func TestLDASmall(t *testing.T) {
	dir := t.TempDir()
	corpus, vocab := writeLDACorpus(t, dir)
	out := filepath.Join(dir, "out")
	var o, e bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"lda", "-corpus", corpus, "-vocab", vocab,
		"-topics", "2", "-iters", "5", "-heldout", "0.25", "-seed", "1", "-out", out}, &o, &e))
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	require.NoError(t, err)
	var rep ldaReport
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.Equal(t, 12, rep.Docs)
	assert.Equal(t, 3, rep.HeldoutDocs, "⌈0.25·12⌉")
	assert.Equal(t, 9, rep.TrainDocs)
	assert.Equal(t, 0.5, rep.Alpha, "α defaults to 1/K")
	assert.Equal(t, 0.5, rep.Eta, "η defaults to 1/K")
	require.NotNil(t, rep.HeldoutPerplexity)
	// The CLI reports what the library computes for the same split and seed.
	c, err := lda.ReadCorpusFile(corpus, 6)
	require.NoError(t, err)
	train, held, err := lda.Split(c, 0.25)
	require.NoError(t, err)
	m, err := lda.Fit(context.Background(), train, lda.Config{Topics: 2, Iterations: 5, Seed: 1})
	require.NoError(t, err)
	want, err := m.Perplexity(context.Background(), held.Docs)
	require.NoError(t, err)
	assert.Equal(t, want, *rep.HeldoutPerplexity, "bitwise: same computation")
	assert.Equal(t, m.ELBO, rep.ELBOTrace)
	require.Len(t, rep.TopWords, 2)
	for _, ws := range rep.TopWords {
		assert.Len(t, ws, 6, "V < 10 words: all of them")
	}
	require.Len(t, rep.ELBOTrace, 5)
	for i := 1; i < len(rep.ELBOTrace); i++ {
		assert.GreaterOrEqual(t, rep.ELBOTrace[i], rep.ELBOTrace[i-1]-1e-12*math.Abs(rep.ELBOTrace[i]))
	}
	assert.Contains(t, e.String(), "lda: iteration 5/5", "progress on stderr")
	assert.Contains(t, e.String(), "held-out perplexity")
	assert.Contains(t, o.String(), "report.json")

	// -heldout 0: no perplexity.
	out0 := filepath.Join(dir, "out0")
	require.NoError(t, run(context.Background(), []string{"lda", "-corpus", corpus, "-vocab", vocab,
		"-topics", "2", "-iters", "2", "-heldout", "0", "-out", out0}, &o, &e))
	b, err = os.ReadFile(filepath.Join(out0, "report.json"))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"heldout_perplexity": null`)
}

func TestLDAErrors(t *testing.T) {
	dir := t.TempDir()
	corpus, vocab := writeLDACorpus(t, dir)
	beyond := filepath.Join(dir, "beyond.dat")
	require.NoError(t, os.WriteFile(beyond, []byte("2 0:1 1:2\n2 3:1 6:2\n"), 0o644))
	malformed := filepath.Join(dir, "malformed.dat")
	require.NoError(t, os.WriteFile(malformed, []byte("2 0:1 1:2\n1 3=1\n"), 0o644))
	empty := filepath.Join(dir, "empty.dat")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"lda", "-bogus"}, "flag provided but not defined: -bogus"},
		{"missing -corpus", []string{"lda", "-vocab", vocab, "-out", out}, "train lda: -corpus is required"},
		{"missing -vocab", []string{"lda", "-corpus", corpus, "-out", out}, "train lda: -vocab is required"},
		{"missing file", []string{"lda", "-corpus", filepath.Join(dir, "nope.dat"), "-vocab", vocab, "-out", out}, "no such file"},
		{"K < 1", []string{"lda", "-corpus", corpus, "-vocab", vocab, "-topics", "0", "-out", out}, "train lda: -topics 0: need at least one topic"},
		{"word beyond vocabulary", []string{"lda", "-corpus", beyond, "-vocab", vocab, "-out", out}, "beyond.dat:2:7: word id 6 beyond the vocabulary of 6 words"},
		{"malformed pair", []string{"lda", "-corpus", malformed, "-vocab", vocab, "-out", out}, `malformed.dat:2:3: malformed pair "3=1"`},
		{"empty corpus", []string{"lda", "-corpus", empty, "-vocab", vocab, "-out", out}, "empty.dat: empty file"},
		{"held-out fraction", []string{"lda", "-corpus", corpus, "-vocab", vocab, "-heldout", "1", "-out", out}, "-heldout must be a fraction in [0, 1), got 1"},
		{"local init", []string{"lda", "-corpus", corpus, "-vocab", vocab, "-local-init", "hot", "-out", out}, `train lda: -local-init "hot"`},
		{"alpha NaN", []string{"lda", "-corpus", corpus, "-vocab", vocab, "-alpha", "NaN", "-out", out}, "train lda: -alpha and -eta must be finite and positive (0 selects 1/K), got NaN and 0"},
		{"eta Inf", []string{"lda", "-corpus", corpus, "-vocab", vocab, "-eta", "Inf", "-out", out}, "-alpha and -eta must be finite and positive"},
		{"workers", []string{"lda", "-corpus", corpus, "-vocab", vocab, "-workers", "-1", "-out", out}, "train lda: -workers must not be negative (0: GOMAXPROCS), got -1"},
		{"missing -out", []string{"lda", "-corpus", corpus, "-vocab", vocab}, "train lda: -out is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o, e bytes.Buffer
			err := run(context.Background(), tc.args, &o, &e)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
