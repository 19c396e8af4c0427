//go:build ignore

// Validation_study scores candidate configurations on the validation cut
// of training splits only (bnn.Select: a seeded 10% of each training split
// held out, the protocol's 20,000-step budget on the rest, 200 draws), and
// bnn.LinearBaseline on the same cut: the study behind issue #19's new
// default in UCI_RESULTS.md. Test rows are never read.
//
//	go run models/bnn/testdata/validation_study.go -dir $GOVI_DATA/uci_bnn/energy -splits 0,1,2 -cands old,skip,skipeb,lin
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"strconv"
	"strings"
	"time"

	"github.com/govi/govi/models/bnn"
	"github.com/govi/govi/svi"
)

func main() {
	dir := flag.String("dir", "", "")
	splits := flag.String("splits", "0,1,2", "")
	cands := flag.String("cands", "old,skip,skipeb", "")
	flag.Parse()
	u, err := bnn.OpenUCI(*dir)
	if err != nil {
		log.Fatal(err)
	}
	for _, ks := range strings.Split(*splits, ",") {
		k, _ := strconv.Atoi(ks)
		tr, _, err := u.Split(k)
		if err != nil {
			log.Fatal(err)
		}
		var cs []bnn.Candidate
		fitN := tr.N - max(1, int(float64(tr.N)*0.1+0.5))
		spe := svi.StepsPerEpoch(fitN, min(32, fitN))
		ep := max(40, (20000+spe-1)/spe)
		s := bnn.Settings{Anneal: 0.25, Seed: 1 + uint64(k), Epochs: ep}
		for _, c := range strings.Split(*cands, ",") {
			cfg := bnn.Config{Hidden: []int{50}}
			switch c {
			case "old": // the network alone, Gamma(6, 6)
			case "skip":
				cfg.Skip = true
			case "skipeb":
				cfg.Skip, cfg.EmpiricalBayes = true, true
			case "skipfanin":
				cfg.Skip, cfg.FanIn = true, true
			case "lin":
				cfg.Hidden = nil
			case "oldweak":
				cfg.NoiseShape, cfg.NoiseRate = 1, 0.01
			case "linweak":
				cfg.Hidden, cfg.NoiseShape, cfg.NoiseRate = nil, 1, 0.01
			case "eb":
				cfg.EmpiricalBayes = true
			default:
				log.Fatal(c)
			}
			cs = append(cs, bnn.Candidate{Name: c, Config: cfg, Settings: s})
		}
		fit, val, err := bnn.HoldOut(tr, 0.1, 1+uint64(k))
		if err != nil {
			log.Fatal(err)
		}
		bm, _, err := bnn.LinearBaseline(fit, val)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s split %d %-7s valLL %.4f valRMSE %.4f\n", *dir, k, "BLR", bm.LogLik, bm.RMSE)
		t0 := time.Now()
		sel, err := bnn.Select(context.Background(), tr, cs, 0.1, 1, 200, 1+uint64(k))
		if err != nil {
			log.Fatal(err)
		}
		for _, cp := range sel.Checkpoints {
			fmt.Printf("%s split %d %-7s valLL %.4f valRMSE %.4f (val %d rows, %d epochs)\n", *dir, k, cs[cp.Candidate].Name, cp.LogLik, cp.RMSE, sel.Validation, cp.Epochs)
		}
		fmt.Printf("# %.0fs\n", time.Since(t0).Seconds())
	}
}
