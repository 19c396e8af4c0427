package dist

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
)

// Categorical is the distribution on K categories with probabilities
// softmax(Logits) along the last axis of the Logits node.
//
// Shapes: Logits has shape [..., K] and a value is one-hot along its last
// axis, shape [..., K]; the two broadcast against each other (logits [K]
// with values [N, K] score N draws from one distribution), and LogProb
// drops the last axis: [..., K] → [...] (a scalar for a single draw).
//
//	log p(x) = Σₖ xₖ lₖ − log Σₖ exp(lₖ)
//
// computed with ops.LogSumExp (max shift), so logits of any magnitude are
// safe. For a value that is not one-hot (Σₖ xₖ ≠ 1) the formula is
// evaluated as written. Discrete: no Supporter, no Rsampler.
type Categorical struct {
	Logits *G.Node // unnormalized log-probabilities, last axis = categories
}

// NewCategorical returns a Categorical with constant logits (a vector of K ≥
// 1 elements), after checking that they are finite.
func NewCategorical(g *G.ExprGraph, logits []float64) (Categorical, error) {
	if err := firstErr(checkGraph("Categorical", g), checkVector("Categorical", "logits", logits, 1, finite)); err != nil {
		return Categorical{}, err
	}
	return Categorical{Logits: vectorConst(g, logits)}, nil
}

// logSoftmax returns l − LogSumExp(l) along the last axis, broadcast back.
func logSoftmax(b *graph.B, l *G.Node) (logp, lse *G.Node) {
	if b.Err() != nil || l == nil {
		b.Fail(fmt.Errorf("nil logits"))
		return nil, nil
	}
	if l.IsScalar() {
		b.Fail(fmt.Errorf("logits must have a category axis, got a scalar"))
		return nil, nil
	}
	lse = b.Apply("LogSumExp", func(x *G.Node) (*G.Node, error) { return ops.LogSumExp(x, -1) }, l)
	if b.Err() != nil {
		return nil, nil
	}
	lseB := lse
	if s := l.Shape(); s.Dims() > 1 {
		keep := append(s[:s.Dims()-1:s.Dims()-1], 1)
		lseB = b.Reshape(lse, keep...)
	}
	return b.Sub(l, lseB), lse
}

// LogProb returns the log-mass of the one-hot value x, shape [...].
func (d Categorical) LogProb(x *G.Node) (*G.Node, error) {
	b := builderFor(x)
	if b.Err() == nil && (d.Logits == nil || d.Logits.IsScalar()) {
		b.Fail(fmt.Errorf("logits must have a category axis"))
	}
	var lp *G.Node
	if b.Err() == nil {
		lse := b.Apply("LogSumExp", func(l *G.Node) (*G.Node, error) { return ops.LogSumExp(l, -1) }, d.Logits)
		lp = b.Sub(sumLast(b, b.Mul(x, d.Logits)), lse)
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Categorical.LogProb: %w", err)
	}
	return lp, nil
}

// Entropy returns −Σₖ pₖ log pₖ along the last axis, shape [...].
func (d Categorical) Entropy() (*G.Node, error) {
	b := builderFor(d.Logits)
	logp, _ := logSoftmax(b, d.Logits)
	h := b.Neg(sumLast(b, b.Mul(b.Exp(logp), logp)))
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("dist: Categorical.Entropy: %w", err)
	}
	return h, nil
}

// Params returns [Logits].
func (d Categorical) Params() []*G.Node { return []*G.Node{d.Logits} }

func (Categorical) spec() paramSpec {
	return paramSpec{"Categorical", []drawParam{{"logits", finite}}}
}

// Draw fills dst with category indices 0, …, K−1 (as float64, one per row;
// LogProb takes the one-hot rows instead) drawn with probabilities
// softmax(logits), given the values of Logits: K values (one row for every
// element of dst) or K·len(dst), where K is the last axis of the Logits
// node. Logits must be finite, as for [NewCategorical]. Each draw inverts
// the CDF at one r.Float64(): distuv.Categorical would build a sampling
// heap for each row to draw from it once.
func (d Categorical) Draw(dst []float64, params [][]float64, r *rand.Rand) error {
	k, err := categories("Categorical", "logits", d.Logits)
	if err != nil {
		return err
	}
	strides, err := checkDraw(d.spec(), len(dst), k, params, r)
	if err != nil {
		return err
	}
	p := make([]float64, k)
	for i := range dst {
		off := i * strides[0]
		softmaxHost(p, params[0][off:off+k])
		dst[i] = float64(inverseCDF(p, r.Float64()))
	}
	return nil
}

// inverseCDF returns the first k with u < p₀ + … + pₖ, or, when rounding
// leaves u above the total, the last k with pₖ > 0.
func inverseCDF(p []float64, u float64) int {
	last := 0
	for k, pk := range p {
		if u < pk {
			return k
		}
		u -= pk
		if pk > 0 {
			last = k
		}
	}
	return last
}

// States returns K, the length of the logits' last axis, and one event
// axis: a draw is one-hot along the last axis.
func (d Categorical) States() (int, int, error) {
	if d.Logits == nil || d.Logits.IsScalar() || d.Logits.Shape().Dims() == 0 {
		return 0, 0, fmt.Errorf("dist: Categorical: the logits need a category axis")
	}
	s := d.Logits.Shape()
	return s[s.Dims()-1], 1, nil
}
