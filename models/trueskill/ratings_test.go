package trueskill

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRatings(t *testing.T) {
	t.Parallel()
	r, err := Ratings([]string{"c", "a", "b", "d"}, []float64{1, 2, 1, -1}, []float64{0.1, 1, 0.2, 0.5})
	require.NoError(t, err)
	// The conservative values are computed as Mean − 3·Std in float64.
	b, c := 0.2, 0.1
	assert.Equal(t, []Rating{
		{Name: "a", Mean: 2, Std: 1, Conservative: -1},
		{Name: "b", Mean: 1, Std: b, Conservative: 1 - 3*b},
		{Name: "c", Mean: 1, Std: c, Conservative: 1 - 3*c},
		{Name: "d", Mean: -1, Std: 0.5, Conservative: -2.5},
	}, r, "by mean, ties by name")
	assert.Equal(t, []string{"a", "b"}, TopK(r, 2))
	assert.Equal(t, []string{"a", "b", "c", "d"}, TopK(r, 10))
	assert.Empty(t, TopK(r, -1))
	_, err = Ratings([]string{"a"}, []float64{1, 2}, []float64{1})
	assert.Error(t, err)

	p := &Posterior{Players: []string{"x", "y"}, Mean: []float64{0, 1}, Std: []float64{1, 1}}
	assert.Equal(t, []string{"y", "x"}, TopK(p.Ratings(), 2))
}

func TestOrderSwaps(t *testing.T) {
	t.Parallel()
	assert.Empty(t, OrderSwaps([]string{"a", "b", "c"}, []string{"a", "b", "c"}))
	assert.Equal(t, []Swap{{"b", "c"}}, OrderSwaps([]string{"a", "b", "c"}, []string{"a", "c", "b"}))
	assert.Equal(t, []Swap{{"a", "b"}, {"a", "c"}, {"b", "c"}}, OrderSwaps([]string{"a", "b", "c"}, []string{"c", "b", "a"}))
	// Names missing from one list are ignored.
	assert.Empty(t, OrderSwaps([]string{"a", "x", "b"}, []string{"a", "b", "y"}))
}
