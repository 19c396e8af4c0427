package trueskill

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PlotMasses are the probability masses of the regions outlined by [Plot2]:
// the highest-density regions of the exact posterior and the matching
// ellipses of each Gaussian overlay.
var PlotMasses = []float64{0.5, 0.9, 0.99}

// Plot2 draws the exact two-player posterior g as contours and saves the
// figure to path; the format follows the file extension (.png, .svg, .pdf).
// The contours enclose the highest-density regions of mass PlotMasses, and
// each overlay (a Gaussian approximation: EP, Laplace, mean-field or
// full-rank SVI …) is drawn as the ellipses of equal mass,
// (x − μ)ᵀΣ⁻¹(x − μ) = −2 log(1 − mass), in its own colour and labelled in
// the legend.
func Plot2(path string, g *Grid2, title string, overlays ...Gaussian2) error {
	if g == nil || len(g.X) < 2 || len(g.Y) < 2 || len(g.Density) != len(g.X)*len(g.Y) {
		return errors.New("trueskill: Plot2: invalid grid")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "s_A"
	p.Y.Label.Text = "s_B"
	p.Legend.Left = false // bottom right: two-player posteriors are positively correlated

	levels, err := hpdLevels(g, PlotMasses)
	if err != nil {
		return err
	}
	exact := plotter.NewContour(gridXYZ{g}, levels, nil)
	exactStyle := draw.LineStyle{Color: color.Black, Width: vg.Points(1.2)}
	exact.LineStyles = []draw.LineStyle{exactStyle}
	p.Add(exact)
	p.Legend.Add("exact", &plotter.Line{LineStyle: exactStyle})

	palette := []color.Color{
		color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
		color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
		color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
		color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	}
	// Show the region holding 99.9% of the exact mass and every overlay's
	// outermost ellipse, with a margin.
	box, err := exactBox(g, 0.999)
	if err != nil {
		return err
	}
	for k, ov := range overlays {
		style := draw.LineStyle{
			Color:  palette[k%len(palette)],
			Width:  vg.Points(1),
			Dashes: []vg.Length{vg.Points(float64(2 + 2*(k%3))), vg.Points(2)},
		}
		for _, mass := range PlotMasses {
			pts, err := ellipse(ov, math.Sqrt(-2*math.Log1p(-mass)))
			if err != nil {
				return fmt.Errorf("trueskill: Plot2: overlay %q: %w", ov.Label, err)
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return fmt.Errorf("trueskill: Plot2: overlay %q: %w", ov.Label, err)
			}
			l.LineStyle = style
			p.Add(l)
			for _, pt := range pts {
				box.add(pt.X, pt.Y)
			}
		}
		p.Legend.Add(ov.Label, &plotter.Line{LineStyle: style})
	}
	padX, padY := 0.05*(box.xMax-box.xMin), 0.05*(box.yMax-box.yMin)
	p.X.Min, p.X.Max = box.xMin-padX, box.xMax+padX
	p.Y.Min, p.Y.Max = box.yMin-padY, box.yMax+padY
	if err := p.Save(5*vg.Inch, 5*vg.Inch, path); err != nil {
		return fmt.Errorf("trueskill: Plot2: %w", err)
	}
	return nil
}

// hpdLevels returns, for each mass, the density level whose superlevel set
// holds that mass of the grid posterior.
func hpdLevels(g *Grid2, masses []float64) ([]float64, error) {
	d := slices.Clone(g.Density)
	slices.Sort(d)
	slices.Reverse(d)
	var total float64
	for _, v := range d {
		total += v
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return nil, errors.New("trueskill: Plot2: grid density does not sum to a positive number")
	}
	levels := make([]float64, len(masses))
	for k, mass := range masses {
		if !(mass > 0 && mass < 1) {
			return nil, fmt.Errorf("trueskill: Plot2: mass %v outside (0, 1)", mass)
		}
		acc := 0.0
		for _, v := range d {
			acc += v
			if acc >= mass*total {
				levels[k] = v
				break
			}
		}
	}
	return levels, nil
}

// bbox is a bounding box in data coordinates.
type bbox struct{ xMin, xMax, yMin, yMax float64 }

func (b *bbox) add(x, y float64) {
	b.xMin, b.xMax = math.Min(b.xMin, x), math.Max(b.xMax, x)
	b.yMin, b.yMax = math.Min(b.yMin, y), math.Max(b.yMax, y)
}

// exactBox returns the bounding box of the grid points inside the
// highest-density region of the given mass.
func exactBox(g *Grid2, mass float64) (bbox, error) {
	lv, err := hpdLevels(g, []float64{mass})
	if err != nil {
		return bbox{}, err
	}
	b := bbox{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
	for r, y := range g.Y {
		for c, x := range g.X {
			if g.Density[r*len(g.X)+c] >= lv[0] {
				b.add(x, y)
			}
		}
	}
	return b, nil
}

// ellipse returns 181 points of the ellipse at Mahalanobis radius r of g.
func ellipse(g Gaussian2, r float64) (plotter.XYs, error) {
	a, b, c := g.Cov[0][0], g.Cov[0][1], g.Cov[1][1]
	if !(a > 0) || !(a*c-b*b > 0) || math.Abs(g.Cov[1][0]-b) > 1e-12*math.Max(math.Abs(b), 1) {
		return nil, fmt.Errorf("covariance %v is not symmetric positive definite", g.Cov)
	}
	// Cholesky factor L with LLᵀ = Σ maps the circle of radius r onto the ellipse.
	l11 := math.Sqrt(a)
	l21 := b / l11
	l22 := math.Sqrt(c - l21*l21)
	pts := make(plotter.XYs, 181)
	for k := range pts {
		th := 2 * math.Pi * float64(k) / float64(len(pts)-1)
		u, v := r*math.Cos(th), r*math.Sin(th)
		pts[k].X = g.Mean[0] + l11*u
		pts[k].Y = g.Mean[1] + l21*u + l22*v
	}
	return pts, nil
}

// gridXYZ adapts a Grid2 to plotter.GridXYZ.
type gridXYZ struct{ g *Grid2 }

func (a gridXYZ) Dims() (c, r int)   { return len(a.g.X), len(a.g.Y) }
func (a gridXYZ) Z(c, r int) float64 { return a.g.Density[r*len(a.g.X)+c] }
func (a gridXYZ) X(c int) float64    { return a.g.X[c] }
func (a gridXYZ) Y(r int) float64    { return a.g.Y[r] }
