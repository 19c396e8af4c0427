package main

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/govi/govi/models/kl"
)

// klLevels are the contour radii: each density is drawn where it has fallen
// to exp(−r²/2) of its maximum, r = 1 and 2 (a Gaussian's 1- and 2-σ
// ellipses).
var klLevels = []float64{1, 2}

// densityGrid is a density sampled on a regular grid, for plotter.NewContour.
type densityGrid struct {
	x, y []float64
	z    [][]float64 // z[c][r]
}

func (g densityGrid) Dims() (c, r int)   { return len(g.x), len(g.y) }
func (g densityGrid) Z(c, r int) float64 { return g.z[c][r] }
func (g densityGrid) X(c int) float64    { return g.x[c] }
func (g densityGrid) Y(r int) float64    { return g.y[r] }

// grey is a one-colour palette.
type grey struct{}

func (grey) Colors() []color.Color {
	return []color.Color{color.Gray{Y: 90}, color.Gray{Y: 90}}
}

// plotBox returns the extent of the plot: every solution's 3-σ box (the
// moment-matched or marginal solution covers p's).
func plotBox(sols []kl.Solution) (lo, hi [2]float64) {
	lo, hi = [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	for _, s := range sols {
		sd := s.Q.Std()
		for i := 0; i < 2; i++ {
			lo[i] = math.Min(lo[i], s.Q.Mean[i]-3*sd[i])
			hi[i] = math.Max(hi[i], s.Q.Mean[i]+3*sd[i])
		}
	}
	return lo, hi
}

// plotKL draws p's level sets (grey, by plotter.NewContour on a 201×201
// grid) with each q's 1- and 2-σ ellipses overlaid.
func plotKL(w io.Writer, title string, p kl.Density, sols []kl.Solution) error {
	lo, hi := plotBox(sols)
	const n = 201
	g := densityGrid{x: make([]float64, n), y: make([]float64, n), z: make([][]float64, n)}
	zmax := 0.0
	for i := 0; i < n; i++ {
		g.x[i] = lo[0] + (hi[0]-lo[0])*float64(i)/(n-1)
		g.y[i] = lo[1] + (hi[1]-lo[1])*float64(i)/(n-1)
	}
	for i := range g.z {
		g.z[i] = make([]float64, n)
		for j := range g.z[i] {
			g.z[i][j] = math.Exp(p.LogPdf([2]float64{g.x[i], g.y[j]}))
			zmax = math.Max(zmax, g.z[i][j])
		}
	}
	levels := make([]float64, len(klLevels))
	for i, r := range klLevels {
		levels[i] = zmax * math.Exp(-r*r/2)
	}
	pl := plot.New()
	pl.Title.Text = title
	pl.X.Label.Text, pl.Y.Label.Text = "z₁", "z₂"
	palette := []color.RGBA{{R: 213, G: 94, A: 255}, {G: 114, B: 178, A: 255}, {G: 158, B: 115, A: 255}, {R: 204, G: 121, B: 167, A: 255}, {R: 230, G: 159, A: 255}, {R: 86, G: 180, B: 233, A: 255}}
	for k, s := range sols {
		col := palette[k%len(palette)]
		for li, r := range klLevels {
			line, err := plotter.NewLine(ellipse(s.Q, r))
			if err != nil {
				return err
			}
			line.LineStyle.Width = vg.Points(1.5)
			line.LineStyle.Color = col
			if k > 0 && s.Fit != nil {
				line.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			pl.Add(line)
			if li == 0 {
				pl.Legend.Add(fmt.Sprintf("%s: KL(p‖q) %.4g, KL(q‖p) %.4g", s.Name, s.Quadrature.PQ, s.Quadrature.QP), line)
			}
		}
	}
	ct := plotter.NewContour(g, levels, grey{})
	ct.LineStyles[0].Width = vg.Points(1)
	pl.Add(ct) // last, so that p stays visible where a q lies on it
	pl.Legend.Top = true
	pl.Legend.TextStyle.Font.Size = vg.Points(8)
	pl.Y.Max += 0.5 * (pl.Y.Max - pl.Y.Min) // room for the legend
	return writePNG(w, pl, 7*vg.Inch, 6*vg.Inch)
}

// ellipse returns q's Mahalanobis-radius-r ellipse, z = μ + r L (cos θ, sin θ)
// with LLᵀ = Σ.
func ellipse(q kl.Gaussian, r float64) plotter.XYs {
	l00 := math.Sqrt(q.Cov[0][0])
	l10 := q.Cov[1][0] / l00
	l11 := math.Sqrt(math.Max(q.Cov[1][1]-l10*l10, 0))
	const steps = 120
	pts := make(plotter.XYs, steps+1)
	for s := range pts {
		th := 2 * math.Pi * float64(s) / steps
		u, v := r*math.Cos(th), r*math.Sin(th)
		pts[s].X = q.Mean[0] + l00*u
		pts[s].Y = q.Mean[1] + l10*u + l11*v
	}
	return pts
}
