package vae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// Names of the model's sites and data.
const (
	LatentSite = "z"               // the local latents, [B, L]
	NoiseSite  = "decoder/noise"   // ρ of the learned Gaussian scale s = special.Softplus(ρ)
	DataName   = "x"               // the minibatch, [B, D]
	decoderPre = "decoder/"        // prefix of the decoder's sites
	paramPre   = "guides/decoder/" // prefix of their (point-mass) parameters
)

// WeightSite and BiasSite name the sites of decoder layer k.
func WeightSite(k int) string { return decoderPre + "w" + strconv.Itoa(k) }

// BiasSite names the bias site of decoder layer k.
func BiasSite(k int) string { return decoderPre + "b" + strconv.Itoa(k) }

// Model is the VAE as an svi model for minibatches of B rows out of N:
//
//	θ                                   decoder weights: global sites, flat prior
//	z_n ~ N(0, I_L)                     site "z", [B, L], scaled by N/B
//	x_n | z_n ~ p(x_n | f_θ(z_n))       data "x", [B, D], scaled by N/B
//
// The decoder f_θ is an MLP (widths L, reversed hidden…, D); its weights
// are sites with an improper flat prior, fitted by a point-mass guide
// (guides.Delta), so that maximizing the ELBO over them is maximum
// likelihood, as in Kingma & Welling (2014). The log-joint carries no term
// for θ. With the minibatch scale on z and x the loss is an unbiased
// estimate of the full-data −ELBO = −Σ_n ELBO_n.
type Model struct {
	cfg      Config
	batch, n int
	// fixed feeds the decoder's weights as data (under the site names)
	// instead of declaring them as sites, to refit per-datum q with the
	// decoder held fixed.
	fixed bool
}

var _ svi.Model = (*Model)(nil)

// NewModel returns the model of cfg for minibatches of batch rows out of a
// training set of n rows.
func NewModel(cfg Config, batch, n int) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if batch < 1 || n < batch {
		return nil, fmt.Errorf("vae: batch size %d must lie in [1, N = %d]", batch, n)
	}
	return &Model{cfg: cfg.withDefaults(), batch: batch, n: n}, nil
}

// Config returns the model's configuration with defaults filled in.
func (md *Model) Config() Config { return md.cfg }

// Batch returns the minibatch size B.
func (md *Model) Batch() int { return md.batch }

// flat is the improper uniform prior on ℝⁿ: it adds nothing to the
// log-joint.
type flat struct{}

func (flat) LogProb(x *G.Node) (*G.Node, error) { return graph.Scalar(x.Graph(), 0), nil }

// Build declares the decoder's sites, the local latents and the data, and
// adds the likelihood.
func (md *Model) Build(m *svi.M) error {
	sizes := md.cfg.decoderSizes()
	ws := make([]*G.Node, len(sizes)-1)
	bs := make([]*G.Node, len(sizes)-1)
	for k := range ws {
		if md.fixed {
			ws[k] = m.Data(WeightSite(k), sizes[k], sizes[k+1])
			bs[k] = m.Data(BiasSite(k), sizes[k+1])
		} else {
			ws[k] = m.Sample(WeightSite(k), flat{}, sizes[k], sizes[k+1])
			bs[k] = m.Sample(BiasSite(k), flat{}, sizes[k+1])
		}
	}
	var noise *G.Node
	if md.cfg.Likelihood == Gaussian {
		switch {
		case md.cfg.NoiseScale > 0:
			noise = m.Const(md.cfg.NoiseScale)
		case md.fixed:
			noise = m.Data(NoiseSite)
		default:
			noise = m.Sample(NoiseSite, flat{})
		}
	}
	if md.n != md.batch {
		m.Scale(float64(md.n) / float64(md.batch))
	}
	z := m.Sample(LatentSite, dist.Normal{Loc: m.Const(0), Scale: m.Const(1)}, md.batch, md.cfg.Latent)
	x := m.Data(DataName, md.batch, md.cfg.Dim)
	if err := m.Err(); err != nil {
		return err
	}
	h := z
	for k := range ws {
		act := md.cfg.Activation
		if k == len(ws)-1 {
			act = ops.Identity
		}
		var err error
		if h, err = ops.Dense(h, ws[k], bs[k], act); err != nil {
			return m.Fail(fmt.Errorf("vae: decoder layer %d: %w", k, err))
		}
	}
	if md.cfg.Likelihood == Bernoulli {
		ll, err := ops.BernoulliLogLik(h, x)
		if err != nil {
			return m.Fail(err)
		}
		m.Factor(DataName, ll)
		return m.Err()
	}
	b := graph.New(m.Graph())
	if md.cfg.NoiseScale == 0 {
		noise = b.Softplus(noise)
	}
	if err := b.Err(); err != nil {
		return m.Fail(fmt.Errorf("vae: decoder: %w", err))
	}
	m.Observe(DataName, dist.Normal{Loc: h, Scale: noise}, x)
	return m.Err()
}

// VAE is a model with its guide: the encoder (guides.Amortized) over the
// latents joined with point masses (guides.Delta) over the decoder's
// weights.
type VAE struct {
	cfg   Config
	model *Model
	enc   guides.Amortized
	guide guides.Joined
}

// New returns the VAE of cfg for minibatches of batch rows out of n. The
// decoder's weights start Glorot-uniform from a source seeded by seed (and
// its biases at zero); the encoder's start from the svi state's source (see
// svi.Trainer.Init).
func New(cfg Config, batch, n int, seed uint64) (*VAE, error) {
	md, err := NewModel(cfg, batch, n)
	if err != nil {
		return nil, err
	}
	cfg = md.cfg
	init := map[string][]float64{}
	r := rand.New(svi.NewRNG(seed))
	sizes := cfg.decoderSizes()
	var decSites []string
	for k := 0; k+1 < len(sizes); k++ {
		in, out := sizes[k], sizes[k+1]
		a := math.Sqrt(6 / float64(in+out))
		w := make([]float64, in*out)
		for i := range w {
			w[i] = a * (2*r.Float64() - 1)
		}
		init[WeightSite(k)] = w
		init[BiasSite(k)] = make([]float64, out)
		decSites = append(decSites, WeightSite(k), BiasSite(k))
	}
	if cfg.Likelihood == Gaussian && cfg.NoiseScale == 0 {
		init[NoiseSite] = []float64{special.InverseSoftplus(cfg.InitNoise)}
		decSites = append(decSites, NoiseSite)
	}
	enc := cfg.encoder()
	j, err := guides.Join(
		guides.Part{Guide: enc, Sites: []string{LatentSite}},
		guides.Part{Guide: guides.Delta{InitLoc: init}, Sites: decSites})
	if err != nil {
		return nil, err
	}
	return &VAE{cfg: cfg, model: md, enc: enc, guide: j}, nil
}

// Config returns the configuration with defaults filled in.
func (v *VAE) Config() Config { return v.cfg }

// Model returns the svi model.
func (v *VAE) Model() *Model { return v.model }

// Guide returns the svi guide.
func (v *VAE) Guide() svi.Guide { return v.guide }

// Encoder returns the amortized guide of the latents.
func (v *VAE) Encoder() guides.Amortized { return v.enc }
