package lda

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadCorpus(t *testing.T) {
	// Pairs unsorted, a blank line, trailing spaces and no final newline (as
	// the last line of the AP corpus).
	in := "2 0:1 4:2\n\n3 2:1 1:5 0:1\n1 3:7     "
	c, err := ReadCorpus(strings.NewReader(in), "t.dat", 0)
	require.NoError(t, err)
	require.Len(t, c.Docs, 3)
	assert.Equal(t, 5, c.V, "V = largest id + 1")
	assert.Equal(t, Doc{Words: []int{2, 1, 0}, Counts: []int{1, 5, 1}}, c.Docs[1])
	assert.Equal(t, 17, c.Tokens())
	c, err = ReadCorpus(strings.NewReader(in), "t.dat", 9)
	require.NoError(t, err)
	assert.Equal(t, 9, c.V, "V from the vocabulary")
}

// TestReadCorpusErrorsIssue14: every error names the file, the line and
// the column (from 1, in bytes) of the field at fault; a corpus without
// tokens is refused.
func TestReadCorpusErrorsIssue14(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in string
		vocab    int
		want     string
	}{
		{"empty", "", 0, "lda: t.dat: empty file (no documents)"},
		{"blank lines only", "\n  \n", 0, "lda: t.dat: empty file (no documents)"},
		{"malformed pair", "1 0:1\n2 3:1 4-2\n", 0, `lda: t.dat:2:7: malformed pair "4-2" (want id:count)`},
		{"id not a number", "1 x:1\n", 0, `lda: t.dat:1:3: malformed pair "x:1": word id "x" is not an integer`},
		{"count not a number", "1 0:1.5\n", 0, `lda: t.dat:1:5: malformed pair "0:1.5": count "1.5" is not a non-negative integer`},
		{"negative count", "1  \t10:-1\n", 0, `lda: t.dat:1:8: malformed pair "10:-1": count "-1" is not a non-negative integer`},
		{"negative id", "1 -3:1\n", 0, "lda: t.dat:1:3: word id -3 is negative"},
		{"beyond vocabulary", "1 0:1\n1 1:1\n2 5:1 12:3\n", 10, "lda: t.dat:3:7: word id 12 beyond the vocabulary of 10 words"},
		{"huge id", "1 4294967296:1\n", 0, "lda: t.dat:1:3: word id 4294967296 too large"},
		{"pair count mismatch", "3 0:1 1:1\n", 0, "lda: t.dat:1:1: the line says 3 pairs but lists 2"},
		{"bad header", "  a 0:1\n", 0, `lda: t.dat:1:3: "a" is not a count of pairs (want M id:count …)`},
		{"no tokens", "0\n1 3:0\n\n2 0:0 1:0\n", 0, "lda: t.dat: no tokens: every one of the 3 documents is empty"},
		{"token overflow", "1 0:9223372036854775807\n1 1:1\n", 0, "lda: t.dat:2:5: count 1 makes more tokens than an int holds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadCorpus(strings.NewReader(tc.in), "t.dat", tc.vocab)
			assert.EqualError(t, err, tc.want)
		})
	}
	_, err := ReadCorpus(strings.NewReader(""), "t.dat", 0)
	assert.True(t, errors.Is(err, ErrEmpty))
	_, err = ReadCorpusFile(filepath.Join(t.TempDir(), "missing.dat"), 0)
	assert.ErrorContains(t, err, "lda: open")
}

// TestReadCorpusBOM: a byte-order mark at the start is not part of the
// first document's pair count.
func TestReadCorpusBOM(t *testing.T) {
	t.Parallel()
	c, err := ReadCorpus(strings.NewReader("\ufeff1 0:2\n"), "t.dat", 0)
	require.NoError(t, err)
	assert.Equal(t, 2, c.Tokens())
	v, err := ReadVocab(strings.NewReader("\ufeffthe\nof\n"), "v.txt")
	require.NoError(t, err)
	assert.Equal(t, []string{"the", "of"}, v)
}

func TestReadVocab(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "vocab.txt")
	require.NoError(t, os.WriteFile(p, []byte("i \nnew\npercent\n"), 0o644))
	v, err := ReadVocabFile(p)
	require.NoError(t, err)
	assert.Equal(t, []string{"i", "new", "percent"}, v)
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "lda: v.txt: empty file (no words)"},
		{"blank line", "a\n\nb\n", "lda: v.txt:2: empty line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadVocab(strings.NewReader(tc.in), "v.txt")
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestSplit(t *testing.T) {
	mk := func(n int) *Corpus {
		c := &Corpus{V: 1}
		for i := 0; i < n; i++ {
			c.Docs = append(c.Docs, Doc{Words: []int{0}, Counts: []int{i + 1}})
		}
		return c
	}
	for _, tc := range []struct {
		name        string
		d           int
		frac        float64
		wantHeldout int
	}{
		{"AP", 2246, 0.1, 225},            // ⌈224.6⌉
		{"exact product", 2250, 0.1, 225}, // 0.1·2250 = 225.00000000000003 in float64
		{"none", 10, 0, 0},
		{"one", 10, 0.01, 1},
		{"most", 10, 0.9, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mk(tc.d)
			tr, ho, err := Split(c, tc.frac)
			require.NoError(t, err)
			assert.Len(t, ho.Docs, tc.wantHeldout)
			assert.Len(t, tr.Docs, tc.d-tc.wantHeldout)
			if tc.wantHeldout > 0 {
				assert.Equal(t, tc.d, ho.Docs[len(ho.Docs)-1].Counts[0], "held-out documents are the last ones")
			}
		})
	}
	for _, frac := range []float64{-0.1, 1, 0.95} {
		_, _, err := Split(mk(10), frac)
		assert.Error(t, err, "frac %v", frac)
	}
}

// FuzzReadCorpus: a corpus read without error has documents with as many
// counts as words, ids below V, non-negative counts and at least one
// token; every error names the file.
func FuzzReadCorpus(f *testing.F) {
	for _, s := range []string{
		"2 0:1 4:2\n\n3 2:1 1:5 0:1\n1 3:7     ", "\ufeff1 0:2\n", "", "\n  \n", "1 0:1\n2 3:1 4-2\n", "1 x:1\n",
		"1 0:1.5\n", "1 -3:1\n", "2 5:1 12:3\n", "3 0:1 1:1\n", "a 0:1\n", "0\n1 3:0\n", "1 0:9223372036854775807\n1 1:1\n",
		"1 4294967296:1\n", "1 0:+1\n", "1 0:1:2\n",
	} {
		f.Add([]byte(s), 0)
		f.Add([]byte(s), 10)
	}
	f.Fuzz(func(t *testing.T, in []byte, vocab int) {
		c, err := ReadCorpus(strings.NewReader(string(in)), "fuzz.dat", vocab)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "lda: fuzz.dat") || vocab < 0, "error %q does not name the file", err)
			return
		}
		require.NotEmpty(t, c.Docs)
		require.Positive(t, c.V)
		require.Positive(t, c.Tokens())
		for _, d := range c.Docs {
			require.Len(t, d.Counts, len(d.Words))
			for i, w := range d.Words {
				require.True(t, w >= 0 && w < c.V, "word %d outside [0, %d)", w, c.V)
				require.GreaterOrEqual(t, d.Counts[i], 0)
			}
		}
		if vocab > 0 {
			require.Equal(t, vocab, c.V)
		}
	})
}

// FuzzReadVocab: a vocabulary read without error holds non-empty words
// without surrounding space; every error names the file.
func FuzzReadVocab(f *testing.F) {
	for _, s := range []string{"i \nnew\npercent\n", "", "a\n\nb\n", "\ufeffthe\n", "a\r\nb"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		words, err := ReadVocab(strings.NewReader(string(in)), "fuzz.txt")
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "lda: fuzz.txt"), "error %q does not name the file", err)
			return
		}
		require.NotEmpty(t, words)
		for _, w := range words {
			require.NotEmpty(t, w)
			require.Equal(t, strings.TrimSpace(w), w)
		}
	})
}
