package lda

import (
	"context"
	"math"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mathext"

	"github.com/govi/govi/internal/special"
)

// chunkDocs is the number of consecutive documents in a chunk, the unit of
// parallel work. It is fixed, so that the order of every floating-point sum
// is independent of the number of workers.
const chunkDocs = 64

// minNorm bounds Σ_k exp(E[ln π_dk] + E[ln θ_kw]) (after the shifts) away
// from zero; with the shifts this only matters when a word's probable
// topics and a document's are disjoint to within 1e-300, which does not
// happen with priors above ~1e-3.
const minNorm = 1e-300

// flat is a set of documents stored as flat (word, count) pairs and cut
// into chunks.
type flat struct {
	ptr    []int     // document d's pairs are ptr[d]:ptr[d+1]
	word   []int32   // global word id of each pair
	cnt    []float64 // count of each pair
	loc    []int32   // chunk-local word id of each pair
	tokens []float64 // tokens of each document
	chunks []chunk
	maxLen int // largest number of pairs in a document
}

// chunk is a run of documents with its local vocabulary and the sufficient
// statistics it accumulates.
type chunk struct {
	lo, hi int       // documents lo:hi
	vocab  []int32   // local word id → global word id
	stats  []float64 // len(vocab)×K: Σ over the chunk's pairs of count·γ/expEB
	elbo   float64   // Σ of the chunk's documents' ELBO terms
}

func newFlat(docs []Doc, k int) *flat {
	f := &flat{ptr: make([]int, len(docs)+1), tokens: make([]float64, len(docs))}
	for d, doc := range docs {
		f.ptr[d+1] = f.ptr[d] + len(doc.Words)
		f.maxLen = max(f.maxLen, len(doc.Words))
	}
	n := f.ptr[len(docs)]
	f.word, f.cnt, f.loc = make([]int32, n), make([]float64, n), make([]int32, n)
	for d, doc := range docs {
		for i, w := range doc.Words {
			p := f.ptr[d] + i
			f.word[p] = int32(w)
			f.cnt[p] = float64(doc.Counts[i])
			f.tokens[d] += float64(doc.Counts[i])
		}
	}
	local := map[int32]int32{}
	for lo := 0; lo < len(docs); lo += chunkDocs {
		c := chunk{lo: lo, hi: min(lo+chunkDocs, len(docs))}
		clear(local)
		for p := f.ptr[c.lo]; p < f.ptr[c.hi]; p++ {
			w := f.word[p]
			j, ok := local[w]
			if !ok {
				j = int32(len(c.vocab))
				local[w] = j
				c.vocab = append(c.vocab, w)
			}
			f.loc[p] = j
		}
		c.stats = make([]float64, len(c.vocab)*k)
		f.chunks = append(f.chunks, c)
	}
	return f
}

// worker holds one goroutine's scratch space.
type worker struct {
	eth, acc, fresh []float64 // K each
	norm            []float64 // per pair of the current document
}

func newWorker(k, maxLen int) *worker {
	return &worker{eth: make([]float64, k), acc: make([]float64, k), fresh: make([]float64, k), norm: make([]float64, maxLen)}
}

// forChunks calls fn for every chunk, on up to workers goroutines; each
// chunk is handled by one goroutine. It stops early when ctx is done.
func forChunks(ctx context.Context, f *flat, k, workers int, fn func(w *worker, c *chunk)) error {
	n := len(f.chunks)
	workers = max(1, min(workers, n))
	var next atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(k, f.maxLen)
			for {
				ci := int(next.Add(1)) - 1
				if ci >= n || ctx.Err() != nil {
					return
				}
				fn(w, &f.chunks[ci])
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// expElogTheta sets eth[k] = exp(E[ln π_k] − s) for π ~ Dir(a), with s the
// largest E[ln π_k], and returns s.
func expElogTheta(eth, a []float64) float64 {
	special.DirichletELog(eth, a)
	s := math.Inf(-1)
	for _, v := range eth {
		s = math.Max(s, v)
	}
	for i := range eth {
		eth[i] = math.Exp(eth[i] - s)
	}
	return s
}

// normalisers sets w.norm[p] = Σ_k eth_k expEB_{w_p k} for the pairs of a
// document, so that γ_pk = eth_k expEB_{w_p k} / norm[p].
func (w *worker) normalisers(f *flat, tp *topics, lo, hi int) {
	k := tp.k
	eth := w.eth[:k]
	norm := w.norm[:hi-lo]
	for p := lo; p < hi; p++ {
		o := int(f.word[p]) * k
		eb := tp.expEB[o : o+k : o+k]
		var s0, s1 float64
		t := 0
		for ; t+1 < k; t += 2 {
			s0 += eth[t] * eb[t]
			s1 += eth[t+1] * eb[t+1]
		}
		if t < k {
			s0 += eth[t] * eb[t]
		}
		s := s0 + s1
		if !(s >= minNorm) { // also catches NaN
			s = minNorm
		}
		norm[p-lo] = s
	}
}

// updateDoc runs the γ_d/α̃_d alternations of document d, starting from
// the current a = α̃_d, and leaves w.eth and w.norm at the γ that is optimal
// for the final α̃_d.
func (w *worker) updateDoc(f *flat, tp *topics, d int, a []float64, alpha float64, iters int, tol float64) {
	k := tp.k
	lo, hi := f.ptr[d], f.ptr[d+1]
	expElogTheta(w.eth, a)
	w.normalisers(f, tp, lo, hi)
	acc := w.acc[:k]
	for it := 0; it < iters; it++ {
		clear(acc)
		for p := lo; p < hi; p++ {
			r := f.cnt[p] / w.norm[p-lo]
			o := int(f.word[p]) * k
			eb := tp.expEB[o : o+k : o+k]
			for t, e := range eb {
				acc[t] += r * e
			}
		}
		var change float64
		for t := range a {
			v := alpha + w.eth[t]*w.acc[t]
			change += math.Abs(v - a[t])
			a[t] = v
		}
		expElogTheta(w.eth, a)
		w.normalisers(f, tp, lo, hi)
		if change/float64(k) < tol {
			break
		}
	}
}

// accumulate adds document d's count·γ/expEB to its chunk's statistics,
// using w.eth and w.norm from updateDoc.
func (w *worker) accumulate(f *flat, c *chunk, k, d int) {
	lo, hi := f.ptr[d], f.ptr[d+1]
	for p := lo; p < hi; p++ {
		r := f.cnt[p] / w.norm[p-lo]
		st := c.stats[int(f.loc[p])*k : int(f.loc[p])*k+k]
		for t, e := range w.eth {
			st[t] += r * e
		}
	}
}

// docELBO returns document d's terms of the ELBO at γ optimal for a = α̃_d:
//
//	Σ_p n_p ln Σ_k exp(E[ln π_dk] + E[ln θ_k,w_p])
//	+ ln Γ(Kα) − K ln Γ(α) + Σ_k (α − α̃_dk) E[ln π_dk] − ln Γ(Σ_k α̃_dk) + Σ_k ln Γ(α̃_dk)
func (w *worker) docELBO(f *flat, tp *topics, d int, a []float64, alpha float64) float64 {
	k := tp.k
	lo, hi := f.ptr[d], f.ptr[d+1]
	s := expElogTheta(w.eth, a)
	w.normalisers(f, tp, lo, hi)
	var l float64
	for p := lo; p < hi; p++ {
		l += f.cnt[p] * (math.Log(w.norm[p-lo]) + s + tp.shift[f.word[p]])
	}
	var sum float64
	for _, v := range a {
		sum += v
	}
	psiSum := mathext.Digamma(sum)
	lgAlpha, _ := math.Lgamma(alpha)
	lgKAlpha, _ := math.Lgamma(float64(k) * alpha)
	lgSum, _ := math.Lgamma(sum)
	l += lgKAlpha - float64(k)*lgAlpha - lgSum
	for _, v := range a {
		lg, _ := math.Lgamma(v)
		l += (alpha-v)*(mathext.Digamma(v)-psiSum) + lg
	}
	return l
}

// eStep updates α̃_d of every document (docTopic, D×K) from the start
// points that init selects and, when stats is set, the chunks' sufficient
// statistics. With LocalBest and warm set, each document is fitted from
// both its current α̃_d and α + N_d/K and keeps the result with the higher
// ELBO terms; without warm (the first iteration, or documents never seen)
// only the fresh start is used, as the two coincide.
func eStep(ctx context.Context, f *flat, tp *topics, docTopic []float64, cfg Config, init LocalInit, warm, stats bool) error {
	k := tp.k
	return forChunks(ctx, f, k, cfg.Workers, func(w *worker, c *chunk) {
		if stats {
			clear(c.stats)
		}
		for d := c.lo; d < c.hi; d++ {
			a := docTopic[d*k : (d+1)*k]
			switch {
			case !warm || init == LocalFresh:
				freshStart(a, f.tokens[d], cfg.Alpha)
				w.updateDoc(f, tp, d, a, cfg.Alpha, cfg.LocalIter, cfg.LocalTol)
			case init == LocalWarm:
				w.updateDoc(f, tp, d, a, cfg.Alpha, cfg.LocalIter, cfg.LocalTol)
			default: // LocalBest
				w.updateDoc(f, tp, d, a, cfg.Alpha, cfg.LocalIter, cfg.LocalTol)
				lWarm := w.docELBO(f, tp, d, a, cfg.Alpha)
				freshStart(w.fresh, f.tokens[d], cfg.Alpha)
				w.updateDoc(f, tp, d, w.fresh, cfg.Alpha, cfg.LocalIter, cfg.LocalTol)
				if w.docELBO(f, tp, d, w.fresh, cfg.Alpha) > lWarm {
					copy(a, w.fresh) // w.eth and w.norm already belong to it
				} else {
					expElogTheta(w.eth, a)
					w.normalisers(f, tp, f.ptr[d], f.ptr[d+1])
				}
			}
			if stats {
				w.accumulate(f, c, k, d)
			}
		}
	})
}

// freshStart sets a = α + n/K, the start point of a document with n tokens.
func freshStart(a []float64, n, alpha float64) {
	for t := range a {
		a[t] = alpha + n/float64(len(a))
	}
}

// docsELBO returns the sum of the documents' ELBO terms, chunk by chunk in
// order, and the per-document terms in perDoc when it is not nil.
func docsELBO(ctx context.Context, f *flat, tp *topics, docTopic []float64, cfg Config, perDoc []float64) (float64, error) {
	k := tp.k
	err := forChunks(ctx, f, k, cfg.Workers, func(w *worker, c *chunk) {
		c.elbo = 0
		for d := c.lo; d < c.hi; d++ {
			l := w.docELBO(f, tp, d, docTopic[d*k:(d+1)*k], cfg.Alpha)
			if perDoc != nil {
				perDoc[d] = l
			}
			c.elbo += l
		}
	})
	if err != nil {
		return 0, err
	}
	var l float64
	for i := range f.chunks {
		l += f.chunks[i].elbo
	}
	return l, nil
}
