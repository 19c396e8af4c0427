package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/govi/govi/models/kl"
)

// klReport is the report.json of the kl command: the settings and, for
// each target, every solution's mean, covariance and both divergences.
type klReport struct {
	Model       string              `json:"model"`
	Separation  float64             `json:"separation"`
	Correlation float64             `json:"correlation"`
	Starts      int                 `json:"starts"`
	Steps       int                 `json:"steps"`
	Seed        uint64              `json:"seed"`
	Mixture     kl.MixtureReport    `json:"mixture"`
	Correlated  kl.CorrelatedReport `json:"correlated"`
	Plots       map[string]string   `json:"plots"`
}

func runKL(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, prof := newFlags("kl", stderr)
	sep := fs.Float64("separation", 6, fmt.Sprintf("distance D between the mixture's unit-variance component means, 0 ≤ D ≤ %d", kl.MaxSeparation))
	rho := fs.Float64("correlation", 0.8, "correlation ρ of the correlated Gaussian, |ρ| < 1")
	starts := fs.Int("starts", 4, "seeded starts of the reverse-KL full-rank SVI fit of the mixture, ≥ 1")
	steps := fs.Int("steps", 4000, "SVI steps of each fit, ≥ 1")
	seed := fs.Uint64("seed", 1, "seed of the starts and of the SVI noise")
	out := fs.String("out", "", "output `dir` for report.json, kl_mixture.png and kl_correlated.png")
	stop, err := parseFlags(fs, prof, args)
	if err != nil {
		return err
	}
	defer stop()
	switch {
	case *out == "":
		return errors.New("train kl: -out is required")
	case math.IsNaN(*sep) || *sep < 0 || *sep > kl.MaxSeparation:
		return fmt.Errorf("train kl: -separation %v: want 0 ≤ D ≤ %d (D = 0 is a single Gaussian)", *sep, kl.MaxSeparation)
	case !(math.Abs(*rho) < 1):
		return fmt.Errorf("train kl: -correlation %v: want |ρ| < 1", *rho)
	case *starts < 1:
		return fmt.Errorf("train kl: -starts %d: need at least one start", *starts)
	case *steps < 1:
		return fmt.Errorf("train kl: -steps %d: need at least one step", *steps)
	}
	od, err := begin(fs, *out, nil, stderr)
	if err != nil {
		return err
	}
	defer od.Abort()
	mf := kl.DefaultMeanFieldFit
	mf.Steps = *steps
	rep, err := kl.Run(ctx, kl.Config{Separation: *sep, Correlation: *rho, Starts: *starts, Seed: *seed,
		MixtureFit: kl.FitSettings{Steps: *steps}, MeanFieldFit: mf})
	if err != nil {
		return fmt.Errorf("train %w", err)
	}
	r := klReport{Model: "kl", Separation: *sep, Correlation: *rho, Starts: *starts, Steps: *steps, Seed: *seed,
		Mixture: rep.Mixture, Correlated: rep.Correlated, Plots: map[string]string{}}
	for _, s := range append(append([]kl.Solution{}, rep.Mixture.Solutions...), rep.Correlated.Solutions...) {
		fmt.Fprintf(stderr, "kl: %-45s KL(p‖q) %.5f  KL(q‖p) %.5f\n", s.Name, s.Quadrature.PQ, s.Quadrature.QP)
	}
	m, _ := kl.NewMixture(*sep)
	c, _ := kl.NewCorrelated(*rho)
	for _, pl := range []struct {
		name, title string
		p           kl.Density
		sols        []kl.Solution
	}{
		{"kl_mixture.png", fmt.Sprintf("mixture, separation %g: p (grey) and each q", *sep), m, rep.Mixture.Solutions},
		{"kl_correlated.png", fmt.Sprintf("correlated Gaussian, ρ = %g: p (grey) and each q", *rho), c.P, rep.Correlated.Solutions},
	} {
		if err := od.WriteFile(pl.name, func(w io.Writer) error { return plotKL(w, pl.title, pl.p, pl.sols) }); err != nil {
			return fmt.Errorf("train kl: plot: %w", err)
		}
		r.Plots[pl.name] = od.Path(pl.name)
	}
	if err := od.CommitReport(&r); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "kl: wrote %s\n", od.Path(reportName))
	return nil
}
