package lda

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/inproc"
)

// parallelRelTol compares a fit on P in-process ranks with the one-process
// fit: the two differ only in the order of the sums over documents (chunks
// of 64 documents cut at the shard boundaries, then the ranks' partial
// sums), about 1e-16 relative per sum, which CAVI's iterations carry
// forward without amplifying over these few iterations.
const parallelRelTol = 1e-10

// _ checks that the in-process ranks are Reducers.
var _ Reducer = inproc.Rank{}

// fitRanks fits c on p in-process ranks, rank r on Shard(c, p, r), and
// returns each rank's model and error.
func fitRanks(t *testing.T, c *Corpus, p int, cfg Config) ([]*Model, []error) {
	t.Helper()
	shards := make([]*Corpus, p)
	for r := range shards {
		var err error
		shards[r], err = Shard(c, p, r)
		require.NoError(t, err)
	}
	models := make([]*Model, p)
	errs := inproc.Run(p, func(rk inproc.Rank) error {
		rc := cfg
		rc.Reducer = rk
		var err error
		models[rk.Rank()], err = Fit(context.Background(), shards[rk.Rank()], rc)
		return err
	})
	return models, errs
}

// TestDataParallel fits a synthetic corpus on 2 and 3 ranks with unequal
// shards (203 documents: 101 + 102, and 67 + 68 + 68; the shard bounds
// cut the 64-document chunks) and on 3 ranks of which one holds no
// document, and checks every rank against the one-process fit: the same
// ELBO trace, topics and guard decisions, and the ranks' α̃ together
// are the one-process α̃.
func TestDataParallel(t *testing.T) {
	const k, v = 4, 60
	big, _ := synthCorpus(203, k, v, 7)
	small, _ := synthCorpus(2, k, v, 8)
	for _, tc := range []struct {
		name string
		c    *Corpus
		p    int
		init LocalInit
	}{
		{"P=2", big, 2, LocalGuarded},
		{"P=3", big, 3, LocalGuarded},
		{"P=3/best", big, 3, LocalBest},
		{"P=3/empty shard", small, 3, LocalGuarded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Topics: k, Iterations: 8, Seed: 4, Workers: 1, LocalInit: tc.init}
			ref, err := Fit(context.Background(), tc.c, cfg)
			require.NoError(t, err)
			models, errs := fitRanks(t, tc.c, tc.p, cfg)
			var docTopic []float64
			for r, m := range models {
				require.NoError(t, errs[r], "rank %d", r)
				msg := fmt.Sprintf("rank %d of %d", r, tc.p)
				require.Len(t, m.ELBO, len(ref.ELBO), msg)
				assert.InEpsilonSlice(t, ref.ELBO, m.ELBO, parallelRelTol, msg)
				assert.InEpsilonSlice(t, ref.TopicWord, m.TopicWord, parallelRelTol, msg)
				assert.Equal(t, ref.Retried, m.Retried, msg)
				assert.Equal(t, models[0].TopicWord, m.TopicWord, "%s: every rank holds the same topics, bit for bit", msg)
				docTopic = append(docTopic, m.DocTopic...)
			}
			assert.InEpsilonSlice(t, ref.DocTopic, docTopic, parallelRelTol, "the shards' α̃ in rank order")
		})
	}
}

// TestDataParallelRefusals: a shard refused on one rank ends the fit with
// an error on every rank (none waits for the others), as do ranks that
// disagree on the vocabulary or hold no token between them.
func TestDataParallelRefusals(t *testing.T) {
	good := Doc{Words: []int{0, 2}, Counts: []int{1, 1}}
	for _, tc := range []struct {
		name   string
		shards []*Corpus
		want   []string // each rank's error
	}{
		{"bad word on rank 1", []*Corpus{{V: 3, Docs: []Doc{good}}, {V: 3, Docs: []Doc{{Words: []int{5}, Counts: []int{1}}}}},
			[]string{"lda: 1 of the 2 ranks refused their shard", "lda: document 0: word id 5 beyond the vocabulary of 3 words"}},
		{"nil shard", []*Corpus{{V: 3, Docs: []Doc{good}}, nil},
			[]string{"lda: 1 of the 2 ranks refused their shard", "lda: nil corpus"}},
		{"vocabularies differ", []*Corpus{{V: 3, Docs: []Doc{good}}, {V: 4, Docs: []Doc{good}}},
			[]string{"lda: the ranks' corpora have different vocabulary sizes (this rank's is 3)", "(this rank's is 4)"}},
		{"no tokens", []*Corpus{{V: 3}, {V: 3, Docs: []Doc{{}}}},
			[]string{"lda: no tokens to fit: every one of the 1 documents is empty", "every one of the 1 documents"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := inproc.Run(len(tc.shards), func(rk inproc.Rank) error {
				_, err := Fit(context.Background(), tc.shards[rk.Rank()], Config{Topics: 2, Iterations: 2, Reducer: rk})
				return err
			})
			for r, want := range tc.want {
				assert.ErrorContains(t, errs[r], want, "rank %d", r)
			}
		})
	}
}

func TestShard(t *testing.T) {
	c := &Corpus{V: 2, Docs: make([]Doc, 7)}
	for _, tc := range []struct{ p, r, lo, hi int }{
		{1, 0, 0, 7}, {2, 0, 0, 3}, {2, 1, 3, 7}, {3, 0, 0, 2}, {3, 1, 2, 4}, {3, 2, 4, 7}, {8, 0, 0, 0}, {8, 7, 6, 7},
	} {
		sh, err := Shard(c, tc.p, tc.r)
		require.NoError(t, err)
		assert.Len(t, sh.Docs, tc.hi-tc.lo, "rank %d of %d", tc.r, tc.p)
		if tc.hi > tc.lo {
			assert.Same(t, &c.Docs[tc.lo], &sh.Docs[0], "rank %d of %d starts at document %d", tc.r, tc.p, tc.lo)
		}
	}
	_, err := Shard(c, 2, 2)
	assert.ErrorContains(t, err, "lda: Shard: rank 2 of 2 ranks")
}
