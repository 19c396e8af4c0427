package bnn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Candidate is one network configuration and training setting tried by
// Select.
type Candidate struct {
	Name     string
	Config   Config
	Settings Settings
}

// Checkpoint is a validation score during a selection run.
type Checkpoint struct {
	Candidate int     // index into the candidates
	Epochs    int     // epochs trained on the cut
	LogLik    float64 // mean validation log predictive density (regression and classification)
	RMSE      float64 // validation RMSE in original units (regression), or error rate (classification)
	// RowLogLik holds the log predictive density of each validation row
	// (regression; nil for classification), for paired comparisons of
	// candidates on the same rows (Protocol's one-standard-error rule).
	RowLogLik []float64
}

// Selection is the outcome of Select.
type Selection struct {
	Best        int          // index of the chosen candidate
	Epochs      int          // chosen number of epochs
	Checkpoints []Checkpoint // every score computed, in order
	Validation  int          // rows held out
}

// Select chooses a candidate and a number of epochs using the training data
// only: it holds out a seeded random fraction valFrac of train, fits each
// candidate on the rest for its Settings.Epochs, scores the held-out rows
// with draws posterior draws after every 1/checks of the run, and returns
// the (candidate, epochs) pair with the highest mean validation log
// predictive density. Refit on all of train with the chosen pair. A
// Candidate's Settings.Every and Check are overwritten.
func Select(ctx context.Context, train *Data, cands []Candidate, valFrac float64, checks, draws int, seed uint64) (*Selection, error) {
	if len(cands) == 0 {
		return nil, errors.New("bnn: Select needs at least one candidate")
	}
	if !(valFrac > 0 && valFrac < 1) {
		return nil, fmt.Errorf("bnn: validation fraction must lie in (0, 1), got %v", valFrac)
	}
	if checks < 1 {
		return nil, fmt.Errorf("bnn: Select needs at least one check, got %d", checks)
	}
	fit, val, err := HoldOut(train, valFrac, seed)
	if err != nil {
		return nil, err
	}
	sel := &Selection{Best: -1, Validation: val.N}
	best := math.Inf(-1)
	for ci, c := range cands {
		s := c.Settings
		epochs := s.withDefaults(fit.N).Epochs
		if s.Steps > 0 {
			return nil, fmt.Errorf("bnn: Select: candidate %q sets Steps; give Epochs", c.Name)
		}
		s.Every = max(1, epochs/checks)
		s.Check = func(ep int, n *Net) error {
			cp := Checkpoint{Candidate: ci, Epochs: ep}
			if err := score(n, val, draws, seed+uint64(ep), &cp); err != nil {
				return err
			}
			sel.Checkpoints = append(sel.Checkpoints, cp)
			if cp.LogLik > best {
				best, sel.Best, sel.Epochs = cp.LogLik, ci, ep
			}
			return nil
		}
		if _, err := Fit(ctx, c.Config, fit, s); err != nil {
			return sel, fmt.Errorf("bnn: Select: candidate %q: %w", c.Name, err)
		}
	}
	if sel.Best < 0 {
		return sel, errors.New("bnn: Select: no finite validation score")
	}
	return sel, nil
}

// score fills cp with the validation scores of n on val.
func score(n *Net, val *Data, draws int, seed uint64, cp *Checkpoint) error {
	if n.cfg.Task == Regression {
		p, err := n.Predict(val.X, draws, seed)
		if err != nil {
			return err
		}
		if cp.RowLogLik, err = p.LogLik(val.Y); err != nil {
			return err
		}
		m, err := regressionMetrics(p, val.Y, false)
		if err != nil {
			return err
		}
		cp.LogLik, cp.RMSE = m.LogLik, m.RMSE
		return nil
	}
	m, err := n.evaluate(val, draws, seed, false)
	if err != nil {
		return err
	}
	cp.LogLik, cp.RMSE = -m.NLL, 1-m.Accuracy
	return nil
}

// PairedDiff returns the mean over rows of a − b and its standard error
// (the rows' sample sd over √rows): the paired difference of two
// candidates' validation log predictive densities on the same rows. It
// fails on slices of different lengths or fewer than two rows.
func PairedDiff(a, b []float64) (mean, se float64, err error) {
	n := len(a)
	if n != len(b) || n < 2 {
		return 0, 0, fmt.Errorf("bnn: a paired difference needs two equal slices of at least 2 rows, got %d and %d", len(a), len(b))
	}
	for i := range a {
		mean += (a[i] - b[i]) / float64(n)
	}
	var ss float64
	for i := range a {
		d := a[i] - b[i] - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(n-1) / float64(n)), nil
}

// HoldOut splits d at random (seeded) into a training part and a held-out
// part of round(frac·N) rows (at least one; both parts non-empty).
func HoldOut(d *Data, frac float64, seed uint64) (train, held *Data, err error) {
	k := int(math.Round(frac * float64(d.N)))
	k = max(k, 1)
	if k >= d.N {
		return nil, nil, fmt.Errorf("bnn: cannot hold out %d of %d rows", k, d.N)
	}
	perm := rand.New(rand.NewPCG(seed, 0x686f6c64)).Perm(d.N)
	if train, err = d.Rows(perm[k:]); err != nil {
		return nil, nil, err
	}
	held, err = d.Rows(perm[:k])
	return train, held, err
}
