package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// pendingSuffix names the file a run writes its checkpoints to when
// -checkpoint holds an earlier fit's (see sviFlags.planCheckpoint).
const pendingSuffix = ".pending"

// begin checks, before any work, what a run will write and read: it opens
// the output folder dir (see openOutDir), then checks that the -resume
// file of sf (nil: a command without the SVI flags) can be read and that
// the folder of -checkpoint exists and takes files, and decides where the
// checkpoints go. The caller defers Abort and calls Commit at the end.
func begin(fs *flag.FlagSet, dir string, sf *sviFlags, stderr io.Writer) (*outDir, error) {
	od, err := openOutDir(fs, dir, stderr)
	if err != nil || sf == nil {
		return od, err
	}
	if err := sf.checkFiles(fs.Name()); err != nil {
		od.Abort()
		return nil, err
	}
	sf.planCheckpoint(od, stderr)
	return od, nil
}

// sviOnly returns sf when the run fits by SVI and nil otherwise (its
// -checkpoint and -resume do not apply).
func sviOnly(sf *sviFlags, isSVI bool) *sviFlags {
	if isSVI {
		return sf
	}
	return nil
}

// checkFiles checks that -resume names a readable file and that -checkpoint
// names a file (new or not) in a folder that exists and takes files.
func (f *sviFlags) checkFiles(cmd string) error {
	if f.resume != "" {
		r, err := os.Open(f.resume)
		if err != nil {
			return fmt.Errorf("%s: -resume: %w", cmd, err)
		}
		fi, err := r.Stat()
		r.Close()
		if err == nil && fi.IsDir() {
			err = errors.New("is a folder, not a checkpoint file")
		}
		if err != nil {
			return fmt.Errorf("%s: -resume %s: %w", cmd, f.resume, err)
		}
	}
	if f.checkpoint == "" {
		return nil
	}
	if fi, err := os.Stat(f.checkpoint); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: -checkpoint %s: not a regular file", cmd, f.checkpoint)
	}
	dir := filepath.Dir(f.checkpoint)
	fi, err := os.Stat(dir)
	if err == nil && !fi.IsDir() {
		err = errors.New("not a folder")
	}
	if err != nil {
		return fmt.Errorf("%s: -checkpoint %s: its folder: %w", cmd, f.checkpoint, err)
	}
	probe, err := os.CreateTemp(dir, ckptPrefix+"*")
	if err != nil {
		return fmt.Errorf("%s: -checkpoint %s: cannot write in its folder: %w", cmd, f.checkpoint, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// planCheckpoint decides where the run writes -checkpoint. A new file, or
// the file the run resumes from, receives the run's checkpoints directly:
// the run continues that fit, and after a failure the file holds its last
// good state, so nothing fitted is lost. A file holding another, earlier
// fit is not replaced by a run that may fail: the run writes to
// <file>.pending, which Commit renames onto the file; after a failure
// <file>.pending holds the run's last good state and the file is kept. It
// also removes orphaned checkpoint temporaries next to the file.
func (f *sviFlags) planCheckpoint(od *outDir, stderr io.Writer) {
	f.ckWrite = f.checkpoint
	if f.checkpoint == "" {
		return
	}
	if abs(filepath.Dir(f.checkpoint)) != abs(od.dir) {
		od.removeOrphans(filepath.Dir(f.checkpoint), orphanAge, stderr)
	}
	old, err := os.Stat(f.checkpoint)
	if err != nil {
		return
	}
	if f.resume != "" {
		if r, err := os.Stat(f.resume); err == nil && os.SameFile(old, r) {
			return
		}
	}
	f.ckWrite = f.checkpoint + pendingSuffix
	od.MoveAtCommit(f.ckWrite, f.checkpoint)
}

func abs(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return filepath.Clean(path)
}

// ckPath is the file the run's checkpoints go to (see planCheckpoint).
func (f *sviFlags) ckPath() string {
	if f.ckWrite != "" {
		return f.ckWrite
	}
	return f.checkpoint
}

// savedNote says where a failed run's last good state is.
func (f *sviFlags) savedNote() string {
	if f.ckPath() == f.checkpoint {
		return fmt.Sprintf("the last good state is saved in %s", f.checkpoint)
	}
	return fmt.Sprintf("the last good state is saved in %s; %s, an earlier fit's checkpoint, is kept", f.ckPath(), f.checkpoint)
}
