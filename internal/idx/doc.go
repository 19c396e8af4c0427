// Package idx reads the IDX files of MNIST and Fashion-MNIST: arrays of
// unsigned bytes with a big-endian header, gzipped or not.
//
// # Errors
//
// Errors name the file and, for a bad header or data, the byte offset (from
// 0, in the uncompressed stream) where the problem lies. They carry no
// package prefix: the caller adds its own ("vae: …", "bnn: …").
package idx
