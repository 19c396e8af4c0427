package vae

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// imageGrid lays out images (each width×width values in [0, 1], row-major)
// in a grid of cols columns with a one-pixel gap, as a grey image scaled up
// by zoom.
func imageGrid(imgs [][]float64, width, cols, zoom int) *image.Gray {
	rows := (len(imgs) + cols - 1) / cols
	cell := width + 1
	g := image.NewGray(image.Rect(0, 0, (cols*cell+1)*zoom, (rows*cell+1)*zoom))
	for i := range g.Pix {
		g.Pix[i] = 128 // gaps
	}
	for k, im := range imgs {
		r0, c0 := (k/cols)*cell+1, (k%cols)*cell+1
		for y := 0; y < width; y++ {
			for x := 0; x < width; x++ {
				v := math.Min(1, math.Max(0, im[y*width+x]))
				// Ink is dark on white, as digits are drawn.
				c := color.Gray{Y: uint8(math.Round(255 * (1 - v)))}
				for dy := 0; dy < zoom; dy++ {
					for dx := 0; dx < zoom; dx++ {
						g.SetGray((c0+x)*zoom+dx, (r0+y)*zoom+dy, c)
					}
				}
			}
		}
	}
	return g
}

// saveGrid saves a titled figure of an image grid.
func saveGrid(path, title string, imgs [][]float64, width, cols int) error {
	zoom := max(1, 96/width)
	img := imageGrid(imgs, width, cols, zoom)
	p := plot.New()
	p.Title.Text = title
	p.HideAxes()
	b := img.Bounds()
	p.Add(plotter.NewImage(img, 0, 0, float64(b.Dx()), float64(b.Dy())))
	// One image pixel per 1/96 inch, plus room for the title, so that the
	// images keep their aspect ratio.
	w := vg.Length(b.Dx()) * vg.Inch / 96
	h := vg.Length(b.Dy()) * vg.Inch / 96
	return p.Save(w, h+p.Title.TextStyle.Height(title)+p.Title.Padding, path)
}

func rowsOf(x []float64, d, n int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = x[i*d : (i+1)*d]
	}
	return out
}

// SaveReconstructions saves a PNG of n images of d (up to 10 a row), each
// row of originals followed by a row of their reconstructions: the
// decoder's mean at the encoder's mean, E[x | z = μ(x)].
func (n *Net) SaveReconstructions(path string, d *Dataset, count int) error {
	if err := d.check(); err != nil {
		return err
	}
	count = min(count, d.Rows)
	if count < 1 {
		return fmt.Errorf("vae: no images to reconstruct")
	}
	x := d.X[:count*d.Dim]
	q, err := n.Encode(x, count)
	if err != nil {
		return err
	}
	rec, err := n.Decode(q.Loc, count)
	if err != nil {
		return err
	}
	cols := min(10, count)
	var imgs [][]float64
	orig, re := rowsOf(x, d.Dim, count), rowsOf(rec, d.Dim, count)
	blank := make([]float64, d.Dim)
	for i := 0; i < count; i += cols {
		j := min(i+cols, count)
		for _, src := range [][][]float64{orig, re} {
			imgs = append(imgs, src[i:j]...)
			for k := j - i; k < cols; k++ {
				imgs = append(imgs, blank)
			}
		}
	}
	return saveGrid(path, "test images (odd rows) and reconstructions E[x | z = μ(x)] (even rows)", imgs, d.Width, cols)
}

// SavePriorSamples saves a PNG of count decoder means E[x | z] at
// z ~ N(0, I) drawn from a source seeded by seed.
func (n *Net) SavePriorSamples(path string, width, count int, seed uint64) error {
	if width*width != n.cfg.Dim || count < 1 {
		return fmt.Errorf("vae: cannot draw %d images of width %d for %d pixels", count, width, n.cfg.Dim)
	}
	r := rand.New(rand.NewPCG(seed, 3))
	z := make([]float64, count*n.cfg.Latent)
	for i := range z {
		z[i] = r.NormFloat64()
	}
	m, err := n.Decode(z, count)
	if err != nil {
		return err
	}
	return saveGrid(path, "samples from the prior: E[x | z], z ~ N(0, I)", rowsOf(m, n.cfg.Dim, count), width, 10)
}

// tab10 are ten distinct colours for labels (matplotlib's "tab10").
var tab10 = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff}, color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xd6, 0x27, 0x28, 0xff}, color.RGBA{0x94, 0x67, 0xbd, 0xff}, color.RGBA{0x8c, 0x56, 0x4b, 0xff},
	color.RGBA{0xe3, 0x77, 0xc2, 0xff}, color.RGBA{0x7f, 0x7f, 0x7f, 0xff}, color.RGBA{0xbc, 0xbd, 0x22, 0xff},
	color.RGBA{0x17, 0xbe, 0xcf, 0xff},
}

// SaveLatentScatter saves a PNG of the encoder's means μ(x) of d's images
// in a 2-D latent space, coloured by label.
func (n *Net) SaveLatentScatter(path string, d *Dataset) error {
	if n.cfg.Latent != 2 {
		return fmt.Errorf("vae: the latent scatter needs a 2-D latent space, not %d-D", n.cfg.Latent)
	}
	if err := d.check(); err != nil {
		return err
	}
	if d.Labels == nil {
		return fmt.Errorf("vae: the latent scatter needs labels")
	}
	q, err := n.Encode(d.X, d.Rows)
	if err != nil {
		return err
	}
	byLabel := map[int]plotter.XYs{}
	maxLabel := 0
	for i, lab := range d.Labels {
		byLabel[lab] = append(byLabel[lab], plotter.XY{X: q.Loc[2*i], Y: q.Loc[2*i+1]})
		maxLabel = max(maxLabel, lab)
	}
	p := plot.New()
	p.Title.Text = "test set encodings μ(x), coloured by label"
	p.X.Label.Text = "z₁"
	p.Y.Label.Text = "z₂"
	cols := tab10
	if maxLabel >= len(tab10) {
		cols = palette.Rainbow(maxLabel+1, palette.Red, palette.Magenta, 1, 0.85, 1).Colors()
	}
	for lab := 0; lab <= maxLabel; lab++ {
		pts, ok := byLabel[lab]
		if !ok {
			continue
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		s.GlyphStyle.Color = cols[lab]
		s.GlyphStyle.Radius = vg.Points(2)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
		p.Legend.Add(fmt.Sprint(lab), s)
	}
	p.Legend.Top = true
	return p.Save(6*vg.Inch, 5*vg.Inch, path)
}
