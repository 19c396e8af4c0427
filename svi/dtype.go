package svi

import (
	"fmt"

	"gorgonia.org/tensor"

	"github.com/govi/govi/internal/vec"
)

// DType is the floating-point type of a training graph's values (see
// Config.DType).
type DType int

const (
	// Float64 computes the training graph in float64: the default.
	Float64 DType = iota
	// Float32 computes the training graph in float32: its parameters,
	// noise, data and constants are float32 tensors, and the dense
	// products run float32 kernels, about twice the float64 rate. The
	// State stays float64: its parameters (the master copy) and the
	// optimizer's moments are float64 and updated in float64; the
	// parameters are rounded to float32 before each run and the float32
	// gradient widened to float64 after it (O(P) copies). The loss of
	// Info and State.Trace is the graph's float32 value widened to
	// float64; the fused likelihoods and priors sum their terms in
	// float64 inside the op and round the total once, and so do the
	// log-sum-exps along an axis (ops.LogSumExp: Categorical log-masses,
	// mixtures). Every estimator trains in float32. Of the discrete ones,
	// the running-average baseline (BaselineAvg, BaselineNVIL) is computed
	// on the host in float64 from the float64 loss trace and rounded once
	// into the graph; the noise of the discrete draws (uniform, logistic
	// and Gumbel) is drawn in float64 and rounded; enumerated states are
	// 0/1 values, exact in float32; the log-masses, costs, leave-one-out
	// baselines and VIMCO's and IWAE's max-shifted log-mean-exps are
	// float32 graph arithmetic (each term is of the size of a log weight,
	// and rounding them moves a step's loss by about 1e-7 relative).
	// Checkpoints are the same float64 files as with Float64 and record
	// the dtype: LoadCheckpoint refuses one of the other dtype
	// (*DTypeError). The evaluation programs (ELBO, LogWeights, Diagnose,
	// Predictive) stay float64.
	Float32
)

var dtypeNames = []string{"float64", "float32"}

// String returns "float64" or "float32".
func (d DType) String() string {
	if d >= 0 && int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// ParseDType returns the DType named s: float64 or float32.
func ParseDType(s string) (DType, error) {
	for i, n := range dtypeNames {
		if n == s {
			return DType(i), nil
		}
	}
	return 0, fmt.Errorf("svi: unknown dtype %q (want float64 or float32)", s)
}

func (d DType) valid() bool { return d >= 0 && int(d) < len(dtypeNames) }

// tensorDtype returns the gorgonia dtype of d.
func (d DType) tensorDtype() tensor.Dtype {
	if d == Float32 {
		return tensor.Float32
	}
	return tensor.Float64
}

// checkDType refuses an unknown dtype. Every estimator trains in float32;
// a model or guide built from operations that do not take float32 makes
// New fail when the graph is built.
func (c Config) checkDType() error {
	if !c.DType.valid() {
		return fmt.Errorf("svi: unknown dtype %v", c.DType)
	}
	return nil
}

// The helpers below switch on the dtype and take typed slices
// (Float64s, Float32s): Dense.Data boxes its slice in an interface, an
// allocation per call.

// setFrom copies src into t, a float64 or float32 tensor of len(src)
// elements (rounding to float32).
func setFrom(t *tensor.Dense, src []float64) {
	if t.Dtype() == tensor.Float32 {
		vec.Narrow(t.Float32s(), src)
		return
	}
	copy(t.Float64s(), src)
}

// getInto copies t, a float64 or float32 tensor, into dst (widening
// float32 exactly); it fails on another dtype.
func getInto(dst []float64, t *tensor.Dense) error {
	switch t.Dtype() {
	case tensor.Float64:
		copy(dst, t.Float64s())
	case tensor.Float32:
		vec.Widen(dst, t.Float32s())
	default:
		return fmt.Errorf("svi: want float64 or float32 values, got %v", t.Dtype())
	}
	return nil
}

// staging returns the float64 slice to write t's values into: t's own
// backing for a float64 tensor, else *scratch (kept between calls), which
// commit then rounds into t. (A fill callback would cost a closure
// allocation per input and step.)
func staging(t *tensor.Dense, scratch *[]float64) []float64 {
	if t.Dtype() != tensor.Float32 {
		return t.Float64s()
	}
	if n := t.Shape().TotalSize(); len(*scratch) != n {
		*scratch = make([]float64, n)
	}
	return *scratch
}

// commit stores the values written into staging(t, …) in t.
func commit(t *tensor.Dense, src []float64) {
	if t.Dtype() == tensor.Float32 {
		setFrom(t, src)
	}
}
