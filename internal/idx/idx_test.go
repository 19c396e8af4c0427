package idx

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gz(t *testing.T, path string, b []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

func TestReadSet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pix := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	gz(t, filepath.Join(dir, TestImages), Encode(MagicImages, []uint32{2, 2, 3}, pix))
	gz(t, filepath.Join(dir, TestLabels), Encode(MagicLabels, []uint32{2}, []byte{7, 1}))
	im, err := ReadSet(dir, false)
	require.NoError(t, err)
	assert.Equal(t, Images{N: 2, Rows: 2, Cols: 3, Pixels: pix, Labels: []byte{7, 1}}, *im)

	_, err = ReadSet(dir, true)
	assert.ErrorContains(t, err, filepath.Join(dir, TrainImages), "a missing file is named")

	gz(t, filepath.Join(dir, TestLabels), Encode(MagicLabels, []uint32{3}, []byte{7, 1, 2}))
	_, err = ReadSet(dir, false)
	assert.EqualError(t, err, filepath.Join(dir, TestLabels)+" holds 3 labels for 2 images (in "+filepath.Join(dir, TestImages)+")")

	gz(t, filepath.Join(dir, TestLabels), Encode(MagicImages, []uint32{2, 1, 1}, []byte{7, 1}))
	_, err = ReadSet(dir, false)
	assert.EqualError(t, err, filepath.Join(dir, TestLabels)+": byte 0: IDX magic 2051, want 2049")
}
