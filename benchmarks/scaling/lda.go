package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/govi/govi/internal/datadir"
	"github.com/govi/govi/models/lda"
)

// ldaTopics is K, as in models/lda's BenchmarkSweep.
const ldaTopics = 20

// ldaDocs are the corpus prefixes timed; 0 stands for the whole corpus.
var ldaDocs = []int{250, 500, 1000, 0}

// readAP reads the AP corpus from $GOVI_DATA/ap_lda. ok is false when the
// files are absent.
func readAP() (c *lda.Corpus, ok bool, err error) {
	corpus, ok1 := datadir.Path("ap_lda/ap.dat")
	vocab, ok2 := datadir.Path("ap_lda/vocab.txt")
	if !ok1 || !ok2 {
		return nil, false, nil
	}
	words, err := lda.ReadVocabFile(vocab)
	if err != nil {
		return nil, true, err
	}
	c, err = lda.ReadCorpusFile(corpus, len(words))
	return c, true, err
}

// ldaSweep fits LDA by CAVI on the first documents of the AP corpus and
// times its sweeps (one global iteration each: the document updates, the
// topic update and the ELBO), from the Elapsed that lda.Fit reports after
// every iteration. The first o.ldaWarmup sweeps are not counted: the first
// starts every document afresh and is slower.
func ldaSweep(ctx context.Context, w io.Writer, o options) error {
	c, ok, err := readAP()
	if err != nil {
		return fmt.Errorf("scaling: %w", err)
	}
	if !ok {
		fmt.Fprintf(w, "#### LDA CAVI sweep against documents\n\nskipped: ap_lda/ap.dat and vocab.txt not found under $%s\n\n", datadir.Env)
		return nil
	}
	tb := &table{
		title: fmt.Sprintf("LDA CAVI sweep against documents (AP corpus, K = %d, %d workers)", ldaTopics, runtime.GOMAXPROCS(0)),
		cols:  []string{"documents", "tokens", "sweeps", "s/sweep", "range s", "docs/s", "tokens/s"},
	}
	var xs, ys []float64
	for _, n := range ldaDocs {
		if n == 0 || n > len(c.Docs) {
			n = len(c.Docs)
		}
		sub := &lda.Corpus{Docs: c.Docs[:n], V: c.V}
		var marks []time.Duration
		_, err := lda.Fit(ctx, sub, lda.Config{Topics: ldaTopics, Iterations: o.ldaWarmup + o.reps, Seed: o.seed,
			Progress: func(it lda.Iteration) { marks = append(marks, it.Elapsed) }})
		if err != nil {
			return fmt.Errorf("scaling: LDA on %d documents: %w", n, err)
		}
		var per []time.Duration
		for i := o.ldaWarmup; i < len(marks); i++ {
			prev := time.Duration(0)
			if i > 0 {
				prev = marks[i-1]
			}
			per = append(per, marks[i]-prev)
		}
		slices.Sort(per)
		med := medianDur(per).Seconds()
		tokens := sub.Tokens()
		tb.add(n, tokens, fmt.Sprintf("%d+%d", o.ldaWarmup, len(per)), f3(med),
			f3(per[0].Seconds())+"–"+f3(per[len(per)-1].Seconds()),
			f3(float64(n)/med), f3(float64(tokens)/med))
		xs = append(xs, float64(n))
		ys = append(ys, med)
	}
	if err := tb.write(w, o, "lda"); err != nil {
		return err
	}
	if o.figures == "" {
		return nil
	}
	return linePlot(plotSpec{
		file:  "lda_docs.png",
		title: tb.title,
		xAxis: "documents", yAxis: "seconds per CAVI sweep (median)",
		ref: "proportional to documents",
	}, o.figures, xs, ys)
}
