package svi

import (
	"errors"
	"fmt"
)

// VectorModel is a Model whose Build also handles the vectorized case,
// M.Particles() > 0, for [Config.Vectorize]. New refuses Vectorize for a
// model that is not one, or whose Vectorizes reports false: a model written
// for one particle at a time could otherwise broadcast the particle axis
// against its data without an error.
type VectorModel interface {
	Model
	// Vectorizes reports whether Build handles M.Particles() > 0 in the
	// model's present configuration.
	Vectorizes() bool
}

// Particles returns S when the model is built once for all S particles
// ([Config.Vectorize]): then every latent value has a leading particle axis
// ([S, shape...], a scalar site [S]), and the model must keep the particles
// apart in its likelihood and sum its terms over them (the ELBO divides by
// S). It returns 0 otherwise: the values are one particle's. A model
// written for both checks it once in Build.
func (m *M) Particles() int { return m.particles }

// checkVectorize validates Config.Vectorize against the model and guide;
// the estimator's assembler says whether it works on a vectorized graph.
func checkVectorize(cfg Config, model Model, guide Guide) error {
	if !cfg.Vectorize {
		return nil
	}
	if vm, ok := model.(VectorModel); !ok {
		return fmt.Errorf("svi: Config.Vectorize needs a model written for all particles at once (svi.VectorModel); %T is not one", model)
	} else if !vm.Vectorizes() {
		return fmt.Errorf("svi: Config.Vectorize: this %T cannot be vectorized in its present configuration", model)
	}
	if _, ok := guide.(VectorGuide); !ok {
		return fmt.Errorf("svi: Config.Vectorize needs a guide that draws all particles at once (svi.VectorGuide); %T is not one", guide)
	}
	if cfg.Workers > 1 {
		return errors.New("svi: Config.Vectorize evaluates the particles in one graph; it cannot be split over Workers")
	}
	return nil
}
