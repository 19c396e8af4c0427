package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Names the output folder's machinery uses.
const (
	reportName   = "report.json"
	manifestName = ".train-outputs" // the files of the run that wrote the folder, one a line
	tmpPrefix    = ".train-tmp-"    // + the run's token + "-": a staged file
	ckptPrefix   = ".checkpoint-"   // svi.Trainer.SaveCheckpoint's temporaries
	// orphanAge is the age after which a checkpoint temporary outside a
	// locked folder counts as orphaned: SaveCheckpoint keeps one for the
	// time of one write.
	orphanAge = 15 * time.Minute
)

// outDir is the output folder (-out) of one run of a train command. Every
// file the run writes there is staged under a temporary name in the folder
// (Create, WriteFile, SaveAs) and renamed into place by Commit, all
// together once the run has succeeded, report.json last; files a previous
// run listed in the folder's manifest and this run does not write are
// removed then, so the folder never mixes two runs. Abort removes what was
// staged, leaving the folder as the run found it. While a run holds the
// folder its lock file names it (see acquireLock), and a second run is
// refused. An outDir is not safe for concurrent use.
type outDir struct {
	cmd, dir string
	lock     *folderLock
	staged   []stagedFile
	moves    []stagedFile // files outside the folder to rename at Commit (tmp → name)
	created  []string     // folders made for the run, deepest first
	done     bool
}

// stagedFile is a temporary file and the name it gets at Commit.
type stagedFile struct{ tmp, name string }

// openOutDir creates the folder dir if needed, takes its lock (over a live
// run's only with -force, which every command has) and removes the
// temporary files that interrupted runs left in it. fs is the command's
// parsed flag set: its name and flags go into the lock.
func openOutDir(fs *flag.FlagSet, dir string, stderr io.Writer) (*outDir, error) {
	o := &outDir{cmd: fs.Name(), dir: dir}
	fail := func(err error) (*outDir, error) {
		o.removeCreated()
		return nil, fmt.Errorf("%s: -out %s: %w", o.cmd, dir, err)
	}
	if dir == "" {
		return nil, fmt.Errorf("%s: -out is required", o.cmd)
	}
	if err := o.mkdir(); err != nil {
		return fail(err)
	}
	force := false
	if f := fs.Lookup("force"); f != nil {
		force = f.Value.String() == "true"
	}
	lk, taken, err := acquireLock(dir, commandLine(fs), force)
	if err != nil {
		return fail(err)
	}
	o.lock = lk
	if taken.note != "" {
		fmt.Fprintf(stderr, "%s: -out %s: %s\n", o.cmd, dir, taken.note)
	}
	if !taken.shared {
		o.removeOrphans(dir, 0, stderr)
	}
	return o, nil
}

// commandLine is the command and the flags given, for the lock file.
func commandLine(fs *flag.FlagSet) string {
	s := fs.Name()
	fs.Visit(func(f *flag.Flag) { s += fmt.Sprintf(" -%s=%s", f.Name, f.Value) })
	return s
}

// mkdir creates the folder and the missing folders above it, noting them
// for Abort.
func (o *outDir) mkdir() error {
	fi, err := os.Stat(o.dir)
	if err == nil && !fi.IsDir() {
		return errors.New("not a folder")
	}
	if err == nil {
		return nil
	}
	for d := filepath.Clean(o.dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		o.created = append(o.created, d)
	}
	return os.MkdirAll(o.dir, 0o755)
}

// removeCreated removes the folders mkdir made, if they are empty.
func (o *outDir) removeCreated() {
	for _, d := range o.created {
		if os.Remove(d) != nil {
			break
		}
	}
	o.created = nil
}

// removeOrphans removes from dir the temporary files other runs left:
// with minAge 0, in the folder this run locked, every staged file not this
// run's, every .checkpoint-* file and the report temporary of earlier
// versions; with minAge > 0, in a folder others may use, the .checkpoint-*
// files older than minAge.
func (o *outDir) removeOrphans(dir string, minAge time.Duration, stderr io.Writer) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	n := 0
	for _, e := range ents {
		name := e.Name()
		orphan := strings.HasPrefix(name, ckptPrefix)
		if minAge == 0 { // the folder this run locked: every other run's temporary
			ours := strings.HasPrefix(name, tmpPrefix+o.lock.info.Token+"-")
			orphan = orphan || name == ".report.json.tmp" || strings.HasPrefix(name, tmpPrefix) && !ours
		}
		if !orphan || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err != nil || time.Since(fi.ModTime()) < minAge {
			continue
		}
		if os.Remove(filepath.Join(dir, name)) == nil {
			n++
		}
	}
	if n > 0 {
		fmt.Fprintf(stderr, "%s: removed %d temporary file(s) that an interrupted run left in %s\n", o.cmd, n, dir)
	}
}

// Path returns the path name will have once the run is committed.
func (o *outDir) Path(name string) string { return filepath.Join(o.dir, name) }

// Create stages the output file name: the returned file is a temporary
// in the folder (with name's extension) that Commit renames to name.
func (o *outDir) Create(name string) (*os.File, error) {
	switch {
	case o.done:
		return nil, fmt.Errorf("%s: output %s after the run ended", o.cmd, name)
	case name == "" || filepath.Base(name) != name || strings.HasPrefix(name, ".") && name != manifestName:
		return nil, fmt.Errorf("%s: bad output file name %q", o.cmd, name)
	case slices.ContainsFunc(o.staged, func(s stagedFile) bool { return s.name == name }):
		return nil, fmt.Errorf("%s: output %s written twice", o.cmd, name)
	}
	f, err := os.CreateTemp(o.dir, tmpPrefix+o.lock.info.Token+"-*-"+name)
	if err == nil {
		err = f.Chmod(0o644) // an output, not a secret (CreateTemp makes 0600)
	}
	if err != nil {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
		return nil, fmt.Errorf("%s: %w", o.cmd, err)
	}
	o.staged = append(o.staged, stagedFile{tmp: f.Name(), name: name})
	return f, nil
}

// WriteFile stages name with the bytes write writes.
func (o *outDir) WriteFile(name string, write func(io.Writer) error) error {
	f, err := o.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// SaveAs stages name with a function that writes a file at a path (the
// temporary's, which ends in name's extension).
func (o *outDir) SaveAs(name string, save func(path string) error) error {
	f, err := o.Create(name)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return save(f.Name())
}

// WriteJSON stages name with v as indented JSON.
func (o *outDir) WriteJSON(name string, v any) error {
	b, err := marshalReport(v)
	if err != nil {
		return fmt.Errorf("%s: encoding %s: %w", o.cmd, name, err)
	}
	return o.WriteFile(name, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// CommitReport stages report.json with rep (see WriteJSON) and commits
// the run's outputs, the end of every command.
func (o *outDir) CommitReport(rep any) error {
	if err := o.WriteJSON(reportName, rep); err != nil {
		return err
	}
	return o.Commit()
}

// MoveAtCommit has Commit rename the file tmp, written outside the folder
// by the run, to name (a path) with the run's outputs.
func (o *outDir) MoveAtCommit(tmp, name string) {
	o.moves = append(o.moves, stagedFile{tmp: tmp, name: name})
}

// Commit renames the staged files into place (report.json last, so a
// complete report means its files are there), removes the files of the
// previous run's manifest this run did not write, and releases the folder.
// It fails, writing nothing, if another run took the folder over.
func (o *outDir) Commit() error {
	if o.done {
		return fmt.Errorf("%s: -out %s: the run already ended", o.cmd, o.dir)
	}
	if err := o.lock.held(); err != nil {
		o.Abort()
		return fmt.Errorf("%s: -out %s: outputs not written: %w", o.cmd, o.dir, err)
	}
	previous := o.manifest()
	var names []string
	for _, s := range o.staged {
		names = append(names, s.name)
	}
	err := o.WriteFile(manifestName, func(w io.Writer) error {
		_, err := io.WriteString(w, strings.Join(names, "\n")+"\n")
		return err
	})
	if err != nil {
		o.Abort()
		return err
	}
	o.done = true
	defer o.lock.release()
	// The report goes last; the sort is stable otherwise.
	slices.SortStableFunc(o.staged, func(a, b stagedFile) int {
		return boolCmp(a.name == reportName, b.name == reportName)
	})
	renames := slices.Clone(o.moves)
	for _, s := range o.staged {
		renames = append(renames, stagedFile{tmp: s.tmp, name: o.Path(s.name)})
	}
	for i, r := range renames {
		err := os.Rename(r.tmp, r.name)
		if i < len(o.moves) && errors.Is(err, fs.ErrNotExist) {
			continue // the run wrote no checkpoint: the earlier one stays
		}
		if err != nil {
			o.removeStaged()
			return fmt.Errorf("%s: -out %s: %w", o.cmd, o.dir, err)
		}
	}
	for _, name := range previous {
		if !slices.Contains(names, name) {
			os.Remove(o.Path(name))
		}
	}
	return nil
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// manifest returns the names in the folder's manifest that a run could
// have written: plain file names, not hidden.
func (o *outDir) manifest() []string {
	b, err := os.ReadFile(o.Path(manifestName))
	if err != nil {
		return nil
	}
	var names []string
	for _, n := range strings.Split(string(b), "\n") {
		if n != "" && filepath.Base(n) == n && !strings.HasPrefix(n, ".") {
			names = append(names, n)
		}
	}
	return names
}

// Abort removes the staged files (those not yet renamed), releases the
// folder and removes it if the run created it and it is empty. Calling it
// after Commit or again does nothing, so it can be deferred.
func (o *outDir) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.removeStaged()
	o.lock.release()
	o.removeCreated()
}

// removeStaged removes the staged temporaries still in the folder.
func (o *outDir) removeStaged() {
	for _, s := range o.staged {
		os.Remove(s.tmp) // gone already once renamed
	}
}
