//go:build ignore

// Nearlinear writes the near-linear regression problems of issue #19 as
// UCI folders (20 seeded 90/10 splits each) and scores Bayesian linear
// regression with evidence-optimized α and β (bnn.LinearBaseline) on
// their splits, paired with a train bnn report.json of the same splits.
//
//	go run models/bnn/testdata/nearlinear.go -write DIR
//	go run models/bnn/testdata/nearlinear.go -score DIR/<set> [-report out/…/report.json]
//
// The sets: "linear", 500 rows of y = x·w + 0.5 + N(0, 1) with 4 inputs
// of pairwise correlation 0.5 and w = (0.8, −0.6, 0.3, 0.2) (seed 19),
// and "faithful", Old Faithful's waiting time against the eruption's
// duration (data/old_faithful, 272 rows, from r-base-core).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/govi/govi/models/bnn"
)

const splits = 20

func main() {
	write := flag.String("write", "", "write the UCI folders linear/ and faithful/ under this `dir`")
	score := flag.String("score", "", "score BLR (evidence) on every split of this UCI `folder`")
	report := flag.String("report", "", "with -score: a train bnn report.json of the same splits, for paired differences")
	seed := flag.Uint64("seed", 19, "with -write: the seed of the synthetic rows (19: the set of UCI_RESULTS.md; another gives an independent set)")
	flag.Parse()
	var err error
	switch {
	case *write != "":
		err = writeAll(*write, *seed)
	case *score != "":
		err = scoreAll(*score, *report)
	default:
		err = fmt.Errorf("give -write or -score")
	}
	if err != nil {
		log.Fatal(err)
	}
}

func writeAll(dir string, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 7))
	w := []float64{0.8, -0.6, 0.3, 0.2}
	var rows [][]float64
	for range 500 {
		common := r.NormFloat64()
		row := make([]float64, 0, 5)
		y := 0.5 + r.NormFloat64()
		for _, wj := range w {
			v := math.Sqrt(0.5)*common + math.Sqrt(0.5)*r.NormFloat64()
			row = append(row, v)
			y += wj * v
		}
		rows = append(rows, append(row, y))
	}
	if err := writeUCI(filepath.Join(dir, "linear"), rows, 4, 20); err != nil {
		return err
	}
	d, err := bnn.ReadData("data/old_faithful/faithful.csv")
	if err != nil {
		return err
	}
	rows = nil
	for i := range d.N { // eruptions → waiting
		rows = append(rows, []float64{d.X[i], d.Y[i]})
	}
	return writeUCI(filepath.Join(dir, "faithful"), rows, 1, 21)
}

// writeUCI writes rows (inputs, then the target) and 20 seeded 90/10 splits.
func writeUCI(dir string, rows [][]float64, inputs int, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	for _, row := range rows {
		for j, v := range row {
			if j > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%.17g", v)
		}
		b.WriteByte('\n')
	}
	files := map[string]string{"data.txt": b.String(), "index_target.txt": fmt.Sprintf("%d\n", inputs)}
	var f strings.Builder
	for j := range inputs {
		fmt.Fprintf(&f, "%d\n", j)
	}
	files["index_features.txt"] = f.String()
	r := rand.New(rand.NewPCG(seed, 11))
	nTest := int(math.Round(0.1 * float64(len(rows))))
	for k := range splits {
		perm := r.Perm(len(rows))
		files[fmt.Sprintf("index_test_%d.txt", k)] = lines(perm[:nTest])
		files[fmt.Sprintf("index_train_%d.txt", k)] = lines(perm[nTest:])
	}
	for name, s := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func lines(v []int) string {
	var b strings.Builder
	for _, x := range v {
		fmt.Fprintf(&b, "%d\n", x)
	}
	return b.String()
}

// scoreAll prints BLR's test metrics per split and their mean ± standard
// error, and with a report the paired differences of test LL (bnn − BLR).
func scoreAll(dir, report string) error {
	u, err := bnn.OpenUCI(dir)
	if err != nil {
		return err
	}
	bnnLL := map[int]float64{}
	if report != "" {
		var rep struct {
			PerSplit []struct {
				Split  int     `json:"split"`
				LogLik float64 `json:"test_ll"`
			} `json:"per_split"`
		}
		raw, err := os.ReadFile(report)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &rep); err != nil {
			return err
		}
		for _, s := range rep.PerSplit {
			bnnLL[s.Split] = s.LogLik
		}
	}
	var rmse, ll, cov, diff []float64
	for k := range u.Splits {
		tr, te, err := u.Split(k)
		if err != nil {
			return err
		}
		m, _, err := bnn.LinearBaseline(tr, te)
		if err != nil {
			return err
		}
		fmt.Printf("split %d: BLR test RMSE %.4f, LL %.4f, coverage %.3f, noise sd %.4f\n", k, m.RMSE, m.LogLik, m.Coverage95, m.NoiseStd)
		rmse, ll, cov = append(rmse, m.RMSE), append(ll, m.LogLik), append(cov, m.Coverage95)
		if v, ok := bnnLL[k]; ok {
			diff = append(diff, v-m.LogLik)
		}
	}
	fmt.Printf("BLR (evidence) %d splits: RMSE %s, LL %s, coverage %.3f\n", len(ll), meanSE(rmse), meanSE(ll), mean(cov))
	if len(diff) > 0 {
		fmt.Printf("paired test LL, bnn − BLR, %d splits: %s (bnn higher on %d)\n", len(diff), meanSE(diff), count(diff))
	}
	return nil
}

func mean(v []float64) float64 {
	var m float64
	for _, x := range v {
		m += x / float64(len(v))
	}
	return m
}

func meanSE(v []float64) string {
	m := mean(v)
	var ss float64
	for _, x := range v {
		ss += (x - m) * (x - m) / float64(len(v)-1)
	}
	return fmt.Sprintf("%.4f ± %.4f", m, math.Sqrt(ss/float64(len(v))))
}

func count(v []float64) int {
	n := 0
	for _, x := range v {
		if x > 0 {
			n++
		}
	}
	return n
}
