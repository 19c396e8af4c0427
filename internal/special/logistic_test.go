package special

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// logSigmoidRefs: −log1p(exp(−x)).
var logSigmoidRefs = []reference{
	{-1000, -1000.0},
	{-40, -40.000000000000000004},
	{-20, -20.00000000206115362},
	{-1, -1.313261687518222834},
	{0, -0.69314718055994530942},
	{1, -0.31326168751822283405},
	{20, -2.0611536203143807032e-9},
	{40, -4.2483542552915889863e-18},
	{800, -3.6678745841776872135e-348},
}

// softplusRefs: log1p(exp(x)).
var softplusRefs = []reference{
	{-800, 3.6678745841776872135e-348},
	{-40, 4.2483542552915889863e-18},
	{-1, 0.31326168751822283405},
	{0, 0.69314718055994530942},
	{1, 1.313261687518222834},
	{16, 16.000000112535168387},
	{20, 20.00000000206115362},
	{40, 40.000000000000000004},
	{1000, 1000.0},
}

// sigmoidRefs: 1/(1 + exp(−x)).
var sigmoidRefs = []reference{
	{-800, 3.6678745841776872135e-348},
	{-40, 4.2483542552915889773e-18},
	{-1, 0.26894142136999512075},
	{-1e-10, 0.499999999975},
	{0, 0.5},
	{1e-10, 0.500000000025},
	{1, 0.73105857863000487925},
	{20, 0.99999999793884638181},
	{40, 0.99999999999999999575},
	{800, 1.0},
}

// inverseSoftplusRefs: log(expm1(s)).
var inverseSoftplusRefs = []reference{
	{1e-300, -690.77552789821370518},
	{1e-10, -23.025850929890456804},
	{1e-05, -11.512920464966061672},
	{0.1, -2.2521684610440907506},
	{0.7, 0.013658997191614802092},
	{1, 0.54132485461291810898},
	{2, 1.854586542131140943},
	{5, 4.9932392505505114422},
	{40, 39.999999999999999996},
	{1e5, 1e5},
}

func TestLogisticReferenceValues(t *testing.T) {
	checkReferences(t, "Sigmoid", Sigmoid, sigmoidRefs, refTol)
	checkReferences(t, "Softplus", Softplus, softplusRefs, refTol)
	checkReferences(t, "LogSigmoid", LogSigmoid, logSigmoidRefs, refTol)
	// Near its root s = log 2, s + log(1 − e⁻ˢ) cancels: 0.7 gives 0.0137
	// from two terms of 0.7, so allow 0.7/0.0137 ≈ 50 times refTol there.
	checkReferences(t, "InverseSoftplus", InverseSoftplus, inverseSoftplusRefs, 60*refTol)
}

// identityTol is the absolute tolerance of the derivative identities.
const identityTol = 1e-15

func TestLogisticIdentities(t *testing.T) {
	assert.LessOrEqual(t, rel(-math.Ln2, LogSigmoid(0)), refTol, "log σ(0) = −log 2")
	for _, x := range []float64{-30, -2, -0.5, 0, 0.5, 2, 30} {
		// σ′ = σ(1 − σ) and σ″ = σ′(1 − 2σ), in the other form (1 − σ
		// loses up to 1e-16 absolute, hence identityTol).
		s := Sigmoid(x)
		assert.InDelta(t, s*(1-s), SigmoidDeriv(x), identityTol, "σ′(%v)", x)
		assert.InDelta(t, s*(1-s)*(1-2*s), SigmoidDeriv2(x), identityTol, "σ″(%v)", x)
		if x > 0 {
			// InverseSoftplus inverts Softplus to a few ulps where the
			// inverse is well conditioned (σ(ρ)·Softplus(ρ)/ρ ≈ 1).
			assert.LessOrEqual(t, rel(x, InverseSoftplus(Softplus(x))), 1e-14, "softplus⁻¹(softplus(%v))", x)
		}
	}
}

// BenchmarkSoftplus times softplus on 1000 points of (−40, 40).
func BenchmarkSoftplus(b *testing.B) { benchHost(b, Softplus, -40, 40) }
