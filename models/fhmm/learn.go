package fhmm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// MaxCondCovariance is the largest condition number [Learn] accepts in a
// covariance it estimates. Whitening by C = LLᵀ loses about
// ε·√cond(C) ≈ 1e-11 of relative accuracy at this bound, a hundredth of
// the rounding that the monotonicity checks allow; a nearly singular
// estimate also means the fit is collapsing onto a subspace of the data.
const MaxCondCovariance = 1e10

// EStep selects the E-step of [Learn].
type EStep int

const (
	// EStepStructured is structured mean field ([Structured]), warm-started
	// from the previous iteration's q.
	EStepStructured EStep = iota
	// EStepExact is the exact posterior ([Exact]); the ELBO is then the
	// log-likelihood and Learn is exact EM. It needs L^M ≤ MaxExactStates.
	EStepExact
)

func (e EStep) String() string {
	switch e {
	case EStepStructured:
		return "structured"
	case EStepExact:
		return "exact"
	}
	return fmt.Sprintf("EStep(%d)", int(e))
}

// LearnSettings controls [Learn]. The zero value is valid and selects the
// documented defaults.
type LearnSettings struct {
	// Starts is the number of seeded starts; 0 means 5.
	Starts int
	// Seed seeds the starts: start i draws its initial parameters from
	// rand.New(rand.NewPCG(Seed, i)).
	Seed uint64
	// MaxIter bounds the EM iterations of each start; 0 means 500.
	MaxIter int
	// Tol stops a start once an iteration raises the ELBO by less than
	// Tol·|ELBO|; 0 means 1e-9.
	Tol float64
	// EStep selects the E-step; the zero value is EStepStructured.
	EStep EStep
	// Inner controls the structured E-step's sweeps (MaxSweeps, Tol);
	// its InitLogH and InitMarginals must be nil.
	Inner Settings
}

func (s LearnSettings) withDefaults(m, l int) (LearnSettings, error) {
	switch {
	case s.Starts < 0:
		return s, fmt.Errorf("fhmm: LearnSettings.Starts = %d is negative", s.Starts)
	case s.MaxIter < 0:
		return s, fmt.Errorf("fhmm: LearnSettings.MaxIter = %d is negative", s.MaxIter)
	case !(s.Tol >= 0) || math.IsInf(s.Tol, 1):
		return s, fmt.Errorf("fhmm: LearnSettings.Tol = %v, must be a finite non-negative number", s.Tol)
	case s.EStep != EStepStructured && s.EStep != EStepExact:
		return s, fmt.Errorf("fhmm: LearnSettings.EStep = %v is not an E-step", s.EStep)
	case s.Inner.InitLogH != nil || s.Inner.InitMarginals != nil:
		return s, fmt.Errorf("fhmm: LearnSettings.Inner must not set InitLogH or InitMarginals")
	}
	if s.EStep == EStepExact {
		if _, err := jointStates(m, l); err != nil {
			return s, err
		}
	}
	inner, err := s.Inner.withDefaults()
	if err != nil {
		return s, err
	}
	s.Inner = inner
	if s.Starts == 0 {
		s.Starts = 5
	}
	if s.MaxIter == 0 {
		s.MaxIter = 500
	}
	if s.Tol == 0 {
		s.Tol = 1e-9
	}
	return s, nil
}

// Fit is the result of [Learn]: the best start's parameters and trace.
type Fit struct {
	// Params are the best start's parameters at its last E-step.
	Params Params
	// ELBO holds the best start's ELBO after each E-step (the
	// log-likelihood with EStepExact); it never decreases.
	ELBO []float64
	// Marginals holds q(s_t⁽ᵐ⁾ = l) from the best start's last E-step,
	// T×M×L.
	Marginals [][][]float64
	// Iters is the number of EM iterations (E-steps) of the best start.
	Iters int
	// Converged reports whether the best start met the Tol criterion.
	Converged bool
	// Start is the index of the best start.
	Start int
	// StartELBO holds the final ELBO of every start.
	StartELBO []float64
}

// Learn fits the parameters of a factorial HMM with m chains of l states
// to one sequence y (T rows of D) by variational EM. Each start draws its
// initial parameters (see below) and alternates an E-step (set.EStep) with
// the closed-form M-step of the package documentation until the ELBO rises
// by less than set.Tol·|ELBO| or for set.MaxIter iterations; the start
// with the highest final ELBO is returned. Every E-step and M-step is
// checked not to lower the ELBO (a [*DecreaseError] otherwise). Maximum
// likelihood can collapse onto the data (more means than the data can
// separate, a C shrinking to 0): an M-step whose C is not positive
// definite or has a condition number above [MaxCondCovariance] fails with
// [ErrSingularCovariance].
//
// A start's initial parameters, with ȳ and S the sample mean and
// covariance of y (S = LLᵀ) and draws from its own PCG, are: π⁽ᵐ⁾ uniform;
// for each chain in turn, column l of W⁽ᵐ⁾ = ȳ/M + Lζ/√M with ζ of D
// r.NormFloat64() draws, then row i of P⁽ᵐ⁾ ∝ U_ij + L·[i = j] with
// r.Float64() draws U; C = S. S must pass the same test as C (so T > D).
func Learn(y [][]float64, m, l int, set LearnSettings) (*Fit, error) {
	if m < 1 || l < 1 {
		return nil, fmt.Errorf("fhmm: Learn: M = %d, L = %d, each must be at least 1", m, l)
	}
	set, err := set.withDefaults(m, l)
	if err != nil {
		return nil, err
	}
	data, err := newEMData(y)
	if err != nil {
		return nil, err
	}
	var best *Fit
	var finals []float64
	for s := 0; s < set.Starts; s++ {
		p := data.initParams(m, l, rand.New(rand.NewPCG(set.Seed, uint64(s))))
		fit, err := data.em(p, set)
		if err != nil {
			return nil, fmt.Errorf("fhmm: Learn: start %d: %w", s, trimmed{err})
		}
		fit.Start = s
		final := fit.ELBO[len(fit.ELBO)-1]
		finals = append(finals, final)
		if best == nil || final > best.ELBO[len(best.ELBO)-1] {
			best = fit
		}
	}
	best.StartELBO = finals
	return best, nil
}

// trimmed wraps an error, dropping its "fhmm: " prefix from the message.
type trimmed struct{ err error }

func (e trimmed) Error() string { return strings.TrimPrefix(e.err.Error(), "fhmm: ") }
func (e trimmed) Unwrap() error { return e.err }

// emData holds one sequence and its moments.
type emData struct {
	y     [][]float64
	syy   *mat.SymDense // Σ_t y_t y_tᵀ
	mean  []float64
	lower *mat.TriDense // Cholesky factor of the sample covariance
}

func newEMData(y [][]float64) (*emData, error) {
	if len(y) == 0 {
		return nil, ErrNoData
	}
	d := len(y[0])
	if d == 0 {
		return nil, fmt.Errorf("fhmm: y row 0 is empty: need at least one output")
	}
	if err := checkData(y, d); err != nil {
		return nil, err
	}
	t := float64(len(y))
	e := &emData{y: y, syy: scatter(y), mean: make([]float64, d)}
	for _, row := range y {
		axpy(e.mean, 1/t, row)
	}
	cov := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			cov.SetSym(i, j, e.syy.At(i, j)/t-e.mean[i]*e.mean[j])
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(cov) || ch.Cond() > MaxCondCovariance {
		return nil, fmt.Errorf("%w: the sample covariance of y (T = %d, D = %d); need T > D and data not confined to a subspace",
			ErrSingularCovariance, len(y), d)
	}
	e.lower = new(mat.TriDense)
	ch.LTo(e.lower)
	return e, nil
}

// scatter returns Σ_t y_t y_tᵀ.
func scatter(y [][]float64) *mat.SymDense {
	d := len(y[0])
	s := mat.NewSymDense(d, nil)
	for _, row := range y {
		s.SymRankOne(s, 1, mat.NewVecDense(d, row))
	}
	return s
}

// initParams draws a start's parameters (see [Learn]).
func (e *emData) initParams(m, l int, r *rand.Rand) Params {
	d := len(e.mean)
	p := Params{Pi: newRect(m, l), P: make([][][]float64, m), W: make([][][]float64, m), C: newSquare(d)}
	zeta := make([]float64, d)
	for c := 0; c < m; c++ {
		for s := range p.Pi[c] {
			p.Pi[c][s] = 1 / float64(l)
		}
		p.W[c] = newRect(d, l)
		for s := 0; s < l; s++ {
			for i := range zeta {
				zeta[i] = r.NormFloat64()
			}
			for i := 0; i < d; i++ {
				v := e.mean[i] / float64(m)
				for j := 0; j <= i; j++ {
					v += e.lower.At(i, j) * zeta[j] / math.Sqrt(float64(m))
				}
				p.W[c][i][s] = v
			}
		}
		p.P[c] = newSquare(l)
		for i, row := range p.P[c] {
			for j := range row {
				row[j] = r.Float64()
			}
			row[i] += float64(l)
			normalize(row)
		}
	}
	t := float64(len(e.y))
	for i := range p.C {
		for j := range p.C[i] {
			p.C[i][j] = e.syy.At(i, j)/t - e.mean[i]*e.mean[j]
		}
	}
	return p
}
