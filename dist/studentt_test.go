package dist

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
)

var _ Drawer = StudentT{}

func TestStudentTLogProb(t *testing.T) {
	var cases []lpCase
	for _, p := range []struct {
		name           string
		df, loc, scale float64
		xs             []float64
	}{
		{"Cauchy", 1, 0, 1, []float64{-1e3, -1, 0, 2.5}},
		{"moderate", 4.5, 1, 2, []float64{-10, 1, 7}},
		{"df 1e-3", 1e-3, 0, 1, []float64{-1e10, 0, 1e3}},
		{"df 1e3", 1e3, -2, 0.5, []float64{-4, -2, 0}},
		{"tiny scale", 3, 5, 1e-9, []float64{5, 5 + 1e-9, 6}},
		{"huge scale", 3, 0, 1e9, []float64{-1e9, 0, 1e12}},
		{"far tail", 2, 0, 1, []float64{1e150, -1e150}},
	} {
		cases = append(cases, lpCase{
			name:   p.name,
			build:  func(g *G.ExprGraph) (LogProber, error) { return NewStudentT(g, p.df, p.loc, p.scale) },
			oracle: distuv.StudentsT{Mu: p.loc, Sigma: p.scale, Nu: p.df}.LogProb,
			xs:     p.xs,
		})
	}
	checkLogProbs(t, cases)
}

// TestStudentTLargeDF uses mpmath references (loggamma at 50 digits):
// distuv itself subtracts two log-gammas and is off by 4e-10 at ν = 1e6 and
// 1.3e-8 at ν = 1e8, so it cannot be the oracle there.
func TestStudentTLargeDF(t *testing.T) {
	refs := []struct{ df, x, want float64 }{
		{1e+06, -3, -5.4189230333059220431},
		{1e+06, 0, -0.91893878320467274174},
		{1e+06, 1, -1.4189390332045894084},
		{1e+06, 1000, -346574.85579234613935},
		{1e+08, -3, -5.4189383782046828668},
		{1e+08, 0, -0.91893853570467274178},
		{1e+08, 1, -1.4189385382046727334},
		{1e+08, 1000, -497517.46657210527367},
		{1e+12, -3, -5.4189385331891727418},
		{1e+12, 0, -0.91893853320492274178},
		{1e+12, 1, -1.4189385332051727418},
		{1e+12, 1000, -500000.66893919987121},
	}
	var worst float64
	for _, r := range refs {
		g := G.NewGraph()
		d, err := NewStudentT(g, r.df, 0, 1)
		require.NoError(t, err)
		lp, err := d.LogProb(vec(g, []float64{r.x}))
		require.NoError(t, err)
		worst = math.Max(worst, near(t, r.want, evalNodes(t, g, nil, lp)[0][0], logProbTol, "ν=%g x=%g", r.df, r.x))
	}
	t.Logf("worst scaled error vs mpmath: %.2g", worst)
}

func TestStudentTGrad(t *testing.T) {
	checkGradFD(t, [][]float64{{3.5}, {0.4}, {1.3}, {-0.6}},
		func(n []*G.Node) (*G.Node, error) { return StudentT{DF: n[0], Loc: n[1], Scale: n[2]}.LogProb(n[3]) },
		func(p [][]float64) float64 {
			return distuv.StudentsT{Nu: p[0][0], Mu: p[1][0], Sigma: p[2][0]}.LogProb(p[3][0])
		})
	require.Equal(t, Real, SupportOf(StudentT{}))
}
