package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/govi/govi/models/lda"
)

// ldaReport is the report.json of the lda command.
type ldaReport struct {
	Model             string     `json:"model"`
	Corpus            string     `json:"corpus"`
	Vocab             string     `json:"vocab"`
	Docs              int        `json:"docs"`
	TrainDocs         int        `json:"train_docs"`
	HeldoutDocs       int        `json:"heldout_docs"`
	HeldoutTokens     int        `json:"heldout_tokens"`
	VocabSize         int        `json:"vocab_size"`
	Topics            int        `json:"topics_k"`
	Alpha             float64    `json:"alpha"`
	Eta               float64    `json:"eta"`
	Iterations        int        `json:"iterations"`
	LocalInit         string     `json:"local_init"`
	Retried           int        `json:"guard_retried_iterations"`
	Seed              uint64     `json:"seed"`
	HeldoutPerplexity *float64   `json:"heldout_perplexity"` // null without held-out documents
	PerplexityDef     string     `json:"heldout_perplexity_definition"`
	TopWords          [][]string `json:"topics"`
	ELBOTrace         []float64  `json:"elbo_trace"`
	FitSeconds        float64    `json:"fit_seconds"`
}

func runLDA(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, prof := newFlags("lda", stderr)
	corpus := fs.String("corpus", "", "lda-c corpus `file` (\"M id:count …\" per line, 0-based ids)")
	vocab := fs.String("vocab", "", "vocabulary `file`, one word a line (line k is word id k)")
	topics := fs.Int("topics", 10, "number of topics K")
	alpha := fs.Float64("alpha", 0, "document-topic Dirichlet prior α (0: 1/K)")
	eta := fs.Float64("eta", 0, "topic-word Dirichlet prior η (0: 1/K)")
	heldout := fs.Float64("heldout", 0.1, "fraction of documents held out: the last ⌈f·D⌉")
	iters := fs.Int("iters", 20, "number of iterations")
	seed := fs.Uint64("seed", 0, "seed of the topic initialisation")
	workers := fs.Int("workers", 0, "worker goroutines (0: GOMAXPROCS); results do not depend on it")
	localInit := fs.String("local-init", "guarded", "start of each document's updates: guarded (fresh, redone with best if the ELBO fell), best, warm or fresh")
	out := fs.String("out", "", "output `dir` for report.json")
	stop, err := parseFlags(fs, prof, args)
	if err != nil {
		return err
	}
	defer stop()
	switch {
	case *corpus == "":
		return errors.New("train lda: -corpus is required")
	case *vocab == "":
		return errors.New("train lda: -vocab is required")
	case *out == "":
		return errors.New("train lda: -out is required")
	case *topics < 1:
		return fmt.Errorf("train lda: -topics %d: need at least one topic", *topics)
	case *iters < 1:
		return fmt.Errorf("train lda: -iters %d: need at least one iteration", *iters)
	case !(*alpha >= 0) || !(*eta >= 0) || math.IsInf(*alpha+*eta, 0):
		return fmt.Errorf("train lda: -alpha and -eta must be finite and positive (0 selects 1/K), got %v and %v", *alpha, *eta)
	case !(*heldout >= 0 && *heldout < 1):
		return fmt.Errorf("train lda: -heldout must be a fraction in [0, 1), got %v", *heldout)
	case *workers < 0:
		return fmt.Errorf("train lda: -workers must not be negative (0: GOMAXPROCS), got %d", *workers)
	}
	li, err := lda.ParseLocalInit(*localInit)
	if err != nil {
		return fmt.Errorf("train lda: -local-init %q: want guarded, best, warm or fresh", *localInit)
	}
	od, err := begin(fs, *out, nil, stderr)
	if err != nil {
		return err
	}
	defer od.Abort()

	words, err := lda.ReadVocabFile(*vocab)
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	c, err := lda.ReadCorpusFile(*corpus, len(words))
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	train, held, err := lda.Split(c, *heldout)
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	fmt.Fprintf(stderr, "lda: %d documents (%d train, %d held out), %d words, %d tokens; K = %d\n",
		len(c.Docs), len(train.Docs), len(held.Docs), c.V, c.Tokens(), *topics)
	cfg := lda.Config{Topics: *topics, Alpha: *alpha, Eta: *eta, Iterations: *iters, Seed: *seed,
		Workers: *workers, LocalInit: li,
		Progress: func(it lda.Iteration) {
			fmt.Fprintf(stderr, "lda: iteration %d/%d  ELBO %.6g  (%.2fs)\n", it.Iter, *iters, it.ELBO, it.Elapsed.Seconds())
		}}
	start := time.Now()
	m, err := lda.Fit(ctx, train, cfg)
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	rep := ldaReport{Model: "lda", Corpus: *corpus, Vocab: *vocab, Docs: len(c.Docs),
		TrainDocs: len(train.Docs), HeldoutDocs: len(held.Docs), HeldoutTokens: held.Tokens(),
		VocabSize: c.V, Topics: m.K, Alpha: m.Alpha, Eta: m.Eta, Iterations: m.Iterations,
		LocalInit: li.String(), Retried: m.Retried, Seed: *seed, ELBOTrace: m.ELBO, FitSeconds: time.Since(start).Seconds(),
		PerplexityDef: "exp(-(ELBO of the held-out documents, topics fixed, without the topic terms) / held-out tokens)"}
	if len(held.Docs) > 0 {
		p, err := m.Perplexity(ctx, held.Docs)
		if err != nil {
			return fmt.Errorf("train %w", err)
		}
		rep.HeldoutPerplexity = &p
		fmt.Fprintf(stderr, "lda: held-out perplexity %.2f on %d documents, %d tokens\n", p, len(held.Docs), held.Tokens())
	}
	if m.Retried > 0 {
		fmt.Fprintf(stderr, "lda: %d iterations lowered the ELBO and were redone (-local-init guarded)\n", m.Retried)
	}
	rep.TopWords = topWords(m, words)
	if err := od.CommitReport(rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "lda: wrote %s/report.json\n", *out)
	return nil
}

// topWords returns the ten most probable words of each topic.
func topWords(m *lda.Model, words []string) [][]string {
	var out [][]string
	for _, ids := range m.TopWords(10) {
		ws := make([]string, len(ids))
		for i, id := range ids {
			ws[i] = words[id]
		}
		out = append(out, ws)
	}
	return out
}
