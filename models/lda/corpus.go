package lda

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/govi/govi/internal/lines"
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
// skipped, and so is a UTF-8 byte-order mark at the start. name labels
// errors, which give the line and the column (both from 1, the column in
// bytes, as name:line:column): a malformed pair, a count that is not a
// non-negative integer, M disagreeing with the number of pairs, a word id
// beyond the vocabulary; and an empty input, or one without any token.
func ReadCorpus(r io.Reader, name string, vocabSize int) (*Corpus, error) {
	if vocabSize < 0 {
		return nil, fmt.Errorf("lda: vocabulary size %d is negative", vocabSize)
	}
	p := corpusParser{name: name, vocab: vocabSize, maxID: -1}
	err := lines.Each(r, func(n int, text string) error {
		p.line = n
		return p.parse(text)
	})
	if err != nil {
		return nil, readError(name, err)
	}
	if len(p.c.Docs) == 0 {
		return nil, fmt.Errorf("lda: %s: %w (no documents)", name, ErrEmpty)
	}
	if p.tokens == 0 {
		return nil, fmt.Errorf("lda: %s: no tokens: every one of the %d documents is empty", name, len(p.c.Docs))
	}
	p.c.V = vocabSize
	if p.c.V == 0 {
		p.c.V = p.maxID + 1
	}
	return &p.c, nil
}

// readError returns err, an error of a line reader, naming the file and
// line of a read failure.
func readError(name string, err error) error {
	if re := (*lines.ReadError)(nil); errors.As(err, &re) {
		return fmt.Errorf("lda: %s:%d: %w", name, re.Line, re.Err)
	}
	return err
}

// corpusParser is the state of one ReadCorpus.
type corpusParser struct {
	name   string
	vocab  int // vocabulary size, 0 when unknown
	line   int // current line, from 1
	maxID  int
	tokens int // tokens so far
	c      Corpus
}

// errorf returns an error at column col of the current line.
func (p *corpusParser) errorf(col int, format string, args ...any) error {
	return fmt.Errorf("lda: %s:%d:%d: %s", p.name, p.line, col, fmt.Sprintf(format, args...))
}

// parse reads one line: a document, or nothing when it is blank.
func (p *corpusParser) parse(text string) error {
	fields, cols := fieldsAt(text)
	if len(fields) == 0 {
		return nil
	}
	m, err := strconv.Atoi(fields[0])
	if err != nil || m < 0 {
		return p.errorf(cols[0], "%q is not a count of pairs (want M id:count …)", fields[0])
	}
	if m != len(fields)-1 {
		return p.errorf(cols[0], "the line says %d pairs but lists %d", m, len(fields)-1)
	}
	d := Doc{Words: make([]int, m), Counts: make([]int, m)}
	for i, f := range fields[1:] {
		col := cols[i+1]
		ids, cs, ok := strings.Cut(f, ":")
		if !ok {
			return p.errorf(col, "malformed pair %q (want id:count)", f)
		}
		id, err := strconv.Atoi(ids)
		switch {
		case err != nil:
			return p.errorf(col, "malformed pair %q: word id %q is not an integer", f, ids)
		case id < 0:
			return p.errorf(col, "word id %d is negative", id)
		case p.vocab > 0 && id >= p.vocab:
			return p.errorf(col, "word id %d beyond the vocabulary of %d words", id, p.vocab)
		case id > math.MaxInt32:
			return p.errorf(col, "word id %d too large", id)
		}
		cnt, err := strconv.Atoi(cs)
		if err != nil || cnt < 0 {
			return p.errorf(col+len(ids)+1, "malformed pair %q: count %q is not a non-negative integer", f, cs)
		}
		if cnt > math.MaxInt-p.tokens {
			return p.errorf(col+len(ids)+1, "count %d makes more tokens than an int holds", cnt)
		}
		p.tokens += cnt
		d.Words[i], d.Counts[i] = id, cnt
		p.maxID = max(p.maxID, id)
	}
	p.c.Docs = append(p.c.Docs, d)
	return nil
}

// fieldsAt splits s at runs of white space, as strings.Fields, and returns
// each field's 1-based byte column.
func fieldsAt(s string) (fields []string, cols []int) {
	start := -1
	for i, r := range s {
		space := unicode.IsSpace(r)
		switch {
		case !space && start < 0:
			start = i
		case space && start >= 0:
			fields, cols = append(fields, s[start:i]), append(cols, start+1)
			start = -1
		}
	}
	if start >= 0 {
		fields, cols = append(fields, s[start:]), append(cols, start+1)
	}
	return fields, cols
}

// ReadVocabFile reads a vocabulary: one word a line, line k (from 0) being
// word id k. Surrounding white space, and a UTF-8 byte-order mark at the
// start, are removed; an empty line or an empty file is an error.
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
	var words []string
	err := lines.Each(r, func(n int, w string) error {
		if w = strings.TrimSpace(w); w == "" {
			return fmt.Errorf("lda: %s:%d: empty line (each line must hold one word)", name, n)
		}
		words = append(words, w)
		return nil
	})
	if err != nil {
		return nil, readError(name, err)
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
