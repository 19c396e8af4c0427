package trueskill

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// moments accumulates the mean and covariance of a stream of vectors
// (Welford's update) and batch sums for batch-means standard errors.
type moments struct {
	n, dim    int
	mean      []float64
	comoment  blas64.Symmetric // Σ (x − x̄)(x − x̄)ᵀ, upper triangle
	delta     []float64
	batchSize int
	shift     []float64   // first vector seen; batch sums are of x − shift
	s1, s2    [][]float64 // per batch: Σ (x − shift), Σ (x − shift)²
}

// newMoments prepares for total vectors of length dim in batches batches;
// vectors beyond batches·⌊total/batches⌋ enter the mean and covariance only.
func newMoments(dim, total, batches int) *moments {
	m := &moments{
		dim:       dim,
		mean:      make([]float64, dim),
		comoment:  blas64.Symmetric{N: dim, Stride: dim, Uplo: blas.Upper, Data: make([]float64, dim*dim)},
		delta:     make([]float64, dim),
		batchSize: total / batches,
		s1:        make([][]float64, batches),
		s2:        make([][]float64, batches),
	}
	for b := range m.s1 {
		m.s1[b] = make([]float64, dim)
		m.s2[b] = make([]float64, dim)
	}
	return m
}

func (m *moments) add(x []float64) {
	if m.n == 0 {
		m.shift = append([]float64(nil), x...)
	}
	if b := m.n / m.batchSize; b < len(m.s1) {
		s1, s2 := m.s1[b], m.s2[b]
		for i, xi := range x {
			d := xi - m.shift[i]
			s1[i] += d
			s2[i] += d * d
		}
	}
	m.n++
	w := 1 / float64(m.n)
	for i, xi := range x {
		m.delta[i] = xi - m.mean[i]
		m.mean[i] += w * m.delta[i]
	}
	// C += (n−1)/n · δδᵀ with δ = x − (old mean).
	blas64.Syr(float64(m.n-1)*w, blas64.Vector{N: m.dim, Inc: 1, Data: m.delta}, m.comoment)
}

// result returns the mean, standard deviations and covariance (n − 1
// denominator), and the batch-means standard errors of the mean and of the
// standard deviation.
func (m *moments) result() (mean, std []float64, cov *mat.SymDense, seMean, seStd []float64) {
	dim, nb, bs := m.dim, len(m.s1), float64(m.batchSize)
	mean = append([]float64(nil), m.mean...)
	cov = mat.NewSymDense(dim, nil)
	std = make([]float64, dim)
	seMean = make([]float64, dim)
	seStd = make([]float64, dim)
	den := float64(m.n - 1)
	for i := 0; i < dim; i++ {
		for j := i; j < dim; j++ {
			cov.SetSym(i, j, m.comoment.Data[i*dim+j]/den)
		}
		std[i] = math.Sqrt(cov.At(i, i))

		// Batch means of x and of (x − x̄)², with c = x̄ − shift.
		c := mean[i] - m.shift[i]
		var sm, smm, sv, svv float64
		for b := 0; b < nb; b++ {
			bm := m.s1[b][i] / bs
			bv := m.s2[b][i]/bs - 2*c*bm + c*c
			sm += bm
			smm += bm * bm
			sv += bv
			svv += bv * bv
		}
		k := float64(nb)
		varBM := (smm - sm*sm/k) / (k - 1) // variance of a batch mean
		varBV := (svv - sv*sv/k) / (k - 1)
		// A batch mean averages bs draws; the mean of all draws averages
		// m.n of them, so its variance is varBM·bs/n.
		seMean[i] = math.Sqrt(math.Max(varBM, 0) * bs / float64(m.n))
		seStd[i] = math.Sqrt(math.Max(varBV, 0)*bs/float64(m.n)) / (2 * std[i])
	}
	return mean, std, cov, seMean, seStd
}
