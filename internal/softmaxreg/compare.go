package softmaxreg

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// Comparison measures an approximate posterior (a variational fit)
// against a reference on test rows and on the parameters.
type Comparison struct {
	// ProbMAD and ProbMax are the mean and largest absolute differences
	// of the predictive class probabilities over test rows and classes.
	ProbMAD, ProbMax float64
	// LogLoss and Accuracy of the reference's and of the approximation's
	// predictive probabilities on the test labels.
	LogLossRef, LogLoss, AccuracyRef, Accuracy float64
	// MeanCorr is the correlation of the parameters' posterior means,
	// MeanRelErr ‖m − m_ref‖₂/‖m_ref‖₂, and MeanMaxZ the largest
	// |m − m_ref|/sd_ref.
	MeanCorr, MeanRelErr, MeanMaxZ float64
	// SDCorr is the correlation of the posterior sds, SDRatio the median
	// of sd/sd_ref, and SDRelErr the mean of |sd/sd_ref − 1|.
	SDCorr, SDRatio, SDRelErr float64
}

// Compare compares the approximation's predictive probabilities probs and
// parameter means and sds against the reference's (refProbs, refMean,
// refSD) on test labels y of k classes (probabilities are rows×k).
func Compare(y []float64, k int, refProbs, probs, refMean, refSD, mean, sd []float64) (*Comparison, error) {
	switch {
	case len(refProbs) != len(y)*k || len(probs) != len(refProbs):
		return nil, fmt.Errorf("softmaxreg: Compare: %d and %d probabilities for %d rows of %d classes", len(refProbs), len(probs), len(y), k)
	case len(refMean) == 0 || len(refSD) != len(refMean) || len(mean) != len(refMean) || len(sd) != len(refMean):
		return nil, fmt.Errorf("softmaxreg: Compare: %d, %d, %d and %d parameter moments", len(refMean), len(refSD), len(mean), len(sd))
	}
	c := &Comparison{}
	for i, v := range probs {
		d := math.Abs(v - refProbs[i])
		c.ProbMAD += d / float64(len(probs))
		c.ProbMax = math.Max(c.ProbMax, d)
	}
	c.LogLossRef, c.AccuracyRef = scores(y, k, refProbs)
	c.LogLoss, c.Accuracy = scores(y, k, probs)
	c.MeanCorr = stat.Correlation(mean, refMean, nil)
	c.MeanRelErr = floats.Distance(mean, refMean, 2) / floats.Norm(refMean, 2)
	ratio := make([]float64, len(sd))
	for i, s := range sd {
		c.MeanMaxZ = math.Max(c.MeanMaxZ, math.Abs(mean[i]-refMean[i])/refSD[i])
		ratio[i] = s / refSD[i]
		c.SDRelErr += math.Abs(ratio[i]-1) / float64(len(sd))
	}
	c.SDCorr = stat.Correlation(sd, refSD, nil)
	sort.Float64s(ratio)
	c.SDRatio = stat.Quantile(0.5, stat.Empirical, ratio, nil)
	return c, nil
}

// scores returns the mean negative log predictive probability of the
// labels and the accuracy of the most probable class.
func scores(y []float64, k int, probs []float64) (logLoss, acc float64) {
	for i, v := range y {
		row := probs[i*k : (i+1)*k]
		logLoss -= math.Log(math.Max(row[int(v)], 1e-300)) / float64(len(y))
		if floats.MaxIdx(row) == int(v) {
			acc += 1 / float64(len(y))
		}
	}
	return logLoss, acc
}

// Moments returns the mean and standard deviation of each of the d
// columns of the row-major draws (n×d).
func Moments(draws []float64, d int) (mean, sd []float64) {
	n := len(draws) / d
	mean, sd = make([]float64, d), make([]float64, d)
	col := make([]float64, n)
	for j := range d {
		for i := range n {
			col[i] = draws[i*d+j]
		}
		mean[j], sd[j] = stat.MeanStdDev(col, nil)
	}
	return mean, sd
}
