// Package graph holds govi's internal helpers for building gorgonia graphs:
// unique node names, scalar constants, and a sticky-error builder whose binary
// operations broadcast their operands the way NumPy does.
//
// It is internal: exported govi APIs take and return *gorgonia.Node and error,
// never a builder.
package graph
