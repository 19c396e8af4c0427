package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// command is one model's entry point: it parses its own flags from args.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists every model, in the order of the help text.
var commands = []command{
	{"blr", "Bayesian linear regression: exact posterior, CAVI or SVI", runBLR},
	{"bnn", "Bayesian neural network by SVI: regression (UCI protocol, toy plot) or classification", runBNN},
	{"fhmm", "factorial hidden Markov model: exact, structured or fully factorised mean field; -learn by variational EM", runFHMM},
	{"gmm", "variational Bayesian Gaussian mixture (CAVI, or SVI with -method svi)", runGMM},
	{"kl", "the two directions of KL: a mixture and a correlated Gaussian projected onto Gaussians both ways", runKL},
	{"lda", "latent Dirichlet allocation (CAVI), held-out perplexity", runLDA},
	{"lfm", "binary latent factor model: exact posterior (K ≤ 20), CAVI, variational EM (-learn); bars or a table", runLFM},
	{"trueskill", "TrueSkill skill ratings by SVI (train trueskill predict: forecast a game)", runTrueSkill},
	{"vae", "variational autoencoder (amortized encoder guide) on 8×8 digits or Fashion-MNIST", runVAE},
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: train <model> [flags]   (train <model> -h lists a model's flags)")
	fmt.Fprintln(w, "models:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
}

// run dispatches to a model's command.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return errors.New("train: no model given")
		}
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return nil // -h: the flags were listed, as asked
			}
			return err
		}
	}
	usage(stderr)
	return fmt.Errorf("train: unknown model %q", args[0])
}

// newFlags returns a flag set for a model command that reports errors instead
// of exiting, and adds the flags every command has: -cpuprofile, and
// -force, which openOutDir reads.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("train "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	prof := fs.String("cpuprofile", "", "write a CPU profile to this `file`")
	fs.Bool("force", false, "write to the -out folder even while another run holds its lock (that run then writes no outputs)")
	return fs, prof
}

// parseCommand declares the flags of the command name with declare, parses
// args and starts the CPU profile (see parseFlags); stop ends it.
func parseCommand[F any](name string, args []string, stderr io.Writer, declare func(*flag.FlagSet) F) (f F, fs *flag.FlagSet, stop func(), err error) {
	fs, prof := newFlags(name, stderr)
	f = declare(fs)
	stop, err = parseFlags(fs, prof, args)
	return f, fs, stop, err
}

// parseFlags parses args, rejects positional leftovers, and starts the CPU
// profile when asked; the returned function stops it.
func parseFlags(fs *flag.FlagSet, prof *string, args []string) (func(), error) {
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("%s: %w", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	if *prof == "" {
		return func() {}, nil
	}
	f, err := os.Create(*prof)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fs.Name(), err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", fs.Name(), err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
