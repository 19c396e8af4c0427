package guides

import (
	"fmt"
	"strconv"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/internal/graph"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// AmortizedDiscrete is an encoder guide for local discrete sites: a
// multilayer perceptron maps each row x_n of a data array to the logits of
// q(z_n | x_n), Bernoulli for each element of a Bernoulli site and a
// Categorical over the one-hot rows of a Categorical site. For a site z of
// shape [B, K] and the data array named Input, [B, Dim]:
//
//	h = act(…act(x·W₀ + b₀)…)    the trunk, widths Hidden
//	l = h·W_l + b_l              the logits, [B, K]
//
// It draws as [Discrete] does (relaxed under the concrete estimator). Its
// parameters are "guides/<sites>/enc/{w,b}<k>" for the trunk, as
// [Amortized]'s, and "guides/<site>/logits/{w,b}" for each head; weights
// start Glorot-uniform and biases at zero. Like Amortized it reads the
// minibatch through svi.GuideContext.Data, so it needs no per-datum
// parameters and works on minibatches of new rows.
type AmortizedDiscrete struct {
	Input      string // name of the model's data array, [B, Dim]
	Dim        int    // columns of the data array
	Hidden     []int  // widths of the trunk's hidden layers
	Activation ops.Activation
}

var _ svi.Guide = AmortizedDiscrete{}

// Validate reports a field outside its range.
func (a AmortizedDiscrete) Validate() error {
	return Amortized{Input: a.Input, Dim: a.Dim, Hidden: a.Hidden, Activation: a.Activation}.Validate()
}

// Build declares the encoder and draws every site for each particle.
func (a AmortizedDiscrete) Build(c *svi.GuideContext, sites []svi.Site) (svi.Built, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	rows, widths, err := Amortized{}.checkSites(sites)
	if err != nil {
		return nil, fmt.Errorf("guides: AmortizedDiscrete: %w", err)
	}
	names := make([]string, len(sites))
	for i, s := range sites {
		if !s.Discrete() {
			return nil, fmt.Errorf("guides: AmortizedDiscrete: site %q is continuous: use Amortized for it", s.Name)
		}
		names[i] = s.Name
	}
	x := c.Data(a.Input, rows, a.Dim)
	if err := c.Err(); err != nil {
		return nil, fmt.Errorf("guides: AmortizedDiscrete: %w", err)
	}
	b := graph.New(c.Graph())
	h, in := x, a.Dim
	pre := trunkPrefix(names)
	for k, width := range a.Hidden {
		l := encLayer{name: pre + "%s" + strconv.Itoa(k), in: in, out: width}
		l.declare(c)
		h = encDense(b, h, l.w, l.b, a.Activation)
		in = width
	}
	S := c.Particles()
	out := &discBuilt{drawn: newDrawn(S, true), b: b, q: map[string]dist.LogProber{}, sites: sites}
	for i, site := range sites {
		head := encLayer{name: "guides/" + site.Name + "/logits/%s", in: in, out: widths[i]}
		head.declare(c)
		logits := encDense(b, h, head.w, head.b, ops.Identity)
		if err := firstErr(b.Err(), out.add(c, site, logits)); err != nil {
			return nil, fmt.Errorf("guides: AmortizedDiscrete: %w", err)
		}
	}
	if err := b.Err(); err != nil {
		return nil, fmt.Errorf("guides: AmortizedDiscrete: %w", err)
	}
	return out, c.Err()
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// Logits evaluates the encoder with parameters p on rows×Dim values x
// (row-major) and returns the logits of q(z_n | x_n) of each named site
// (rows × the site's width), for reports: q(z_nk = 1) = σ(logit) for a
// Bernoulli site.
func (a AmortizedDiscrete) Logits(p *svi.Params, sites []string, x []float64, rows int) (map[string][]float64, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if rows < 1 || len(x) != rows*a.Dim {
		return nil, fmt.Errorf("guides: AmortizedDiscrete.Logits: %d values for %d rows of %d", len(x), rows, a.Dim)
	}
	apply := func(h []float64, name string, in int, act ops.Activation) ([]float64, int, error) {
		w, okw := p.Get(fmt.Sprintf(name, "w"))
		bias, okb := p.Get(fmt.Sprintf(name, "b"))
		if !okw || !okb || len(bias) == 0 || len(w) != in*len(bias) {
			return nil, 0, fmt.Errorf("guides: AmortizedDiscrete.Logits: no layer %q of input width %d", fmt.Sprintf(name, "w"), in)
		}
		out := make([]float64, rows*len(bias))
		ops.DenseForward(out, h, w, bias, rows, in, len(bias), act)
		return out, len(bias), nil
	}
	h, in := x, a.Dim
	var err error
	for k := range a.Hidden {
		if h, in, err = apply(h, trunkPrefix(sites)+"%s"+strconv.Itoa(k), in, a.Activation); err != nil {
			return nil, err
		}
	}
	out := map[string][]float64{}
	for _, s := range sites {
		if out[s], _, err = apply(h, "guides/"+s+"/logits/%s", in, ops.Identity); err != nil {
			return nil, err
		}
	}
	return out, nil
}
