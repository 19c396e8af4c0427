package fhmm

import (
	"fmt"
	"math/rand/v2"

	"github.com/govi/govi/guides"
	"github.com/govi/govi/svi"
)

// NetObjectives evaluates, at the same random network weights (window w,
// H hidden units, Glorot draws from seed), the closed-form ELBO on the
// host (logitELBO), the svi loss and gradient of the closed-form path
// (NetClosed's trainer) and those of the enumeration path (NetEnum's).
// The gradients are returned laid out as a Net (W1, B1, W2, B2).
func NetObjectives(p Params, y [][]float64, w, h int, seed uint64) (elbo, closedLoss, enumLoss float64, closedGrad, enumGrad *Net, err error) {
	md, err := enumModel(p)
	if err != nil {
		return 0, 0, 0, nil, nil, err
	}
	z, err := md.whiten(y)
	if err != nil {
		return 0, 0, 0, nil, nil, err
	}
	np := &netProgram{md: md, z: z, w: w, h: h}
	np.x = windows(z, w)
	init := np.init(seed, 0)
	r := rand.New(rand.NewPCG(seed, 5))
	for _, k := range []string{netB1, netB2} { // non-zero biases too
		for i := range init[k] {
			init[k][i] = 0.5 * r.NormFloat64()
		}
	}
	net := &Net{Window: w, Hidden: h, M: md.m, L: md.l, D: md.d, W1: init[netW1], B1: init[netB1], W2: init[netW2], B2: init[netB2]}
	elbo = md.logitELBO(z, net.logits(np.x), nil)

	ct, err := svi.New(np, guides.Delta{InitLoc: init}, svi.Config{})
	if err != nil {
		return 0, 0, 0, nil, nil, err
	}
	cs, err := ct.Init(seed)
	if err != nil {
		return 0, 0, 0, nil, nil, err
	}
	closedLoss, cg, err := ct.LossGrad(cs.Params)
	if err != nil {
		return 0, 0, 0, nil, nil, err
	}
	if closedGrad, err = np.net(cg); err != nil {
		return 0, 0, 0, nil, nil, err
	}

	dn, et, err := newDiscreteNet(np, NetSettings{Estimator: NetEnum, LearnRate: 0.01})
	if err != nil {
		return 0, 0, 0, nil, nil, err
	}
	es, err := et.Init(seed)
	if err != nil {
		return 0, 0, 0, nil, nil, err
	}
	if err := dn.setNet(es.Params, net); err != nil {
		return 0, 0, 0, nil, nil, err
	}
	enumLoss, eg, err := et.LossGrad(es.Params)
	if err != nil {
		return 0, 0, 0, nil, nil, fmt.Errorf("enum LossGrad: %w", err)
	}
	enumGrad, err = dn.net(eg, w, h)
	return elbo, closedLoss, enumLoss, closedGrad, enumGrad, err
}
