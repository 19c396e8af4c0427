package lfm

import (
	"fmt"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

// SVIModel is the latent factor model with given parameters as an
// svi.Model, for the svi estimators of discrete sites: the data array "x"
// ([Rows, D]) is a plate of Rows rows out of N, scaled by N/Rows, with the
// site "z" ([Rows, K]) of Bernoulli(π_j) factors and
//
//	x_n ~ N(Wᵀz_n + b, σ²I)  or  x_nd ~ Bernoulli(σ((Wᵀz_n + b)_d)).
type SVIModel struct {
	P    Params
	Rows int // rows per batch
	N    int // rows of the data set (N/Rows scales the plate); 0 means Rows
}

// Build declares the model on m.
func (s SVIModel) Build(m *svi.M) error {
	p := s.P
	k, d := p.K(), p.D()
	if s.Rows < 1 {
		return fmt.Errorf("lfm: SVIModel.Rows = %d, want at least 1", s.Rows)
	}
	if s.N != 0 {
		m.Scale(float64(s.N) / float64(s.Rows))
	}
	m.Plate(s.Rows)
	prior := make([]float64, s.Rows*k)
	for i := range prior {
		pi := p.Pi[i%k]
		prior[i] = special.Logit(pi)
	}
	z := m.Sample("z", dist.Bernoulli{Logits: m.Array(prior, s.Rows, k)}, s.Rows, k)
	w := make([]float64, 0, k*d)
	for _, row := range p.W {
		w = append(w, row...)
	}
	bias := make([]float64, 0, s.Rows*d)
	for range s.Rows {
		bias = append(bias, p.B...)
	}
	eta := m.Add(m.MatMul(z, m.Array(w, k, d)), m.Array(bias, s.Rows, d))
	x := m.Data("x", s.Rows, d)
	if p.Likelihood == Bernoulli {
		m.Observe("x", dist.Bernoulli{Logits: eta}, x)
	} else {
		m.Observe("x", dist.Normal{Loc: eta, Scale: m.Const(p.Sigma)}, x)
	}
	return m.Err()
}
