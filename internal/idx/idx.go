package idx

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Images are n images of Rows×Cols unsigned-byte pixels, row-major, and
// their labels.
type Images struct {
	N, Rows, Cols int
	Pixels        []byte // N×Rows×Cols
	Labels        []byte // N labels, or nil
}

// The IDX magic numbers read here: unsigned bytes (0x08) in 3 dimensions
// (images) and in 1 (labels).
const (
	MagicImages = 0x0803
	MagicLabels = 0x0801
)

// MaxValues bounds the values an IDX file may declare (Fashion-MNIST's
// training images are 47,040,000).
const MaxValues = 1 << 30

// File names of the MNIST and Fashion-MNIST files, as upstream distributes
// them (gzipped).
const (
	TrainImages = "train-images-idx3-ubyte.gz"
	TrainLabels = "train-labels-idx1-ubyte.gz"
	TestImages  = "t10k-images-idx3-ubyte.gz"
	TestLabels  = "t10k-labels-idx1-ubyte.gz"
)

// ReadImages reads the images file (magic 2051) and, unless labels is "",
// the labels file (magic 2049), which must hold one label per image.
func ReadImages(images, labels string) (*Images, error) {
	dims, pix, err := ReadFile(images, MagicImages)
	if err != nil {
		return nil, err
	}
	im := &Images{N: dims[0], Rows: dims[1], Cols: dims[2], Pixels: pix}
	if labels == "" {
		return im, nil
	}
	ld, lab, err := ReadFile(labels, MagicLabels)
	if err != nil {
		return nil, err
	}
	if ld[0] != im.N {
		return nil, fmt.Errorf("%s holds %d labels for %d images (in %s)", labels, ld[0], im.N, images)
	}
	im.Labels = lab
	return im, nil
}

// ReadSet reads the training (train true) or the test images and labels
// of MNIST or Fashion-MNIST from dir, under their upstream names.
func ReadSet(dir string, train bool) (*Images, error) {
	img, lab := TestImages, TestLabels
	if train {
		img, lab = TrainImages, TrainLabels
	}
	return ReadImages(filepath.Join(dir, img), filepath.Join(dir, lab))
}

// ReadFile reads the IDX file at path, gunzipping it when the name ends in
// .gz; see Decode.
func ReadFile(path string, magic uint32) ([]int, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	return Decode(r, path, magic)
}

// Decode reads one IDX array of unsigned bytes with the given magic
// number from r: the magic, one big-endian uint32 per dimension, every
// dimension positive and at most MaxValues values in all, then exactly
// that many bytes. name labels errors, which give the byte offset of the
// problem (in the uncompressed stream). Memory grows with the bytes
// actually read, not with the dimensions the header claims.
func Decode(r io.Reader, name string, magic uint32) ([]int, []byte, error) {
	fail := func(off int64, format string, args ...any) ([]int, []byte, error) {
		return nil, nil, fmt.Errorf("%s: byte %d: %s", name, off, fmt.Sprintf(format, args...))
	}
	var m uint32
	if err := binary.Read(r, binary.BigEndian, &m); err != nil {
		return fail(0, "no IDX magic number: %v", err)
	}
	if m != magic {
		return fail(0, "IDX magic %d, want %d", m, magic)
	}
	dims := make([]int, m&0xff)
	size := int64(1)
	for i := range dims {
		var v uint32
		if err := binary.Read(r, binary.BigEndian, &v); err != nil {
			return fail(int64(4+4*i), "IDX header ends before dimension %d of %d: %v", i+1, len(dims), err)
		}
		dims[i] = int(v)
		if v == 0 {
			return fail(int64(4+4*i), "IDX dimension %d is 0", i+1)
		}
		if size *= int64(v); size > MaxValues {
			return fail(int64(4+4*i), "implausible IDX dimensions: more than %d values", MaxValues)
		}
	}
	head := int64(4 + 4*len(dims))
	buf, err := io.ReadAll(io.LimitReader(r, size+1))
	switch {
	case err != nil:
		return fail(head+int64(len(buf)), "%v", err)
	case int64(len(buf)) < size:
		return fail(head+int64(len(buf)), "the data ends after %d of the %d bytes the dimensions %v give", len(buf), size, dims)
	case int64(len(buf)) > size:
		return fail(head+size, "the data goes on after the %d bytes the dimensions %v give", size, dims)
	}
	return dims, buf, nil
}

// Encode returns the IDX file holding data under the given magic number
// and dimensions: the inverse of Decode, for tests and tools that write
// their own files.
func Encode(magic uint32, dims []uint32, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		out = binary.BigEndian.AppendUint32(out, d)
	}
	return append(out, data...)
}

// WriteFile writes Encode's bytes to path, gzipped when path ends in .gz
// (as upstream's files are).
func WriteFile(path string, magic uint32, dims []uint32, data []byte) error {
	out := Encode(magic, dims, data)
	if filepath.Ext(path) == ".gz" {
		var buf strings.Builder
		w := gzip.NewWriter(&buf)
		if _, err := w.Write(out); err != nil {
			return fmt.Errorf("idx: %s: %w", path, err)
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("idx: %s: %w", path, err)
		}
		out = []byte(buf.String())
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("idx: %w", err)
	}
	return nil
}
