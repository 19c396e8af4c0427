// Command train fits govi's models from the command line.
//
// Usage:
//
//	go run ./cmd/train <model> [flags]
//
// Run `go run ./cmd/train help` for the list of models, and
// `go run ./cmd/train <model> -h` for a model's flags.
//
// Nothing silently wrong: a numeric flag takes 0 only where its help says
// what 0 means (-epochs 0, -clip 0, -train-rows 0, …); anywhere else a
// value out of range, 0 included, is refused naming the flag, never
// replaced by a default. Training and test rows that overlap are refused
// (bnn), -test games repeated from the training file are counted
// (trueskill), and -resume refuses a checkpoint written for other data,
// players or model settings, naming what differs (svi.Fingerprint).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
