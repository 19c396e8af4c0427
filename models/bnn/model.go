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
// with Settings.Estimator "kl" or "dvi" builds them as dist.Normal instead.
type Model struct {
	cfg    Config
	inputs int
	batch  int
	n      int
	// klPrior declares the weight priors as dist.Normal, which the
	// closed-form KL estimator (svi.KLELBO) needs, instead of the fused
	// normal log-density.
	klPrior bool
	// dvi replaces the sampled likelihood by its expectation under the
	// mean-field guide in closed form (dviLogLik; Settings.Estimator "dvi").
	dvi bool
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

// layer holds the latent values of one layer's weights and biases.
type layer struct{ w, b *G.Node }

// Build declares the sites, the data and the likelihood on m.
func (md *Model) Build(m *svi.M) error {
	layers, skip, tau, err := md.declare(m)
	if err != nil {
		return err
	}
	x := m.Data("x", md.batch, md.inputs)
	y := m.Data("y", md.batch)
	if err := m.Err(); err != nil {
		return err
	}
	if S := m.Particles(); S > 0 {
		return md.buildVectorized(m, layers, skip, tau, x, y)
	}
	if md.dvi && !m.Tracing() {
		ll, err := md.dviLogLik(m, x, y)
		if err != nil {
			return m.Fail(err)
		}
		md.factor(m, ll)
		return m.Err()
	}
	h := x
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
	if skip != nil {
		// f(x) = MLP(x) + x·β, one draw of β shared by the minibatch (also
		// with the local reparameterization of the layers).
		if h, err = md.addSkip(m, h, x, skip, false); err != nil {
			return m.Fail(err)
		}
	}
	var ll *G.Node
	if md.cfg.Heteroscedastic {
		ll, err = heteroLogLik(m, h, y)
	} else if md.cfg.Task == Regression {
		ll, err = ops.GaussianLogLik(h, y, tau)
	} else {
		ll, err = ops.LogitLogLik(h, y)
	}
	if err != nil {
		return m.Fail(err)
	}
	md.factor(m, ll)
	return m.Err()
}

// factor adds the likelihood term ll of the minibatch, scaled by N/B.
func (md *Model) factor(m *svi.M, ll *G.Node) {
	if md.n != md.batch {
		m.Scale(float64(md.n) / float64(md.batch))
	}
	m.Factor("y", ll)
}

// declare declares the latent sites: each layer's weights and biases under
// their priors, the skip path's weights β when the network has one (nil
// otherwise), and for regression the noise precision τ (nil otherwise).
func (md *Model) declare(m *svi.M) ([]layer, *G.Node, *G.Node, error) {
	sizes := md.cfg.layerSizes(md.inputs)
	groups := md.cfg.priorGroups(md.inputs)
	layers := make([]layer, len(sizes)-1)
	var skip *G.Node
	for _, gr := range groups {
		p, err := md.prior(m, gr)
		if err != nil {
			return nil, nil, nil, err
		}
		if l := gr.layer; l == SkipLayer {
			skip = m.Sample(SkipSite, p, md.inputs, sizes[len(sizes)-1])
		} else {
			layers[l].w = m.Sample(WeightSite(l), p, sizes[l], sizes[l+1])
			layers[l].b = m.Sample(BiasSite(l), p, sizes[l+1])
		}
	}
	var tau *G.Node
	if md.cfg.Task == Regression && !md.cfg.Heteroscedastic {
		tau = m.Sample(NoiseSite, gammaPrior{a: md.cfg.NoiseShape, b: md.cfg.NoiseRate})
	}
	return layers, skip, tau, m.Err()
}

// prior returns the prior of the sites of group gr: N(0, σ²) with σ fixed
// (PriorScale, FanIn), a latent (the Gamma hyperprior on its precision,
// declared here) or fed (EmpiricalBayes).
func (md *Model) prior(m *svi.M, gr priorGroup) (dist.LogProber, error) {
	switch {
	case md.cfg.PriorShape > 0:
		// W_l, b_l ~ N(0, 1/λ_l) with λ_l ~ Gamma(PriorShape, PriorRate).
		lam := m.Sample(PrecisionSite(gr.layer), gammaPrior{a: md.cfg.PriorShape, b: md.cfg.PriorRate})
		if err := m.Err(); err != nil {
			return nil, err
		}
		sd, err := G.Inverse(G.Must(G.Sqrt(lam)))
		if err != nil {
			return nil, m.Fail(fmt.Errorf("bnn: %s prior scale: %w", gr.sites[0], err))
		}
		return dist.Normal{Loc: m.Const(0), Scale: sd}, nil
	case md.cfg.EmpiricalBayes:
		// W_l, b_l ~ N(0, s_l²) with s_l fed before each step (ebFeed).
		sd := m.Data(gr.data)
		if md.klPrior {
			return dist.Normal{Loc: m.Const(0), Scale: sd}, nil
		}
		return ebPrior{sd: sd}, nil
	}
	// The fused prior unless the closed-form KL estimator needs dist.Normal.
	sd := md.cfg.priorScale(gr.fanIn)
	if md.klPrior {
		return dist.Normal{Loc: m.Const(0), Scale: m.Const(sd)}, nil
	}
	return normalPrior{scale: sd}, nil
}

// addSkip returns h + x·β, the output h of the layers ([B, outputs], or
// [S, B, outputs] with vectorized) plus the skip path's term for the
// inputs x ([B, inputs]) and its weights β ([inputs, outputs], or [S,
// inputs, outputs]).
func (md *Model) addSkip(m *svi.M, h, x, beta *G.Node, vectorized bool) (*G.Node, error) {
	if err := m.Err(); err != nil {
		return nil, err
	}
	out := beta.Shape()[len(beta.Shape())-1]
	var lin *G.Node
	var err error
	if vectorized {
		S := beta.Shape()[0]
		lin, err = ops.DenseN(x, beta, m.Array(make([]float64, S*out), S, out), Identity)
	} else {
		lin, err = ops.Dense(x, beta, m.Array(make([]float64, out), out), Identity)
	}
	if err != nil {
		return nil, fmt.Errorf("bnn: skip path: %w", err)
	}
	sum, err := G.Add(h, lin)
	if err != nil {
		return nil, fmt.Errorf("bnn: skip path: %w", err)
	}
	return sum, nil
}

// buildVectorized is Build for svi.Config.Vectorize: every latent has a
// leading axis of S particles.
func (md *Model) buildVectorized(m *svi.M, layers []layer, skip, tau, x, y *G.Node) error {
	if !md.Vectorizes() {
		return m.Fail(fmt.Errorf("bnn: svi.Config.Vectorize supports regression without the local reparameterization or dvi"))
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
	if skip != nil {
		var err error
		if h, err = md.addSkip(m, h, x, skip, true); err != nil {
			return m.Fail(err)
		}
	}
	ll, err := ops.GaussianLogLikN(h, y, tau)
	if err != nil {
		return m.Fail(err)
	}
	md.factor(m, ll)
	return m.Err()
}

// localLayer is layer l by the local reparameterization: its pre-activations
// are drawn from N(h·M + m_b, h²·Σ + σ_b²) with the guide's means M, m_b and
// variances Σ, σ_b² of the layer's weights and biases.
func (md *Model) localLayer(m *svi.M, l int, h *G.Node, act Activation) (*G.Node, error) {
	loc, vr, err := normalMarginals(m, l, "the local reparameterization")
	if err != nil {
		return nil, err
	}
	out := loc[0].Shape()[1]
	eps := m.StdNormal(fmt.Sprintf("layer%d/local", l), h.Shape()[0], out)
	if err := m.Err(); err != nil {
		return nil, err
	}
	return ops.LocalDense(h, loc[0], vr[0], loc[1], vr[1], eps, act)
}

// normalMarginals returns the means and variances of the guide's Normal
// marginals of layer l's weights and biases (in that order); what names
// the method that needs them, for the error without a mean-field guide.
func normalMarginals(m *svi.M, l int, what string) (loc, vr [2]*G.Node, err error) {
	for i, name := range []string{WeightSite(l), BiasSite(l)} {
		q, ok := m.Marginal(name).(dist.Normal)
		if !ok {
			return loc, vr, fmt.Errorf("bnn: %s needs the mean-field guide's Normal marginal of site %q, got %T", what, name, m.Marginal(name))
		}
		sq, err := G.Square(q.Scale)
		if err != nil {
			return loc, vr, fmt.Errorf("bnn: site %q: %w", name, err)
		}
		loc[i], vr[i] = q.Loc, sq
	}
	return loc, vr, nil
}

// Vectorizes reports whether Build handles svi.Config.Vectorize in this
// configuration: regression without the local reparameterization or dvi.
func (md *Model) Vectorizes() bool {
	return md.cfg.Task == Regression && !md.cfg.LocalReparam && !md.dvi && !md.cfg.Heteroscedastic
}
