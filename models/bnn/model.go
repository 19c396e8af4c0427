package bnn

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// Model is the network as an svi model for minibatches of a fixed size: a
// latent site per weight matrix and bias vector ([WeightSite], [BiasSite]),
// the noise precision [NoiseSite] for regression, and the data "x"
// ([Batch, Inputs], row-major, standardized) and "y" ([Batch]: standardized
// targets, or class labels 0…K−1). The likelihood term is scaled by N/Batch
// so that a minibatch gives an unbiased estimate of the full-data ELBO.
//
// The weight priors are fused log-densities rather than dist.Normal values,
// so svi's closed-form KL estimator cannot pair them with the guide; Fit
// with Settings.Estimator "kl" builds them as dist.Normal instead.
type Model struct {
	cfg    Config
	inputs int
	batch  int
	n      int
	// klPrior declares the weight priors as dist.Normal, which the
	// closed-form KL estimator (svi.KLELBO) needs, instead of the fused
	// normal log-density.
	klPrior bool
}

var _ svi.Model = (*Model)(nil)

// NewModel returns the model of cfg for inputs columns, minibatches of batch
// rows and a training set of n rows (batch ≤ n).
func NewModel(cfg Config, inputs, batch, n int) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch {
	case inputs < 1:
		return nil, fmt.Errorf("bnn: need at least one input column, got %d", inputs)
	case batch < 1 || n < 1 || batch > n:
		return nil, fmt.Errorf("bnn: batch size %d must lie in [1, N = %d]", batch, n)
	}
	return &Model{cfg: cfg.withDefaults(), inputs: inputs, batch: batch, n: n}, nil
}

// Config returns the model's configuration, with defaults filled in.
func (md *Model) Config() Config { return md.cfg }

// Build declares the sites, the data and the likelihood on m.
func (md *Model) Build(m *svi.M) error {
	sizes := md.cfg.layerSizes(md.inputs)
	// The fused prior unless the closed-form KL estimator needs dist.Normal.
	prior := func(fanIn int) dist.LogProber {
		sd := md.cfg.priorScale(fanIn)
		if md.klPrior {
			return dist.Normal{Loc: m.Const(0), Scale: m.Const(sd)}
		}
		return normalPrior{scale: sd}
	}
	type layer struct{ w, b *G.Node }
	layers := make([]layer, len(sizes)-1)
	for l := range layers {
		p := prior(sizes[l])
		if md.cfg.PriorShape > 0 {
			// W_l, b_l ~ N(0, 1/λ_l) with λ_l ~ Gamma(PriorShape, PriorRate).
			lam := m.Sample(PrecisionSite(l), gammaPrior{a: md.cfg.PriorShape, b: md.cfg.PriorRate})
			if err := m.Err(); err != nil {
				return err
			}
			sd, err := G.Inverse(G.Must(G.Sqrt(lam)))
			if err != nil {
				return m.Fail(fmt.Errorf("bnn: layer %d prior scale: %w", l, err))
			}
			p = dist.Normal{Loc: m.Const(0), Scale: sd}
		}
		layers[l].w = m.Sample(WeightSite(l), p, sizes[l], sizes[l+1])
		layers[l].b = m.Sample(BiasSite(l), p, sizes[l+1])
	}
	var tau *G.Node
	if md.cfg.Task == Regression {
		tau = m.Sample(NoiseSite, gammaPrior{a: md.cfg.NoiseShape, b: md.cfg.NoiseRate})
	}
	x := m.Data("x", md.batch, md.inputs)
	y := m.Data("y", md.batch)
	if err := m.Err(); err != nil {
		return err
	}
	if S := m.Particles(); S > 0 {
		// svi.Config.Vectorize: every latent has a leading axis of S particles.
		if md.cfg.Task != Regression || md.cfg.LocalReparam {
			return m.Fail(fmt.Errorf("bnn: svi.Config.Vectorize supports regression without the local reparameterization"))
		}
		h := x
		for l, ly := range layers {
			act := md.cfg.Activation
			if l == len(layers)-1 {
				act = Identity
			}
			var err error
			if h, err = ops.DenseN(h, ly.w, ly.b, act); err != nil {
				return m.Fail(fmt.Errorf("bnn: %w", err))
			}
		}
		if md.n != md.batch {
			m.Scale(float64(md.n) / float64(md.batch))
		}
		ll, err := ops.GaussianLogLikN(h, y, tau)
		if err != nil {
			return m.Fail(err)
		}
		m.Factor("y", ll)
		return m.Err()
	}
	h := x
	var err error
	for l, ly := range layers {
		act := md.cfg.Activation
		if l == len(layers)-1 {
			act = Identity
		}
		if md.cfg.LocalReparam && !m.Tracing() {
			h, err = md.localLayer(m, l, h, act)
		} else {
			h, err = ops.Dense(h, ly.w, ly.b, act)
		}
		if err != nil {
			return m.Fail(err)
		}
	}
	if md.n != md.batch {
		m.Scale(float64(md.n) / float64(md.batch))
	}
	var ll *G.Node
	if md.cfg.Task == Regression {
		ll, err = ops.GaussianLogLik(h, y, tau)
	} else {
		ll, err = ops.LogitLogLik(h, y)
	}
	if err != nil {
		return m.Fail(err)
	}
	m.Factor("y", ll)
	return m.Err()
}

// localLayer is layer l by the local reparameterization: its pre-activations
// are drawn from N(h·M + m_b, h²·Σ + σ_b²) with the guide's means M, m_b and
// variances Σ, σ_b² of the layer's weights and biases.
func (md *Model) localLayer(m *svi.M, l int, h *G.Node, act Activation) (*G.Node, error) {
	var loc, vr [2]*G.Node
	for i, name := range []string{WeightSite(l), BiasSite(l)} {
		q, ok := m.Marginal(name).(dist.Normal)
		if !ok {
			return nil, fmt.Errorf("bnn: the local reparameterization needs the mean-field guide's Normal marginal of site %q, got %T", name, m.Marginal(name))
		}
		sq, err := G.Square(q.Scale)
		if err != nil {
			return nil, fmt.Errorf("bnn: site %q: %w", name, err)
		}
		loc[i], vr[i] = q.Loc, sq
	}
	out := loc[0].Shape()[1]
	eps := m.StdNormal(fmt.Sprintf("layer%d/local", l), h.Shape()[0], out)
	if err := m.Err(); err != nil {
		return nil, err
	}
	return ops.LocalDense(h, loc[0], vr[0], loc[1], vr[1], eps, act)
}

// Vectorizes reports whether Build handles svi.Config.Vectorize in this
// configuration: regression without the local reparameterization.
func (md *Model) Vectorizes() bool {
	return md.cfg.Task == Regression && !md.cfg.LocalReparam
}
