package main

import (
	"encoding/csv"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// table is a sweep's results, printed as Markdown and saved as CSV.
type table struct {
	title string
	cols  []string
	rows  [][]string
}

// add appends a row; each value is formatted with %v.
func (t *table) add(vals ...any) {
	row := make([]string, len(vals))
	for i, v := range vals {
		row[i] = fmt.Sprint(v)
	}
	t.rows = append(t.rows, row)
}

// write prints t as a Markdown table (numbers right-aligned) and, when
// o.csv is set, saves it as o.csv/name.csv.
func (t *table) write(w io.Writer, o options, name string) error {
	fmt.Fprintf(w, "#### %s\n\n", t.title)
	fmt.Fprintf(w, "| %s |\n|", strings.Join(t.cols, " | "))
	for i := range t.cols {
		if i == 0 {
			fmt.Fprint(w, "---|")
		} else {
			fmt.Fprint(w, "--:|")
		}
	}
	fmt.Fprintln(w)
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
	fmt.Fprintln(w)
	if o.csv == "" {
		return nil
	}
	f, err := os.Create(filepath.Join(o.csv, name+".csv"))
	if err != nil {
		return fmt.Errorf("scaling: %w", err)
	}
	cw := csv.NewWriter(f)
	_ = cw.Write(t.cols)
	_ = cw.WriteAll(t.rows) // flushes
	if err := cw.Error(); err != nil {
		f.Close()
		return fmt.Errorf("scaling: %w", err)
	}
	return f.Close()
}

// plotSpec describes one figure.
type plotSpec struct {
	file, title  string
	xAxis, yAxis string
	logX, logY   bool
	ref          string // legend of the proportional reference line
}

// linePlot draws the measured points joined by a line, and a dashed line
// through the origin and the last (largest) point, y ∝ x, against which
// a fixed cost shows as a flattening at small x.
func linePlot(s plotSpec, dir string, xs, ys []float64) error {
	p := plot.New()
	p.Title.Text = s.title
	p.X.Label.Text = s.xAxis
	p.Y.Label.Text = s.yAxis
	if s.logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.TickerFunc(ticks125)
	} else {
		p.X.Min = 0
		p.X.Tick.Marker = plot.TickerFunc(ticksLinear)
	}
	if s.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.TickerFunc(ticks125)
	} else {
		p.Y.Min = 0
		p.Y.Tick.Marker = plot.TickerFunc(ticksLinear)
	}
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	line, scatter, err := plotter.NewLinePoints(pts)
	if err != nil {
		return fmt.Errorf("scaling: plot %s: %w", s.file, err)
	}
	line.LineStyle.Width = vg.Points(1.5)
	scatter.GlyphStyle.Shape = draw.CircleGlyph{}
	scatter.GlyphStyle.Radius = vg.Points(3)
	p.Add(plotter.NewGrid(), line, scatter)
	p.Legend.Add("measured", line, scatter)
	if n := len(xs); n > 1 && s.ref != "" {
		last := pts[n-1]
		var ref plotter.XYs
		for _, x := range xs {
			ref = append(ref, plotter.XY{X: x, Y: last.Y * x / last.X})
		}
		if !s.logX {
			ref = append(plotter.XYs{{X: 0, Y: 0}}, ref...)
		}
		rl, err := plotter.NewLine(ref)
		if err != nil {
			return fmt.Errorf("scaling: plot %s: %w", s.file, err)
		}
		rl.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		rl.LineStyle.Color = color.Gray{Y: 120}
		p.Add(rl)
		p.Legend.Add(s.ref+" (through the largest point)", rl)
	}
	// The curves rise from bottom left to top right: the bottom right is free.
	p.Legend.Top = false
	p.Legend.Left = false
	if err := p.Save(6*vg.Inch, 4.5*vg.Inch, filepath.Join(dir, s.file)); err != nil {
		return fmt.Errorf("scaling: plot %s: %w", s.file, err)
	}
	return nil
}

// ticks125 marks a logarithmic axis with labelled ticks at 1, 2 and 5
// times the powers of ten in [lo, hi] and unlabelled ticks at the other
// integer multiples.
func ticks125(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for dec := math.Pow(10, math.Floor(math.Log10(lo))); dec <= hi; dec *= 10 {
		for m := 1; m < 10; m++ {
			v := float64(m) * dec
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				// Round away the error of repeated ×10 (0.30000000000000004).
				r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', 2, 64), 64)
				t.Label = strconv.FormatFloat(r, 'f', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// ticksLinear marks a linear axis with five to ten labelled ticks at
// multiples of 1, 2 or 5 times a power of ten.
func ticksLinear(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	step := math.Pow(10, math.Floor(math.Log10((hi-lo)/5)))
	for _, m := range []float64{1, 2, 5, 10} {
		if (hi-lo)/(m*step) <= 10 {
			step *= m
			break
		}
	}
	var ts []plot.Tick
	for i := math.Ceil(lo / step); i*step <= hi*(1+1e-9); i++ {
		v := i * step
		r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', 3, 64), 64)
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(r, 'f', -1, 64)})
	}
	return ts
}
