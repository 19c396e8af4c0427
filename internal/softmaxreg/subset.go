package softmaxreg

import "fmt"

// SelectClasses returns the rows of (x, y) (N×d inputs, labels) whose
// label is one of classes, relabeled 0…len(classes)−1 in the order given.
func SelectClasses(x, y []float64, d int, classes []int) (xs, ys []float64, err error) {
	if len(classes) < 2 {
		return nil, nil, fmt.Errorf("softmaxreg: need at least 2 classes, got %v", classes)
	}
	label := map[float64]float64{}
	for i, c := range classes {
		if _, dup := label[float64(c)]; dup {
			return nil, nil, fmt.Errorf("softmaxreg: class %d listed twice", c)
		}
		label[float64(c)] = float64(i)
	}
	for i, v := range y {
		if l, ok := label[v]; ok {
			xs = append(xs, x[i*d:(i+1)*d]...)
			ys = append(ys, l)
		}
	}
	if len(ys) == 0 {
		return nil, nil, fmt.Errorf("softmaxreg: no row has a label in %v", classes)
	}
	return xs, ys, nil
}

// Pool sums f×f blocks of square side×side images stored one a row
// (row-major pixels), giving (side/f)² inputs a row.
func Pool(x []float64, side, f int) ([]float64, error) {
	d := side * side
	if f < 1 || side%f != 0 || len(x)%d != 0 {
		return nil, fmt.Errorf("softmaxreg: cannot pool %d values in %d×%d blocks of %d×%d images", len(x), f, f, side, side)
	}
	s := side / f
	out := make([]float64, len(x)/d*s*s)
	for i := 0; i < len(x)/d; i++ {
		img, dst := x[i*d:(i+1)*d], out[i*s*s:(i+1)*s*s]
		for r := range side {
			for c := range side {
				dst[(r/f)*s+c/f] += img[r*side+c]
			}
		}
	}
	return out, nil
}
