// Package table reads numeric tables: whitespace- or comma-separated numbers,
// one row per line, with an optional header line (the UCI and CSV formats).
//
// Every problem is reported as an error naming the file and the line: a ragged
// row, a field that is not a number, a NaN or infinite value, an empty file.
package table
