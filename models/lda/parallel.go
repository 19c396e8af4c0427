package lda

import "fmt"

// Shard returns rank r's share of c among p ranks: the contiguous
// documents [r·D/p, (r+1)·D/p) (integer division), sharing c's documents
// and vocabulary size. A shard may be empty when D < p. It returns an
// error unless 0 ≤ r < p.
func Shard(c *Corpus, p, r int) (*Corpus, error) {
	if c == nil {
		return nil, fmt.Errorf("lda: Shard of a nil corpus")
	}
	if p < 1 || r < 0 || r >= p {
		return nil, fmt.Errorf("lda: Shard: rank %d of %d ranks", r, p)
	}
	d := len(c.Docs)
	return &Corpus{V: c.V, Docs: c.Docs[r*d/p : (r+1)*d/p]}, nil
}

// checkShards validates the corpus of this rank and, with a Reducer,
// agrees with the other ranks before any of them starts: every rank learns
// whether some rank refused its shard, so that none waits in an all-reduce
// for a rank that has returned. With a Reducer an empty shard is valid,
// but the ranks must share the vocabulary size and hold at least one token
// between them.
func checkShards(c *Corpus, r Reducer) error {
	if r == nil {
		if err := checkCorpus(c); err != nil {
			return err
		}
		if c.Tokens() == 0 {
			return fmt.Errorf("lda: no tokens to fit: every one of the %d documents is empty", len(c.Docs))
		}
		return nil
	}
	var err error
	var v [4]float64 // refusals, documents, tokens, vocabulary size
	switch {
	case c == nil:
		err = fmt.Errorf("lda: nil corpus (a rank with no documents passes an empty one)")
	case len(c.Docs) > 0:
		err = checkCorpus(c)
	case c.V < 1:
		err = fmt.Errorf("lda: vocabulary size %d < 1", c.V)
	}
	if err != nil {
		v[0] = 1
	} else {
		v[1], v[2], v[3] = float64(len(c.Docs)), float64(c.Tokens()), float64(c.V)
	}
	if rerr := r.AllReduce(v[:]); rerr != nil {
		return fmt.Errorf("lda: all-reduce: %w", rerr)
	}
	p := float64(r.Ranks())
	switch {
	case err != nil:
		return err
	case v[0] > 0:
		return fmt.Errorf("lda: %.0f of the %.0f ranks refused their shard of the corpus", v[0], p)
	case v[3] != p*float64(c.V):
		return fmt.Errorf("lda: the ranks' corpora have different vocabulary sizes (this rank's is %d)", c.V)
	case v[2] == 0:
		return fmt.Errorf("lda: no tokens to fit: every one of the %.0f documents is empty", v[1])
	}
	return nil
}

// allReduce sums v over the ranks of r; without a Reducer it does nothing.
func allReduce(r Reducer, v []float64) error {
	if r == nil {
		return nil
	}
	if err := r.AllReduce(v); err != nil {
		return fmt.Errorf("all-reduce: %w", err)
	}
	return nil
}
