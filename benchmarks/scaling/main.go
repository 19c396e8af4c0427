// Command scaling measures how govi's step times grow with the size of the
// problem, and how many floating-point operations per second they achieve
// beside the machine's own matrix product:
//
//   - the SVI step of the shipped BNN (models/bnn, one ReLU hidden layer,
//     13 inputs, regression on synthetic standardized data, full batch,
//     guides.MeanField, svi.EntropyELBO, Adam) against the number of rows N,
//     the hidden width H and the number of particles S (as graph copies and
//     vectorized, svi.Config.Vectorize);
//   - the CAVI sweep of models/lda (K = 20) against the number of documents
//     of the AP corpus, read from $GOVI_DATA/ap_lda (skipped when absent);
//   - gonum's pure-Go dgemm (blas64.Gemm) and govi's ops.MatMul (its
//     AVX2/FMA kernels, dgemv and dger) at a square size and at the
//     shapes of the five matrix products of a BNN step (N = 455 and 10⁵,
//     H = 50), with GOMAXPROCS = 1 and 2, and the sum of those five: the
//     time one particle's step spends in matrix products.
//
// Each BNN and dgemm point runs a few warm-up calls, picks a block of calls
// lasting about -block, and times -reps such blocks; it reports the median
// time per call and the range over the blocks, heap allocations per call
// (runtime.MemStats Mallocs and TotalAlloc deltas) and GFLOP/s. The BNN's
// flop count is that of its dense-layer matrix products (see bnn.go). An LDA
// point fits -lda-warmup + -reps sweeps and reports the median time of the
// last -reps.
//
// Usage, from the repository root:
//
//	GOVI_DATA=/path/to/datasets go run ./benchmarks/scaling [-reps 7] [-block 300ms] [-figures benchmarks/scaling/figures] [-csv DIR] [-only dgemm,n,width,particles,vparticles,lda]
//
// It prints, as Markdown meant to sit under a level-2 heading (headings
// ### and ####), the machine (CPUs, CPU model, Go version, load average
// before and after), then one table per sweep, each followed by the share
// of the machine's CPU time that this program and other processes used
// meanwhile (/proc/stat against /proc/self/stat), and writes a PNG plot per
// BNN and LDA sweep to -figures and, with -csv, a CSV file per sweep. The
// times are wall-clock times on a possibly shared machine: read the CPU
// shares before trusting them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// sweeps lists the names accepted by -only, in the order they run.
var sweeps = []string{"dgemm", "n", "width", "particles", "vparticles", "lda"}

// options are the command-line settings shared by the sweeps.
type options struct {
	reps      int           // timed blocks (BNN, dgemm) or sweeps (LDA) per point
	block     time.Duration // target duration of one timed block
	warmup    int           // untimed calls before the blocks
	ldaWarmup int           // untimed LDA sweeps before the timed ones
	seed      uint64        // seeds data, initial parameters and noise
	figures   string        // folder of the PNG plots; "" writes none
	csv       string        // folder of the CSV files; "" writes none
}

// run parses args, runs the selected sweeps in order and writes the report
// to w; it returns ctx's error if ctx is done between points.
func run(ctx context.Context, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("scaling", flag.ContinueOnError)
	fs.SetOutput(w)
	var o options
	fs.IntVar(&o.reps, "reps", 7, "timed blocks per point (the median is reported)")
	fs.DurationVar(&o.block, "block", 300*time.Millisecond, "target duration of one timed block")
	fs.IntVar(&o.warmup, "warmup", 3, "untimed warm-up calls per BNN or dgemm point")
	fs.IntVar(&o.ldaWarmup, "lda-warmup", 2, "untimed LDA sweeps before the timed ones")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed")
	fs.StringVar(&o.figures, "figures", filepath.Join("benchmarks", "scaling", "figures"), `folder of the PNG plots ("" for none)`)
	fs.StringVar(&o.csv, "csv", "", "folder of the CSV files (none by default)")
	only := fs.String("only", strings.Join(sweeps, ","), "comma-separated sweeps to run: "+strings.Join(sweeps, ", "))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("scaling: unexpected arguments %q", fs.Args())
	}
	if o.reps < 1 || o.warmup < 1 || o.ldaWarmup < 0 || o.block <= 0 {
		return fmt.Errorf("scaling: need -reps ≥ 1, -warmup ≥ 1, -lda-warmup ≥ 0 and -block > 0")
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(sweeps, s) {
			return fmt.Errorf("scaling: unknown sweep %q in -only (want %s)", s, strings.Join(sweeps, ", "))
		}
		want[s] = true
	}
	for _, dir := range []string{o.figures, o.csv} {
		if dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("scaling: %w", err)
			}
		}
	}

	start := time.Now()
	load0 := loadAvg()
	fmt.Fprintf(w, "### Scaling run of %s\n\n", start.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "- machine: %d CPUs (GOMAXPROCS %d), %s, %s/%s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "- Go: %s; BLAS: %s\n", runtime.Version(), blasName())
	fmt.Fprintf(w, "- settings: %d blocks of ≈%v per point, %d warm-up calls, seed %d\n", o.reps, o.block, o.warmup, o.seed)
	fmt.Fprintf(w, "- load average (1, 5, 15 min) before: %s\n\n", load0)

	for _, s := range sweeps {
		if !want[s] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		c0 := sampleCPU()
		var err error
		switch s {
		case "dgemm":
			err = dgemmSweep(ctx, w, o)
		case "n", "width", "particles", "vparticles":
			err = bnnSweep(ctx, w, o, s)
		case "lda":
			err = ldaSweep(ctx, w, o)
		}
		if err != nil {
			return err
		}
		if sh := othersShare(c0, sampleCPU()); sh != "" {
			fmt.Fprintf(w, "- %s; load average now %s\n\n", sh, loadAvg())
		} else {
			fmt.Fprintf(w, "- load average now %s\n\n", loadAvg())
		}
	}
	fmt.Fprintf(w, "- load average (1, 5, 15 min) after: %s; total %v\n", loadAvg(), time.Since(start).Round(time.Second))
	return nil
}
