package benchmarks

import (
	"fmt"
	"math"
	"syscall"
	"testing"
	"time"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/datadir"
	"github.com/govi/govi/models/trueskill"
	"github.com/govi/govi/svi"
)

// The TrueSkill benchmarks run on the 4F13 tennis data (107 players, 1,801
// games; GOVI_DATA, skipped when absent), the set the PyTorch peer
// shared/peers/trueskill_svi_torch.py times, with the peer's model: z ~ N(0, 1)
// and P(w beats l) = σ(z_w − z_l) (logistic: σ₀ = β = 1) or Φ(z_w − z_l)
// (probit: σ₀ = 1, β = 1/√2). They are the exception to the synthetic data
// of doc.go: the comparison with the peer needs the same data.
// The commands and the figures are in models/trueskill/REFERENCES.md §11.

func tennis(b *testing.B) *trueskill.Dataset {
	b.Helper()
	ds, err := trueskill.ReadTennis4F13(datadir.Require(b, trueskill.Tennis4F13File))
	if err != nil {
		b.Fatal(err)
	}
	return ds
}

// peerConfig is the peer's model under each link.
func peerConfig(link trueskill.Link) trueskill.Config {
	if link == trueskill.Probit {
		return trueskill.Config{Sigma0: 1, Beta: 1 / math.Sqrt2, Link: link}
	}
	return trueskill.Config{Sigma0: 1, Beta: 1, Link: link}
}

// BenchmarkTrueSkillStep is one SVI step (mean-field guide, closed-form
// entropy, Adam) on the 4F13 data with S = 1 and S = 16 particles, the
// latter as per-particle graph copies (on 1 or 2 workers) and vectorized
// (one kernel for all particles, on 1 or 2 goroutines). It
// reports steps per wall-second and per CPU-second of the process (which
// includes the garbage collector's work on other threads).
func BenchmarkTrueSkillStep(b *testing.B) {
	ds := tennis(b)
	for _, link := range []trueskill.Link{trueskill.Logistic, trueskill.Probit} {
		for _, c := range []struct {
			s, workers int
			vec        bool
		}{{1, 1, false}, {16, 1, false}, {16, 2, false}, {16, 1, true}, {16, 2, true}} {
			s := c.s
			name := fmt.Sprintf("%s/particles=%d", link, s)
			if c.vec {
				name += "/vectorized"
			}
			if c.workers > 1 {
				name += fmt.Sprintf("/workers=%d", c.workers)
			}
			b.Run(name, func(b *testing.B) {
				tr, err := trueSkillTrainer(ds, link, s, c.workers, c.vec, guides.MeanField{})
				if err != nil {
					b.Fatal(err)
				}
				st, err := tr.Init(1)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				cpu0 := cpuTime()
				for b.Loop() {
					if _, err := tr.Step(st, nil); err != nil {
						b.Fatal(err)
					}
				}
				cpu := cpuTime() - cpu0
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "steps/cpu-s")
			})
		}
	}
}

// BenchmarkTrueSkillConverge times a fit to convergence by the peer's rule:
// start at the prior (means 0, standard deviations 1), Adam at 0.01 with
// S = 10, and every 100 steps estimate the ELBO from the same 1,000 draws
// of the guide's noise (common random numbers: the check is a deterministic
// function of the parameters); stop at the first check within 0.1 nats of
// the previous one. Reported: steps, seconds of stepping (excluding the
// checks, as the peer's wall_s_excluding_checks) and in all, and the final
// check's ELBO. Run it with -benchtime 1x: one op is one whole fit.
func BenchmarkTrueSkillConverge(b *testing.B) {
	ds := tennis(b)
	const (
		particles = 10
		every     = 100
		checkN    = 1000
		tol       = 0.1
		maxSteps  = 20000
	)
	for _, link := range []trueskill.Link{trueskill.Logistic, trueskill.Probit} {
		for _, c := range []struct {
			workers int
			vec     bool
			natural bool
		}{{1, false, false}, {1, true, false}, {2, true, false}, {1, true, true}} {
			name := link.String()
			if c.vec {
				name += "/vectorized"
			}
			if c.workers > 1 {
				name += fmt.Sprintf("/workers=%d", c.workers)
			}
			if c.natural {
				name += "/natural"
			}
			b.Run(name, func(b *testing.B) {
				tr, err := trueSkillTrainer(ds, link, particles, c.workers, c.vec, guides.MeanField{InitScale: 1})
				if c.natural {
					// train trueskill -optimizer natural
					tr, err = trueSkillNatural(ds, link, particles)
				}
				if err != nil {
					b.Fatal(err)
				}
				var steps int
				var stepping, stepCPU, total time.Duration
				var elbo float64
				for b.Loop() {
					st, err := tr.Init(1)
					if err != nil {
						b.Fatal(err)
					}
					start := time.Now()
					stepping, stepCPU = 0, 0
					prev := math.NaN()
					for st.Iter < maxSteps {
						t0, c0 := time.Now(), cpuTime()
						for range every {
							if _, err := tr.Step(st, nil); err != nil {
								b.Fatal(err)
							}
						}
						stepping += time.Since(t0)
						stepCPU += cpuTime() - c0
						lw, err := tr.LogWeights(st, nil, checkN, 7)
						if err != nil {
							b.Fatal(err)
						}
						elbo = mean(lw)
						if math.Abs(elbo-prev) < tol {
							break
						}
						prev = elbo
					}
					total = time.Since(start)
					steps = st.Iter
				}
				b.ReportMetric(float64(steps), "steps")
				b.ReportMetric(stepping.Seconds(), "s-stepping")
				b.ReportMetric(stepCPU.Seconds(), "cpu-s-stepping")
				b.ReportMetric(total.Seconds(), "s-total")
				b.ReportMetric(elbo, "elbo")
			})
		}
	}
}

// trueSkillTrainer is the peer's model with the mean-field guide g, Adam at
// 0.01 and S particles: per-particle graph copies on workers graphs, or
// (vec) one vectorized kernel spreading the particles over workers
// goroutines.
func trueSkillTrainer(ds *trueskill.Dataset, link trueskill.Link, S, workers int, vec bool, g guides.MeanField) (*svi.Trainer, error) {
	o := trueskill.Options{}
	cfg := svi.Config{Particles: S, Workers: workers, Vectorize: vec, Estimator: svi.EntropyELBO, Optimizer: svi.Adam{LearnRate: 0.01}}
	if vec {
		o.Workers, cfg.Workers = workers, 1
	}
	m, err := trueskill.NewModel(ds, peerConfig(link), o)
	if err != nil {
		return nil, err
	}
	return svi.New(m, g, cfg)
}

// trueSkillNatural is trueSkillTrainer, vectorized on one goroutine, with
// the natural-gradient optimizer of train trueskill -optimizer natural
// (step 0.1 decaying as 1/(1 + t/100), momentum 0.6) in place of Adam.
func trueSkillNatural(ds *trueskill.Dataset, link trueskill.Link, S int) (*svi.Trainer, error) {
	cfg := svi.Config{Particles: S, Vectorize: true, Estimator: svi.EntropyELBO, Optimizer: guides.NaturalGradient{Step: 0.1, Decay: 100, Momentum: 0.6}}
	m, err := trueskill.NewModel(ds, peerConfig(link), trueskill.Options{})
	if err != nil {
		return nil, err
	}
	return svi.New(m, guides.MeanField{InitScale: 1}, cfg)
}

// cpuTime returns the CPU time (user + system) this process has used. On a
// machine shared with other work, steps per CPU-second are steadier than
// steps per wall-second; the peer reports both (per_cpu_s_median).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
