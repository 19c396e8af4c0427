package svi_test

import (
	"math/rand/v2"
	"testing"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// TestStepAllocations: refilling the noise and the Adam update allocate
// nothing, and a whole step allocates the same number of times early and
// late in a fit (bounded, independent of the steps taken). The model is a
// Normal–Normal with a 50-element site and the mean-field guide.
func TestStepAllocations(t *testing.T) {
	model := svi.ModelFunc(func(m *svi.M) error {
		mu := m.Sample("mu", dist.Normal{Loc: m.Const(0), Scale: m.Const(2)}, 50)
		m.Observe("y", dist.Normal{Loc: mu, Scale: m.Const(1)}, m.Const(0.5))
		return m.Err()
	})
	opt := svi.Adam{LearnRate: 0.01}
	tr, err := svi.New(model, guides.MeanField{}, svi.Config{Particles: 4, Estimator: svi.EntropyELBO, Optimizer: opt})
	if err != nil {
		t.Fatal(err)
	}
	st, err := tr.Init(1)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	if a := testing.AllocsPerRun(100, func() { svi.FillNoise(tr, r) }); a != 0 {
		t.Errorf("noise refill: %v allocations, want 0", a)
	}
	g := st.Params.Clone()
	if a := testing.AllocsPerRun(100, func() { _ = opt.Update(st.Opt, st.Params, g) }); a != 0 {
		t.Errorf("Adam update: %v allocations, want 0", a)
	}
	step := func() {
		if _, err := tr.Step(st, nil); err != nil {
			t.Fatal(err)
		}
	}
	early := testing.AllocsPerRun(50, step)
	for range 3000 {
		step()
	}
	late := testing.AllocsPerRun(50, step)
	t.Logf("allocations per step: %.1f after %d steps, %.1f after %d", early, 51, late, st.Iter)
	if late > early+1 {
		t.Errorf("allocations per step grew from %.1f to %.1f", early, late)
	}
}
