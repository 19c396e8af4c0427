package lda

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

const (
	// monotoneRelTol allows the ELBO to fall between iterations by rounding
	// only: it is a sum of ~10⁴–10⁶ terms, each exact to a few ulps.
	monotoneRelTol = 1e-12
	// denseELBORelTol compares the ELBO with the dense, term-by-term
	// evaluation below (a different formula and summation order).
	denseELBORelTol = 1e-10
)

// synthCorpus draws a corpus from the LDA model with K topics, each
// concentrated on its own block of V/K words (plus a small share of
// every word), π_d ~ Dir(0.3) and 40–120 tokens a document.
func synthCorpus(d, k, v int, seed uint64) (c *Corpus, theta [][]float64) {
	src := rand.NewPCG(seed, 1)
	r := rand.New(src)
	theta = make([][]float64, k)
	for t := range theta {
		theta[t] = make([]float64, v)
		var s float64
		for w := range theta[t] {
			theta[t][w] = 0.02
			if w*k/v == t {
				theta[t][w] = 1 + r.Float64()
			}
			s += theta[t][w]
		}
		for w := range theta[t] {
			theta[t][w] /= s
		}
	}
	g := distuv.Gamma{Alpha: 0.3, Beta: 1, Src: src}
	c = &Corpus{V: v}
	pi := make([]float64, k)
	for i := 0; i < d; i++ {
		var s float64
		for t := range pi {
			pi[t] = g.Rand() + 1e-12
			s += pi[t]
		}
		counts := map[int]int{}
		n := 40 + r.IntN(81)
		for j := 0; j < n; j++ {
			t := pick(r, pi, s)
			counts[pick(r, theta[t], 1)]++
		}
		var doc Doc
		for w := 0; w < v; w++ {
			if counts[w] > 0 {
				doc.Words = append(doc.Words, w)
				doc.Counts = append(doc.Counts, counts[w])
			}
		}
		c.Docs = append(c.Docs, doc)
	}
	return c, theta
}

func pick(r *rand.Rand, p []float64, total float64) int {
	u := r.Float64() * total
	for i, v := range p {
		u -= v
		if u < 0 {
			return i
		}
	}
	return len(p) - 1
}

// denseELBO evaluates the ELBO term by term, uncollapsed, with γ set to its
// optimum for the given α̃ (docTopic) and β̃ (tw): token terms
// E[ln p(c|π)] + E[ln p(w|c,θ)] − E[ln q(c)], then the Dirichlet terms of
// every π_d and, when withTopics, of every θ_k. It returns the sum over
// documents and, separately, the topic part.
func denseELBO(docs []Doc, docTopic, tw []float64, k, v int, alpha, eta float64) (docPart, topicPart float64) {
	elogTheta := make([]float64, k*v)
	for t := 0; t < k; t++ {
		var s float64
		for w := 0; w < v; w++ {
			s += tw[t*v+w]
		}
		for w := 0; w < v; w++ {
			elogTheta[t*v+w] = mathext.Digamma(tw[t*v+w]) - mathext.Digamma(s)
		}
		topicPart += dirichletTerms(tw[t*v:(t+1)*v], eta, elogTheta[t*v:(t+1)*v])
	}
	for d, doc := range docs {
		a := docTopic[d*k : (d+1)*k]
		var s float64
		for _, x := range a {
			s += x
		}
		elogPi := make([]float64, k)
		for t := range elogPi {
			elogPi[t] = mathext.Digamma(a[t]) - mathext.Digamma(s)
		}
		docPart += dirichletTerms(a, alpha, elogPi)
		logit := make([]float64, k)
		for i, w := range doc.Words {
			n := float64(doc.Counts[i])
			m := math.Inf(-1)
			for t := range logit {
				logit[t] = elogPi[t] + elogTheta[t*v+w]
				m = math.Max(m, logit[t])
			}
			var z float64
			for _, l := range logit {
				z += math.Exp(l - m)
			}
			for t, l := range logit {
				gam := math.Exp(l-m) / z
				if gam > 0 {
					docPart += n * gam * (elogPi[t] + elogTheta[t*v+w] - math.Log(gam))
				}
			}
		}
	}
	return docPart, topicPart
}

// dirichletTerms returns E[ln Dir(x | prior)] − E[ln Dir(x | a)] under
// x ~ Dir(a), with elog = E[ln x].
func dirichletTerms(a []float64, prior float64, elog []float64) float64 {
	n := float64(len(a))
	lgp, _ := math.Lgamma(prior)
	lgnp, _ := math.Lgamma(n * prior)
	var s float64
	l := lgnp - n*lgp
	for i, x := range a {
		s += x
		lg, _ := math.Lgamma(x)
		l += (prior-1)*elog[i] - (x-1)*elog[i] + lg
	}
	lgs, _ := math.Lgamma(s)
	return l - lgs
}

func assertNonDecreasing(t *testing.T, trace []float64, what string) {
	t.Helper()
	for i := 1; i < len(trace); i++ {
		drop := trace[i-1] - trace[i]
		tol := monotoneRelTol * math.Max(1, math.Abs(trace[i]))
		if drop > tol {
			t.Errorf("%s fell at iteration %d: %.17g → %.17g (drop %.3g > %.3g)", what, i+1, trace[i-1], trace[i], drop, tol)
		}
	}
}

// TestSynthetic fits a corpus drawn from the model: the ELBO never falls,
// its final value equals the dense term-by-term evaluation, and the topics
// are recovered.
func TestSynthetic(t *testing.T) {
	const k, v = 4, 60
	c, theta := synthCorpus(300, k, v, 1)
	for _, init := range []LocalInit{LocalGuarded, LocalBest, LocalWarm, LocalFresh} {
		t.Run(init.String(), func(t *testing.T) {
			m, err := Fit(context.Background(), c, Config{Topics: k, Iterations: 30, LocalInit: init, Seed: 3})
			require.NoError(t, err)
			require.Len(t, m.ELBO, 30)
			if init != LocalFresh { // LocalFresh documents that the ELBO can fall
				assertNonDecreasing(t, m.ELBO, "ELBO")
			}
			docPart, topicPart := denseELBO(c.Docs, m.DocTopic, m.TopicWord, k, v, m.Alpha, m.Eta)
			last := m.ELBO[len(m.ELBO)-1]
			assert.InEpsilon(t, docPart+topicPart, last, denseELBORelTol, "ELBO vs dense evaluation")

			// Each true topic has a fitted topic within total variation 0.1.
			mean := m.TopicMeans()
			for tt := range theta {
				best := math.Inf(1)
				for f := 0; f < k; f++ {
					var tv float64
					for w := 0; w < v; w++ {
						tv += 0.5 * math.Abs(theta[tt][w]-mean[f*v+w])
					}
					best = math.Min(best, tv)
				}
				assert.Less(t, best, recoverTV, "true topic %d: nearest fitted topic at total variation %.3f", tt, best)
			}
		})
	}
}

// recoverTV bounds the total variation between a true topic and its nearest
// fitted topic on the 300-document synthetic corpus (~24,000 tokens over 60
// words: sampling noise in the topic estimates is a few hundredths).
const recoverTV = 0.1

// TestWorkersInvariance: results are bitwise identical whatever the number
// of workers and GOMAXPROCS (fixed chunks reduced in a fixed order).
func TestWorkersInvariance(t *testing.T) {
	c, _ := synthCorpus(330, 3, 40, 2) // 6 chunks of ≤ 64 documents
	ref, err := Fit(context.Background(), c, Config{Topics: 3, Iterations: 5, Workers: 1})
	require.NoError(t, err)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, tc := range []struct{ procs, workers int }{{1, 4}, {2, 2}, {4, 3}, {2, 0}} {
		runtime.GOMAXPROCS(tc.procs)
		m, err := Fit(context.Background(), c, Config{Topics: 3, Iterations: 5, Workers: tc.workers})
		require.NoError(t, err)
		// Bitwise equality is the property under test, not a float comparison.
		require.Equal(t, ref.ELBO, m.ELBO, "GOMAXPROCS=%d workers=%d", tc.procs, tc.workers)
		require.Equal(t, ref.TopicWord, m.TopicWord)
		require.Equal(t, ref.DocTopic, m.DocTopic)
	}
}

// TestPerplexity checks the held-out perplexity against the dense
// evaluation of the held-out documents' ELBO terms at the α̃ that Infer
// returns, and that it improves on a model with random topics.
func TestPerplexity(t *testing.T) {
	const k, v = 4, 60
	c, _ := synthCorpus(200, k, v, 5)
	tr, ho, err := Split(c, 0.1)
	require.NoError(t, err)
	m, err := Fit(context.Background(), tr, Config{Topics: k, Iterations: 20})
	require.NoError(t, err)
	ctx := context.Background()
	p, err := m.Perplexity(ctx, ho.Docs)
	require.NoError(t, err)
	dt, perDoc, err := m.Infer(ctx, ho.Docs)
	require.NoError(t, err)
	docPart, _ := denseELBO(ho.Docs, dt, m.TopicWord, k, v, m.Alpha, m.Eta)
	var sum float64
	for _, l := range perDoc {
		sum += l
	}
	assert.InEpsilon(t, docPart, sum, denseELBORelTol, "held-out ELBO vs dense evaluation")
	assert.InEpsilon(t, math.Exp(-docPart/float64(ho.Tokens())), p, denseELBORelTol, "perplexity")

	untrained, err := Fit(ctx, tr, Config{Topics: k, Iterations: 1})
	require.NoError(t, err)
	p0, err := untrained.Perplexity(ctx, ho.Docs)
	require.NoError(t, err)
	t.Logf("held-out perplexity %.2f after 20 iterations, %.2f after 1 (V = %d)", p, p0, v)
	assert.Less(t, p, p0)
	assert.Less(t, p, float64(v), "better than a uniform distribution over the words")
}

func TestTopWords(t *testing.T) {
	m := &Model{K: 2, V: 4, TopicWord: []float64{
		1, 5, 5, 2,
		9, 0.1, 3, 4,
	}}
	assert.Equal(t, [][]int{{1, 2, 3}, {0, 3, 2}}, m.TopWords(3))
	assert.Equal(t, [][]int{{1, 2, 3, 0}, {0, 3, 2, 1}}, m.TopWords(10))
}

func TestFitErrors(t *testing.T) {
	good := &Corpus{V: 3, Docs: []Doc{{Words: []int{0, 2}, Counts: []int{1, 1}}}}
	for _, tc := range []struct {
		name string
		c    *Corpus
		cfg  Config
		want string
	}{
		{"topics", good, Config{Topics: -1}, "lda: Config.Topics = -1 < 1"},
		{"alpha", good, Config{Alpha: -1}, "lda: Config.Alpha = -1"},
		{"eta", good, Config{Eta: math.NaN()}, "lda: Config.Eta = NaN"},
		{"iterations", good, Config{Iterations: -2}, "lda: Config.Iterations = -2"},
		{"local init", good, Config{LocalInit: 9}, "lda: unknown Config.LocalInit LocalInit(9)"},
		{"nil corpus", nil, Config{}, "lda: empty corpus"},
		{"word beyond vocabulary", &Corpus{V: 2, Docs: []Doc{{Words: []int{0, 2}, Counts: []int{1, 1}}}}, Config{}, "lda: document 0: word id 2 beyond the vocabulary of 2 words"},
		{"ragged doc", &Corpus{V: 2, Docs: []Doc{{Words: []int{0, 1}, Counts: []int{1}}}}, Config{}, "lda: document 0 has 2 words but 1 counts"},
		{"no tokens (issue 14)", &Corpus{V: 2, Docs: []Doc{{}, {Words: []int{1}, Counts: []int{0}}}}, Config{}, "lda: no tokens to fit: every one of the 2 documents is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Fit(context.Background(), tc.c, tc.cfg)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Fit(ctx, good, Config{})
	assert.ErrorIs(t, err, context.Canceled)
}

// TestGuardedRetry forces the fresh restarts of iteration 3 to lower the
// ELBO (by undoing their document fits) and checks that LocalGuarded undoes
// the iteration and runs it again with LocalBest: the ELBO stays
// non-decreasing, one retry is counted, and iteration 3's ELBO is exactly
// that of a LocalBest iteration from the state after iteration 2. Not
// parallel: it replaces the package's iterate.
func TestGuardedRetry(t *testing.T) {
	const k = 4
	c, _ := synthCorpus(200, k, 60, 2)
	ctx := context.Background()
	cfg := Config{Topics: k, Iterations: 5, Seed: 1}
	calls := 0
	iterate = func(m *Model, ctx context.Context, f *flat, tp **topics, init LocalInit, warm bool) (float64, error) {
		calls++
		if calls == 3 && init == LocalFresh {
			for d := range c.Docs { // a bad E-step: α̃_d at its start point
				freshStart(m.DocTopic[d*k:(d+1)*k], f.tokens[d], m.Alpha)
			}
			*tp = newTopics(m.TopicWord, m.K, m.V, m.Eta, m.cfg.Workers)
			l, err := docsELBO(ctx, f, *tp, m.DocTopic, m.cfg, nil)
			return l + (*tp).term - 1e6, err
		}
		return (*Model).iterate(m, ctx, f, tp, init, warm)
	}
	defer func() { iterate = (*Model).iterate }()
	m, err := Fit(ctx, c, cfg)
	iterate = (*Model).iterate
	require.NoError(t, err)
	assert.Equal(t, 1, m.Retried)
	assertNonDecreasing(t, m.ELBO, "ELBO")

	two := cfg
	two.Iterations = 2
	ref, err := Fit(ctx, c, two)
	require.NoError(t, err)
	f := newFlat(c.Docs, k)
	tp := newTopics(ref.TopicWord, k, ref.V, ref.Eta, ref.cfg.Workers)
	l, err := ref.iterate(ctx, f, &tp, LocalBest, true)
	require.NoError(t, err)
	assert.Equal(t, l, m.ELBO[2], "iteration 3 redone with LocalBest from the saved state")
}
