// Package longtest is the one gate of govi's long tests.
//
// A plain `go test ./...` runs every test that finishes in seconds to tens
// of seconds: under ten minutes in all on a 2-core machine. Runs that take
// minutes, or that only regenerate the figures of a results file with more
// draws (REFERENCES.md, RESULTS.md), are long tests: they call [Skip] first
// and run only when the environment variable GOVI_LONG is set to a non-empty
// value:
//
//	GOVI_LONG=1 GOVI_DATA=/path/to/datasets go test ./...
//
// The -short flag is not used: it is GOVI_LONG or nothing. Tests that need
// a data set that is not shipped skip through package datadir instead,
// whatever GOVI_LONG says.
package longtest
