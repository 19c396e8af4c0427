// Command sidebyside runs govi's benchmarks and the reference programs of
// shared/peers (PyTorch, scikit-learn) alternately on the same machine, for
// several rounds, and prints for each workload the median govi/peer speed
// ratio with its min–max, as a Markdown table (ratio > 1: govi is faster).
//
// Usage, from the repository root:
//
//	go run ./benchmarks/sidebyside -peers ../shared/peers -data $GOVI_DATA [-rounds 3] [-only bnn,gmm]
//
// The peers need Debian's python3 with torch and scikit-learn:
//
//	apt-get install -y python3-torch python3-sklearn python3-scipy
//
// A workload whose peer cannot run (no python3, a missing package, no data)
// is skipped with the reason. Where a peer runs on a given number of torch
// threads, govi's benchmark runs with as many cores (go test -cpu); the
// CAVI sweeps keep Go's default (govi's LDA uses every core, scikit-learn
// one thread, as the table says).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// workload pairs one govi benchmark with one peer measurement. Both give a
// rate (work per second).
type workload struct {
	name    string
	goPkg   string
	goBench string // -bench pattern
	// goBenchtime is the -benchtime of the govi benchmark ("" means 2s).
	goBenchtime string
	// goCPU is the GOMAXPROCS of the govi benchmark (go test -cpu): the
	// peer's thread count, so that each side has the same cores; 0 leaves
	// Go's default (all of them).
	goCPU int
	// goRate extracts the rate from `go test -bench` output metrics.
	goRate  func(m map[string]float64) (float64, bool)
	peer    func(peers, data string) []string // command and arguments
	peerKey string                            // which peer run it shares
	// peerRate extracts the rate from the peer's JSON line.
	peerRate func(j map[string]any) (float64, bool)
	needData string
}

func perOp(m map[string]float64) (float64, bool) {
	v, ok := m["ns/op"]
	return 1e9 / v, ok && v > 0
}

func metric(name string) func(map[string]float64) (float64, bool) {
	return func(m map[string]float64) (float64, bool) { v, ok := m[name]; return v, ok }
}

func path(j map[string]any, keys ...string) (float64, bool) {
	var cur any = j
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false
		}
		cur = m[k]
	}
	f, ok := cur.(float64)
	return f, ok
}

func bnnPeer(peers, _ string) []string {
	return []string{filepath.Join(peers, "bnn_svi_torch.py"), "synthetic", "--bench", "--repeats", "3", "--quiet-wait", "0"}
}

func bnnMiniPeer(S int) func(peers, data string) []string {
	return func(peers, _ string) []string {
		return []string{filepath.Join(peers, "bnn_svi_torch.py"), "synthetic", "--speed", "--batch", "32", "--samples", strconv.Itoa(S),
			"--steps", "200", "--test-samples", "10", "--dtype", "float64", "--repeats", "3", "--quiet-wait", "0"}
	}
}

// bnnWorkloads pairs the BNN benchmarks with the peer at one and two torch
// threads (govi's matrix products use gonum's dgemm, which runs on up to
// GOMAXPROCS cores).
func bnnWorkloads() []workload {
	var ws []workload
	for _, th := range []int{1, 2} {
		for _, S := range []int{1, 8} {
			// govi's S = 8 runs vectorized (one graph); GOMAXPROCS is the
			// torch thread count.
			w, wname := "", ""
			if S > 1 {
				w, wname = "/vectorized", ", govi vectorized"
			}
			ws = append(ws, workload{
				name:  fmt.Sprintf("BNN 13-50-1 step, full batch (govi N=455, torch N=500), S=%d, float64, torch threads=%d%s", S, th, wname),
				goPkg: "./benchmarks", goBench: fmt.Sprintf("BNNStep/fused/B=455/particles=%d%s$", S, w), goCPU: th,
				goRate: metric("steps/s"), peer: bnnPeer, peerKey: "bnn",
				peerRate: func(j map[string]any) (float64, bool) {
					return path(j, "steps_per_sec", fmt.Sprintf("float64_S%d_threads%d", S, th), "median")
				},
			}, workload{
				name:  fmt.Sprintf("BNN 13-50-1 step, minibatch B=32, S=%d, float64, torch threads=%d%s", S, th, wname),
				goPkg: "./benchmarks", goBench: fmt.Sprintf("BNNStep/fused/B=32/particles=%d%s$", S, w), goCPU: th,
				goRate: metric("steps/s"), peer: bnnMiniPeer(S), peerKey: fmt.Sprintf("bnn-mini-%d", S),
				peerRate: func(j map[string]any) (float64, bool) {
					return path(j, "speed_steps_per_s", fmt.Sprintf("threads%d", th), "median")
				},
			})
		}
	}
	return ws
}

// dtypeWorkloads are the compute-bound steps in both training dtypes,
// each against the peer in the same dtype and on the same work: the
// 13-50-1 BNN on the peer's N = 500 synthetic rows, the 784-400-400-10
// classification BNN on B = 128, and the VAE step at D = 64 and 784
// (L = 10, B = 128), at one and two threads.
func dtypeWorkloads() []workload {
	var ws []workload
	for _, th := range []int{1, 2} {
		for _, dt := range []string{"float32", "float64"} {
			ws = append(ws, workload{
				name:  fmt.Sprintf("BNN 13-50-1 step, full batch N=500 both sides, S=1, %s both sides, threads=%d", dt, th),
				goPkg: "./benchmarks", goBench: fmt.Sprintf("BNNStepDType/uci/dtype=%s$", dt), goCPU: th,
				goRate: metric("steps/s"), peer: bnnPeer, peerKey: "bnn", // both dtypes and thread counts in one run
				peerRate: func(j map[string]any) (float64, bool) {
					return path(j, "steps_per_sec", fmt.Sprintf("%s_S1_threads%d", dt, th), "median")
				},
			}, workload{
				name:  fmt.Sprintf("BNN 784-400-400-10 step, B=128, S=1, %s both sides, threads=%d", dt, th),
				goPkg: "./benchmarks", goBench: fmt.Sprintf("BNNStepDType/mnist/dtype=%s$", dt), goBenchtime: "20x", goCPU: th,
				goRate: metric("steps/s"), peerKey: fmt.Sprintf("bnn-mnist-t%d", th),
				peer: func(peers, _ string) []string {
					return []string{filepath.Join("benchmarks", "peers", "bnn_mnist_torch.py"), "--threads", strconv.Itoa(th), "--steps", "20", "--repeats", "3"}
				},
				peerRate: func(j map[string]any) (float64, bool) {
					v, ok := path(j, dt, "s_per_step_median")
					return 1 / v, ok && v > 0
				},
			})
			for _, d := range []int{64, 784} {
				ws = append(ws, workload{
					name:  fmt.Sprintf("VAE step, D=%d, L=10, B=128, %s both sides, threads=%d (images/s)", d, dt, th),
					goPkg: "./benchmarks", goBench: fmt.Sprintf("VAEStepDType/D=%d/L=10/B=128/dtype=%s$", d, dt), goCPU: th,
					goRate: metric("images/s"), peerKey: fmt.Sprintf("vae-t%d", th),
					peer: func(peers, _ string) []string {
						return []string{filepath.Join("benchmarks", "peers", "vae_torch.py"), "--bench", "--threads", strconv.Itoa(th), "--repeats", "3", "--quiet-wait", "0"}
					},
					peerRate: func(j map[string]any) (float64, bool) { return vaeRate(j, d, dt) },
				})
			}
		}
	}
	return ws
}

// vaeRate finds the images/s of vae_torch.py --bench's row for D = d,
// L = 10 and the dtype dt.
func vaeRate(j map[string]any, d int, dt string) (float64, bool) {
	rows, _ := j["bench"].([]any)
	for _, r := range rows {
		m, _ := r.(map[string]any)
		if m == nil {
			continue
		}
		dd, _ := m["d"].(float64)
		l, _ := m["latent"].(float64)
		if int(dd) == d && int(l) == 10 && m["dtype"] == dt {
			v, ok := m["images_per_s"].(float64)
			return v, ok
		}
	}
	return 0, false
}

func init() { workloads = append(workloads, dtypeWorkloads()...) }

var workloads = append(bnnWorkloads(), []workload{
	{
		name: "VB-GMM CAVI sweep, Old Faithful, K=6", goPkg: "./models/gmm", goBench: "Sweep$", goRate: perOp, peerKey: "gmm",
		peer: func(peers, data string) []string {
			return []string{filepath.Join(peers, "gmm_vb_sklearn.py"), filepath.Join("data", "old_faithful", "faithful.csv"), "--repeats", "3", "--quiet-wait", "0"}
		},
		peerRate: func(j map[string]any) (float64, bool) {
			w, ok1 := path(j, "fit_wall_s_median")
			n, ok2 := path(j, "n_iter_median")
			return n / w, ok1 && ok2 && w > 0
		},
	},
	{
		name: "LDA CAVI sweep, AP corpus, K=20", goPkg: "./models/lda", goBench: "Sweep$", goRate: perOp, peerKey: "lda", needData: "ap_lda/ap.dat",
		peer: func(peers, data string) []string {
			return []string{filepath.Join(peers, "lda_sklearn.py"), filepath.Join(data, "ap_lda"), "--repeats", "1", "--quiet-wait", "0"}
		},
		peerRate: func(j map[string]any) (float64, bool) {
			w, ok1 := path(j, "results", "batch", "fit_wall_s_median")
			n, ok2 := path(j, "results", "batch", "n_iter")
			return n / w, ok1 && ok2 && w > 0
		},
	},
}...)

// trueSkillPeer runs the TrueSkill peer on the 4F13 data with S particles.
func trueSkillPeer(S int, probit bool) func(peers, data string) []string {
	return func(peers, data string) []string {
		args := []string{filepath.Join(peers, "trueskill_svi_torch.py"), filepath.Join(data, "tennis_atp", "cam4f13_2011", "tennis_data.mat"),
			"--samples", strconv.Itoa(S), "--no-mcmc", "--trace-steps", "0", "--quiet-wait", "0", "--repeats", "3", "--speed-steps", "1000", "--elbo-samples", "10000"}
		if probit {
			args = append(args, "--probit")
		}
		return args
	}
}

// trueSkillWorkloads pairs the TrueSkill step and time-to-converge
// benchmarks with the peer. At S = 16 govi evaluates the particles in one
// vectorized kernel, on one goroutine against one torch thread and on two
// against two. Time to converge (the peer's rule, S = 10, seconds of
// stepping without the convergence checks) is compared on one thread each;
// its rate is fits per second.
func trueSkillWorkloads() []workload {
	const data = "tennis_atp/cam4f13_2011/games.csv"
	ws := []workload{{
		name: "TrueSkill SVI step, 4F13 ATP 2011, logistic, S=1", goPkg: "./benchmarks", goBench: "TrueSkillStep/logistic/particles=1$", goCPU: 1,
		goRate: metric("steps/s"), peerKey: "trueskill1", needData: data, peer: trueSkillPeer(1, false),
		peerRate: func(j map[string]any) (float64, bool) { return path(j, "svi_steps_per_s", "threads1", "median") },
	}}
	for _, th := range []int{1, 2} {
		w := ""
		if th == 2 {
			w = "/workers=2"
		}
		ws = append(ws, workload{
			name:  fmt.Sprintf("TrueSkill SVI step, 4F13 ATP 2011, logistic, S=16, govi vectorized%s, torch threads=%d", w, th),
			goPkg: "./benchmarks", goBench: fmt.Sprintf("TrueSkillStep/logistic/particles=16/vectorized%s$", w), goCPU: th,
			goRate: metric("steps/s"), peerKey: "trueskill", needData: data, peer: trueSkillPeer(16, false),
			peerRate: func(j map[string]any) (float64, bool) {
				return path(j, "svi_steps_per_s", fmt.Sprintf("threads%d", th), "median")
			},
		})
	}
	for _, c := range []struct {
		probit  bool
		natural string
	}{{false, ""}, {true, ""}, {false, "/natural"}, {true, "/natural"}} {
		probit := c.probit
		link := "logistic"
		if probit {
			link = "probit"
		}
		opt := ""
		if c.natural != "" {
			opt = " natural gradient"
		}
		ws = append(ws, workload{
			name:  fmt.Sprintf("TrueSkill time to converge, 4F13 ATP 2011, %s, S=10, govi vectorized%s, torch Adam threads=1 (fits/s)", link, opt),
			goPkg: "./benchmarks", goBench: fmt.Sprintf("TrueSkillConverge/%s/vectorized%s$", link, c.natural), goBenchtime: "1x", goCPU: 1,
			goRate: func(m map[string]float64) (float64, bool) {
				v, ok := m["s-stepping"]
				return 1 / v, ok && v > 0
			},
			peerKey: "trueskill-converge-" + link, needData: data, peer: trueSkillPeer(10, probit),
			peerRate: func(j map[string]any) (float64, bool) {
				v, ok := path(j, "wall_s_to_converge_excluding_checks")
				return 1 / v, ok && v > 0
			},
		})
	}
	return ws
}

func init() { workloads = append(workloads, trueSkillWorkloads()...) }

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sidebyside", flag.ContinueOnError)
	peers := fs.String("peers", "../shared/peers", "folder of the peer programs")
	data := fs.String("data", os.Getenv("GOVI_DATA"), "data folder (GOVI_DATA)")
	rounds := fs.Int("rounds", 3, "alternating rounds")
	only := fs.String("only", "", "comma-separated substrings selecting workloads")
	python := fs.String("python", "/usr/bin/python3", "the python interpreter with torch and scikit-learn")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var sel []workload
	for _, w := range workloads {
		if *only == "" || matchesAny(w.name, *only) {
			sel = append(sel, w)
		}
	}
	gov := map[string][]float64{}
	peer := map[string][]float64{}
	skipped := map[string]string{}
	for r := 0; r < *rounds; r++ {
		peerDone := map[string]map[string]any{}
		for _, w := range sel {
			if _, skip := skipped[w.name]; skip {
				continue
			}
			if w.needData != "" {
				if _, err := os.Stat(filepath.Join(*data, w.needData)); err != nil {
					skipped[w.name] = "data " + w.needData + " not found (set -data or GOVI_DATA)"
					continue
				}
			}
			fmt.Fprintf(stderr, "round %d: govi %s\n", r+1, w.name)
			g, err := goBench(w, *data)
			if err != nil {
				skipped[w.name] = "govi benchmark: " + err.Error()
				continue
			}
			gr, ok := w.goRate(g)
			if !ok {
				skipped[w.name] = "govi benchmark printed no rate"
				continue
			}
			j, ok := peerDone[w.peerKey]
			if !ok {
				fmt.Fprintf(stderr, "round %d: peer %s\n", r+1, w.peerKey)
				j, err = peerRun(*python, w.peer(*peers, *data))
				if err != nil {
					skipped[w.name] = "peer: " + err.Error() + " (install: apt-get install -y python3-torch python3-sklearn python3-scipy)"
					continue
				}
				peerDone[w.peerKey] = j
			}
			pr, ok := w.peerRate(j)
			if !ok {
				skipped[w.name] = "peer printed no rate"
				continue
			}
			gov[w.name] = append(gov[w.name], gr)
			peer[w.name] = append(peer[w.name], pr)
		}
	}
	fmt.Fprintf(stdout, "Side by side, %s, %d cores, %s, %d rounds (rates per second; ratio = govi/peer, median [min–max])\n\n",
		time.Now().Format("2006-01-02"), runtime.NumCPU(), runtime.Version(), *rounds)
	fmt.Fprintln(stdout, "| workload | govi | peer | ratio |\n|---|---|---|---|")
	for _, w := range sel {
		if why, ok := skipped[w.name]; ok {
			fmt.Fprintf(stdout, "| %s | skipped: %s | | |\n", w.name, why)
			continue
		}
		gs, ps := gov[w.name], peer[w.name]
		var ratios []float64
		for i := range gs {
			ratios = append(ratios, gs[i]/ps[i])
		}
		fmt.Fprintf(stdout, "| %s | %.4g | %.4g | %.2f [%.2f–%.2f] |\n", w.name, median(gs), median(ps), median(ratios), minOf(ratios), maxOf(ratios))
	}
	return nil
}

func matchesAny(name, list string) bool {
	for _, s := range strings.Split(list, ",") {
		if s != "" && strings.Contains(strings.ToLower(name), strings.ToLower(s)) {
			return true
		}
	}
	return false
}

var benchLine = regexp.MustCompile(`^Benchmark\S+\s+\d+\s+(.*)$`)

// goBench runs one benchmark and returns its metrics by unit.
func goBench(w workload, data string) (map[string]float64, error) {
	benchtime := w.goBenchtime
	if benchtime == "" {
		benchtime = "2s"
	}
	args := []string{"test", "-run", "^$", "-bench", w.goBench, "-benchtime", benchtime, "-count", "1"}
	if w.goCPU > 0 {
		args = append(args, "-cpu", strconv.Itoa(w.goCPU))
	}
	cmd := exec.Command("go", append(args, w.goPkg)...)
	cmd.Env = append(os.Environ(), "GOVI_DATA="+data)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, lastLines(out, 5))
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		f := strings.Fields(m[1])
		res := map[string]float64{}
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err == nil {
				res[f[i+1]] = v
			}
		}
		return res, nil
	}
	return nil, fmt.Errorf("no benchmark line matched %q (skipped for lack of data?): %s", w.goBench, lastLines(out, 3))
}

// peerRun runs a peer and decodes the last JSON line it prints.
func peerRun(python string, args []string) (map[string]any, error) {
	if _, err := exec.LookPath(python); err != nil {
		return nil, fmt.Errorf("%s not found", python)
	}
	cmd := exec.Command(python, args...)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var j map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &j); err != nil {
		return nil, fmt.Errorf("no JSON result line: %v", err)
	}
	return j, nil
}

func lastLines(b []byte, n int) string {
	l := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, " / ")
}

func median(x []float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minOf(x []float64) float64 {
	m := x[0]
	for _, v := range x {
		m = min(m, v)
	}
	return m
}

func maxOf(x []float64) float64 {
	m := x[0]
	for _, v := range x {
		m = max(m, v)
	}
	return m
}
