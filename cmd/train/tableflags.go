package main

import (
	"flag"
	"fmt"

	"github.com/govi/govi/internal/table"
)

// tableFlags is the -header flag of the commands that read -data as a
// numeric table (blr, gmm, bnn), declared once here.
type tableFlags struct {
	opts table.Options
}

// addTableFlags declares -header on fs.
func addTableFlags(fs *flag.FlagSet) *tableFlags {
	f := &tableFlags{}
	fs.Var(&f.opts.Header, "header", "whether the first line of -data is a header: yes, no or auto (a header when none of its fields is a number)")
	return f
}

// read reads the numeric table at path.
func (f *tableFlags) read(path string) (*table.Table, error) { return f.opts.ReadFile(path) }

// readXY reads the numeric table at path whose last column is a target
// and the others inputs: it needs two columns or more.
func (f *tableFlags) readXY(path string) (*table.Table, error) {
	tb, err := f.read(path)
	if err != nil {
		return nil, err
	}
	if tb.Cols < 2 {
		return nil, fmt.Errorf("%s has %d column(s); need inputs and a target", path, tb.Cols)
	}
	return tb, nil
}
