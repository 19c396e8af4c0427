package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRunRefusesUnknownTables checks that a bad -only is refused before any
// fit starts, and a bad flag too.
func TestRunRefusesUnknownTables(t *testing.T) {
	for _, args := range [][]string{{"-only", "epl,nba"}, {"-only", ""}, {"-no-such-flag"}} {
		var out bytes.Buffer
		assert.Error(t, run(args, &out), "%v", args)
		assert.Empty(t, out.String(), "%v: nothing printed", args)
	}
}
