package svi

import (
	"errors"
	"math"
	"math/rand/v2"
)

// GradientStats summarizes n gradient estimates of the training
// objective at fixed parameters, each with fresh noise: how noisy the
// estimator is there. Comparing them across estimators or baselines at the
// same parameters shows what a control variate buys.
type GradientStats struct {
	Draws  int             `json:"draws"`
	Blocks []GradientBlock `json:"blocks"`
	// TotalVar is Σ over the blocks of TotalVar.
	TotalVar float64 `json:"total_variance"`
	// Loss and LossVar are the mean and sample variance of the reported
	// loss (the negative ELBO or bound estimate) over the draws.
	Loss    float64 `json:"loss"`
	LossVar float64 `json:"loss_variance"`
}

// GradientBlock is the gradient of one parameter (a block of elements).
type GradientBlock struct {
	Name string    `json:"name"`
	Mean []float64 `json:"-"` // mean of each element's estimates
	Var  []float64 `json:"-"` // sample variance of each element's estimates
	// TotalVar is Σ Var, the trace of the estimate's covariance.
	TotalVar float64 `json:"total_variance"`
	// MeanSq is ‖Mean‖², to compare the variance with: a ratio
	// TotalVar/MeanSq far above 1 means most of a step is noise.
	MeanSq float64 `json:"mean_norm2"`
}

// GradientVariance estimates the gradient n times at st's parameters on
// batch b, with noise from a generator seeded by seed (st's own source is
// not advanced and st is not changed), and returns each parameter's mean
// and variance. The running-average baseline uses st's loss trace, as the
// next Step would.
func (t *Trainer) GradientVariance(st *State, b Batch, n int, seed uint64) (*GradientStats, error) {
	if n < 2 {
		return nil, errors.New("svi: GradientVariance needs at least 2 draws")
	}
	if err := t.checkState(st); err != nil {
		return nil, err
	}
	if err := t.Feed(b); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b0 := avgBaseline(st.Trace)
	names := t.layout.Names()
	sum := t.layout.ZerosLike()
	sq := t.layout.ZerosLike()
	var lsum, lsq float64
	for range n {
		for _, p := range t.progs {
			p.fillNoise(r, nil)
			p.gc.avgBaseline = b0
		}
		loss, err := t.runAll(st.Params)
		if err != nil {
			return nil, err
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, &NonFiniteError{Iter: st.Iter, Loss: loss, What: "loss", Index: -1}
		}
		lsum += loss
		lsq += loss * loss
		for i := range names {
			for j, g := range t.grads.values[i] {
				sum.values[i][j] += g
				sq.values[i][j] += g * g
			}
		}
	}
	out := &GradientStats{Draws: n, Loss: lsum / float64(n)}
	out.LossVar = math.Max((lsq-float64(n)*out.Loss*out.Loss)/float64(n-1), 0)
	for i, name := range names {
		blk := GradientBlock{Name: name, Mean: make([]float64, len(sum.values[i])), Var: make([]float64, len(sum.values[i]))}
		for j, s := range sum.values[i] {
			m := s / float64(n)
			v := (sq.values[i][j] - float64(n)*m*m) / float64(n-1)
			blk.Mean[j], blk.Var[j] = m, math.Max(v, 0)
			blk.TotalVar += blk.Var[j]
			blk.MeanSq += m * m
		}
		out.TotalVar += blk.TotalVar
		out.Blocks = append(out.Blocks, blk)
	}
	return out, nil
}

// Block returns the block of the named parameter, or nil.
func (g *GradientStats) Block(name string) *GradientBlock {
	for i := range g.Blocks {
		if g.Blocks[i].Name == name {
			return &g.Blocks[i]
		}
	}
	return nil
}
