package lda

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLocalInit(t *testing.T) {
	t.Parallel()
	for _, l := range []LocalInit{LocalGuarded, LocalBest, LocalWarm, LocalFresh} {
		got, err := ParseLocalInit(l.String())
		require.NoError(t, err)
		assert.Equal(t, l, got)
	}
	_, err := ParseLocalInit("cold")
	assert.ErrorContains(t, err, `lda: unknown local init "cold"`)
}
