package bnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// DefaultDraws is the number of posterior draws Predict uses when asked for 0.
const DefaultDraws = 1000

// weights holds T draws of every layer's weights and biases, and of τ.
type weights struct {
	t     int
	sizes []int       // layer widths, inputs first
	w, b  [][]float64 // per layer: T×(in·out) and T×out
	skip  []float64   // T×(inputs·outputs) draws of the skip path's β; nil without one
	tau   []float64   // T draws of τ (regression)
	act   Activation
}

// draw samples T weight sets from the fitted guide with a source seeded by
// seed (the state's own random source is left alone).
func (n *Net) draw(t int, seed uint64) (*weights, error) {
	if t == 0 {
		t = DefaultDraws
	}
	if t < 1 {
		return nil, fmt.Errorf("bnn: need at least one posterior draw, got %d", t)
	}
	ds, err := n.trainer.Sample(n.state, t, rand.New(svi.NewRNG(seed)))
	if err != nil {
		return nil, err
	}
	sizes := n.cfg.layerSizes(n.inputs)
	w := &weights{t: t, sizes: sizes, act: n.cfg.Activation}
	for l := 0; l < len(sizes)-1; l++ {
		w.w = append(w.w, ds[WeightSite(l)])
		w.b = append(w.b, ds[BiasSite(l)])
	}
	w.skip = ds[SkipSite]
	w.tau = ds[NoiseSite]
	return w, nil
}

// forward writes the network output of draw k for the rows of x (already
// standardized) into out (rows × outputs).
func (w *weights) forward(k int, x []float64, rows int, out []float64, buf *[2][]float64) {
	h := x
	for l := 0; l+1 < len(w.sizes); l++ {
		nin, nout := w.sizes[l], w.sizes[l+1]
		wl := w.w[l][k*nin*nout : (k+1)*nin*nout]
		bl := w.b[l][k*nout : (k+1)*nout]
		var z []float64
		if l+2 == len(w.sizes) {
			z = out
		} else {
			z = grow(&buf[l%2], rows*nout)
		}
		act := w.act
		if l+2 == len(w.sizes) {
			act = Identity
		}
		ops.DenseForward(z, h, wl, bl, rows, nin, nout, act)
		h = z
	}
	if w.skip != nil {
		// out += x·β
		nin, nout := w.sizes[0], w.sizes[len(w.sizes)-1]
		beta := w.skip[k*nin*nout : (k+1)*nin*nout]
		for i := range rows {
			xi, oi := x[i*nin:(i+1)*nin], out[i*nout:(i+1)*nout]
			for j, xv := range xi {
				for o, bv := range beta[j*nout : (j+1)*nout] {
					oi[o] += xv * bv
				}
			}
		}
	}
}

func grow(b *[]float64, n int) []float64 {
	if cap(*b) < n {
		*b = make([]float64, n)
	}
	*b = (*b)[:n]
	return *b
}

// prepare standardizes x, checking its width.
func (n *Net) prepare(x []float64) ([]float64, int, error) {
	if len(x) == 0 || len(x)%n.inputs != 0 {
		return nil, 0, fmt.Errorf("bnn: %d input values are not rows of %d columns", len(x), n.inputs)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, fmt.Errorf("bnn: input row %d, column %d is %v", i/n.inputs, i%n.inputs, v)
		}
	}
	xs, err := n.scaler.X(x)
	return xs, len(x) / n.inputs, err
}

// Predictive is the posterior predictive distribution of a regression
// network at N inputs, represented by T draws from the guide, in the
// target's original units:
//
//	p(y* | x*, D) ≈ (1/T) Σₜ N(y*; fₜ(x*), σₜ²),  σₜ = s_y/√τₜ
type Predictive struct {
	N, T     int
	F        []float64 // T×N network outputs fₜ(xₙ), row-major by draw
	NoiseStd []float64 // T noise standard deviations σₜ (heteroscedastic: the mean over the N points)
	// RowNoiseStd, for a heteroscedastic network only (nil otherwise),
	// holds T×N noise standard deviations σₜ(xₙ), row-major by draw; the
	// mixture components are then N(fₜ(xₙ), σₜ(xₙ)²).
	RowNoiseStd []float64
	Mean        []float64 // N predictive means (1/T) Σₜ fₜ(xₙ)
	Std         []float64 // N predictive standard deviations, noise included
	EpiStd      []float64 // N standard deviations of fₜ(xₙ) over draws (epistemic part)
}

// Predict returns the posterior predictive of a regression network at the
// rows of x (N×D, original units) from draws posterior draws (0 means
// DefaultDraws), seeded by seed.
func (n *Net) Predict(x []float64, draws int, seed uint64) (*Predictive, error) {
	if n.cfg.Task != Regression {
		return nil, fmt.Errorf("%w: Predict is for regression; use PredictClass", ErrTask)
	}
	xs, rows, err := n.prepare(x)
	if err != nil {
		return nil, err
	}
	w, err := n.draw(draws, seed)
	if err != nil {
		return nil, err
	}
	if n.cfg.Heteroscedastic {
		return n.predictHetero(xs, rows, w), nil
	}
	sc := n.scaler
	p := &Predictive{N: rows, T: w.t, F: make([]float64, w.t*rows), NoiseStd: make([]float64, w.t),
		Mean: make([]float64, rows), Std: make([]float64, rows), EpiStd: make([]float64, rows)}
	var buf [2][]float64
	for k := 0; k < w.t; k++ {
		f := p.F[k*rows : (k+1)*rows]
		w.forward(k, xs, rows, f, &buf)
		for i := range f {
			f[i] = f[i]*sc.YStd + sc.YMean
		}
		p.NoiseStd[k] = sc.YStd / math.Sqrt(w.tau[k])
	}
	var noiseVar float64
	for _, s := range p.NoiseStd {
		noiseVar += s * s / float64(w.t)
	}
	for i := 0; i < rows; i++ {
		var m float64
		for k := 0; k < w.t; k++ {
			m += p.F[k*rows+i]
		}
		m /= float64(w.t)
		var v float64
		for k := 0; k < w.t; k++ {
			d := p.F[k*rows+i] - m
			v += d * d
		}
		v /= float64(w.t)
		p.Mean[i], p.EpiStd[i], p.Std[i] = m, math.Sqrt(v), math.Sqrt(v+noiseVar)
	}
	return p, nil
}

// LogLik returns the predictive log-density of each y[n] by log-mean-exp
// over the draws (not a plug-in of the mean weights):
//
//	log p(yₙ | xₙ, D) ≈ log (1/T) Σₜ N(yₙ; fₜ(xₙ), σₜ²)
func (p *Predictive) LogLik(y []float64) ([]float64, error) {
	if len(y) != p.N {
		return nil, fmt.Errorf("bnn: %d targets for %d predictions", len(y), p.N)
	}
	out := make([]float64, p.N)
	lp := make([]float64, p.T)
	for i, yi := range y {
		for k := 0; k < p.T; k++ {
			s := p.noise(k, i)
			z := (yi - p.F[k*p.N+i]) / s
			lp[k] = -0.5*z*z - math.Log(s) - special.LogSqrt2Pi
		}
		out[i] = special.LogMeanExp(lp)
	}
	return out, nil
}

// RMSE returns the root mean squared error of the predictive mean.
func (p *Predictive) RMSE(y []float64) (float64, error) {
	if len(y) != p.N {
		return 0, fmt.Errorf("bnn: %d targets for %d predictions", len(y), p.N)
	}
	var s float64
	for i, yi := range y {
		d := yi - p.Mean[i]
		s += d * d
	}
	return math.Sqrt(s / float64(p.N)), nil
}

// MeanLogLik returns the average over points of LogLik(y).
func (p *Predictive) MeanLogLik(y []float64) (float64, error) {
	ll, err := p.LogLik(y)
	if err != nil {
		return 0, err
	}
	var s float64
	for _, v := range ll {
		s += v
	}
	return s / float64(len(ll)), nil
}

// CDF returns the predictive distribution function at v for point i:
// (1/T) Σₜ Φ((v − fₜ)/σₜ).
func (p *Predictive) CDF(i int, v float64) float64 {
	var s float64
	for k := 0; k < p.T; k++ {
		s += 0.5 * math.Erfc(-(v-p.F[k*p.N+i])/(p.noise(k, i)*math.Sqrt2))
	}
	return s / float64(p.T)
}

// Quantiles returns, for each level in probs (in (0, 1)), the N quantiles of
// the predictive mixture, found by bisection on CDF to within 1e-9 of the
// spread of the draws.
func (p *Predictive) Quantiles(probs []float64) ([][]float64, error) {
	out := make([][]float64, len(probs))
	for q, pr := range probs {
		if !(pr > 0 && pr < 1) {
			return nil, fmt.Errorf("bnn: quantile level %v outside (0, 1)", pr)
		}
		out[q] = make([]float64, p.N)
	}
	maxS := p.maxNoise()
	for i := 0; i < p.N; i++ {
		lo, hi := math.Inf(1), math.Inf(-1)
		for k := 0; k < p.T; k++ {
			lo = math.Min(lo, p.F[k*p.N+i])
			hi = math.Max(hi, p.F[k*p.N+i])
		}
		lo -= 40 * maxS
		hi += 40 * maxS
		tol := 1e-9 * (hi - lo)
		for q, pr := range probs {
			a, b := lo, hi
			for b-a > tol {
				m := 0.5 * (a + b)
				if p.CDF(i, m) < pr {
					a = m
				} else {
					b = m
				}
			}
			out[q][i] = 0.5 * (a + b)
		}
	}
	return out, nil
}

// Coverage returns the fraction of y inside the central interval of
// probability level (for example 0.95) of the predictive.
func (p *Predictive) Coverage(y []float64, level float64) (float64, error) {
	if len(y) != p.N {
		return 0, fmt.Errorf("bnn: %d targets for %d predictions", len(y), p.N)
	}
	qs, err := p.Quantiles([]float64{(1 - level) / 2, (1 + level) / 2})
	if err != nil {
		return 0, err
	}
	in := 0
	for i, v := range y {
		if v >= qs[0][i] && v <= qs[1][i] {
			in++
		}
	}
	return float64(in) / float64(p.N), nil
}

// ClassPredictive is the posterior predictive of a classifier at N inputs:
// the class probabilities averaged over T draws,
//
//	p(y* = k | x*, D) ≈ (1/T) Σₜ softmax(fₜ(x*))ₖ
type ClassPredictive struct {
	N, K, T int
	Probs   []float64 // N×K mean class probabilities
}

// Memory bounds of PredictClass: the weight values of the draws held at
// once (2²⁴ float64s, 128 MB: 35 draws of the 478,410 weights and biases
// of the 784-400-400-10 network) and
// the rows pushed through one draw at once.
const (
	classDrawValues = 1 << 24
	classRowChunk   = 1000
)

// PredictClass returns the posterior predictive of a classifier at the rows
// of x from draws posterior draws (0 means DefaultDraws), seeded by seed.
// Draw t comes from its own random stream (seed, t), so the draws, and the
// result, do not depend on how many are held at once: memory stays bounded
// (a few draws and 1,000 rows at a time) whatever draws and the rows of x.
func (n *Net) PredictClass(x []float64, draws int, seed uint64) (*ClassPredictive, error) {
	return n.predictClass(x, draws, seed, classRowChunk, 0)
}

// predictClass is PredictClass pushing rowChunk rows at a time through
// drawChunk draws held at once (0: as many as classDrawValues allows).
func (n *Net) predictClass(x []float64, draws int, seed uint64, rowChunk, drawChunk int) (*ClassPredictive, error) {
	if n.cfg.Task != Classification {
		return nil, fmt.Errorf("%w: PredictClass is for classification; use Predict", ErrTask)
	}
	xs, rows, err := n.prepare(x)
	if err != nil {
		return nil, err
	}
	if draws == 0 {
		draws = DefaultDraws
	}
	if draws < 1 || rowChunk < 1 || drawChunk < 0 {
		return nil, fmt.Errorf("bnn: need at least one posterior draw and one row a chunk, got %d and %d", draws, rowChunk)
	}
	if drawChunk == 0 {
		drawChunk = max(1, classDrawValues/n.weightCount())
	}
	k, out := n.cfg.Classes, n.cfg.outputs()
	p := &ClassPredictive{N: rows, K: k, T: draws, Probs: make([]float64, rows*k)}
	f := make([]float64, min(rowChunk, rows)*out)
	var buf [2][]float64
	for t0 := 0; t0 < draws; t0 += drawChunk {
		w, err := n.drawStreams(t0, min(draws, t0+drawChunk), seed)
		if err != nil {
			return nil, err
		}
		for t := 0; t < w.t; t++ {
			for r0 := 0; r0 < rows; r0 += rowChunk {
				r1 := min(rows, r0+rowChunk)
				fr := f[:(r1-r0)*out]
				w.forward(t, xs[r0*n.inputs:r1*n.inputs], r1-r0, fr, &buf)
				addProbs(p.Probs[r0*k:r1*k], fr, k, out, float64(draws))
			}
		}
	}
	return p, nil
}

// addProbs adds the class probabilities of the network outputs f (one row
// of out values per point: a single logit for two classes, else K
// logits), divided by t, to probs (one row of k per point).
func addProbs(probs, f []float64, k, out int, t float64) {
	for i := 0; i < len(f)/out; i++ {
		pr := probs[i*k : (i+1)*k]
		if out == 1 {
			s := special.Sigmoid(f[i])
			pr[0] += (1 - s) / t
			pr[1] += s / t
			continue
		}
		row := f[i*out : (i+1)*out]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, v)
		}
		var z float64
		for _, v := range row {
			z += math.Exp(v - m)
		}
		for j, v := range row {
			pr[j] += math.Exp(v-m) / z / t
		}
	}
}

// weightCount returns the number of weights and biases of the network.
func (n *Net) weightCount() int {
	sizes, c := n.cfg.layerSizes(n.inputs), 0
	for l := 0; l+1 < len(sizes); l++ {
		c += (sizes[l] + 1) * sizes[l+1]
	}
	if n.cfg.skip() {
		c += sizes[0] * sizes[len(sizes)-1]
	}
	return c
}

// drawStreams returns the draws t0…t1−1 of the fitted guide, draw t from
// the random stream (seed, t).
func (n *Net) drawStreams(t0, t1 int, seed uint64) (*weights, error) {
	sizes := n.cfg.layerSizes(n.inputs)
	w := &weights{t: t1 - t0, sizes: sizes, act: n.cfg.Activation}
	w.w, w.b = make([][]float64, len(sizes)-1), make([][]float64, len(sizes)-1)
	for l := range w.w {
		w.w[l] = make([]float64, 0, w.t*sizes[l]*sizes[l+1])
		w.b[l] = make([]float64, 0, w.t*sizes[l+1])
	}
	for t := t0; t < t1; t++ {
		ds, err := n.trainer.Sample(n.state, 1, rand.New(rand.NewPCG(seed, uint64(t))))
		if err != nil {
			return nil, err
		}
		for l := range w.w {
			w.w[l] = append(w.w[l], ds[WeightSite(l)]...)
			w.b[l] = append(w.b[l], ds[BiasSite(l)]...)
		}
		if n.cfg.skip() {
			w.skip = append(w.skip, ds[SkipSite]...)
		}
	}
	return w, nil
}

// Labels returns the most probable class of each point.
func (p *ClassPredictive) Labels() []int {
	out := make([]int, p.N)
	for i := range out {
		row := p.Probs[i*p.K : (i+1)*p.K]
		for j, v := range row {
			if v > row[out[i]] {
				out[i] = j
			}
		}
	}
	return out
}

func (p *ClassPredictive) check(y []float64) error {
	if len(y) != p.N {
		return fmt.Errorf("bnn: %d labels for %d predictions", len(y), p.N)
	}
	for i, v := range y {
		if v != math.Trunc(v) || v < 0 || v >= float64(p.K) {
			return fmt.Errorf("bnn: label of row %d is %v, not a class in 0…%d", i, v, p.K-1)
		}
	}
	return nil
}

// Accuracy returns the fraction of points whose most probable class is y.
func (p *ClassPredictive) Accuracy(y []float64) (float64, error) {
	if err := p.check(y); err != nil {
		return 0, err
	}
	ok := 0
	for i, l := range p.Labels() {
		if float64(l) == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(p.N), nil
}

// NLL returns the mean negative log predictive probability of the labels y.
func (p *ClassPredictive) NLL(y []float64) (float64, error) {
	if err := p.check(y); err != nil {
		return 0, err
	}
	var s float64
	for i, v := range y {
		s -= math.Log(p.Probs[i*p.K+int(v)])
	}
	return s / float64(p.N), nil
}

// ECE returns the expected calibration error with bins equal-width bins of
// the confidence (the top class probability):
//
//	ECE = Σ_b (n_b/N) |accuracy_b − confidence_b|
//
// (Guo et al. 2017, with 10 or 15 bins usual).
func (p *ClassPredictive) ECE(y []float64, bins int) (float64, error) {
	if err := p.check(y); err != nil {
		return 0, err
	}
	if bins < 1 {
		return 0, fmt.Errorf("bnn: ECE needs at least one bin, got %d", bins)
	}
	cnt := make([]float64, bins)
	acc := make([]float64, bins)
	conf := make([]float64, bins)
	for i, l := range p.Labels() {
		c := p.Probs[i*p.K+l]
		b := int(c * float64(bins))
		if b >= bins {
			b = bins - 1
		}
		cnt[b]++
		conf[b] += c
		if float64(l) == y[i] {
			acc[b]++
		}
	}
	var e float64
	for b := range cnt {
		if cnt[b] > 0 {
			e += math.Abs(acc[b]-conf[b]) / float64(p.N)
		}
	}
	return e, nil
}
