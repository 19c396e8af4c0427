package vae

import (
	"context"
	"fmt"
	"math"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/svi"
)

// Defaults of the zero LocalSettings fields.
const (
	DefaultLocalSteps     = 2000
	DefaultLocalLearnRate = 1e-2
	DefaultGapDraws       = 100
)

// LocalSettings control [Net.RefineLocal]. The zero value is valid.
type LocalSettings struct {
	Steps     int     // Adam steps; 0 means DefaultLocalSteps
	LearnRate float64 // 0 means DefaultLocalLearnRate
	Particles int     // draws per step; 0 means 1
	Seed      uint64  // seeds the noise of the fit
	// Draws is the number of samples per datum with which
	// [Net.AmortizationGap] evaluates both ELBOs; 0 means DefaultGapDraws.
	Draws int
}

// RefineLocal fits, with the decoder held fixed, a separate mean-field
// Gaussian q_n(z_n) = N(μ_n, diag σ_n²) for each of rows data in x: the
// non-amortized family, with 2L free parameters per datum. It starts from
// the encoder's output (its means, and its marginal standard deviations)
// and maximizes Σ_n ELBO_n with Adam and the closed-form KL estimator
// (guides.MeanField over the latents of a model whose decoder weights are
// fed as data), averaging the iterates of the second half of the run. It
// returns the fitted q and the loss (−Σ_n ELBO_n estimate) of every step.
func (n *Net) RefineLocal(ctx context.Context, x []float64, rows int, s LocalSettings) (guides.Encoding, []float64, error) {
	if s.Steps == 0 {
		s.Steps = DefaultLocalSteps
	}
	if s.LearnRate == 0 {
		s.LearnRate = DefaultLocalLearnRate
	}
	if s.Steps < 0 || !(s.LearnRate > 0) || s.Particles < 0 {
		return guides.Encoding{}, nil, fmt.Errorf("vae: RefineLocal: bad settings %+v", s)
	}
	enc, err := n.Encode(x, rows)
	if err != nil {
		return guides.Encoding{}, nil, err
	}
	md := &Model{cfg: n.cfg, batch: rows, n: rows, fixed: true}
	tr, err := svi.New(md, guides.MeanField{}, svi.Config{Particles: s.Particles, Estimator: svi.KLELBO,
		Optimizer: svi.Adam{LearnRate: s.LearnRate}})
	if err != nil {
		return guides.Encoding{}, nil, fmt.Errorf("vae: RefineLocal: %w", err)
	}
	st, err := tr.Init(s.Seed)
	if err != nil {
		return guides.Encoding{}, nil, err
	}
	loc, _ := st.Params.Get("guides/" + LatentSite + "/loc")
	rho, _ := st.Params.Get("guides/" + LatentSite + "/rho")
	copy(loc, enc.Loc)
	L := n.cfg.Latent
	P := L * (L - 1) / 2
	for i := range rho {
		v := enc.Scale[i] * enc.Scale[i]
		if enc.Tril != nil { // the marginal variance is the row's squared norm
			row, col := i/L, i%L
			p := col * (col - 1) / 2
			for j := 0; j < col; j++ {
				t := enc.Tril[row*P+p+j]
				v += t * t
			}
		}
		rho[i] = special.InverseSoftplus(math.Sqrt(v))
	}
	b := svi.Batch{DataName: x}
	for k, l := range n.dec {
		b[WeightSite(k)] = l.w
		b[BiasSite(k)] = l.b
	}
	if n.cfg.Likelihood == Gaussian && n.cfg.NoiseScale == 0 {
		b[NoiseSite] = []float64{special.InverseSoftplus(n.noise)}
	}
	if err := tr.Feed(b); err != nil {
		return guides.Encoding{}, nil, fmt.Errorf("vae: RefineLocal: %w", err)
	}
	if _, err := svi.Run(ctx, tr, st, nil, &svi.Settings{Steps: s.Steps, Average: true}); err != nil {
		return guides.Encoding{}, st.Trace, fmt.Errorf("vae: RefineLocal: %w", err)
	}
	out := guides.Encoding{Rows: rows, Dim: L, Loc: make([]float64, rows*L), Scale: make([]float64, rows*L)}
	copy(out.Loc, loc)
	for i, v := range rho {
		out.Scale[i] = special.Softplus(v)
	}
	return out, st.Trace, nil
}

// Gap is the amortization gap of Cremer, Li & Duvenaud (2018) on a data
// set, in nats per datum: how much ELBO the encoder gives away compared
// with the best per-datum q of the same (mean-field) family.
type Gap struct {
	Rows      int     `json:"rows"`
	Amortized float64 `json:"amortized_elbo"` // mean ELBO with the encoder's q(z | x)
	Local     float64 `json:"local_elbo"`     // mean ELBO with per-datum q fitted by RefineLocal
	// Gap is Local − Amortized; fitting q_n only approximately makes it a
	// lower estimate of the true gap.
	Gap       float64 `json:"gap"`
	GapStdErr float64 `json:"gap_stderr"` // standard error over data
	// IWAE and LocalIWAE are the importance-weighted bounds L_K with
	// K = Draws and the encoder's or the refitted q as proposal: estimates
	// of log p(x) from below. LocalIWAE − Local estimates the
	// approximation gap log p(x) − ELBO(q*) of Cremer et al., from below.
	// With a poor encoder, IWAE can fall below Local: the refitted q is
	// then the better proposal.
	IWAE      float64 `json:"iwae"`
	LocalIWAE float64 `json:"local_iwae"`
	Steps     int     `json:"steps"`
	Draws     int     `json:"draws"`
}

// AmortizationGap refits per-datum q on x with [Net.RefineLocal] and
// compares the mean ELBOs of the encoder's and the refitted q, both
// estimated with s.Draws samples per datum from the same noise.
func (n *Net) AmortizationGap(ctx context.Context, x []float64, rows int, s LocalSettings) (*Gap, error) {
	draws := s.Draws
	if draws == 0 {
		draws = DefaultGapDraws
	}
	local, _, err := n.RefineLocal(ctx, x, rows, s)
	if err != nil {
		return nil, err
	}
	seed := s.Seed + 0x9e3779b97f4a7c15
	am, err := n.Evaluate(x, rows, []int{draws}, seed)
	if err != nil {
		return nil, err
	}
	lo, err := n.EvaluateWith(x, rows, local, []int{draws}, seed)
	if err != nil {
		return nil, err
	}
	d := make([]float64, rows)
	for i := range d {
		d[i] = lo.RowELBO[i] - am.RowELBO[i]
	}
	g := &Gap{Rows: rows, Amortized: am.ELBO, Local: lo.ELBO, IWAE: am.IWAE[0].Mean, LocalIWAE: lo.IWAE[0].Mean, Steps: s.Steps, Draws: draws}
	if g.Steps == 0 {
		g.Steps = DefaultLocalSteps
	}
	g.Gap, g.GapStdErr = meanStdErr(d)
	return g, nil
}
