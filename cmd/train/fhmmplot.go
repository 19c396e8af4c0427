package main

import (
	"fmt"
	"image/color"
	"io"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// fhmmPalette colours the states (Okabe–Ito, as gmm's plot).
var fhmmPalette = []color.RGBA{{R: 213, G: 94, A: 255}, {G: 114, B: 178, A: 255}, {G: 158, B: 115, A: 255},
	{R: 204, G: 121, B: 167, A: 255}, {R: 230, G: 159, A: 255}, {R: 86, G: 180, B: 233, A: 255}}

// plotFHMM stages marginals.png (each chain's smoothed state probabilities
// over time, the method's beside the exact ones when both exist) and, when
// there is a trace, elbo.png.
func plotFHMM(rep *fhmmReport, od *outDir) error {
	rep.Plots = append(rep.Plots, od.Path("marginals.png"))
	if err := od.WriteFile("marginals.png", func(w io.Writer) error { return plotMarginals(w, rep) }); err != nil {
		return err
	}
	if len(rep.ELBOTrace) < 2 {
		return nil
	}
	rep.Plots = append(rep.Plots, od.Path("elbo.png"))
	return od.WriteFile("elbo.png", func(w io.Writer) error { return plotFHMMTrace(w, rep) })
}

// plotMarginals draws one row of panels per chain: the method's marginals
// and, beside them, the exact ones.
func plotMarginals(w io.Writer, rep *fhmmReport) error {
	type column struct {
		title string
		marg  [][][]float64
	}
	cols := []column{{methodTitle(rep), rep.Marginals}}
	if rep.ExactMarginals != nil {
		cols = append(cols, column{"exact p(s_t = l | y)", rep.ExactMarginals})
	}
	plots := make([][]*plot.Plot, rep.Chains)
	for c := range plots {
		for _, col := range cols {
			p, err := marginalPanel(col.marg, c, rep.States, fmt.Sprintf("chain %d: %s", c+1, col.title))
			if err != nil {
				return err
			}
			plots[c] = append(plots[c], p)
		}
	}
	width := vg.Length(len(cols)) * 5 * vg.Inch
	header := vg.Length(rep.States)*vg.Points(13) + vg.Points(6) // the legend's strip
	height := vg.Length(rep.Chains)*1.8*vg.Inch + header
	img := vgimg.New(width, height)
	dc := draw.New(img)
	if err := stateLegend(draw.Crop(dc, 0, 0, height-header, 0), rep.States); err != nil {
		return err
	}
	dc = draw.Crop(dc, 0, 0, 0, -header)
	tiles := draw.Tiles{Rows: rep.Chains, Cols: len(cols), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 3,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// methodTitle names the marginals of the report's method.
func methodTitle(rep *fhmmReport) string {
	switch {
	case rep.Method == "exact":
		return "exact p(s_t = l | y)"
	case rep.Learned:
		return fmt.Sprintf("%s q(s_t = l), learned parameters", rep.Method)
	}
	return rep.Method + " q(s_t = l)"
}

// stateLegend draws the colour of each state in the strip c.
func stateLegend(c draw.Canvas, states int) error {
	leg := plot.NewLegend()
	for l := 0; l < states; l++ {
		line, err := plotter.NewLine(plotter.XYs{{}, {X: 1}})
		if err != nil {
			return err
		}
		line.LineStyle.Width = vg.Points(1.2)
		line.LineStyle.Color = fhmmPalette[l%len(fhmmPalette)]
		leg.Add(fmt.Sprintf("state %d", l+1), line)
	}
	leg.Top, leg.Left = true, true
	leg.XOffs, leg.YOffs = vg.Millimeter*4, -vg.Points(3)
	leg.Draw(c)
	return nil
}

// marginalPanel draws chain c's probability of each state over time.
func marginalPanel(marg [][][]float64, c, states int, title string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "t"
	p.X.Tick.Marker = intTicks{}
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.5, Label: "0.5"}, {Value: 1, Label: "1"}})
	for l := 0; l < states; l++ {
		xy := make(plotter.XYs, len(marg))
		for t, mt := range marg {
			xy[t] = plotter.XY{X: float64(t + 1), Y: mt[c][l]}
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		line.LineStyle.Width = vg.Points(1.2)
		line.LineStyle.Color = fhmmPalette[l%len(fhmmPalette)]
		p.Add(line)
	}
	return p, nil
}

// intTicks labels the default tick positions without decimals when they
// are whole numbers.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'g', -1, 64)
		}
	}
	return ticks
}

// plotFHMMTrace draws the ELBO trace and, when known, the exact
// log-likelihood of the final parameters.
func plotFHMMTrace(w io.Writer, rep *fhmmReport) error {
	p := plot.New()
	p.X.Label.Text = "sweep"
	p.X.Tick.Marker = intTicks{}
	p.Y.Label.Text = "ELBO"
	p.Title.Text = fmt.Sprintf("%s mean field: ELBO after each sweep", rep.Method)
	switch {
	case rep.Method == "amortized":
		p.X.Label.Text = "Adam step"
		p.Title.Text = "amortized: ELBO of the network before each Adam step"
	case rep.Learned:
		p.X.Label.Text = "EM iteration"
		p.Title.Text = fmt.Sprintf("variational EM (%s E-step): ELBO after each E-step", rep.Method)
		if rep.Method == "exact" {
			p.Y.Label.Text, p.Title.Text = "log p(y)", "exact EM: log-likelihood after each E-step"
		}
	}
	// The trace of a sweep starts at the starting q (sweep 0); EM's at
	// the first E-step.
	first := 0.0
	if rep.Learned && rep.Method != "amortized" {
		first = 1
	}
	xy := make(plotter.XYs, len(rep.ELBOTrace))
	for i, v := range rep.ELBOTrace {
		xy[i] = plotter.XY{X: first + float64(i), Y: v}
	}
	line, err := plotter.NewLine(xy)
	if err != nil {
		return err
	}
	line.LineStyle.Width = vg.Points(1.5)
	p.Add(line)
	p.Legend.Add(p.Y.Label.Text, line)
	if rep.LogLikelihood != nil && rep.Gap != nil {
		ll := plotter.XYs{{X: first, Y: *rep.LogLikelihood}, {X: xy[len(xy)-1].X, Y: *rep.LogLikelihood}}
		ref, err := plotter.NewLine(ll)
		if err != nil {
			return err
		}
		ref.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		ref.LineStyle.Color = fhmmPalette[0]
		p.Add(ref)
		p.Legend.Add(fmt.Sprintf("exact log p(y) at the final parameters (gap %.3g nats)", *rep.Gap), ref)
	}
	p.Legend.Top, p.Legend.Left = false, false
	p.Y.Max += 0.05 * (p.Y.Max - p.Y.Min) // the top line clear of the title
	return writePNG(w, p, 7*vg.Inch, 4*vg.Inch)
}
