package lfm

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

// SVIModel is the latent factor model as an svi.Model, for the svi
// estimators of discrete sites: the data array "x" ([Rows, D]) is a plate
// of Rows rows out of N, scaled by N/Rows, with the site "z" ([Rows, K])
// of Bernoulli(π_j) factors and
//
//	x_n ~ N(Wᵀz_n + b, σ²I)  or  x_nd ~ Bernoulli(σ((Wᵀz_n + b)_d)).
//
// With Learn set, W, b and the prior logits a_j = logit π_j are global
// sites "w" ([K, D]), "b" ([D]) and "a" ([K]) with priors N(0, PriorScale²)
// (and N(0, 1.5²) for a), declared before the plate: fitted with a point
// mass (guides.Delta) they are learned by variational EM, the E-step being
// the SVI fit of q(z). P then gives only K, D, the likelihood and σ.
type SVIModel struct {
	P    Params
	Rows int // rows per batch
	N    int // rows of the data set (N/Rows scales the plate); 0 means Rows

	Learn      bool
	PriorScale float64 // of W and b when learning; 0 means 3
}

// Build declares the model on m. The plate's arrays have the rows
// m.Plate returns (more than Rows under the enum estimator).
func (s SVIModel) Build(m *svi.M) error {
	p := s.P
	k, d := p.K(), p.D()
	if s.Rows < 1 {
		return fmt.Errorf("lfm: SVIModel.Rows = %d, want at least 1", s.Rows)
	}
	var w, b, a *G.Node
	if s.Learn {
		sd := s.PriorScale
		if sd == 0 {
			sd = 3
		}
		w = m.Sample("w", dist.Normal{Loc: m.Const(0), Scale: m.Const(sd)}, k, d)
		b = m.Reshape(m.Sample("b", dist.Normal{Loc: m.Const(0), Scale: m.Const(sd)}, d), 1, d)
		a = m.Reshape(m.Sample("a", dist.Normal{Loc: m.Const(0), Scale: m.Const(1.5)}, k), 1, k)
	} else {
		w, b, a = s.constants(m)
	}
	if s.N != 0 {
		m.Scale(float64(s.N) / float64(s.Rows))
	}
	rows := m.Plate(s.Rows)
	ones := make([]float64, rows)
	for i := range ones {
		ones[i] = 1
	}
	col := m.Array(ones, rows, 1)
	z := m.Sample("z", dist.Bernoulli{Logits: m.MatMul(col, a)}, rows, k)
	eta := m.Add(m.MatMul(z, w), m.MatMul(col, b))
	x := m.Data("x", rows, d)
	if p.Likelihood == Bernoulli {
		m.Observe("x", dist.Bernoulli{Logits: eta}, x)
	} else {
		m.Observe("x", dist.Normal{Loc: eta, Scale: m.Const(p.Sigma)}, x)
	}
	return m.Err()
}

// constants returns W ([K, D]), b ([1, D]) and the prior logits ([1, K])
// of the given parameters as constant nodes.
func (s SVIModel) constants(m *svi.M) (w, b, a *G.Node) {
	p := s.P
	k, d := p.K(), p.D()
	flat := make([]float64, 0, k*d)
	for _, row := range p.W {
		flat = append(flat, row...)
	}
	logits := make([]float64, k)
	for j, pi := range p.Pi {
		logits[j] = special.Logit(pi)
	}
	return m.Array(flat, k, d), m.Array(p.B, 1, d), m.Array(logits, 1, k)
}
