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
//
// # Outputs
//
// Every file a run writes into its -out folder (report.json, the plots,
// the figures) is written under a temporary name and renamed into place
// only when the run succeeds, all together, report.json last; a run that
// fails or is interrupted leaves the folder as it was. The files of the
// previous run that this run does not write are removed then (the folder's
// .train-outputs lists them), so a folder never mixes two runs.
//
// While a run uses a folder, its lock file .train.lock names the process
// (pid, host, start, command line), and a second run into the folder is
// refused unless -force; a lock left by a process that has ended on this
// host is taken over with a message, and the temporary files such a run
// left are removed.
//
// The checkpoint is the exception: it is written during the run, so a
// crash loses nothing. After a failure -checkpoint holds the last good
// state when the file was new or the run resumed from it; when it holds
// another fit, that file is kept and the run's states go to
// <file>.pending, renamed onto the file when the run succeeds.
//
// -out, -checkpoint, -resume and trueskill's -test are checked before the
// first step.
//
// # Data-parallel runs
//
// Built with -tags mpi and started by mpirun -np P, train bnn, blr, vae,
// gmm and lda run as P ranks: each reads the data, trains on its
// contiguous shard of the training rows (rows [r·N/P, (r+1)·N/P) for rank
// r) with its share of the minibatch, and the ranks average every step's
// gradient (or sum every sweep's statistics), so they hold the same
// parameters throughout (see bnn.DataParallel); ranks given different
// arguments are refused. Rank 0 alone prints progress and writes the
// outputs and checkpoints; its report.json records "ranks" and
// "shard_rule". A rank that fails prints its error and aborts the job. An
// interrupt (Ctrl-C or SIGTERM to mpirun, which sends SIGTERM to every
// rank) stops the SVI fits of every rank before the same step
// (svi.ErrStoppedTogether): rank 0 saves -checkpoint, no outputs are
// written, and the ranks end together, as an interrupted run of one
// process does. The other commands refuse to run under mpirun with more
// than one rank.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Ctrl-C and SIGTERM (which mpirun sends every rank when it is
	// interrupted) stop the fit after its current step.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runWorld(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
