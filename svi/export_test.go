package svi

import "math/rand/v2"

// UseRunAll lets the external tests force gorgonia's RunAll.
var UseRunAll = &useRunAll

// FillNoise refills the training program's noise, for the allocation test.
func FillNoise(t *Trainer, r *rand.Rand) { t.train.fillNoise(r, nil) }
