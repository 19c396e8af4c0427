// Package lines reads text files a line at a time with the conventions the
// data readers share: a UTF-8 byte-order mark at the start of the file is
// removed, lines are numbered from 1, and a line may be long.
package lines
