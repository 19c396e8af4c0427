package lda

import (
	"math"
	"sync"

	"github.com/govi/govi/internal/special"
)

// topics holds what the document updates need from q(θ): for word w,
// expEB[w·K + k] = exp(E[ln θ_kw] − shift[w]) with shift[w] = max_k
// E[ln θ_kw], so that the largest entry of each word is 1 and rare words
// do not underflow; and the topic part of the ELBO.
type topics struct {
	k, v  int
	expEB []float64 // V×K, word-major
	shift []float64 // V
	// term is Σ_k E[ln p(θ_k | η)] − E[ln q(θ_k)].
	term float64
}

// newTopics computes the expectations of q(θ_k) = Dir(tw[k·V : (k+1)·V]),
// parallel over topics with at most workers goroutines.
func newTopics(tw []float64, k, v int, eta float64, workers int) *topics {
	tp := &topics{k: k, v: v, expEB: make([]float64, v*k), shift: make([]float64, v)}
	elog := make([]float64, k*v)
	terms := make([]float64, k)
	lgEta, _ := math.Lgamma(eta)
	lgVEta, _ := math.Lgamma(float64(v) * eta)
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, workers))
	for t := 0; t < k; t++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(t int) {
			defer func() { <-sem; wg.Done() }()
			row := tw[t*v : (t+1)*v]
			var sum float64
			for _, b := range row {
				sum += b
			}
			lgSum, _ := math.Lgamma(sum)
			term := lgVEta - float64(v)*lgEta - lgSum
			er := special.DirichletELog(elog[t*v:(t+1)*v], row)
			for w, b := range row {
				lg, _ := math.Lgamma(b)
				term += (eta-b)*er[w] + lg
			}
			terms[t] = term
		}(t)
	}
	wg.Wait()
	for t := 0; t < k; t++ {
		tp.term += terms[t]
	}
	for w := 0; w < v; w++ {
		s := math.Inf(-1)
		for t := 0; t < k; t++ {
			s = math.Max(s, elog[t*v+w])
		}
		tp.shift[w] = s
		dst := tp.expEB[w*k : (w+1)*k]
		for t := range dst {
			dst[t] = math.Exp(elog[t*v+w] - s)
		}
	}
	return tp
}
