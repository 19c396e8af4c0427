package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/govi/govi/internal/table"
	"github.com/govi/govi/models/lfm"
)

// lfmBarsStream is the PCG stream of -data bars: the bars and the rows are
// drawn from rand.NewPCG(-seed, lfmBarsStream), apart from the streams
// lfm.Learn uses for its starts (rand.NewPCG(-seed, start)).
const lfmBarsStream = 0xba25

// lfmData is the data of an lfm run: N rows of D outputs.
type lfmData struct {
	x       [][]float64
	columns []string     // the kept header names (nil without a header)
	dropped []string     // the dropped columns (names, or numbers from 1)
	truth   *lfm.Params  // -data bars: the generating parameters
	tb      *table.Table // the file read (nil for bars)
	cols    []int        // the file column (from 0) of each kept column
}

// barsData draws -rows rows of a bars problem with K = -factors (at most
// 12) and the -likelihood outputs from the stream PCG(-seed,
// lfmBarsStream): lfm.Bars (σ = 0.5, π = 0.5) or lfm.BernoulliBars, then
// lfm.Generate. Without -weights, -noise and -prior (when given) set the
// generating σ and π, which are then also the model's; with -weights they
// are the model's only, and the rows are drawn with σ = 0.5, π = 0.5.
func barsData(f *lfmFlags) (*lfmData, error) {
	r := rand.New(rand.NewPCG(f.seed, lfmBarsStream))
	bars := lfm.Bars
	if f.lik == lfm.Bernoulli {
		bars = lfm.BernoulliBars
	}
	p, err := bars(f.factors, r)
	if err != nil {
		return nil, fmt.Errorf("train lfm: -data bars -factors %d: %w", f.factors, err)
	}
	if f.given["noise"] && !f.given["weights"] {
		p.Sigma = f.noise
	}
	if f.pi != nil && !f.given["weights"] {
		p.Pi = f.pi
	}
	_, x, err := lfm.Generate(p, f.rows, r)
	if err != nil {
		return nil, fmt.Errorf("train lfm: -data bars: %w", err)
	}
	return &lfmData{x: x, truth: &p}, nil
}

// readLFMData reads -data, drops the -drop-cols columns, applies
// -binarize, and checks that Bernoulli outputs are 0 or 1, naming the
// file, line and column of the first that is not.
func readLFMData(f *lfmFlags) (*lfmData, error) {
	tb, err := f.tf.read(f.data)
	if err != nil {
		return nil, fmt.Errorf("train lfm: -data: %w", err)
	}
	d := &lfmData{tb: tb}
	if d.cols, d.dropped, err = keptColumns(tb, f.dropCols); err != nil {
		return nil, fmt.Errorf("train lfm: -drop-cols %s: %s: %w", f.dropCols, f.data, err)
	}
	if tb.Header != nil {
		for _, c := range d.cols {
			d.columns = append(d.columns, tb.Header[c])
		}
	}
	d.x = make([][]float64, tb.Rows)
	for i := range d.x {
		d.x[i] = make([]float64, len(d.cols))
		for j, c := range d.cols {
			v := tb.At(i, c)
			if f.given["binarize"] {
				v = b2f(v > f.binarize)
			}
			if f.lik == lfm.Bernoulli && v != 0 && v != 1 {
				return nil, fmt.Errorf("train lfm: -data %s: line %d, column %d: %v is not 0 or 1, as -likelihood bernoulli needs (binarize with -binarize T)",
					f.data, tb.Line(i), c+1, v)
			}
			d.x[i][j] = v
		}
	}
	return d, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// keptColumns returns the columns of tb that -drop-cols keeps (from 0)
// and the names (or numbers, from 1) of those it drops. spec is "auto"
// (drop the header columns named label, in any case), "none", or a comma
// list of header names or column numbers from 1.
func keptColumns(tb *table.Table, spec string) (keep []int, dropped []string, err error) {
	drop := map[int]bool{}
	switch spec {
	case "none":
	case "auto":
		for c, h := range tb.Header {
			if strings.EqualFold(h, "label") {
				drop[c] = true
			}
		}
	default:
		for _, s := range strings.Split(spec, ",") {
			s = strings.TrimSpace(s)
			c := slices.Index(tb.Header, s)
			if n, err := strconv.Atoi(s); err == nil && c < 0 {
				c = n - 1
			}
			if c < 0 || c >= tb.Cols {
				return nil, nil, fmt.Errorf("%q is neither a header name nor a column number 1…%d", s, tb.Cols)
			}
			drop[c] = true
		}
	}
	for c := 0; c < tb.Cols; c++ {
		if !drop[c] {
			keep = append(keep, c)
			continue
		}
		name := strconv.Itoa(c + 1)
		if tb.Header != nil {
			name = tb.Header[c]
		}
		dropped = append(dropped, name)
	}
	if len(keep) == 0 {
		return nil, nil, fmt.Errorf("no column left")
	}
	return keep, dropped, nil
}

// readWeights reads the -weights table: K rows (row j is factor j's
// weights) of D columns. Errors name the file and the line.
func readWeights(path string, k, d int) ([][]float64, error) {
	tb, err := table.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train lfm: -weights: %w", err)
	}
	if tb.Cols != d {
		return nil, fmt.Errorf("train lfm: -weights %s: line %d has %d weights, want D = %d (one per output column of -data)", path, tb.Line(0), tb.Cols, d)
	}
	switch {
	case tb.Rows > k:
		return nil, fmt.Errorf("train lfm: -weights %s: line %d is row %d, beyond -factors %d (one row per factor)", path, tb.Line(k), k+1, k)
	case tb.Rows < k:
		return nil, fmt.Errorf("train lfm: -weights %s: %d row(s), the last on line %d; want -factors %d (one row per factor)", path, tb.Rows, tb.Line(tb.Rows-1), k)
	}
	w := make([][]float64, k)
	for j := range w {
		w[j] = append([]float64(nil), tb.Row(j)...)
	}
	return w, nil
}

// readBias reads the -bias table: one row of D values. Errors name the
// file and the line.
func readBias(path string, d int) ([]float64, error) {
	tb, err := table.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train lfm: -bias: %w", err)
	}
	if tb.Cols != d {
		return nil, fmt.Errorf("train lfm: -bias %s: line %d has %d values, want D = %d (one per output column of -data)", path, tb.Line(0), tb.Cols, d)
	}
	if tb.Rows != 1 {
		return nil, fmt.Errorf("train lfm: -bias %s: line %d is a second row; want one row of D = %d values", path, tb.Line(1), d)
	}
	return append([]float64(nil), tb.Row(0)...), nil
}

// parsePrior parses -prior: one π for every factor or a comma list of k,
// each in the open interval (0, 1).
func parsePrior(s string, k int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 1 && len(parts) != k {
		return nil, fmt.Errorf("train lfm: -prior %s has %d values, want 1 or -factors %d", s, len(parts), k)
	}
	pi := make([]float64, k)
	for j, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(v > 0 && v < 1) {
			return nil, fmt.Errorf("train lfm: -prior %s: %q is not a probability π in the open interval (0, 1)", s, p)
		}
		pi[j] = v
	}
	for j := len(parts); j < k; j++ {
		pi[j] = pi[0]
	}
	return pi, nil
}

// perfectSquare returns the side of a square image of d pixels, or 0.
func perfectSquare(d int) int {
	s := int(math.Round(math.Sqrt(float64(d))))
	if s*s == d {
		return s
	}
	return 0
}
