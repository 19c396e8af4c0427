// Command train fits govi's models from the command line.
//
// Usage:
//
//	go run ./cmd/train <model> [flags]
//
// Run `go run ./cmd/train help` for the list of models, and
// `go run ./cmd/train <model> -h` for a model's flags.
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
