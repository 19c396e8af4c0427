// Command synth writes the synthetic regression table of the distributed
// benchmark to stdout: rows of 8 inputs uniform on [−2, 2] and the target
// y = sin x₁ + x₂x₃/2 − 0.3x₄² + 0.1(x₅+…+x₈) + N(0, 0.1²), from a seeded
// PCG, so every run writes the same file.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	rows := flag.Int("rows", 125000, "rows to write")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *rows < 1 {
		return fmt.Errorf("synth: -rows must be positive, got %d", *rows)
	}
	r := rand.New(rand.NewPCG(*seed, 0))
	w := bufio.NewWriter(os.Stdout)
	x := make([]float64, 8)
	for i := 0; i < *rows; i++ {
		for j := range x {
			x[j] = 4*r.Float64() - 2
			fmt.Fprintf(w, "%.6f,", x[j])
		}
		y := math.Sin(x[0]) + 0.5*x[1]*x[2] - 0.3*x[3]*x[3] + 0.1*(x[4]+x[5]+x[6]+x[7]) + 0.1*r.NormFloat64()
		fmt.Fprintf(w, "%.6f\n", y)
	}
	return w.Flush()
}
