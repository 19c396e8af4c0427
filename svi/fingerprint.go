package svi

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
)

// Fingerprint names what a fit depends on besides its model's sites and
// its guide's parameters: the data (a row count and a hash of the values,
// [DataFingerprint]), the settings of the model (priors, architecture), a
// list of players. A Trainer carries the Fingerprint of its Config;
// SaveCheckpoint records it and LoadCheckpoint refuses a checkpoint whose
// Fingerprint differs, naming every key that differs. Keys are short
// names chosen by the caller ("data", "model", "players"); values are
// compared as strings. A value of several lines is a list, one item a
// line: when it differs, the first differing item is named.
type Fingerprint map[string]string

// HashFloats returns the hexadecimal SHA-256 of the arrays: each array's
// length and then its values, as IEEE 754 little-endian bytes, in order
// (so that ([1, 2], [3]) and ([1], [2, 3]) differ).
func HashFloats(xs ...[]float64) string {
	h := sha256.New()
	var b [8]byte
	for _, x := range xs {
		binary.LittleEndian.PutUint64(b[:], uint64(len(x)))
		h.Write(b[:])
		for _, v := range x {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DataFingerprint returns the data entry of a Fingerprint: the number of
// rows and the SHA-256 of the arrays ([HashFloats]), as in
// "506 rows, sha256 3fa2…".
func DataFingerprint(rows int, xs ...[]float64) string {
	return fmt.Sprintf("%d rows, sha256 %s", rows, HashFloats(xs...))
}

// diff describes how the fingerprint of a checkpoint (got) differs from
// this run's (want), one clause per differing key in key order; "" when
// they agree.
func (got Fingerprint) diff(want Fingerprint) string {
	keys := append(slices.Collect(maps.Keys(got)), slices.Collect(maps.Keys(want))...)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var out []string
	for _, k := range keys {
		g, inGot := got[k]
		w, inWant := want[k]
		switch {
		case inGot && inWant && g == w:
		case !inGot:
			out = append(out, fmt.Sprintf("the checkpoint records no %s (this run's is %q)", k, w))
		case !inWant:
			out = append(out, fmt.Sprintf("the checkpoint records %s %q, which this run does not have", k, g))
		case strings.Contains(g, "\n") || strings.Contains(w, "\n"):
			out = append(out, listDiff(k, g, w))
		default:
			out = append(out, fmt.Sprintf("%s is %q in the checkpoint and %q in this run", k, g, w))
		}
	}
	return strings.Join(out, "; ")
}

// listDiff names the first differing item of two lists, one item a line.
func listDiff(key, got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	item := func(l []string) string {
		if i < len(l) {
			return fmt.Sprintf("%q", l[i])
		}
		return "nothing"
	}
	counts := fmt.Sprintf("%d in each", len(g))
	if len(g) != len(w) {
		counts = fmt.Sprintf("%d in the checkpoint, %d in this run", len(g), len(w))
	}
	return fmt.Sprintf("%s differ at item %d: %s in the checkpoint, %s in this run (%s)", key, i+1, item(g), item(w), counts)
}

// AddFields adds an entry to f for each exported field of the struct v
// (or of the struct v points to), keyed prefix.Field and formatted with
// %v, so that a difference names the field: "model.PriorScale is "1" in
// the checkpoint and "2" in this run". A v that is not a struct is one
// entry, prefix.
func (f Fingerprint) AddFields(prefix string, v any) {
	r := reflect.Indirect(reflect.ValueOf(v))
	if r.Kind() != reflect.Struct {
		f[prefix] = fmt.Sprint(v)
		return
	}
	for i := range r.NumField() {
		if fd := r.Type().Field(i); fd.IsExported() {
			f[prefix+"."+fd.Name] = fmt.Sprint(r.Field(i).Interface())
		}
	}
}
