package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJSONDocErrorPositions: a syntax error names the line and column of
// the offending character, counted by hand in each input.
func TestJSONDocErrorPositions(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"NaN", "{\n  \"a\": [1, 2],\n  \"b\": [[0.2, NaN]]\n}", "line 3, column 15: invalid character 'N'"},
		{"missing comma", "[1 2]", "line 1, column 4: invalid character '2' after array element"},
		{"double comma", "[1,\n 2,, 3]", "line 2, column 4: invalid character ','"},
		{"no colon", "{\"a\" 1}", "line 1, column 6: invalid character '1' after object key"},
		{"trailing data", "{\"a\": 1}\n[2]", "line 2, column 2: unexpected data after the top-level value"},
		{"truncated", "{\"a\": [1,\n", "line 2, column 1: unexpected end of JSON"},
		{"empty", "", "line 1, column 1: unexpected end of JSON"},
		{"duplicate key", "{\"a\": 1,\n \"a\": 2}", "line 2, column 2: field \"a\" appears twice"},
		{"after a multi-byte character", "{\"é\": [1 2]}", "line 1, column 10: invalid character '2'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseJSONDoc("p.json", []byte(tc.src))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "p.json: "+tc.want)
		})
	}
}

// TestJSONDocPositions: every value records where it starts.
func TestJSONDocPositions(t *testing.T) {
	doc, err := parseJSONDoc("p.json", []byte("{\"x\": [1.5, -2e3],\n \"s\": \"a\\\"b\", \"t\": true, \"n\": null}"))
	require.NoError(t, err)
	root := doc.root
	require.Len(t, root.obj, 4)
	x := root.obj[0].val
	assert.Equal(t, int64(6), x.off, "the [ of x")
	assert.Equal(t, int64(7), x.arr[0].off)
	assert.Equal(t, int64(12), x.arr[1].off)
	assert.Equal(t, int64(20), root.obj[1].keyOff, "the \" of s")
	assert.Equal(t, int64(25), root.obj[1].val.off)
	assert.Equal(t, byte('b'), root.obj[2].val.kind)
	assert.Equal(t, byte('0'), root.obj[3].val.kind)
}
