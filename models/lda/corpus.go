package lda

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Doc is one document as (word, count) pairs.
type Doc struct {
	Words  []int // vocabulary ids, 0-based
	Counts []int // occurrences of the word at the same index
}

// Tokens returns the number of tokens of the document.
func (d Doc) Tokens() int {
	var n int
	for _, c := range d.Counts {
		n += c
	}
	return n
}

// Corpus is a collection of documents over a vocabulary of V words.
type Corpus struct {
	Docs []Doc
	V    int // vocabulary size; every word id is below V
}

// Tokens returns the number of tokens of the corpus.
func (c *Corpus) Tokens() int {
	var n int
	for _, d := range c.Docs {
		n += d.Tokens()
	}
	return n
}

// ReadCorpusFile reads an lda-c corpus file. With vocabSize > 0 every word
// id must be below it and the corpus has V = vocabSize; with vocabSize = 0,
// V is one more than the largest id.
func ReadCorpusFile(path string, vocabSize int) (*Corpus, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("lda: %w", err)
	}
	defer f.Close()
	return ReadCorpus(f, path, vocabSize)
}

// ReadCorpus reads the lda-c format from r: one document a line,
//
//	M id:count id:count …
//
// where M is the number of pairs and ids are 0-based. Blank lines are
// skipped. name labels errors, which give the line number: a malformed
// pair, a count that is not a non-negative integer, M disagreeing with the
// number of pairs, a word id beyond the vocabulary, an empty input.
func ReadCorpus(r io.Reader, name string, vocabSize int) (*Corpus, error) {
	if vocabSize < 0 {
		return nil, fmt.Errorf("lda: vocabulary size %d is negative", vocabSize)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	c := &Corpus{}
	maxID := -1
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		m, err := strconv.Atoi(fields[0])
		if err != nil || m < 0 {
			return nil, fmt.Errorf("lda: %s:%d: %q is not a count of pairs (want M id:count …)", name, line, fields[0])
		}
		if m != len(fields)-1 {
			return nil, fmt.Errorf("lda: %s:%d: the line says %d pairs but lists %d", name, line, m, len(fields)-1)
		}
		d := Doc{Words: make([]int, m), Counts: make([]int, m)}
		for i, p := range fields[1:] {
			ids, cs, ok := strings.Cut(p, ":")
			if !ok {
				return nil, fmt.Errorf("lda: %s:%d: malformed pair %q (want id:count)", name, line, p)
			}
			id, err := strconv.Atoi(ids)
			if err != nil {
				return nil, fmt.Errorf("lda: %s:%d: malformed pair %q: word id %q is not an integer", name, line, p, ids)
			}
			if id < 0 {
				return nil, fmt.Errorf("lda: %s:%d: word id %d is negative", name, line, id)
			}
			if vocabSize > 0 && id >= vocabSize {
				return nil, fmt.Errorf("lda: %s:%d: word id %d beyond the vocabulary of %d words", name, line, id, vocabSize)
			}
			if id > math.MaxInt32 {
				return nil, fmt.Errorf("lda: %s:%d: word id %d too large", name, line, id)
			}
			cnt, err := strconv.Atoi(cs)
			if err != nil || cnt < 0 {
				return nil, fmt.Errorf("lda: %s:%d: malformed pair %q: count %q is not a non-negative integer", name, line, p, cs)
			}
			d.Words[i], d.Counts[i] = id, cnt
			maxID = max(maxID, id)
		}
		c.Docs = append(c.Docs, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("lda: %s:%d: %w", name, line+1, err)
	}
	if len(c.Docs) == 0 {
		return nil, fmt.Errorf("lda: %s: %w (no documents)", name, ErrEmpty)
	}
	c.V = vocabSize
	if c.V == 0 {
		c.V = maxID + 1
	}
	return c, nil
}

// ReadVocabFile reads a vocabulary: one word a line, line k (from 0) being
// word id k. Surrounding white space is removed; an empty line or an empty
// file is an error.
func ReadVocabFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("lda: %w", err)
	}
	defer f.Close()
	return ReadVocab(f, path)
}

// ReadVocab reads a vocabulary from r; name labels errors.
func ReadVocab(r io.Reader, name string) ([]string, error) {
	sc := bufio.NewScanner(r)
	var words []string
	for sc.Scan() {
		w := strings.TrimSpace(sc.Text())
		if w == "" {
			return nil, fmt.Errorf("lda: %s:%d: empty line (each line must hold one word)", name, len(words)+1)
		}
		words = append(words, w)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("lda: %s:%d: %w", name, len(words)+1, err)
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("lda: %s: %w (no words)", name, ErrEmpty)
	}
	return words, nil
}

// Split returns the first D − H documents as the training corpus and the
// last H = ⌈frac·D⌉ as the held-out corpus; both keep the vocabulary size.
// frac must lie in [0, 1) and leave at least one training document.
func Split(c *Corpus, frac float64) (train, heldout *Corpus, err error) {
	if c == nil || len(c.Docs) == 0 {
		return nil, nil, fmt.Errorf("lda: Split: empty corpus")
	}
	if !(frac >= 0 && frac < 1) {
		return nil, nil, fmt.Errorf("lda: held-out fraction %v outside [0, 1)", frac)
	}
	d := len(c.Docs)
	x := frac * float64(d)
	h := int(math.Ceil(x))
	if h > 0 && float64(h-1) >= x-1e-9 {
		h-- // frac·D is an integer up to rounding (0.1·2250 = 225.00000000000003)
	}
	if h >= d {
		return nil, nil, fmt.Errorf("lda: held-out fraction %v of %d documents leaves none to train on", frac, d)
	}
	return &Corpus{Docs: c.Docs[:d-h], V: c.V}, &Corpus{Docs: c.Docs[d-h:], V: c.V}, nil
}
