// Package table reads numeric tables: whitespace- or comma-separated numbers,
// one row per line, with an optional header line (the UCI and CSV formats),
// and files of row indices.
//
// # Header
//
// A UTF-8 byte-order mark at the start of a file is removed. With
// [Options.Header] = [Auto] (the zero value) the first row is a header only
// when none of its fields parses as a number; a first row mixing names and
// numbers is read as data, so its first non-number is an error. [Yes] and
// [No] say whether there is a header, whatever the first row holds.
//
// # Errors
//
// Every problem is an error naming the file, the line and, for a field, the
// column, both counted from 1: a ragged row, a field that is not a number, a
// NaN or infinite value, an empty file.
package table
