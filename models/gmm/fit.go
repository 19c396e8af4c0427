package gmm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Result is a fitted variational posterior.
type Result struct {
	// Weights holds E[π_k] = α_k / Σ_j α_j.
	Weights []float64
	// Means holds the component means m_k (= E[μ_k]).
	Means [][]float64
	// Covariances holds E[Λ_k]⁻¹ = (ν_k W_k)⁻¹, the covariance at the
	// expected precision (not the Student-t predictive covariance).
	Covariances []*mat.SymDense
	// Effective lists the components with E[π_k] > EffectiveThreshold, by
	// decreasing weight.
	Effective []int

	// Bound holds the lower bound L after each iteration's M-step; it never
	// decreases (up to rounding).
	Bound      []float64
	Iterations int
	Converged  bool // whether the bound rose by less than Tol·|L| before MaxIter

	// Q holds the parameters of the variational factors.
	Q Factors
	// Resp holds the responsibilities r_nk (N×K, row-major) that the final
	// factors were computed from; in a data-parallel fit, those of this
	// rank's rows only.
	Resp []float64
	// M0, W0, Nu0, Beta0, Alpha0 are the prior actually used (defaults
	// filled in); W0 is D×D row-major.
	M0, W0             []float64
	Alpha0, Beta0, Nu0 float64
}

// Factors are the parameters of q(π) = Dir(Alpha) and
// q(μ_k, Λ_k) = N(μ_k | M_k, (Beta_k Λ_k)⁻¹) W(Λ_k | W_k, Nu_k).
type Factors struct {
	Alpha, Beta, Nu []float64
	M               [][]float64
	W               []*mat.SymDense
}

// Fit fits the variational Gaussian mixture to the row-major N×d data x.
// The data must be finite, with N ≥ d and no constant column; the prior and
// iteration controls come from cfg (zero fields take their defaults).
// With cfg.DataParallel set, every rank passes the whole data and fits its
// shard of the rows (see [DataParallel]).
func Fit(x []float64, d int, cfg Config) (*Result, error) {
	n, err := checkData(x, d)
	var p *prior
	if err == nil {
		p, err = cfg.resolve(x, n, d)
	}
	dp := cfg.DataParallel
	if err := dp.agree(err, n, d); err != nil {
		return nil, err
	}
	st := newState(x, n, d, p)
	st.initResp(rand.New(rand.NewPCG(p.seed, 0)))
	st.restrict(dp.ranks(), dp.Rank)
	st.red = dp.Reducer

	res := &Result{}
	for it := 1; it <= p.maxIter; it++ {
		if err := st.mStep(); err != nil {
			return nil, fmt.Errorf("%w (iteration %d)", err, it)
		}
		l := st.bound()
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return nil, fmt.Errorf("gmm: lower bound is %v at iteration %d", l, it)
		}
		res.Bound = append(res.Bound, l)
		res.Iterations = it
		if it > 1 && l-res.Bound[it-2] <= p.tol*math.Abs(l) {
			res.Converged = true
			break
		}
		if it == p.maxIter {
			break
		}
		st.eStep()
	}
	st.fill(res)
	return res, nil
}

// sweep runs one CAVI iteration (E-step, M-step, bound), for benchmarks.
func (st *state) sweep() (float64, error) {
	st.eStep()
	if err := st.mStep(); err != nil {
		return 0, err
	}
	return st.bound(), nil
}

func (st *state) fill(res *Result) {
	k, d := st.p.k, st.d
	var asum float64
	for _, a := range st.alpha {
		asum += a
	}
	res.Weights = make([]float64, k)
	res.Means = make([][]float64, k)
	res.Covariances = make([]*mat.SymDense, k)
	res.Q = Factors{
		Alpha: append([]float64(nil), st.alpha...),
		Beta:  append([]float64(nil), st.beta...),
		Nu:    append([]float64(nil), st.nu...),
		M:     make([][]float64, k),
		W:     make([]*mat.SymDense, k),
	}
	for c := 0; c < k; c++ {
		res.Weights[c] = st.alpha[c] / asum
		res.Means[c] = append([]float64(nil), st.m[c]...)
		res.Q.M[c] = append([]float64(nil), st.m[c]...)
		res.Q.W[c] = mat.NewSymDense(d, nil)
		res.Q.W[c].CopySym(st.w[c])
		// (ν W)⁻¹ = W⁻¹/ν; W⁻¹ is recomputed from the Cholesky of W.
		var ch mat.Cholesky
		cov := mat.NewSymDense(d, nil)
		if ch.Factorize(st.w[c]) && ch.InverseTo(cov) == nil {
			cov.ScaleSym(1/st.nu[c], cov)
		}
		res.Covariances[c] = cov
		if res.Weights[c] > EffectiveThreshold {
			res.Effective = append(res.Effective, c)
		}
	}
	sort.SliceStable(res.Effective, func(i, j int) bool {
		return res.Weights[res.Effective[i]] > res.Weights[res.Effective[j]]
	})
	res.Resp = append([]float64(nil), st.r...)
	res.M0 = append([]float64(nil), st.p.m0...)
	w0 := mat.NewSymDense(d, nil)
	var ch mat.Cholesky
	if ch.Factorize(st.p.w0inv) {
		_ = ch.InverseTo(w0)
	}
	res.W0 = make([]float64, d*d)
	for a := 0; a < d; a++ {
		for b := 0; b < d; b++ {
			res.W0[a*d+b] = w0.At(a, b)
		}
	}
	res.Alpha0, res.Beta0, res.Nu0 = st.p.alpha0, st.p.beta0, st.p.nu0
}
