package svi_test

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/svi"
)

// fullState returns a state in which every exported field, and every
// exported field of its optimizer state and minibatches, holds a value
// other than its zero value.
func fullState(t *testing.T) *svi.State {
	t.Helper()
	tr, st, _ := newNN(t, svi.Config{Particles: 2, Optimizer: svi.Adam{LearnRate: 0.05}}, 3)
	_, err := svi.Run(context.Background(), tr, st, nil, &svi.Settings{Steps: 40, Average: true})
	require.NoError(t, err)
	st.AvgN, st.AvgFrom = 7, 20
	st.Iterate = st.Params.Clone()
	st.Opt.LRScale, st.Opt.Backoff = 0.3, 0.25
	st.Batches, err = svi.NewMinibatches(10, 3, rand.NewPCG(4, 5))
	require.NoError(t, err)
	st.Batches.Next()
	for _, v := range []reflect.Value{reflect.ValueOf(*st), reflect.ValueOf(*st.Opt), reflect.ValueOf(*st.Batches)} {
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				require.False(t, v.Field(i).IsZero(), "%s.%s is zero: the test must set it", v.Type(), v.Type().Field(i).Name)
			}
		}
	}
	return st
}

// exported returns the exported fields of a State, recursively
// comparable with reflect.DeepEqual (the unexported caches are left out).
func exported(st *svi.State) map[string]any {
	out := map[string]any{}
	v := reflect.ValueOf(*st)
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		x := v.Field(i).Interface()
		if b, ok := x.(*svi.Minibatches); ok && b != nil {
			x = [5]any{b.N, b.B, b.Order, b.Pos, *b.RNG}
		}
		out[f.Name] = x
	}
	return out
}

// TestCopyFromCopiesWhatCloneCopies: CopyFrom, into a fresh state or into
// one with storage of its own, gives a state equal to Clone's in every
// exported field, with no storage shared with the source.
func TestCopyFromCopiesWhatCloneCopies(t *testing.T) {
	src := fullState(t)
	clone := src.Clone()
	require.Equal(t, exported(src), exported(clone))
	for name, dst := range map[string]*svi.State{"fresh": {}, "reused": fullState(t)} {
		if name == "reused" {
			dst.Opt.Backoff, dst.AvgN = 1, 1
			dst.Batches.Next()
		}
		dst.CopyFrom(src)
		assert.Equal(t, exported(clone), exported(dst), "CopyFrom into a %s state", name)
		// No shared storage: changing the copy leaves the source alone.
		dst.Params.At(0)[0] = math.Pi
		dst.Opt.Slots[0].At(0)[0] = math.Pi
		dst.Avg.At(0)[0] = math.Pi
		dst.Iterate.At(0)[0] = math.Pi
		dst.Batches.Order[0] = -1
		dst.Trace[0] = math.Pi
		assert.Equal(t, exported(clone), exported(src), "the source after changing a %s copy", name)
	}
}
