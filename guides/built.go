package guides

import (
	G "gorgonia.org/gorgonia"

	"github.com/govi/govi/svi"
)

// drawn is the part of svi.Built every guide gives: the draws of each
// particle and their log q. The guides embed it in a type of their own
// that adds the capabilities they have (svi.Entropier, svi.Marginaler,
// svi.DetachedLogQer, svi.PointMasser).
type drawn struct {
	draws []map[string]*G.Node
	logQ  []*G.Node
}

var _ svi.Built = drawn{}

func (d drawn) Draws() []map[string]*G.Node { return d.draws }
func (d drawn) LogQ() []*G.Node             { return d.logQ }

// newDrawn returns S empty maps of draws and, unless vector, S log q slots.
func newDrawn(S int, withLogQ bool) drawn {
	d := drawn{draws: make([]map[string]*G.Node, S)}
	for s := range d.draws {
		d.draws[s] = map[string]*G.Node{}
	}
	if withLogQ {
		d.logQ = make([]*G.Node, S)
	}
	return d
}
