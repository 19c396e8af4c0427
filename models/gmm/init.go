package gmm

import (
	"math"
	"math/rand/v2"
)

// lloydMaxIter bounds the Lloyd refinement after k-means++ seeding.
const lloydMaxIter = 100

// initResp sets the responsibilities before the first M-step.
func (st *state) initResp(r *rand.Rand) {
	switch st.p.init {
	case InitRandom:
		st.initRandom(r)
	default:
		st.initKMeans(r)
	}
}

// initRandom draws r_nk ~ U(0, 1) and normalises each row.
func (st *state) initRandom(r *rand.Rand) {
	k := st.p.k
	for i := 0; i < st.n; i++ {
		row := st.r[i*k : (i+1)*k]
		var sum float64
		for c := range row {
			row[c] = r.Float64() + 1e-12
			sum += row[c]
		}
		for c := range row {
			row[c] /= sum
		}
	}
}

// initKMeans seeds K centres by k-means++ (Arthur & Vassilvitskii 2007),
// runs Lloyd's algorithm until the assignments stop changing (at most
// lloydMaxIter rounds) and sets one-hot responsibilities.
func (st *state) initKMeans(r *rand.Rand) {
	n, d, k := st.n, st.d, st.p.k
	centres := make([]float64, k*d)
	dist2 := make([]float64, n)
	first := r.IntN(n)
	copy(centres[:d], st.x[first*d:(first+1)*d])
	for i := range dist2 {
		dist2[i] = sqDist(st.x[i*d:(i+1)*d], centres[:d])
	}
	for c := 1; c < k; c++ {
		var total float64
		for _, v := range dist2 {
			total += v
		}
		pick := 0
		if total > 0 {
			u := r.Float64() * total
			for pick = 0; pick < n-1; pick++ {
				u -= dist2[pick]
				if u < 0 {
					break
				}
			}
		} else {
			pick = r.IntN(n)
		}
		cc := centres[c*d : (c+1)*d]
		copy(cc, st.x[pick*d:(pick+1)*d])
		for i := range dist2 {
			dist2[i] = math.Min(dist2[i], sqDist(st.x[i*d:(i+1)*d], cc))
		}
	}

	label := make([]int, n)
	for i := range label {
		label[i] = -1
	}
	count := make([]float64, k)
	for it := 0; it < lloydMaxIter; it++ {
		changed := false
		for i := 0; i < n; i++ {
			best, bestD := 0, math.Inf(1)
			for c := 0; c < k; c++ {
				if dd := sqDist(st.x[i*d:(i+1)*d], centres[c*d:(c+1)*d]); dd < bestD {
					best, bestD = c, dd
				}
			}
			if label[i] != best {
				label[i] = best
				changed = true
			}
		}
		if !changed {
			break
		}
		for c := range count {
			count[c] = 0
		}
		sums := make([]float64, k*d)
		for i := 0; i < n; i++ {
			c := label[i]
			count[c]++
			for a := 0; a < d; a++ {
				sums[c*d+a] += st.x[i*d+a]
			}
		}
		for c := 0; c < k; c++ {
			if count[c] == 0 {
				continue // an empty cluster keeps its centre
			}
			for a := 0; a < d; a++ {
				centres[c*d+a] = sums[c*d+a] / count[c]
			}
		}
	}
	for i := range st.r {
		st.r[i] = 0
	}
	for i, c := range label {
		st.r[i*k+c] = 1
	}
}

func sqDist(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return s
}
