package main

import (
	"context"
	"errors"
	"flag"
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
	caviRanks
}

// ldaFlags are the lda command's flags.
type ldaFlags struct {
	corpus, vocab, localInit, out *string
	topics, iters, workers        *int
	alpha, eta, heldout           *float64
	seed                          *uint64
}

func addLDAFlags(fs *flag.FlagSet) *ldaFlags {
	return &ldaFlags{
		corpus:    fs.String("corpus", "", "lda-c corpus `file` (\"M id:count …\" per line, 0-based ids)"),
		vocab:     fs.String("vocab", "", "vocabulary `file`, one word a line (line k is word id k)"),
		topics:    fs.Int("topics", 10, "number of topics K"),
		alpha:     fs.Float64("alpha", 0, "document-topic Dirichlet prior α (0: 1/K)"),
		eta:       fs.Float64("eta", 0, "topic-word Dirichlet prior η (0: 1/K)"),
		heldout:   fs.Float64("heldout", 0.1, "fraction of documents held out: the last ⌈f·D⌉"),
		iters:     fs.Int("iters", 20, "number of iterations"),
		seed:      fs.Uint64("seed", 0, "seed of the topic initialisation"),
		workers:   fs.Int("workers", 0, "worker goroutines (0: GOMAXPROCS); results do not depend on it"),
		localInit: fs.String("local-init", "guarded", "start of each document's updates: guarded (fresh, redone with best if the ELBO fell), best, warm or fresh"),
		out:       fs.String("out", "", "output `dir` for report.json"),
	}
}

// config checks the flags and returns the fit's configuration.
func (f *ldaFlags) config() (lda.Config, error) {
	switch {
	case *f.corpus == "":
		return lda.Config{}, errors.New("train lda: -corpus is required")
	case *f.vocab == "":
		return lda.Config{}, errors.New("train lda: -vocab is required")
	case *f.out == "":
		return lda.Config{}, errors.New("train lda: -out is required")
	case *f.topics < 1:
		return lda.Config{}, fmt.Errorf("train lda: -topics %d: need at least one topic", *f.topics)
	case *f.iters < 1:
		return lda.Config{}, fmt.Errorf("train lda: -iters %d: need at least one iteration", *f.iters)
	case !(*f.alpha >= 0) || !(*f.eta >= 0) || math.IsInf(*f.alpha+*f.eta, 0):
		return lda.Config{}, fmt.Errorf("train lda: -alpha and -eta must be finite and positive (0 selects 1/K), got %v and %v", *f.alpha, *f.eta)
	case !(*f.heldout >= 0 && *f.heldout < 1):
		return lda.Config{}, fmt.Errorf("train lda: -heldout must be a fraction in [0, 1), got %v", *f.heldout)
	case *f.workers < 0:
		return lda.Config{}, fmt.Errorf("train lda: -workers must not be negative (0: GOMAXPROCS), got %d", *f.workers)
	}
	li, err := lda.ParseLocalInit(*f.localInit)
	if err != nil {
		return lda.Config{}, fmt.Errorf("train lda: -local-init %q: want guarded, best, warm or fresh", *f.localInit)
	}
	return lda.Config{Topics: *f.topics, Alpha: *f.alpha, Eta: *f.eta, Iterations: *f.iters, Seed: *f.seed,
		Workers: *f.workers, LocalInit: li}, nil
}

// runLDA fits LDA to the training documents of -corpus. Under mpirun
// every rank reads the corpus and fits its shard of the training
// documents (lda.Shard); rank 0 alone evaluates the held-out documents and
// writes the outputs.
func runLDA(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, prof := newFlags("lda", stderr)
	f := addLDAFlags(fs)
	stop, err := parseFlags(fs, prof, args)
	if err != nil {
		return err
	}
	defer stop()
	cfg, err := f.config()
	if err != nil {
		return err
	}
	tc, rank := caviComm(ctx)
	var od *outDir
	if rank == 0 {
		if od, err = begin(fs, *f.out, nil, stderr); err != nil {
			return err
		}
		defer od.Abort()
	}
	words, err := lda.ReadVocabFile(*f.vocab)
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	c, err := lda.ReadCorpusFile(*f.corpus, len(words))
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	train, held, err := lda.Split(c, *f.heldout)
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	fmt.Fprintf(stderr, "lda: %d documents (%d train, %d held out), %d words, %d tokens; K = %d\n",
		len(c.Docs), len(train.Docs), len(held.Docs), c.V, c.Tokens(), cfg.Topics)
	shard := train
	if tc != nil {
		cfg.Reducer = tc
		if shard, err = lda.Shard(train, tc.Size(), rank); err != nil {
			return fmt.Errorf("train %w", err)
		}
	}
	cfg.Progress = func(it lda.Iteration) {
		fmt.Fprintf(stderr, "lda: iteration %d/%d  ELBO %.6g  (%.2fs)\n", it.Iter, cfg.Iterations, it.ELBO, it.Elapsed.Seconds())
	}
	start := time.Now()
	m, err := lda.Fit(ctx, shard, cfg)
	if err != nil || rank != 0 {
		return wrapTrain(err)
	}
	rep := ldaReport{Model: "lda", Corpus: *f.corpus, Vocab: *f.vocab, Docs: len(c.Docs),
		TrainDocs: len(train.Docs), HeldoutDocs: len(held.Docs), HeldoutTokens: held.Tokens(),
		VocabSize: c.V, Topics: m.K, Alpha: m.Alpha, Eta: m.Eta, Iterations: m.Iterations,
		LocalInit: cfg.LocalInit.String(), Retried: m.Retried, Seed: cfg.Seed, ELBOTrace: m.ELBO, FitSeconds: time.Since(start).Seconds(),
		PerplexityDef: "exp(-(ELBO of the held-out documents, topics fixed, without the topic terms) / held-out tokens)",
		caviRanks:     newCaviRanks(tc, "training documents", "D", 8*(m.K*m.V+1))}
	if err := heldoutPerplexity(ctx, &rep, m, held, stderr); err != nil {
		return err
	}
	if m.Retried > 0 {
		fmt.Fprintf(stderr, "lda: %d iterations lowered the ELBO and were redone (-local-init guarded)\n", m.Retried)
	}
	rep.TopWords = topWords(m, words)
	if err := od.CommitReport(rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "lda: wrote %s/report.json\n", *f.out)
	return nil
}

// wrapTrain prefixes a library error with "train " (the libraries' errors
// begin with their package's name); nil stays nil.
func wrapTrain(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("train %w", err)
}

// heldoutPerplexity records in rep the held-out perplexity of m, when
// there are held-out documents.
func heldoutPerplexity(ctx context.Context, rep *ldaReport, m *lda.Model, held *lda.Corpus, stderr io.Writer) error {
	if len(held.Docs) == 0 {
		return nil
	}
	p, err := m.Perplexity(ctx, held.Docs)
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	rep.HeldoutPerplexity = &p
	fmt.Fprintf(stderr, "lda: held-out perplexity %.2f on %d documents, %d tokens\n", p, len(held.Docs), held.Tokens())
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
