package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCommandTable: the table names each command once, in the order the
// help lists them, and the help shows every summary.
func TestCommandTable(t *testing.T) {
	t.Parallel()
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
		assert.NotEmpty(t, c.summary, c.name)
		assert.NotNil(t, c.run, c.name)
	}
	assert.True(t, slices.IsSorted(names), "commands sorted by name: %v", names)
	assert.Len(t, slices.Compact(slices.Clone(names)), len(names), "no command twice")
	stdout, _, err := runCmd("help")
	require.NoError(t, err)
	for _, c := range commands {
		assert.Contains(t, stdout, "  "+c.name+strings.Repeat(" ", 11-len(c.name))+c.summary)
	}
	_, _, err = runCmd()
	assert.ErrorContains(t, err, "no model given")
}

// TestHelpExitsZero: -h lists a command's flags and is not an error, for
// every command (and trueskill's predict).
func TestHelpExitsZero(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"trueskill", "predict", "-h"}} {
		_, stderr, err := runCmd(args...)
		assert.NoError(t, err, "%v", args)
		assert.Contains(t, stderr, "-posterior", "%v", args)
	}
	for _, c := range commands {
		_, stderr, err := runCmd(c.name, "-h")
		assert.NoError(t, err, c.name)
		assert.Contains(t, stderr, "-cpuprofile", c.name)
	}
}
