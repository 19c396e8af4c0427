package lines

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEach(t *testing.T) {
	t.Parallel()
	var got []string
	var nums []int
	err := Each(strings.NewReader("\ufeffa\r\n\nb\ufeff\nc"), func(n int, line string) error {
		nums, got = append(nums, n), append(got, line)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3, 4}, nums)
	assert.Equal(t, []string{"a", "", "b\ufeff", "c"}, got, "only the mark at the start goes")

	stop := errors.New("stop")
	err = Each(strings.NewReader("a\nb\n"), func(n int, line string) error {
		if n == 2 {
			return stop
		}
		return nil
	})
	assert.Equal(t, stop, err)

	err = Each(iotest.ErrReader(errors.New("disk")), func(int, string) error { return nil })
	var re *ReadError
	require.True(t, errors.As(err, &re))
	assert.EqualError(t, err, "line 1: disk")
}
