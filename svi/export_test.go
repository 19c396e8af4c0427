package svi

// LossGradFixedNoise evaluates the loss and its gradient at p with the noise
// left as the previous step drew it (for finite-difference tests).
func (t *Trainer) LossGradFixedNoise(p *Params) (float64, *Params, error) {
	loss, err := t.train.run(p)
	if err != nil {
		return loss, nil, err
	}
	return loss, t.train.grads.Clone(), nil
}
