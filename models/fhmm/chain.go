package fhmm

import (
	"fmt"
	"math"
)

// chainFB holds the work tables of the scaled forward–backward recursions
// of one L-state chain over T steps.
type chainFB struct {
	alpha [][]float64 // α̂_t, T rows of L
	h     [][]float64 // exp(log h_t − max_l log h_t), T rows of L
	shift []float64   // max_l log h_t
	c     []float64   // scale factors c_t
	beta  []float64   // β̂_t (L)
	next  []float64   // β̂_{t−1} under construction (L)
	u     []float64   // h̃_{t+1} ⊙ β̂_{t+1} / c_{t+1} (L)
}

func newChainFB(t, l int) *chainFB {
	w := &chainFB{shift: make([]float64, t), c: make([]float64, t),
		beta: make([]float64, l), next: make([]float64, l), u: make([]float64, l)}
	w.alpha, w.h = make([][]float64, t), make([][]float64, t)
	for i := range w.alpha {
		w.alpha[i], w.h[i] = make([]float64, l), make([]float64, l)
	}
	return w
}

// run computes, for the chain q(s) ∝ π(s₁) Π_t P(s_{t−1}, s_t) Π_t
// h_t(s_t) with log-potentials logH (T rows of L), the smoothed marginals
// gamma (T rows of L, written), the expected transition counts xi[i][j] =
// Σ_t q(s_t = i, s_{t+1} = j) (L×L, overwritten) and returns log Z =
// log Σ_s π(s₁) Π P Π h. It fails with [ErrUnderflow] if a forward step
// has no state of positive weight.
//
// The recursions are Rabiner's scaled ones, α̂_t = (α̂_{t−1}P ⊙ h̃_t)/c_t and
// β̂_t = P(h̃_{t+1} ⊙ β̂_{t+1})/c_{t+1}, with h̃_t = h_t/max_l h_t, so that
// log Z = Σ_t (log c_t + max_l log h_t), γ_t = α̂_t ⊙ β̂_t and ξ_t(i, j) =
// α̂_t(i) P_ij h̃_{t+1}(j) β̂_{t+1}(j)/c_{t+1}.
func (w *chainFB) run(pi []float64, p [][]float64, logH, gamma, xi [][]float64) (float64, error) {
	if err := w.forward(pi, p, logH); err != nil {
		return 0, err
	}
	var logZ float64
	for t, c := range w.c {
		logZ += math.Log(c) + w.shift[t]
	}
	last := len(logH) - 1
	for i := range w.beta {
		w.beta[i] = 1
	}
	copy(gamma[last], w.alpha[last])
	for _, row := range xi {
		clear(row)
	}
	for t := last - 1; t >= 0; t-- {
		for j, b := range w.beta {
			w.u[j] = w.h[t+1][j] * b / w.c[t+1]
		}
		a := w.alpha[t]
		for i, row := range p {
			var s float64
			for j, pij := range row {
				pu := pij * w.u[j]
				s += pu
				xi[i][j] += a[i] * pu
			}
			w.next[i] = s
		}
		w.beta, w.next = w.next, w.beta
		for i, b := range w.beta {
			gamma[t][i] = a[i] * b
		}
	}
	return logZ, nil
}

// forward fills alpha, h, shift and c.
func (w *chainFB) forward(pi []float64, p [][]float64, logH [][]float64) error {
	for t, lh := range logH {
		mx := math.Inf(-1)
		for _, v := range lh {
			mx = math.Max(mx, v)
		}
		w.shift[t] = mx
		for j, v := range lh {
			w.h[t][j] = math.Exp(v - mx)
		}
		a := w.alpha[t]
		if t == 0 {
			for j, pj := range pi {
				a[j] = pj * w.h[t][j]
			}
		} else {
			prev := w.alpha[t-1]
			clear(a)
			for i, row := range p {
				if prev[i] == 0 {
					continue
				}
				axpy(a, prev[i], row)
			}
			for j := range a {
				a[j] *= w.h[t][j]
			}
		}
		var c float64
		for _, v := range a {
			c += v
		}
		if !(c > 0) || math.IsInf(c, 1) || math.IsInf(mx, 0) {
			return fmt.Errorf("%w at t = %d (scale factor %v, largest log-potential %v)", ErrUnderflow, t, c, mx)
		}
		w.c[t] = c
		for j := range a {
			a[j] /= c
		}
	}
	return nil
}
