package vae

import (
	"fmt"
	"math"

	"github.com/govi/govi/dist"
	"github.com/govi/govi/guides"
	"github.com/govi/govi/internal/special"
	"github.com/govi/govi/ops"
	"github.com/govi/govi/svi"
)

// Net is a trained VAE evaluated on the host (plain Go and BLAS, no
// graph): encoder, decoder and the log-densities of the model. It holds a
// copy of the parameters. A Net is safe for concurrent use.
type Net struct {
	cfg    Config
	enc    guides.Amortized
	params *svi.Params
	dec    []hostLayer
	noise  float64 // Gaussian scale s
}

type hostLayer struct {
	w, b    []float64
	in, out int
}

// Net returns the host-side network with parameters p (a state's Params).
func (v *VAE) Net(p *svi.Params) (*Net, error) {
	n := &Net{cfg: v.cfg, enc: v.enc, params: p.Clone()}
	sizes := v.cfg.decoderSizes()
	for k := 0; k+1 < len(sizes); k++ {
		w, ok1 := p.Get(paramPre + "w" + fmt.Sprint(k) + "/loc")
		b, ok2 := p.Get(paramPre + "b" + fmt.Sprint(k) + "/loc")
		in, out := sizes[k], sizes[k+1]
		if !ok1 || !ok2 || len(w) != in*out || len(b) != out {
			return nil, fmt.Errorf("vae: parameters lack decoder layer %d [%d, %d]", k, in, out)
		}
		n.dec = append(n.dec, hostLayer{w: append([]float64(nil), w...), b: append([]float64(nil), b...), in: in, out: out})
	}
	if v.cfg.Likelihood == Gaussian {
		n.noise = v.cfg.NoiseScale
		if n.noise == 0 {
			rho, ok := p.Get(paramPre + "noise/loc")
			if !ok || len(rho) != 1 {
				return nil, fmt.Errorf("vae: parameters lack the Gaussian scale %q", paramPre+"noise/loc")
			}
			n.noise = special.Softplus(rho[0])
		}
	}
	return n, nil
}

// Config returns the network's configuration.
func (n *Net) Config() Config { return n.cfg }

// NoiseScale returns the Gaussian likelihood's scale s (0 for Bernoulli).
func (n *Net) NoiseScale() float64 { return n.noise }

// Encode returns q(z | x) for rows×D values x.
func (n *Net) Encode(x []float64, rows int) (guides.Encoding, error) {
	m, err := n.enc.Encode(n.params, []string{LatentSite}, x, rows)
	if err != nil {
		return guides.Encoding{}, fmt.Errorf("vae: %w", err)
	}
	return m[LatentSite], nil
}

// Logits returns the decoder's output f_θ(z) for rows×L latents z: logits
// for Bernoulli, means for Gaussian.
func (n *Net) Logits(z []float64, rows int) ([]float64, error) {
	if rows < 1 || len(z) != rows*n.cfg.Latent {
		return nil, fmt.Errorf("vae: %d latent values for %d rows of %d", len(z), rows, n.cfg.Latent)
	}
	h := z
	for k, l := range n.dec {
		out := make([]float64, rows*l.out)
		act := ops.Identity
		if k < len(n.dec)-1 {
			act = n.cfg.Activation
		}
		ops.DenseForward(out, h, l.w, l.b, rows, l.in, l.out, act)
		h = out
	}
	return h, nil
}

// Decode returns the mean of p(x | z) for rows×L latents: pixel
// probabilities σ(f) for Bernoulli, f for Gaussian.
func (n *Net) Decode(z []float64, rows int) ([]float64, error) {
	f, err := n.Logits(z, rows)
	if err != nil {
		return nil, err
	}
	if n.cfg.Likelihood == Bernoulli {
		for i, v := range f {
			f[i] = special.Sigmoid(v)
		}
	}
	return f, nil
}

// logLik returns log p(x | f) of one datum x (D values) given the decoder
// output f.
func (n *Net) logLik(x, f []float64) float64 {
	s := 0.0
	if n.cfg.Likelihood == Bernoulli {
		for j, v := range f {
			s += x[j]*v - special.Softplus(v)
		}
		return s
	}
	inv := 1 / n.noise
	for j, v := range f {
		d := (x[j] - v) * inv
		s -= 0.5 * d * d
	}
	return s - float64(len(f))*(math.Log(n.noise)+dist.LogSqrt2Pi)
}
