package blr

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/svi"
)

// Model is Bayesian linear regression with known precisions as an svi model:
//
//	w ~ N(0, α⁻¹I),  y | w ~ N(Φw, β⁻¹I)
//
// with one latent site "w" of shape [D] and data "phi" ([N, D], row-major)
// and "y" ([N]). Feed them with Batch{"phi": …, "y": …}. It can be trained
// with svi.Config.Vectorize (all particles in one graph).
//
// Scale, when set, multiplies the likelihood (svi.M.Scale): N_all/N for
// minibatches of N rows out of N_all, and P·N_r/B_r for rank r of a
// data-parallel fit on P ranks (see svi.Config.Reduce).
type Model struct {
	Alpha, Beta float64 // prior precision α and noise precision β
	N, D        int     // rows of Φ and number of weights
	Scale       float64 // likelihood scale; 0 means 1
}

// Validate reports non-positive precisions or sizes.
func (b Model) Validate() error {
	switch {
	case !(b.Alpha > 0) || math.IsInf(b.Alpha, 0):
		return fmt.Errorf("blr: alpha must be positive and finite, got %v", b.Alpha)
	case !(b.Beta > 0) || math.IsInf(b.Beta, 0):
		return fmt.Errorf("blr: beta must be positive and finite, got %v", b.Beta)
	case b.N < 1 || b.D < 1:
		return fmt.Errorf("blr: need at least one row and one weight, got N=%d, D=%d", b.N, b.D)
	case !(b.Scale >= 0) || math.IsInf(b.Scale, 0):
		return fmt.Errorf("blr: Scale must be positive and finite (0: none), got %v", b.Scale)
	}
	return nil
}

// Build declares w, Φ and y and the Gaussian likelihood.
func (b Model) Build(m *svi.M) error {
	if err := b.Validate(); err != nil {
		return err
	}
	w := m.Sample("w", dist.Normal{Loc: m.Const(0), Scale: m.Const(1 / math.Sqrt(b.Alpha))}, b.D)
	if b.Scale != 0 && b.Scale != 1 {
		m.Scale(b.Scale) // after the global w: it scales the likelihood only
	}
	phi := m.Data("phi", b.N, b.D)
	y := m.Data("y", b.N)
	if m.Err() != nil {
		return m.Err()
	}
	var mu *G.Node
	var err error
	if S := m.Particles(); S > 0 {
		// svi.Config.Vectorize: w is [S, D], and the S means are the rows
		// of w·Φᵀ ([S, N]), each against the same y.
		phiT, err := G.Transpose(phi)
		if err != nil {
			return m.Fail(fmt.Errorf("blr: Φᵀ: %w", err))
		}
		if mu, err = G.Mul(w, phiT); err != nil {
			return m.Fail(fmt.Errorf("blr: wΦᵀ: %w", err))
		}
	} else if mu, err = G.Mul(phi, w); err != nil {
		return m.Fail(fmt.Errorf("blr: Φw: %w", err))
	}
	m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(1 / math.Sqrt(b.Beta))}, y)
	return m.Err()
}

// Vectorizes reports that Build handles svi.Config.Vectorize (w is [S, D]).
func (b Model) Vectorizes() bool { return true }
