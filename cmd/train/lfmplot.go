package main

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// lfmOutputs stages the files of an lfm run besides report.json:
// weights.csv and bias.csv (the parameters, in the form -weights and
// -bias read), features.png (the weights of each factor as an image, when
// D is a perfect square) and elbo.png (the ELBO trace, when it has two
// points or more).
func lfmOutputs(rep *lfmReport, od *outDir) error {
	for _, t := range []struct {
		name string
		rows [][]float64
	}{{"weights.csv", rep.Weights}, {"bias.csv", [][]float64{rep.Bias}}} {
		if err := od.WriteFile(t.name, func(w io.Writer) error { return writeCSV(w, t.rows) }); err != nil {
			return fmt.Errorf("train lfm: %s: %w", t.name, err)
		}
	}
	if side := perfectSquare(rep.D); side > 0 {
		if err := od.WriteFile("features.png", func(w io.Writer) error { return plotFeatures(w, rep, side) }); err != nil {
			return fmt.Errorf("train lfm: features.png: %w", err)
		}
		rep.Plots = append(rep.Plots, od.Path("features.png"))
	} else {
		rep.Notes = append(rep.Notes, fmt.Sprintf("D = %d is not a square number: no features.png", rep.D))
	}
	if len(rep.ELBOTrace) >= 2 {
		if err := od.WriteFile("elbo.png", func(w io.Writer) error { return plotLFMTrace(w, rep) }); err != nil {
			return fmt.Errorf("train lfm: elbo.png: %w", err)
		}
		rep.Plots = append(rep.Plots, od.Path("elbo.png"))
	}
	return nil
}

// writeCSV writes rows of numbers as CSV, each to full precision.
func writeCSV(w io.Writer, rows [][]float64) error {
	for _, row := range rows {
		for i, v := range row {
			sep := ","
			if i == len(row)-1 {
				sep = "\n"
			}
			if _, err := fmt.Fprintf(w, "%s%s", strconv.FormatFloat(v, 'g', -1, 64), sep); err != nil {
				return err
			}
		}
	}
	return nil
}

// featureGrid lays out the K weight rows as side×side images, up to 8 a
// row, one pixel gap, scaled up by zoom, on a diverging scale symmetric
// about 0: blue negative, white 0, red positive, full colour at ±top.
func featureGrid(w [][]float64, side, zoom int) (*image.RGBA, float64) {
	cols := min(8, len(w))
	rows := (len(w) + cols - 1) / cols
	cell := side + 1
	img := image.NewRGBA(image.Rect(0, 0, (cols*cell+1)*zoom, (rows*cell+1)*zoom))
	for i := range img.Pix {
		img.Pix[i] = 160 // grey gaps
	}
	var top float64
	for _, row := range w {
		for _, v := range row {
			top = math.Max(top, math.Abs(v))
		}
	}
	if top == 0 {
		top = 1
	}
	cm := moreland.SmoothBlueRed()
	cm.SetMin(-top)
	cm.SetMax(top)
	for k, row := range w {
		r0, c0 := (k/cols)*cell+1, (k%cols)*cell+1
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				c, err := cm.At(row[y*side+x])
				if err != nil {
					c = color.Black
				}
				for dy := 0; dy < zoom; dy++ {
					for dx := 0; dx < zoom; dx++ {
						img.Set((c0+x)*zoom+dx, (r0+y)*zoom+dy, c)
					}
				}
			}
		}
	}
	return img, top
}

// plotFeatures draws every factor's weights as an image (row j of W, pixel
// (r, c) = output r·side + c), left to right, top to bottom.
func plotFeatures(w io.Writer, rep *lfmReport, side int) error {
	zoom := max(2, 96/side)
	img, top := featureGrid(rep.Weights, side, zoom)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("factor weights, K = %d: blue < 0 < red, ±%.3g at full colour", rep.K, top)
	p.HideAxes()
	b := img.Bounds()
	p.Add(plotter.NewImage(img, 0, 0, float64(b.Dx()), float64(b.Dy())))
	width := max(vg.Length(b.Dx())*vg.Inch/96, 5*vg.Inch)
	height := width * vg.Length(b.Dy()) / vg.Length(b.Dx())
	return writePNG(w, p, width, height+p.Title.TextStyle.Height(p.Title.Text)+p.Title.Padding)
}

// plotLFMTrace draws the ELBO against the iteration (EM iterations or
// CAVI sweeps).
func plotLFMTrace(w io.Writer, rep *lfmReport) error {
	if len(rep.Estimators) > 0 {
		return plotLFMEstimators(w, rep)
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("ELBO by CAVI sweep (%s outputs, K = %d)", rep.Likelihood, rep.K)
	p.X.Label.Text = "CAVI sweep (0: λ = π)"
	if rep.learned != nil {
		p.Title.Text = fmt.Sprintf("ELBO by variational EM iteration, best of %d starts (K = %d)", rep.Learn.Starts, rep.K)
		p.X.Label.Text = "EM iteration (0: after the first E-step)"
	}
	p.Y.Label.Text = "ELBO summed over rows"
	pts := make(plotter.XYs, len(rep.ELBOTrace))
	for i, v := range rep.ELBOTrace {
		pts[i] = plotter.XY{X: float64(i), Y: v}
	}
	l, s, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	s.Radius = vg.Points(1.5)
	p.Add(l, s)
	if rep.LogEvidence != nil && rep.learned == nil {
		le := *rep.LogEvidence
		ref, err := plotter.NewLine(plotter.XYs{{X: 0, Y: le}, {X: float64(len(pts) - 1), Y: le}})
		if err != nil {
			return err
		}
		ref.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(ref)
		p.Legend.Add("ELBO", l)
		p.Legend.Add("log evidence (exact)", ref)
		p.Legend.Top, p.Legend.Left = false, false
	}
	return writePNG(w, p, 7*vg.Inch, 4*vg.Inch)
}

// plotLFMEstimators draws each estimator's ELBO estimate against the step
// on one chart (a running mean over 20 steps, to see through the noise).
func plotLFMEstimators(w io.Writer, rep *lfmReport) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("SVI (%s): ELBO estimate by step, running mean of 20 (K = %d)", rep.Method, rep.K)
	p.X.Label.Text = "step"
	p.Y.Label.Text = "ELBO estimate summed over rows"
	for i, e := range rep.Estimators {
		pts := make(plotter.XYs, len(e.Trace))
		var sum float64
		for j, v := range e.Trace {
			sum += v
			if j >= 20 {
				sum -= e.Trace[j-20]
			}
			pts[j] = plotter.XY{X: float64(j + 1), Y: sum / float64(min(j+1, 20))}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.LineStyle.Color = plotutil.Color(i)
		p.Add(l)
		p.Legend.Add(e.Estimator, l)
	}
	if rep.LogEvidence != nil {
		le := *rep.LogEvidence
		n := float64(len(rep.Estimators[0].Trace))
		ref, err := plotter.NewLine(plotter.XYs{{X: 1, Y: le}, {X: n, Y: le}})
		if err != nil {
			return err
		}
		ref.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(ref)
		p.Legend.Add("log evidence (exact)", ref)
	}
	p.Legend.Top, p.Legend.Left = false, false
	return writePNG(w, p, 7*vg.Inch, 4*vg.Inch)
}
