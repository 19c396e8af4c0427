package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/govi/govi/models/fhmm"
)

// The parameter file of train fhmm (-params, and params.json of a -learn
// run) is a JSON object
//
//	{"chains": M, "states": L,
//	 "init":  [M][L]     π⁽ᵐ⁾, each row summing to 1,
//	 "trans": [M][L][L]  P⁽ᵐ⁾, row = from-state, each row summing to 1,
//	 "means": [M][L][D]  column l of W⁽ᵐ⁾ (chain m's contribution in state l),
//	 "cov":   [D][D]     C, symmetric positive definite}
//
// with every field required and no other field.
var fhmmParamFields = []string{"chains", "states", "init", "trans", "means", "cov"}

// fhmmSymTol is how far cov[i][j] and cov[j][i] may differ, relative to
// the larger, as fhmm.Params.Validate allows (its symRelTol).
const fhmmSymTol = 1e-12

// paramsReader checks a parameter file against the shapes the command
// expects; 0 for chains or states takes the file's.
type paramsReader struct {
	doc            *jsonDoc
	chains, states int
	d              int    // columns of -data
	dataName       string // -data, for messages
}

// readFHMMParams reads and checks the parameter file at path for data of d
// columns. Errors name the file, the field and its line and column.
func readFHMMParams(path string, chains, states, d int, dataName string) (fhmm.Params, error) {
	src, err := os.ReadFile(path)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return fhmm.Params{}, fmt.Errorf("%s: %w", path, pe.Err)
	}
	if err != nil {
		return fhmm.Params{}, err
	}
	doc, err := parseJSONDoc(path, src)
	if err != nil {
		return fhmm.Params{}, err
	}
	r := &paramsReader{doc: doc, chains: chains, states: states, d: d, dataName: dataName}
	return r.params()
}

func (r *paramsReader) params() (fhmm.Params, error) {
	root := r.doc.root
	if root.kind != '{' {
		return fhmm.Params{}, r.doc.errAt(root.off, "want a JSON object with fields %s, got %s", strings.Join(fhmmParamFields, ", "), root.kindName())
	}
	f := map[string]*jsonNode{}
	for _, m := range root.obj {
		if !slices.Contains(fhmmParamFields, m.key) {
			return fhmm.Params{}, r.doc.errAt(m.keyOff, "unknown field %q (want %s)", m.key, strings.Join(fhmmParamFields, ", "))
		}
		f[m.key] = m.val
	}
	for _, k := range fhmmParamFields {
		if f[k] == nil {
			return fhmm.Params{}, r.doc.errAt(root.off, "missing field %q", k)
		}
	}
	var err error
	if r.chains, err = r.count(f["chains"], "chains", r.chains); err != nil {
		return fhmm.Params{}, err
	}
	if r.states, err = r.count(f["states"], "states", r.states); err != nil {
		return fhmm.Params{}, err
	}
	var p fhmm.Params
	if p.Pi, err = r.dists(f["init"], "init"); err != nil {
		return p, err
	}
	if p.P, err = r.trans(f["trans"]); err != nil {
		return p, err
	}
	if p.W, err = r.means(f["means"]); err != nil {
		return p, err
	}
	if p.C, err = r.cov(f["cov"]); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil { // a last guard: every check above is also its
		return p, fmt.Errorf("%s: %w", r.doc.name, err)
	}
	return p, nil
}

// count reads chains or states: a positive integer equal to the flag's
// value when that is not 0.
func (r *paramsReader) count(n *jsonNode, field string, flagValue int) (int, error) {
	v, err := r.number(n, field)
	if err != nil {
		return 0, err
	}
	if v < 1 || v != math.Trunc(v) || v > 1<<20 {
		return 0, r.doc.errAt(n.off, "%s = %v must be a positive integer", field, v)
	}
	if flagValue != 0 && int(v) != flagValue {
		return 0, r.doc.errAt(n.off, "%s = %d but -%s %d", field, int(v), field, flagValue)
	}
	return int(v), nil
}

// number reads a finite number.
func (r *paramsReader) number(n *jsonNode, field string) (float64, error) {
	if n.kind != 'n' {
		return 0, r.doc.errAt(n.off, "%s must be a number, got %s", field, n.kindName())
	}
	v, err := strconv.ParseFloat(string(n.num), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, r.doc.errAt(n.off, "%s = %s is not a finite float64", field, n.num)
	}
	return v, nil
}

// array reads an array of want elements; what says what they stand for.
func (r *paramsReader) array(n *jsonNode, field string, want int, what string) ([]*jsonNode, error) {
	if n.kind != '[' {
		return nil, r.doc.errAt(n.off, "%s must be an array, got %s", field, n.kindName())
	}
	if len(n.arr) != want {
		return nil, r.doc.errAt(n.off, "%s has %d entries, want %s = %d", field, len(n.arr), what, want)
	}
	return n.arr, nil
}

// vector reads an array of want finite numbers.
func (r *paramsReader) vector(n *jsonNode, field string, want int, what string) ([]float64, error) {
	elems, err := r.array(n, field, want, what)
	if err != nil {
		return nil, err
	}
	v := make([]float64, len(elems))
	for i, e := range elems {
		if v[i], err = r.number(e, fmt.Sprintf("%s[%d]", field, i)); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// dist reads a probability vector of L entries: non-negative, summing to 1
// within fhmm.SumTol.
func (r *paramsReader) dist(n *jsonNode, field string) ([]float64, error) {
	v, err := r.vector(n, field, r.states, "states")
	if err != nil {
		return nil, err
	}
	var sum float64
	for i, x := range v {
		if x < 0 {
			return nil, r.doc.errAt(n.arr[i].off, "%s[%d] = %v is a negative probability", field, i, x)
		}
		sum += x
	}
	if math.Abs(sum-1) > fhmm.SumTol {
		return nil, r.doc.errAt(n.off, "%s sums to %.12g, want 1 (within %g)", field, sum, fhmm.SumTol)
	}
	return v, nil
}

// dists reads M probability vectors (init).
func (r *paramsReader) dists(n *jsonNode, field string) ([][]float64, error) {
	rows, err := r.array(n, field, r.chains, "chains")
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(rows))
	for m, row := range rows {
		if out[m], err = r.dist(row, fmt.Sprintf("%s[%d]", field, m)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// trans reads M transition matrices of L rows, each a probability vector.
func (r *paramsReader) trans(n *jsonNode) ([][][]float64, error) {
	mats, err := r.array(n, "trans", r.chains, "chains")
	if err != nil {
		return nil, err
	}
	out := make([][][]float64, len(mats))
	for m, pm := range mats {
		rows, err := r.array(pm, fmt.Sprintf("trans[%d]", m), r.states, "states")
		if err != nil {
			return nil, err
		}
		for i, row := range rows {
			v, err := r.dist(row, fmt.Sprintf("trans[%d][%d]", m, i))
			if err != nil {
				return nil, err
			}
			out[m] = append(out[m], v)
		}
	}
	return out, nil
}

// means reads M×L×D means into fhmm's W (M matrices of D rows of L).
func (r *paramsReader) means(n *jsonNode) ([][][]float64, error) {
	mats, err := r.array(n, "means", r.chains, "chains")
	if err != nil {
		return nil, err
	}
	w := make([][][]float64, len(mats))
	what := fmt.Sprintf("D (the columns of %s)", r.dataName)
	for m, wm := range mats {
		cols, err := r.array(wm, fmt.Sprintf("means[%d]", m), r.states, "states")
		if err != nil {
			return nil, err
		}
		w[m] = make([][]float64, r.d)
		for i := range w[m] {
			w[m][i] = make([]float64, r.states)
		}
		for l, col := range cols {
			v, err := r.vector(col, fmt.Sprintf("means[%d][%d]", m, l), r.d, what)
			if err != nil {
				return nil, err
			}
			for i, x := range v {
				w[m][i][l] = x
			}
		}
	}
	return w, nil
}

// cov reads a D×D symmetric positive definite covariance.
func (r *paramsReader) cov(n *jsonNode) ([][]float64, error) {
	what := fmt.Sprintf("D (the columns of %s)", r.dataName)
	rows, err := r.array(n, "cov", r.d, what)
	if err != nil {
		return nil, err
	}
	c := make([][]float64, len(rows))
	for i, row := range rows {
		if c[i], err = r.vector(row, fmt.Sprintf("cov[%d]", i), r.d, what); err != nil {
			return nil, err
		}
	}
	s := mat.NewSymDense(r.d, nil)
	for i := range c {
		for j := i; j < r.d; j++ {
			a, b := c[i][j], c[j][i]
			if math.Abs(a-b) > fhmmSymTol*math.Max(math.Abs(a), math.Abs(b)) {
				return nil, r.doc.errAt(rows[j].arr[i].off, "cov[%d][%d] = %v but cov[%d][%d] = %v: cov must be symmetric", j, i, b, i, j, a)
			}
			s.SetSym(i, j, a)
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(s) {
		var eig mat.EigenSym
		msg := ""
		if eig.Factorize(s, false) {
			msg = fmt.Sprintf(": its smallest eigenvalue is %.3g", eig.Values(nil)[0])
		}
		return nil, r.doc.errAt(n.off, "cov is not positive definite%s", msg)
	}
	return c, nil
}

// writeFHMMParams writes p in the layout of the parameter file, one
// innermost array a line.
func writeFHMMParams(w io.Writer, p fhmm.Params) error {
	bw := bufio.NewWriter(w)
	m, l, d := p.M(), p.L(), p.D()
	fmt.Fprintf(bw, "{\n  \"chains\": %d,\n  \"states\": %d,\n", m, l)
	fmt.Fprintf(bw, "  \"init\": %s,\n", jsonRows(p.Pi, "    "))
	trans := make([]string, m)
	means := make([]string, m)
	for c := 0; c < m; c++ {
		trans[c] = jsonRows(p.P[c], "      ")
		cols := make([][]float64, l)
		for s := range cols {
			cols[s] = make([]float64, d)
			for i := range cols[s] {
				cols[s][i] = p.W[c][i][s]
			}
		}
		means[c] = jsonRows(cols, "      ")
	}
	fmt.Fprintf(bw, "  \"trans\": [\n    %s\n  ],\n", strings.Join(trans, ",\n    "))
	fmt.Fprintf(bw, "  \"means\": [\n    %s\n  ],\n", strings.Join(means, ",\n    "))
	fmt.Fprintf(bw, "  \"cov\": %s\n}\n", jsonRows(p.C, "    "))
	return bw.Flush()
}

// jsonRows formats a matrix as a JSON array with one row a line, the rows
// indented by indent and the closing bracket two spaces less. Floats are
// written in the shortest form that reads back to the same float64.
func jsonRows(a [][]float64, indent string) string {
	rows := make([]string, len(a))
	for i, row := range a {
		f := make([]string, len(row))
		for j, v := range row {
			f[j] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		rows[i] = "[" + strings.Join(f, ", ") + "]"
	}
	return "[\n" + indent + strings.Join(rows, ",\n"+indent) + "\n" + indent[2:] + "]"
}
