package fhmm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/models/fhmm"
	"github.com/stretchr/testify/require"
)

// The oracles in this file share no code with fhmm and use no gonum: a
// hand-written Cholesky factorisation, direct evaluation of log p(y, s) for
// one path, and sums over every path.

// randomProblem returns fhmm.RandomParams(m, l, d) and a sequence of T
// steps drawn from them, all from one seeded PCG.
func randomProblem(t testing.TB, m, l, d, steps int, seed uint64) (fhmm.Params, [][]float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 17))
	p, err := fhmm.RandomParams(m, l, d, r)
	require.NoError(t, err)
	_, y, err := fhmm.Generate(p, steps, r)
	require.NoError(t, err)
	return p, y
}

// gaussian is a test-side N(·; μ, C) evaluator: the Cholesky factor of C
// by the textbook recurrence and log|C| = 2 Σ log L_ii.
type gaussian struct {
	lower  [][]float64
	logDet float64
}

func newGaussian(c [][]float64) gaussian {
	d := len(c)
	lo := make([][]float64, d)
	var logDet float64
	for i := range lo {
		lo[i] = make([]float64, d)
		for j := 0; j <= i; j++ {
			s := c[i][j]
			for k := 0; k < j; k++ {
				s -= lo[i][k] * lo[j][k]
			}
			if i == j {
				lo[i][i] = math.Sqrt(s)
				logDet += 2 * math.Log(lo[i][i])
			} else {
				lo[i][j] = s / lo[j][j]
			}
		}
	}
	return gaussian{lo, logDet}
}

// logPdf returns log N(y; mu, C) = −D/2 log 2π − ½ log|C| − ½‖L⁻¹(y − μ)‖².
func (g gaussian) logPdf(y, mu []float64) float64 {
	d := len(y)
	x := make([]float64, d)
	var q float64
	for i := 0; i < d; i++ {
		s := y[i] - mu[i]
		for k := 0; k < i; k++ {
			s -= g.lower[i][k] * x[k]
		}
		x[i] = s / g.lower[i][i]
		q += x[i] * x[i]
	}
	return -0.5*float64(d)*math.Log(2*math.Pi) - 0.5*g.logDet - 0.5*q
}

// mean returns Σ_m W⁽ᵐ⁾ e_{s_m}.
func mean(p fhmm.Params, s []int) []float64 {
	mu := make([]float64, len(p.C))
	for m, st := range s {
		for i := range mu {
			mu[i] += p.W[m][i][st]
		}
	}
	return mu
}

// path returns path number idx as T rows of M states, chain m at step t
// being digit t·M + m of idx in base L.
func path(idx, m, l, steps int) [][]int {
	s := make([][]int, steps)
	for t := range s {
		s[t] = make([]int, m)
		for c := range s[t] {
			s[t][c] = idx % l
			idx /= l
		}
	}
	return s
}

func numPaths(m, l, steps int) int {
	return int(math.Round(math.Pow(float64(l), float64(m*steps))))
}

// logJoint returns log p(y, s) term by term.
func logJoint(p fhmm.Params, g gaussian, y [][]float64, s [][]int) float64 {
	var lp float64
	for t, st := range s {
		for m, v := range st {
			if t == 0 {
				lp += math.Log(p.Pi[m][v])
			} else {
				lp += math.Log(p.P[m][s[t-1][m]][v])
			}
		}
		lp += g.logPdf(y[t], mean(p, st))
	}
	return lp
}

// enumeration holds, for every path, log p(y, s) and the path.
type enumeration struct {
	paths [][][]int
	logJ  []float64
	m, l  int
}

func enumerate(p fhmm.Params, y [][]float64) enumeration {
	m, l := len(p.Pi), len(p.Pi[0])
	g := newGaussian(p.C)
	n := numPaths(m, l, len(y))
	e := enumeration{paths: make([][][]int, n), logJ: make([]float64, n), m: m, l: l}
	for i := range e.paths {
		e.paths[i] = path(i, m, l, len(y))
		e.logJ[i] = logJoint(p, g, y, e.paths[i])
	}
	return e
}

// normalise returns the probabilities exp(lw_i)/Σ_j exp(lw_j) and the log
// of the sum, shifting by the largest lw.
func normalise(lw []float64) ([]float64, float64) {
	mx := math.Inf(-1)
	for _, v := range lw {
		mx = math.Max(mx, v)
	}
	w := make([]float64, len(lw))
	if math.IsInf(mx, -1) {
		return w, mx // no path has positive weight
	}
	var s float64
	for i, v := range lw {
		w[i] = math.Exp(v - mx)
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w, mx + math.Log(s)
}

// moments returns Σ_paths w·onehot marginals (T×M×L) and the transition
// counts Σ_t w·[s_t = i, s_{t+1} = j] (M×L×L) of weights w over the paths.
func (e enumeration) moments(w []float64) ([][][]float64, [][][]float64) {
	steps := len(e.paths[0])
	marg := make([][][]float64, steps)
	for t := range marg {
		marg[t] = rect(e.m, e.l)
	}
	trans := make([][][]float64, e.m)
	for m := range trans {
		trans[m] = rect(e.l, e.l)
	}
	for i, s := range e.paths {
		for t, st := range s {
			for m, v := range st {
				marg[t][m][v] += w[i]
				if t+1 < steps {
					trans[m][v][s[t+1][m]] += w[i]
				}
			}
		}
	}
	return marg, trans
}

// bruteExact returns log p(y), the marginals and the transition counts by
// summing over all L^(M·T) paths.
func bruteExact(p fhmm.Params, y [][]float64) (float64, [][][]float64, [][][]float64) {
	e := enumerate(p, y)
	w, logZ := normalise(e.logJ)
	marg, trans := e.moments(w)
	return logZ, marg, trans
}

// bruteELBO returns E_q[log p(y, s) − log q(s)] for q given by its
// unnormalised log-weights over the paths of e.
func (e enumeration) bruteELBO(logq []float64) float64 {
	w, logZ := normalise(logq)
	var elbo float64
	for i, wi := range w {
		if wi == 0 {
			continue
		}
		elbo += wi * (e.logJ[i] - (logq[i] - logZ))
	}
	return elbo
}

// structuredLogQ returns log Π_m π⁽ᵐ⁾(s_1) Π_t P⁽ᵐ⁾ Π_t h_t⁽ᵐ⁾(s_t) for
// every path: the structured q, unnormalised.
func (e enumeration) structuredLogQ(p fhmm.Params, logH [][][]float64) []float64 {
	out := make([]float64, len(e.paths))
	for i, s := range e.paths {
		for t, st := range s {
			for m, v := range st {
				if t == 0 {
					out[i] += math.Log(p.Pi[m][v])
				} else {
					out[i] += math.Log(p.P[m][s[t-1][m]][v])
				}
				out[i] += logH[t][m][v]
			}
		}
	}
	return out
}

// factorizedLogQ returns Σ_t Σ_m log θ_t⁽ᵐ⁾(s_t⁽ᵐ⁾) for every path.
func (e enumeration) factorizedLogQ(theta [][][]float64) []float64 {
	out := make([]float64, len(e.paths))
	for i, s := range e.paths {
		for t, st := range s {
			for m, v := range st {
				out[i] += math.Log(theta[t][m][v])
			}
		}
	}
	return out
}

func rect(r, c int) [][]float64 {
	a := make([][]float64, r)
	for i := range a {
		a[i] = make([]float64, c)
	}
	return a
}

// randomTable returns T×M×L entries: log-potentials N(0, 2²) or, with
// dist, probability vectors with entries ∝ U(0.05, 1).
func randomTable(steps, m, l int, seed uint64, dist bool) [][][]float64 {
	r := rand.New(rand.NewPCG(seed, 5))
	x := make([][][]float64, steps)
	for t := range x {
		x[t] = rect(m, l)
		for c := range x[t] {
			var s float64
			for i := range x[t][c] {
				if dist {
					x[t][c][i] = 0.05 + 0.95*r.Float64()
					s += x[t][c][i]
				} else {
					x[t][c][i] = 2 * r.NormFloat64()
				}
			}
			for i := range x[t][c] {
				if dist {
					x[t][c][i] /= s
				}
			}
		}
	}
	return x
}

// maxDiff3 returns the largest |a − b| over two T×M×L tables.
func maxDiff3(a, b [][][]float64) float64 {
	var worst float64
	for i := range a {
		for j := range a[i] {
			for k := range a[i][j] {
				worst = math.Max(worst, math.Abs(a[i][j][k]-b[i][j][k]))
			}
		}
	}
	return worst
}
