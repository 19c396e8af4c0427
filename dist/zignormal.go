package dist

import (
	"math/rand/v2"
	"sync"
)

// NormalFiller fills slices with N(0, 1) draws from a PCG source, the same
// values, to the bit, that rand.New(pcg).NormFloat64 gives one at a time,
// in less time: it runs math/rand/v2's ziggurat (Marsaglia & Tsang 2000)
// on the concrete source, without an interface call per draw, and hands
// the rare draw outside the ziggurat's rectangles (under 1 % of them) to
// NormFloat64 itself, replaying the source's value it has taken. The
// ziggurat's tables are read from NormFloat64 once (it does not export
// them), and the result is checked against NormFloat64 on 100,000 draws;
// should a Go release change the method, FillStdNormalPCG draws through
// NormFloat64 instead (ZigguratMatches reports which). The zero value is
// ready to use; a NormalFiller is not safe for concurrent use and must
// not be copied after its first Fill (it keeps a pointer to itself).
type NormalFiller struct {
	src replaySource
	r   *rand.Rand
}

// replaySource returns u once when pending, then pcg's values.
type replaySource struct {
	u       uint64
	pending bool
	pcg     *rand.PCG
}

func (s *replaySource) Uint64() uint64 {
	if s.pending {
		s.pending = false
		return s.u
	}
	return s.pcg.Uint64()
}

// Fill sets each dst[i] to the next N(0, 1) draw from pcg.
func (f *NormalFiller) Fill(dst []float64, pcg *rand.PCG) {
	if f.r == nil {
		f.r = rand.New(&f.src)
	}
	f.src.pcg, f.src.pending = pcg, false
	zigOnce.Do(func() { zig = readZiggurat() })
	if !zig.ok {
		for i := range dst {
			dst[i] = f.r.NormFloat64()
		}
		return
	}
	kn, wn := &zig.kn, &zig.wn
	for i := range dst {
		u := pcg.Uint64()
		j := int32(u)
		k := u >> 32 & 0x7F
		a := uint32(j)
		if j < 0 {
			a = uint32(-j)
		}
		if a < kn[k] {
			dst[i] = float64(j) * wn[k]
			continue
		}
		f.src.u, f.src.pending = u, true
		dst[i] = f.r.NormFloat64()
	}
}

// ZigguratMatches reports whether NormalFiller runs its own ziggurat (the
// tables read from math/rand/v2 reproduced NormFloat64's draws) rather
// than calling NormFloat64 for every draw.
func ZigguratMatches() bool {
	zigOnce.Do(func() { zig = readZiggurat() })
	return zig.ok
}

// zig holds the ziggurat's tables, read at the first use: draw u gives
// j = int32(u) and strip k = u>>32 & 127, and NormFloat64 returns j·wn[k]
// when |j| < kn[k].
var (
	zig     zigTables
	zigOnce sync.Once
)

type zigTables struct {
	ok bool
	kn [128]uint32
	wn [128]float64
}

// probeSource returns first, then a fixed PCG's values, counting calls.
type probeSource struct {
	first uint64
	calls int
	pcg   rand.PCG
}

func (s *probeSource) Uint64() uint64 {
	s.calls++
	if s.calls == 1 {
		return s.first
	}
	return s.pcg.Uint64()
}

// probe draws NormFloat64 with the first source value u and reports the
// draw and whether it took no other value (u's rectangle held it).
func probe(u uint64) (float64, bool) {
	s := &probeSource{first: u}
	s.pcg.Seed(1, 2)
	x := rand.New(s).NormFloat64()
	return x, s.calls == 1
}

// readZiggurat finds kn[k] as the least |j| that leaves strip k's
// rectangle (a binary search over j ≥ 0) and wn[k] as the draw at j = 1,
// then checks the tables on 100,000 draws.
func readZiggurat() (z zigTables) {
	for k := range uint64(128) {
		lo, hi := uint64(0), uint64(1)<<31 // the first j outside is in (lo, hi]
		if _, in := probe(k<<32 | hi); in {
			z.kn[k] = 1<<31 + 1 // every j is inside, MinInt32's |j| = 2³¹ too
		} else {
			if _, in := probe(k << 32); !in {
				z.kn[k] = 0
			} else {
				for hi-lo > 1 {
					mid := (lo + hi) / 2
					if _, in := probe(k<<32 | mid); in {
						lo = mid
					} else {
						hi = mid
					}
				}
				z.kn[k] = uint32(hi)
			}
		}
		if z.kn[k] > 1 {
			z.wn[k], _ = probe(k<<32 | 1)
		}
	}
	a, b := rand.NewPCG(3, 4), rand.NewPCG(3, 4)
	r := rand.New(&replaySource{pcg: a})
	check := rand.New(b)
	for range 100000 {
		u := a.Uint64()
		j, k := int32(u), u>>32&0x7F
		a32 := uint32(j)
		if j < 0 {
			a32 = uint32(-j)
		}
		var x float64
		if a32 < z.kn[k] {
			x = float64(j) * z.wn[k]
		} else {
			r = rand.New(&replaySource{u: u, pending: true, pcg: a})
			x = r.NormFloat64()
		}
		if x != check.NormFloat64() {
			return z
		}
	}
	z.ok = true
	return z
}
