package lda

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Model is a fitted LDA posterior.
type Model struct {
	K, V  int     // topics, vocabulary size
	Alpha float64 // prior α on each π_d
	Eta   float64 // prior η on each θ_k

	// TopicWord holds β̃, K×V row-major: q(θ_k) = Dir(TopicWord[k·V : (k+1)·V]).
	TopicWord []float64
	// DocTopic holds α̃ of the training documents, D×K row-major:
	// q(π_d) = Dir(DocTopic[d·K : (d+1)·K]). In a data-parallel fit
	// (Config.Reducer) it holds those of this rank's shard only.
	DocTopic []float64

	// ELBO holds the training ELBO after each iteration (non-decreasing
	// except under LocalFresh).
	ELBO []float64
	// Retried counts the iterations LocalGuarded undid and ran again with
	// LocalBest because the fresh restarts had lowered the ELBO.
	Retried    int
	Iterations int
	Converged  bool // whether Config.Tol stopped the iterations

	cfg Config // with defaults filled in; its local settings serve Infer
}

// Fit fits LDA to the documents of c by CAVI. The initial β̃_kv are drawn
// from Gamma(100, 1/100) (scikit-learn's initialisation) with a PCG seeded
// by cfg.Seed; in the first iteration α̃_d starts at α + N_d/K, later ones
// as cfg.LocalInit says. A corpus without any token is an error. It
// returns ctx's error if ctx is done before the iterations end.
//
// With cfg.Reducer set, c is this rank's shard (possibly empty) and every
// rank must call Fit with the same cfg; all ranks then end with the same
// TopicWord, ELBO and decisions, those of a one-process fit of the whole
// corpus up to the order of the sums.
func Fit(ctx context.Context, c *Corpus, cfg Config) (*Model, error) {
	start := time.Now()
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkShards(c, cfg.Reducer); err != nil {
		return nil, err
	}
	k, v := cfg.Topics, c.V
	m := &Model{K: k, V: v, Alpha: cfg.Alpha, Eta: cfg.Eta, cfg: cfg,
		TopicWord: make([]float64, k*v), DocTopic: make([]float64, len(c.Docs)*k)}
	g := distuv.Gamma{Alpha: 100, Beta: 100, Src: rand.NewPCG(cfg.Seed, 0)}
	for i := range m.TopicWord {
		m.TopicWord[i] = g.Rand()
	}
	f := newFlat(c.Docs, k)
	tp := newTopics(m.TopicWord, k, v, cfg.Eta, cfg.Workers)
	var saved struct{ docTopic, topicWord []float64 }
	for it := 1; it <= cfg.Iterations; it++ {
		init := cfg.LocalInit
		guard := init == LocalGuarded && it > 1
		if guard {
			init = LocalFresh
			saved.docTopic = append(saved.docTopic[:0], m.DocTopic...)
			saved.topicWord = append(saved.topicWord[:0], m.TopicWord...)
		}
		old := tp
		l, err := iterate(m, ctx, f, &tp, init, it > 1)
		if err == nil && guard && l < m.ELBO[len(m.ELBO)-1] {
			// The fresh restarts lowered the bound: undo the iteration and
			// run it again with the monotone rule.
			copy(m.DocTopic, saved.docTopic)
			copy(m.TopicWord, saved.topicWord)
			tp = old
			m.Retried++
			l, err = iterate(m, ctx, f, &tp, LocalBest, true)
		}
		if err != nil {
			return nil, fmt.Errorf("lda: iteration %d: %w", it, err)
		}
		m.ELBO = append(m.ELBO, l)
		m.Iterations = it
		if cfg.Progress != nil {
			cfg.Progress(Iteration{Iter: it, ELBO: l, Elapsed: time.Since(start)})
		}
		if cfg.Tol > 0 && it > 1 && l-m.ELBO[it-2] < cfg.Tol*math.Abs(l) {
			m.Converged = true
			break
		}
	}
	return m, nil
}

// iterate is Model.iterate; the guard's test replaces it to force a fall.
var iterate = (*Model).iterate

// iterate runs one global iteration: the document updates, the topic
// update, and the ELBO at the new state, which it returns. *tp holds the
// expectations of the current topics on entry and of the new ones on exit.
func (m *Model) iterate(ctx context.Context, f *flat, tp **topics, init LocalInit, warm bool) (float64, error) {
	if err := eStep(ctx, f, *tp, m.DocTopic, m.cfg, init, warm, true); err != nil {
		return 0, err
	}
	if err := m.reduce(f, *tp); err != nil {
		return 0, err
	}
	*tp = newTopics(m.TopicWord, m.K, m.V, m.Eta, m.cfg.Workers)
	l, err := docsELBO(ctx, f, *tp, m.DocTopic, m.cfg, nil)
	if err != nil {
		return 0, err
	}
	// The documents' terms are summed over the ranks; the topics' term,
	// the same on every rank, is added once.
	sum := []float64{l}
	if err := allReduce(m.cfg.Reducer, sum); err != nil {
		return 0, err
	}
	l = sum[0] + (*tp).term
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return 0, fmt.Errorf("ELBO is %v", l)
	}
	return l, nil
}

// checkCorpus rejects an empty corpus and word ids outside [0, V).
func checkCorpus(c *Corpus) error {
	if c == nil || len(c.Docs) == 0 {
		return fmt.Errorf("lda: empty corpus")
	}
	if c.V < 1 {
		return fmt.Errorf("lda: vocabulary size %d < 1", c.V)
	}
	for d, doc := range c.Docs {
		if len(doc.Words) != len(doc.Counts) {
			return fmt.Errorf("lda: document %d has %d words but %d counts", d, len(doc.Words), len(doc.Counts))
		}
		for i, w := range doc.Words {
			if w < 0 || w >= c.V {
				return fmt.Errorf("lda: document %d: word id %d beyond the vocabulary of %d words", d, w, c.V)
			}
			if doc.Counts[i] < 0 {
				return fmt.Errorf("lda: document %d: negative count %d", d, doc.Counts[i])
			}
		}
	}
	return nil
}

// reduce sets β̃_kw = η + Σ_chunks stats·expEB, adding the chunks in order
// and then, in a data-parallel fit, the ranks' sums (V·K values).
func (m *Model) reduce(f *flat, tp *topics) error {
	k, v := m.K, m.V
	sum := make([]float64, v*k) // word-major
	for i := range f.chunks {
		c := &f.chunks[i]
		for j, w := range c.vocab {
			dst := sum[int(w)*k : int(w)*k+k]
			for t, s := range c.stats[j*k : j*k+k] {
				dst[t] += s
			}
		}
	}
	if err := allReduce(m.cfg.Reducer, sum); err != nil {
		return err
	}
	for w := 0; w < v; w++ {
		for t := 0; t < k; t++ {
			m.TopicWord[t*v+w] = m.Eta + sum[w*k+t]*tp.expEB[w*k+t]
		}
	}
	return nil
}

// Infer fits q(π_d) = Dir(α̃_d) for each document with the topics fixed at
// q(θ) (the model's local iteration settings, α̃_d starting at α + N_d/K)
// and returns α̃ (len(docs)×K) and each document's ELBO terms (the ELBO
// restricted to that document, without the topic terms). It runs in this
// process alone, also for a model fitted data-parallel.
func (m *Model) Infer(ctx context.Context, docs []Doc) (docTopic, elbo []float64, err error) {
	if err := checkCorpus(&Corpus{Docs: docs, V: m.V}); err != nil {
		return nil, nil, err
	}
	cfg := m.cfg
	if cfg.Topics == 0 { // a Model built by hand
		if cfg, err = (Config{Topics: m.K, Alpha: m.Alpha, Eta: m.Eta}).withDefaults(); err != nil {
			return nil, nil, err
		}
	}
	f := newFlat(docs, m.K)
	tp := newTopics(m.TopicWord, m.K, m.V, m.Eta, cfg.Workers)
	docTopic = make([]float64, len(docs)*m.K)
	if err := eStep(ctx, f, tp, docTopic, cfg, LocalFresh, false, false); err != nil {
		return nil, nil, fmt.Errorf("lda: %w", err)
	}
	elbo = make([]float64, len(docs))
	if _, err := docsELBO(ctx, f, tp, docTopic, cfg, elbo); err != nil {
		return nil, nil, fmt.Errorf("lda: %w", err)
	}
	return docTopic, elbo, nil
}

// Perplexity returns the held-out perplexity exp(−Σ_d ELBO_d / Σ_d N_d) of
// the documents, their ELBO terms from [Model.Infer] with the topics
// fixed. It is an upper bound on exp(−ln p(docs | q(θ)) / N) in the sense
// that the ELBO bounds the log-likelihood.
func (m *Model) Perplexity(ctx context.Context, docs []Doc) (float64, error) {
	_, elbo, err := m.Infer(ctx, docs)
	if err != nil {
		return 0, err
	}
	var l, n float64
	for d, doc := range docs {
		l += elbo[d]
		n += float64(doc.Tokens())
	}
	if n == 0 {
		return 0, fmt.Errorf("lda: perplexity of documents with no tokens")
	}
	return math.Exp(-l / n), nil
}
