package gmm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Init selects how the responsibilities are initialised.
type Init int

const (
	// InitKMeans seeds K centres by k-means++, refines them by Lloyd's
	// algorithm and starts from the hard assignments.
	InitKMeans Init = iota
	// InitRandom starts from responsibilities drawn uniformly and
	// normalised per point.
	InitRandom
)

// String returns the name of the initialisation.
func (i Init) String() string {
	switch i {
	case InitKMeans:
		return "kmeans++"
	case InitRandom:
		return "random"
	}
	return fmt.Sprintf("Init(%d)", int(i))
}

// Config holds the number of components, the prior and the iteration
// controls. Every zero field selects its documented default.
type Config struct {
	K      int       // number of components; 0 means 6, negative is an error
	Alpha0 float64   // Dirichlet concentration α₀ of each weight; 0 means 1e-3
	Beta0  float64   // precision scale β₀ of the means; 0 means 1
	Nu0    float64   // Wishart degrees of freedom ν₀ (> D − 1); 0 means D
	M0     []float64 // prior mean m₀ (length D); nil means the data mean
	W0     []float64 // Wishart scale W₀, D×D row-major, positive definite; nil means I

	Tol     float64 // stop when the bound rises by less than Tol·|L|; 0 means 1e-12
	MaxIter int     // maximum number of iterations; 0 means 1000
	Init    Init    // initialisation; the zero value is InitKMeans
	Seed    uint64  // seed of the math/rand/v2 PCG used by the initialisation

	// DataParallel, when its Reducer is set, makes the fit one rank of a
	// data-parallel fit (see DataParallel); the zero value is one process.
	DataParallel DataParallel
}

// EffectiveThreshold is the expected weight E[π_k] above which a component
// counts as effective in [Result.Effective].
const EffectiveThreshold = 0.01

// prior is a validated Config with defaults filled in.
type prior struct {
	k                  int
	alpha0, beta0, nu0 float64
	m0                 []float64
	w0inv              *mat.SymDense
	logDetW0, logBW0   float64
	tol                float64
	maxIter            int
	init               Init
	seed               uint64
}

func (c Config) resolve(x []float64, n, d int) (*prior, error) {
	p := &prior{k: c.K, alpha0: c.Alpha0, beta0: c.Beta0, nu0: c.Nu0, tol: c.Tol, maxIter: c.MaxIter, init: c.Init, seed: c.Seed}
	if p.k < 0 {
		return nil, fmt.Errorf("gmm: K = %d < 1: need at least one component", p.k)
	}
	if p.k == 0 {
		p.k = 6
	}
	for _, f := range []struct {
		name string
		v    *float64
		def  float64
	}{{"Alpha0", &p.alpha0, 1e-3}, {"Beta0", &p.beta0, 1}, {"Nu0", &p.nu0, float64(d)}, {"Tol", &p.tol, 1e-12}} {
		if math.IsNaN(*f.v) || *f.v < 0 || math.IsInf(*f.v, 0) {
			return nil, fmt.Errorf("gmm: Config.%s = %v must be a finite non-negative number", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if p.nu0 <= float64(d)-1 {
		return nil, fmt.Errorf("gmm: Config.Nu0 = %v must exceed D − 1 = %d", p.nu0, d-1)
	}
	if p.maxIter < 0 {
		return nil, fmt.Errorf("gmm: Config.MaxIter = %d is negative", p.maxIter)
	}
	if p.maxIter == 0 {
		p.maxIter = 1000
	}
	if p.init != InitKMeans && p.init != InitRandom {
		return nil, fmt.Errorf("gmm: unknown Config.Init %v", p.init)
	}
	if c.M0 == nil {
		p.m0 = make([]float64, d)
		for i := 0; i < n; i++ {
			for j := 0; j < d; j++ {
				p.m0[j] += x[i*d+j]
			}
		}
		for j := range p.m0 {
			p.m0[j] /= float64(n)
		}
	} else {
		if len(c.M0) != d {
			return nil, fmt.Errorf("gmm: len(Config.M0) = %d, want D = %d", len(c.M0), d)
		}
		for j, v := range c.M0 {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("gmm: Config.M0[%d] = %v is not a finite number", j, v)
			}
		}
		p.m0 = append([]float64(nil), c.M0...)
	}
	w0 := mat.NewSymDense(d, nil)
	if c.W0 == nil {
		for j := 0; j < d; j++ {
			w0.SetSym(j, j, 1)
		}
	} else {
		if len(c.W0) != d*d {
			return nil, fmt.Errorf("gmm: len(Config.W0) = %d, want D·D = %d", len(c.W0), d*d)
		}
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				v := c.W0[i*d+j]
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("gmm: Config.W0[%d,%d] = %v is not a finite number", i, j, v)
				}
				if v != c.W0[j*d+i] {
					return nil, fmt.Errorf("gmm: Config.W0 is not symmetric at [%d,%d]", i, j)
				}
				w0.SetSym(i, j, v)
			}
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(w0) {
		return nil, fmt.Errorf("gmm: Config.W0 is not positive definite")
	}
	p.w0inv = mat.NewSymDense(d, nil)
	if err := ch.InverseTo(p.w0inv); err != nil {
		return nil, fmt.Errorf("gmm: inverting Config.W0: %w", err)
	}
	p.logDetW0 = ch.LogDet()
	p.logBW0 = wishartLogB(p.logDetW0, p.nu0, d)
	return p, nil
}
