package svi

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAdamStepBound checks the claim that lets Trainer.Step skip its
// backup (Adam.finiteStep): along gradient streams built to stress it —
// bursts near 1e149 after long quiet spells, exact zeros, 1e-300, sign
// flips — every Adam state satisfies m² ≤ C·v with C = momentBound(), and
// every parameter moves by at most √C/(1−β₁) learning rates per step. Both
// are measured on the host from the values, not taken from the code's
// formula. Also: a crafted state violating the bound is not vouched for.
func TestAdamStepBound(t *testing.T) {
	for _, a := range []Adam{{}, {LearnRate: 0.1, Beta1: 0.5, Beta2: 0.9}, {Beta1: 0.99, Beta2: 0.9999}} {
		a = a.withDefaults()
		c := a.momentBound()
		require.Positive(t, c)
		maxStep := math.Sqrt(c) / (1 - a.Beta1) * a.LearnRate
		p := NewParams()
		const n = 64
		require.NoError(t, p.Add("w", []int{n}, make([]float64, n)))
		g := p.ZerosLike()
		s := a.Init(p)
		r := rand.New(rand.NewPCG(5, 6))
		worstRatio, worstStep := 0.0, 0.0
		for step := 0; step < 3000; step++ {
			gv := g.values[0]
			for j := range gv {
				switch k := (step/100 + j) % 5; {
				case k == 0 && step%100 == 99:
					gv[j] = 1e149 * float64(1-2*(j%2))
				case k == 1:
					gv[j] = 0
				case k == 2:
					gv[j] = 1e-300 * r.NormFloat64()
				default:
					gv[j] = r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10))
				}
			}
			old := append([]float64(nil), p.values[0]...)
			require.True(t, a.finiteStep(s, 1e149*1.01))
			require.NoError(t, a.Update(s, p, g))
			m, v := s.Slots[0].values[0], s.Slots[1].values[0]
			for j := range m {
				if math.Abs(m[j]) >= 1e-150 { // below, g² underflowed (see vouch)
					require.Positive(t, v[j])
					worstRatio = max(worstRatio, m[j]*m[j]/(c*v[j]))
				}
				d := math.Abs(p.values[0][j] - old[j])
				require.False(t, math.IsNaN(d) || math.IsInf(d, 0))
				worstStep = max(worstStep, d/maxStep)
			}
		}
		assert.LessOrEqual(t, worstRatio, 1+1e-9, "m²/(C v) for %+v", a)
		assert.LessOrEqual(t, worstStep, 1+1e-9, "step / bound for %+v", a)
		a.vouch(s)
		assert.True(t, a.finiteStep(s, 1), "a state Adam built is vouched for")
		assert.False(t, a.finiteStep(s, 2e150), "gradients above 1e150 keep the backup")
		s.Slots[0].values[0][3], s.Slots[1].values[0][3] = 1e10, 1 // m with a small v: a huge step
		a.vouch(s)
		assert.False(t, a.finiteStep(s, 1), "a state breaking m² ≤ C v is not vouched for")
	}
	assert.Zero(t, Adam{Beta1: 0.99, Beta2: 0.9}.momentBound(), "β₁² ≥ β₂: no bound")
}

// TestAdamConstantGradient holds Adam.Update to a closed form: under a
// constant gradient g the bias-corrected moments are exactly g and g², so
// each step moves a parameter by lr·g/(|g| + ε) and t steps leave
// p₀ − t·lr·g/(|g| + ε), whatever β₁ and β₂ (an independent truth for
// the vector kernel, internal/vec.Adam, which TestAdam there compares
// only with the scalar formula). Checked over 37 parameters
// (the vector kernel's blocks of 4 and a tail) with gradients from 1e-6
// to 1e3, to 1e-12 relative of the distance moved.
func TestAdamConstantGradient(t *testing.T) {
	for _, a := range []Adam{{LearnRate: 0.01}, {LearnRate: 0.1, Beta1: 0.5, Beta2: 0.9}} {
		a = a.withDefaults()
		const n, steps = 37, 50
		p := NewParams()
		init := make([]float64, n)
		for j := range init {
			init[j] = float64(j) - 18
		}
		require.NoError(t, p.Add("w", []int{n}, append([]float64(nil), init...)))
		g := p.ZerosLike()
		for j := range g.values[0] {
			g.values[0][j] = math.Pow(10, float64(j%10)-6) * float64(1-2*(j%3%2))
		}
		s := a.Init(p)
		for range steps {
			require.NoError(t, a.Update(s, p, g))
		}
		for j, gj := range g.values[0] {
			moved := steps * a.LearnRate * gj / (math.Abs(gj) + a.Eps)
			assert.InDelta(t, init[j]-moved, p.values[0][j], 1e-12*math.Abs(moved), "parameter %d, g = %g, %+v", j, gj, a)
		}
	}
}
