package gmm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// SVIModel is the Bayesian Gaussian mixture of [Fit] written as an svi
// model, with the assignments summed out:
//
//	π ~ Dirichlet(α₀),  Λ_k ~ Wishart(W₀, ν₀),  μ_k | Λ_k ~ N(m₀, (β₀Λ_k)⁻¹),
//	p(x_n | π, μ, Λ) = Σ_k π_k N(x_n; μ_k, Λ_k⁻¹)   (log-sum-exp over k).
//
// The precisions are parameterized by the Bartlett decomposition
// Λ_k = L₀A_kA_kᵀL₀ᵀ with W₀ = L₀L₀ᵀ and A_k lower triangular, whose
// diagonal a_kd ~ χ(ν₀ − d) (site "bartlett_diag", positive, [K, D]) and
// strictly lower part ~ N(0, 1) (site "bartlett_off", [K, D(D−1)/2]): an
// exact Wishart prior whose Cholesky factor L_k = L₀A_k the likelihood uses
// directly. Sites "means" [K, D] and "weights" (a K-simplex) complete it.
// Data: "x", the N×D row-major points.
type SVIModel struct {
	N, D, K            int
	Alpha0, Beta0, Nu0 float64
	M0                 []float64 // prior mean, length D
	W0                 []float64 // Wishart scale, D×D row-major
	// Scale multiplies the likelihood; 0 means 1. In a full-batch
	// data-parallel fit (svi.Config.Reduce, see Shard) it is the number of
	// ranks P.
	Scale               float64
	l0                  []float64 // Cholesky factor of W0, row-major
	ediag, eoff, offIdx []float64
}

// Shard returns the model of rank r of p in a full-batch data-parallel
// fit (svi.Config.Reduce) and the rank's rows [lo, hi) of m.N (the shard
// rule of svi.ShardRows): the same priors (M0 and W0 are m's, from all the
// data) over the rank's rows, with the likelihood scaled by p, so that the
// mean of the ranks' losses is m's loss on all the rows, up to the order
// of the sums. It refuses fewer rows than ranks.
func (m *SVIModel) Shard(p, r int) (shard *SVIModel, lo, hi int, err error) {
	if p < 1 || r < 0 || r >= p || m.N < p {
		return nil, 0, 0, fmt.Errorf("gmm: %d rows cannot be shared out over %d ranks (rank %d)", m.N, p, r)
	}
	lo, hi = svi.ShardRows(m.N, p, r)
	s := *m
	s.N, s.Scale = hi-lo, float64(p)
	return &s, lo, hi, nil
}

// NewSVIModel validates the configuration (defaults as in Config, with M0
// the data mean when nil) and returns the model for N points.
func NewSVIModel(x []float64, d int, cfg Config) (*SVIModel, error) {
	n, err := checkData(x, d)
	if err != nil {
		return nil, err
	}
	p, err := cfg.resolve(x, n, d)
	if err != nil {
		return nil, err
	}
	w0 := cfg.W0
	if w0 == nil {
		w0 = make([]float64, d*d)
		for i := 0; i < d; i++ {
			w0[i*d+i] = 1
		}
	}
	m := &SVIModel{N: n, D: d, K: p.k, Alpha0: p.alpha0, Beta0: p.beta0, Nu0: p.nu0, M0: p.m0, W0: w0}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(d, append([]float64(nil), w0...))) {
		return nil, fmt.Errorf("gmm: W0 is not positive definite")
	}
	var l mat.TriDense
	ch.LTo(&l)
	m.l0 = make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			m.l0[i*d+j] = l.At(i, j)
		}
	}
	// vec(A_k) = Ediagᵀ-rows · a_k + Eoffᵀ-rows · b_k, as [·, D²] selections.
	off := d * (d - 1) / 2
	m.ediag = make([]float64, d*d*d)
	m.eoff = make([]float64, max(off, 1)*d*d)
	for i := 0; i < d; i++ {
		m.ediag[i*d*d+i*d+i] = 1
	}
	k := 0
	for i := 0; i < d; i++ {
		for j := 0; j < i; j++ {
			m.eoff[k*d*d+i*d+j] = 1
			k++
		}
	}
	return m, nil
}

// constMat returns a constant [r, c] node holding a copy of v, of g's
// dtype (graph.Tensor: float32 in a float32 training graph).
func constMat(g *G.ExprGraph, r, c int, v []float64) *G.Node {
	return graph.Tensor(g, "gmm/const", append([]float64(nil), v...), r, c)
}

// chiPrior is the χ distribution with dof[d] degrees of freedom for column
// d of a [K, D] node: log p(a) = (k−1) log a − a²/2 − (k/2 − 1) log 2 − log Γ(k/2).
type chiPrior struct {
	dof, norm *G.Node // [1, D] rows
}

func (c chiPrior) LogProb(x *G.Node) (*G.Node, error) {
	b := graph.New(x.Graph())
	lp := b.Sub(b.Sub(b.Mul(b.Sub(c.dof, b.Const(1)), b.Log(x)), b.Mul(b.Const(0.5), b.Square(x))), c.norm)
	return lp, b.Err()
}

func (chiPrior) Support() dist.Bijector { return dist.Positive }

// meansPrior is μ_k ~ N(m₀, (β₀ L_k L_kᵀ)⁻¹) for the rows of a [K, D] node.
type meansPrior struct {
	m     *SVIModel
	l     []*G.Node // L_k, [D, D]
	halfL *G.Node   // Σ_d log L_k,dd, [K]
	m0    *G.Node
}

func (p meansPrior) LogProb(mu *G.Node) (*G.Node, error) {
	b := graph.New(mu.Graph())
	D := float64(p.m.D)
	var sum *G.Node
	for k, lk := range p.l {
		muk := b.Apply("Slice", func(x *G.Node) (*G.Node, error) { return G.Slice(x, G.S(k)) }, mu)
		lt := b.Apply("Transpose", func(x *G.Node) (*G.Node, error) { return G.Transpose(x) }, lk)
		v := b.MatMul(lt, b.Sub(muk, p.m0))
		q := b.Sum(b.Square(v))
		sum = addNode(b, sum, b.Mul(b.Const(-0.5*p.m.Beta0), q))
	}
	c := float64(p.m.K) * (D/2*math.Log(p.m.Beta0) - D*dist.LogSqrt2Pi)
	lp := b.Add(b.Add(sum, b.Sum(p.halfL)), b.Const(c))
	return lp, b.Err()
}

func addNode(b *graph.B, acc, x *G.Node) *G.Node {
	if acc == nil {
		return x
	}
	return b.Add(acc, x)
}

// Build declares the sites and the mixture likelihood.
// L0 returns the lower Cholesky factor L₀ of W₀ (D×D, row-major), which
// turns a draw of the Bartlett factor A_k into Λ_k = L₀A_kA_kᵀL₀ᵀ.
func (m *SVIModel) L0() []float64 { return append([]float64(nil), m.l0...) }

// Build declares the sites and the likelihood on mb.
func (m *SVIModel) Build(mb *svi.M) error {
	g := mb.Graph()
	b := graph.New(g)
	D, K := m.D, m.K
	off := D * (D - 1) / 2
	dof := make([]float64, D)
	norm := make([]float64, D)
	for d := range dof {
		dof[d] = m.Nu0 - float64(d)
		lg, _ := math.Lgamma(dof[d] / 2)
		norm[d] = (dof[d]/2-1)*math.Ln2 + lg
	}
	diag := mb.Sample("bartlett_diag", chiPrior{dof: constMat(g, 1, D, dof), norm: constMat(g, 1, D, norm)}, K, D)
	var offN *G.Node
	if off > 0 {
		offN = mb.Sample("bartlett_off", dist.Normal{Loc: mb.Const(0), Scale: mb.Const(1)}, K, off)
	}
	if mb.Err() != nil {
		return mb.Err()
	}
	// vec(A_k) for all k: [K, D²].
	vecA := b.MatMul(diag, constMat(g, D, D*D, m.ediag))
	if offN != nil {
		vecA = b.Add(vecA, b.MatMul(offN, constMat(g, off, D*D, m.eoff)))
	}
	l0 := constMat(g, D, D, m.l0)
	ls := make([]*G.Node, K)
	for k := range ls {
		ak := b.Reshape(b.Apply("Slice", func(x *G.Node) (*G.Node, error) { return G.Slice(x, G.S(k)) }, vecA), D, D)
		ls[k] = b.MatMul(l0, ak)
	}
	logDiagL0 := 0.0
	for d := 0; d < D; d++ {
		logDiagL0 += math.Log(m.l0[d*D+d])
	}
	halfL := b.Add(b.Sum(b.Log(diag), 1), b.Const(logDiagL0)) // [K]
	if err := b.Err(); err != nil {
		return mb.Fail(fmt.Errorf("gmm: %w", err))
	}
	m0 := graph.Tensor(g, "gmm/m0", append([]float64(nil), m.M0...), D)
	mu := mb.Sample("means", meansPrior{m: m, l: ls, halfL: halfL, m0: m0}, K, D)
	alpha := make([]float64, K)
	for i := range alpha {
		alpha[i] = m.Alpha0
	}
	wprior, err := dist.NewDirichlet(g, alpha)
	if err != nil {
		return mb.Fail(err)
	}
	w := mb.Sample("weights", wprior, K)
	if m.Scale != 0 && m.Scale != 1 {
		mb.Scale(m.Scale)
	}
	x := mb.Data("x", m.N, D)
	if mb.Err() != nil {
		return mb.Err()
	}
	logw := b.Log(w)
	cols := make([]*G.Node, K)
	for k := 0; k < K; k++ {
		muk := b.Apply("Slice", func(x *G.Node) (*G.Node, error) { return G.Slice(x, G.S(k)) }, mu)
		y := b.MatMul(b.Sub(x, muk), ls[k])
		quad := b.Sum(b.Square(y), 1) // [N]
		lwk := b.Apply("Slice", func(x *G.Node) (*G.Node, error) { return G.Slice(x, G.S(k)) }, logw)
		hk := b.Apply("Slice", func(x *G.Node) (*G.Node, error) { return G.Slice(x, G.S(k)) }, halfL)
		col := b.Sub(b.Add(lwk, hk), b.Add(b.Mul(b.Const(0.5), quad), b.Const(float64(D)*dist.LogSqrt2Pi)))
		cols[k] = b.Reshape(col, m.N, 1)
	}
	if err := b.Err(); err != nil {
		return mb.Fail(fmt.Errorf("gmm: %w", err))
	}
	lp, err := G.Concat(1, cols...)
	if err != nil {
		return mb.Fail(fmt.Errorf("gmm: %w", err))
	}
	lse, err := ops.LogSumExp(lp, 1)
	if err != nil {
		return mb.Fail(fmt.Errorf("gmm: %w", err))
	}
	mb.Factor("x", lse)
	return mb.Err()
}

// InitMeans returns starting values for the "means" site of an SVIModel
// with k components on the row-major N×d data x: k distinct rows drawn
// with a source seeded by seed (the first row again for the components
// beyond N), as K×d row-major values.
func InitMeans(x []float64, d, k int, seed uint64) []float64 {
	n := len(x) / d
	r := rand.New(svi.NewRNG(seed))
	init := make([]float64, 0, k*d)
	for _, i := range r.Perm(n)[:min(k, n)] {
		init = append(init, x[i*d:(i+1)*d]...)
	}
	for len(init) < k*d {
		init = append(init, x[:d]...)
	}
	return init
}
