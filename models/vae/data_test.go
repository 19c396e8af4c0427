package vae

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govi/govi/internal/idx"
)

// TestReadIDXErrorsIssue14: a malformed IDX file is an error naming the
// file and the byte offset; a header claiming a gigabyte in a few bytes no
// longer allocates it (found by FuzzReadIDX: the fuzzing process died).
func TestReadIDXErrorsIssue14(t *testing.T) {
	t.Parallel()
	pix := make([]byte, 12)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		in   []byte
		want string // after "vae: PATH: "
	}{
		{"empty", nil, "byte 0: no IDX magic number: EOF"},
		{"labels as images", idx.Encode(2049, []uint32{3}, []byte{1, 2, 3}), "byte 0: IDX magic 2049, want 2051"},
		{"short header", idx.Encode(2051, []uint32{3, 2}, nil), "byte 12: IDX header ends before dimension 3 of 3: EOF"},
		{"zero images", idx.Encode(2051, []uint32{0, 2, 2}, nil), "byte 4: IDX dimension 1 is 0"},
		{"huge", idx.Encode(2051, []uint32{1 << 31, 1 << 31, 1 << 31}, nil), "byte 4: implausible IDX dimensions: more than 1073741824 values"},
		{"gigabyte claimed", idx.Encode(2051, []uint32{0xefff03, 2, 32}, pix), "byte 28: the data ends after 12 of the 1006616768 bytes the dimensions [15728387 2 32] give"},
		{"short data", idx.Encode(2051, []uint32{3, 2, 2}, pix[:5]), "byte 21: the data ends after 5 of the 12 bytes the dimensions [3 2 2] give"},
		{"trailing byte", idx.Encode(2051, []uint32{3, 2, 2}, append(pix, 0)), "byte 28: the data goes on after the 12 bytes the dimensions [3 2 2] give"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			require.NoError(t, os.WriteFile(path, tc.in, 0o644))
			_, err := ReadIDX(path, "")
			assert.EqualError(t, err, "vae: "+path+": "+tc.want)
		})
	}
	img := filepath.Join(dir, "img")
	require.NoError(t, os.WriteFile(img, idx.Encode(2051, []uint32{3, 2, 3}, make([]byte, 18)), 0o644))
	_, err := ReadIDX(img, "")
	assert.EqualError(t, err, "vae: "+img+" holds 2×3 images, not square ones")
	require.NoError(t, os.WriteFile(img, idx.Encode(2051, []uint32{3, 2, 2}, pix), 0o644))
	lab := filepath.Join(dir, "lab")
	require.NoError(t, os.WriteFile(lab, idx.Encode(2049, []uint32{2}, []byte{1, 2}), 0o644))
	_, err = ReadIDX(img, lab)
	assert.EqualError(t, err, "vae: "+lab+" holds 2 labels for 3 images (in "+img+")")
}

// TestReadDigitsErrorsIssue14: a pixel or label out of range is named by
// file, line and column (from 1; the pixel was counted from 0 and the row
// from the first data row).
func TestReadDigitsErrorsIssue14(t *testing.T) {
	t.Parallel()
	row := func(pixel, label string) string {
		f := make([]string, 65)
		for i := range f {
			f[i] = "0"
		}
		f[5], f[64] = pixel, label
		return strings.Join(f, ",") + "\n"
	}
	dir := t.TempDir()
	for _, tc := range []struct{ name, in, want string }{
		{"pixel", "# digits\n" + row("1", "3") + row("17", "3"), "line 3, column 6: pixel 17 outside 0…16"},
		{"label", row("1", "3") + "\n" + row("1", "2.5"), "line 3, column 65: label 2.5 is not a class number 0, 1, …"},
		{"negative label", row("1", "-1"), "line 1, column 65: label -1 is not a class number 0, 1, …"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, tc.name+".csv")
			require.NoError(t, os.WriteFile(path, []byte(tc.in), 0o644))
			_, err := ReadDigits(path)
			assert.EqualError(t, err, "vae: "+path+": "+tc.want)
		})
	}
}

// FuzzReadIDX: images (and labels, when given) read without error make a
// data set whose every row can be read, with pixels in [0, 1] and as many
// labels as rows; every error names a file. The images are gzipped first
// when gz is set, as the upstream files are.
func FuzzReadIDX(f *testing.F) {
	pix := make([]byte, 12)
	for i := range pix {
		pix[i] = byte(20 * i)
	}
	img := idx.Encode(2051, []uint32{3, 2, 2}, pix)
	lab := idx.Encode(2049, []uint32{3}, []byte{7, 0, 9})
	f.Add(img, lab, false)
	f.Add(img, lab, true)
	f.Add(img, []byte{}, false)
	f.Add(lab, []byte{}, false)                                                   // labels as images
	f.Add(img[:20], lab, false)                                                   // short data
	f.Add(append(img, 1), lab, false)                                             // trailing byte
	f.Add(idx.Encode(2051, []uint32{3, 2, 3}, pix), lab, false)                   // not square
	f.Add(idx.Encode(2051, []uint32{0, 2, 2}, nil), []byte{}, false)              // no images
	f.Add(idx.Encode(2051, []uint32{1 << 31, 1 << 31, 1 << 31}, pix), lab, false) // huge
	f.Add(idx.Encode(2051, []uint32{3, 2, 2}, pix), idx.Encode(2049, []uint32{2}, []byte{1, 2}), false)
	f.Add([]byte{}, []byte{}, false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, images, labels []byte, gz bool) {
		imgPath, labPath := filepath.Join(dir, "img"), ""
		if gz {
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			_, _ = w.Write(images)
			require.NoError(t, w.Close())
			images, imgPath = z.Bytes(), imgPath+".gz"
		}
		require.NoError(t, os.WriteFile(imgPath, images, 0o644))
		if len(labels) > 0 {
			labPath = filepath.Join(dir, "lab")
			require.NoError(t, os.WriteFile(labPath, labels, 0o644))
		}
		d, err := ReadIDX(imgPath, labPath)
		if err != nil {
			require.True(t, strings.Contains(err.Error(), imgPath) || labPath != "" && strings.Contains(err.Error(), labPath),
				"error %q names no file", err)
			return
		}
		require.NoError(t, d.check())
		require.True(t, d.Rows <= len(d.X) && d.Dim <= len(d.X), "%d rows of %d pixels from %d values", d.Rows, d.Dim, len(d.X))
		last := d.Select([]int{d.Rows - 1})
		require.Len(t, last.X, d.Dim)
		for _, v := range d.X {
			require.True(t, v >= 0 && v <= 1, "pixel %v", v)
		}
	})
}
