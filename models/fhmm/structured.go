package fhmm

import (
	"fmt"
	"math"

	"github.com/govi/govi/internal/monotone"
)

// MeanField is a mean-field approximation q(s) to the posterior of one
// sequence, fitted by [Structured] or [Factorized].
type MeanField struct {
	// Marginals holds q(s_t⁽ᵐ⁾ = l), T×M×L.
	Marginals [][][]float64
	// Trans holds the expected transition counts Σ_{t<T} q(s_t⁽ᵐ⁾ = i,
	// s_{t+1}⁽ᵐ⁾ = j), M×L×L: from each chain's forward–backward pass for
	// Structured, Σ_t θ_t⁽ᵐ⁾θ_{t+1}⁽ᵐ⁾ᵀ for Factorized.
	Trans [][][]float64
	// LogH holds, for Structured, the log-potentials log h_t⁽ᵐ⁾(l) that
	// define each q_m (T×M×L); nil for Factorized.
	LogH [][][]float64
	// ELBO holds ELBO[0] at the starting q and ELBO[s] after sweep s; it
	// never decreases.
	ELBO []float64
	// Sweeps is the number of sweeps run.
	Sweeps int
	// Converged reports whether the Tol criterion was met within MaxSweeps.
	Converged bool
}

// Structured fits q(s) = Π_m q_m(s⁽ᵐ⁾), each q_m an HMM with the model's
// π⁽ᵐ⁾, P⁽ᵐ⁾ and variational potentials h_t⁽ᵐ⁾, to the sequence y (T rows
// of D) with the parameters p fixed. A sweep updates the chains m = 0, …,
// M−1 in turn: it sets
//
//	log h_t⁽ᵐ⁾ = W⁽ᵐ⁾ᵀC⁻¹(y_t − Σ_{n≠m} W⁽ⁿ⁾⟨s_t⁽ⁿ⁾⟩) − ½Δ⁽ᵐ⁾
//
// from the current marginals of the other chains and runs chain m's
// forward–backward pass, which makes q_m the exact maximiser of the ELBO
// over all distributions of chain m. After each sweep the ELBO,
//
//	Σ_t E_q[log N(y_t; Σ_m W⁽ᵐ⁾s_t⁽ᵐ⁾, C)] + Σ_m (log Z_m − Σ_t ⟨s_t⁽ᵐ⁾⟩ᵀ log h_t⁽ᵐ⁾),
//
// is evaluated exactly; a fall beyond rounding is returned as a
// [*DecreaseError]. Sweeps stop when the ELBO rises by less than
// Settings.Tol·|ELBO| or after Settings.MaxSweeps. A sweep costs
// O(M·T·L·(D + L)).
func Structured(p Params, y [][]float64, set Settings) (*MeanField, error) {
	md, err := newModel(p)
	if err != nil {
		return nil, err
	}
	z, err := md.whiten(y)
	if err != nil {
		return nil, err
	}
	set, err = set.withDefaults()
	if err != nil {
		return nil, err
	}
	if set.InitMarginals != nil {
		return nil, fmt.Errorf("fhmm: Structured: Settings.InitMarginals applies to Factorized only; use InitLogH")
	}
	if set.InitLogH != nil {
		if err := checkInit(set.InitLogH, len(z), md.m, md.l, "InitLogH", false); err != nil {
			return nil, err
		}
	}
	s := newStructured(md, z)
	if err := s.initPotentials(set.InitLogH); err != nil {
		return nil, err
	}
	return s.iterate(set, s.elbo())
}

// structured holds the state of structured mean field.
type structured struct {
	md             *model
	z              [][]float64   // whitened data, T×D
	gamma, logH    [][][]float64 // T×M×L
	chainG, chainH [][][]float64 // M×T×L views of gamma and logH
	logZ           []float64     // M
	xi             [][][]float64 // M×L×L
	pred           [][]float64   // Σ_m V⁽ᵐ⁾⟨s_t⁽ᵐ⁾⟩, T×D
	fb             *chainFB
}

func newStructured(md *model, z [][]float64) *structured {
	t := len(z)
	s := &structured{md: md, z: z, gamma: make([][][]float64, t), logH: make([][][]float64, t),
		chainG: make([][][]float64, md.m), chainH: make([][][]float64, md.m),
		logZ: make([]float64, md.m), xi: make([][][]float64, md.m),
		pred: newRect(t, md.d), fb: newChainFB(t, md.l)}
	for i := range s.gamma {
		s.gamma[i], s.logH[i] = newRect(md.m, md.l), newRect(md.m, md.l)
	}
	for m := range s.chainG {
		s.chainG[m], s.chainH[m] = make([][]float64, t), make([][]float64, t)
		for i := range s.gamma {
			s.chainG[m][i], s.chainH[m][i] = s.gamma[i][m], s.logH[i][m]
		}
		s.xi[m] = newRect(md.l, md.l)
	}
	return s
}

// initPotentials sets the log-potentials (a copy of logH, or 0 if nil)
// and runs every chain's forward–backward pass on them.
func (s *structured) initPotentials(logH [][][]float64) error {
	if logH != nil {
		for t, lt := range logH {
			for m, row := range lt {
				copy(s.logH[t][m], row)
			}
		}
	}
	for m := range s.chainG {
		if err := s.runChain(m); err != nil {
			return err
		}
	}
	return nil
}

func (s *structured) runChain(m int) error {
	var err error
	s.logZ[m], err = s.fb.run(s.md.p.Pi[m], s.md.p.P[m], s.chainH[m], s.chainG[m], s.xi[m])
	if err != nil {
		return fmt.Errorf("fhmm: chain %d: %w", m, trimmed{err})
	}
	return nil
}

// update makes q_m optimal given the other chains. pred must hold the
// current Σ_n V⁽ⁿ⁾⟨s_t⁽ⁿ⁾⟩; it is kept current.
func (s *structured) update(m int) error {
	vm, dm := s.md.v[m], s.md.delta[m]
	for t, zt := range s.z {
		pt, g := s.pred[t], s.gamma[t][m]
		for l, w := range g {
			if w != 0 {
				axpy(pt, -w, vm[l])
			}
		}
		lh := s.logH[t][m]
		for l, v := range vm {
			var a float64
			for i, zi := range zt {
				a += v[i] * (zi - pt[i])
			}
			lh[l] = a - 0.5*dm[l]
		}
	}
	if err := s.runChain(m); err != nil {
		return err
	}
	for t, pt := range s.pred {
		for l, w := range s.gamma[t][m] {
			if w != 0 {
				axpy(pt, w, vm[l])
			}
		}
	}
	return nil
}

// sweep updates every chain once, starting from a freshly computed pred.
func (s *structured) sweep() error {
	s.md.fillPred(s.pred, s.gamma)
	for m := range s.chainG {
		if err := s.update(m); err != nil {
			return err
		}
	}
	return nil
}

// elbo evaluates the ELBO of the current q exactly; every q_m must have
// been computed by forward–backward from its logH.
func (s *structured) elbo() float64 {
	e := s.md.expectedLogLik(s.z, s.gamma, s.pred)
	for m, lz := range s.logZ {
		e += lz
		for t, g := range s.chainG[m] {
			e -= dot(g, s.chainH[m][t])
		}
	}
	return e
}

// iterate runs sweeps from a q whose ELBO is elbo0 and returns the fit.
func (s *structured) iterate(set Settings, elbo0 float64) (*MeanField, error) {
	q := &MeanField{ELBO: []float64{elbo0}}
	for sweep := 1; sweep <= set.MaxSweeps; sweep++ {
		if err := s.sweep(); err != nil {
			return nil, err
		}
		prev, e := q.ELBO[len(q.ELBO)-1], s.elbo()
		if monotone.Fell(prev, e) {
			return nil, &DecreaseError{Method: "Structured", Iter: sweep, Before: prev, After: e}
		}
		q.ELBO = append(q.ELBO, e)
		q.Sweeps = sweep
		if e-prev <= set.Tol*math.Abs(e) {
			q.Converged = true
			break
		}
	}
	q.Marginals, q.Trans, q.LogH = s.gamma, s.xi, s.logH
	return q, nil
}
