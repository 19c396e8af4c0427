package kl

import (
	"fmt"
	"math"
)

// Density is a normalized density on ℝ² given by its logarithm.
type Density interface {
	LogPdf(z [2]float64) float64
}

// Grid constants. A grid covers every Gaussian involved (the components
// of p and each q) out to GridSD marginal standard deviations each side
// of its mean, with a spacing of GridPerSD nodes per smallest standard
// deviation (the square root of the smallest eigenvalue of any covariance),
// at most MaxGridNodes nodes per axis.
const (
	GridSD       = 12
	GridPerSD    = 8
	MaxGridNodes = 4001
	// TailBound bounds the integrand's mass outside the grid: beyond 12
	// standard deviations a normal tail holds 3.6e−33 of the mass, and the
	// log-ratios of the densities here grow only quadratically, so the
	// truncation error is below 1e−28; 1e−12 is a generous round bound.
	TailBound = 1e-12
)

// Grid is a regular grid of N[0] × N[1] nodes (N odd) over
// [Lo[0], Hi[0]] × [Lo[1], Hi[1]].
type Grid struct {
	Lo, Hi [2]float64
	N      [2]int
}

// GridFor returns the grid for the given Gaussians (see GridSD).
func GridFor(gs ...Gaussian) (Grid, error) {
	if len(gs) == 0 {
		return Grid{}, fmt.Errorf("kl: GridFor needs at least one Gaussian")
	}
	g := Grid{Lo: [2]float64{math.Inf(1), math.Inf(1)}, Hi: [2]float64{math.Inf(-1), math.Inf(-1)}}
	h := math.Inf(1)
	for _, q := range gs {
		if err := q.Validate(); err != nil {
			return Grid{}, err
		}
		sd := q.Std()
		for i := 0; i < 2; i++ {
			g.Lo[i] = math.Min(g.Lo[i], q.Mean[i]-GridSD*sd[i])
			g.Hi[i] = math.Max(g.Hi[i], q.Mean[i]+GridSD*sd[i])
		}
		h = math.Min(h, math.Sqrt(minEig(q.Cov))/GridPerSD)
	}
	for i := 0; i < 2; i++ {
		n := int(math.Ceil((g.Hi[i]-g.Lo[i])/h)) + 1
		n = min(n+1-n%2, MaxGridNodes) // odd, so that every other node is a grid too
		g.N[i] = n
	}
	return g, nil
}

func minEig(c [2][2]float64) float64 {
	t, d := c[0][0]+c[1][1], c[0][0]*c[1][1]-c[0][1]*c[1][0]
	return t/2 - math.Sqrt(math.Max(t*t/4-d, 0))
}

// Divergences holds KL(p‖q) and KL(q‖p) estimated on a grid, each with its
// error bound, and the masses of p and q on the grid.
type Divergences struct {
	PQ      float64    `json:"kl_pq"`       // KL(p‖q)
	PQError float64    `json:"kl_pq_error"` // bound on |PQ − KL(p‖q)|
	QP      float64    `json:"kl_qp"`       // KL(q‖p)
	QPError float64    `json:"kl_qp_error"` // bound on |QP − KL(q‖p)|
	MassP   float64    `json:"mass_p"`      // ∫p on the grid, 1 up to the error
	MassQ   float64    `json:"mass_q"`
	Nodes   [2]int     `json:"grid_nodes"`
	Lo      [2]float64 `json:"grid_lo"`
	Hi      [2]float64 `json:"grid_hi"`
}

// Quadrature returns both divergences of p and q by the trapezoid rule on
// g. For integrands analytic in a strip, as these are, the trapezoid rule
// converges geometrically in the spacing h, so the difference between the
// estimate on g (spacing h) and on every other node of g (spacing 2h)
// bounds the error of the finer one; the bound reported is that
// difference plus TailBound plus a rounding term (see RoundingFactor).
// The sums are compensated, so rounding does not grow with the grid.
func Quadrature(p, q Density, g Grid) (Divergences, error) {
	for i := 0; i < 2; i++ {
		if g.N[i] < 3 || g.N[i]%2 == 0 || !(g.Hi[i] > g.Lo[i]) {
			return Divergences{}, fmt.Errorf("kl: grid %+v needs an odd number ≥ 3 of nodes over a non-empty range on each axis", g)
		}
	}
	h := [2]float64{(g.Hi[0] - g.Lo[0]) / float64(g.N[0]-1), (g.Hi[1] - g.Lo[1]) / float64(g.N[1]-1)}
	var fine, coarse [4]sum // ∫p log(p/q), ∫q log(q/p), ∫p, ∫q
	var abs sum             // ∫(p + q)(|log p| + |log q|), for the rounding bound
	for i := 0; i < g.N[0]; i++ {
		wi, ci := trapW(i, g.N[0])
		x := g.Lo[0] + float64(i)*h[0]
		for j := 0; j < g.N[1]; j++ {
			wj, cj := trapW(j, g.N[1])
			z := [2]float64{x, g.Lo[1] + float64(j)*h[1]}
			lp, lq := p.LogPdf(z), q.LogPdf(z)
			pv, qv := math.Exp(lp), math.Exp(lq)
			f := [4]float64{pv * (lp - lq), qv * (lq - lp), pv, qv}
			for k := range f {
				fine[k].add(wi * wj * f[k])
				coarse[k].add(ci * cj * f[k])
			}
			abs.add(wi * wj * (pv + qv) * (math.Abs(lp) + math.Abs(lq)))
		}
	}
	a, a2 := h[0]*h[1], 4*h[0]*h[1]
	d := Divergences{PQ: fine[0].val() * a, QP: fine[1].val() * a, MassP: fine[2].val() * a, MassQ: fine[3].val() * a, Nodes: g.N, Lo: g.Lo, Hi: g.Hi}
	round := RoundingFactor * epsilon * abs.val() * a
	d.PQError = math.Abs(d.PQ-coarse[0].val()*a2) + TailBound + round
	d.QPError = math.Abs(d.QP-coarse[1].val()*a2) + TailBound + round
	if math.IsNaN(d.PQ) || math.IsNaN(d.QP) || math.IsInf(d.PQ, 0) || math.IsInf(d.QP, 0) {
		return d, fmt.Errorf("kl: quadrature gave a non-finite divergence (%v, %v)", d.PQ, d.QP)
	}
	return d, nil
}

// epsilon is the float64 unit roundoff, 2⁻⁵³.
const epsilon = 0x1p-53

// RoundingFactor sets the rounding term of the quadrature's error bound,
// RoundingFactor·ε·∫(p + q)(|log p| + |log q|): each term's log-ratio is
// exact to a few ε of the larger log-density, and the compensated sum adds
// about 2ε of the total.
const RoundingFactor = 16

// sum is a Neumaier compensated sum: its error does not grow with the
// number of terms.
type sum struct{ s, c float64 }

func (k *sum) add(x float64) {
	t := k.s + x
	if math.Abs(k.s) >= math.Abs(x) {
		k.c += (k.s - t) + x
	} else {
		k.c += (x - t) + k.s
	}
	k.s = t
}

func (k sum) val() float64 { return k.s + k.c }

// trapW returns node i's trapezoid weight on the grid of n nodes and on the
// grid of its even nodes (0 on odd ones).
func trapW(i, n int) (fine, coarse float64) {
	fine = 1
	if i == 0 || i == n-1 {
		fine = 0.5
	}
	if i%2 == 0 {
		coarse = fine
	}
	return fine, coarse
}
