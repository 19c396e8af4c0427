package ops

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/govi/govi/internal/special"
)

// TestFastMath holds the float32 paths' functions to math.Exp and
// internal/special's exact softplus and sigmoid (correct to a few float64
// ulps) over a fine grid: relative error below 1e-9, against float32's
// rounding of 6e-8.
func TestFastMath(t *testing.T) {
	worstE, worstSp, worstSg := 0.0, 0.0, 0.0
	for x := -720.0; x <= 720; x += 0.0137 {
		if x <= 0 {
			want := math.Exp(x)
			if x < -700 {
				assert.Zero(t, expNonPos(x))
			} else {
				worstE = max(worstE, math.Abs(expNonPos(x)-want)/want)
			}
		}
		if x < -700 { // 0 here, e^x ≈ 1e-304 exactly: both 0 in float32
			continue
		}
		if sp := special.Softplus(x); sp > 0 {
			worstSp = max(worstSp, math.Abs(softplusFast(x)-sp)/sp)
		}
		if sg := special.Sigmoid(x); sg > 0 {
			worstSg = max(worstSg, math.Abs(sigmoidFast(x)-sg)/sg)
		}
	}
	assert.Less(t, worstE, 1e-9, "exp")
	assert.Less(t, worstSp, 1e-9, "softplus")
	assert.Less(t, worstSg, 1e-9, "sigmoid")
	assert.Equal(t, 1.0, expNonPos(0))
	assert.Equal(t, 0.5, sigmoidFast(0))
	t.Logf("worst relative errors: exp %.2g, softplus %.2g, sigmoid %.2g", worstE, worstSp, worstSg)
}
