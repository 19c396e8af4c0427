// Package benchmarks holds govi's end-to-end benchmarks: one SVI step of
// each shipped model on synthetic data of a fixed size, seeded, with the
// graph built outside the timed loop.
//
// Run them with
//
//	go test -bench . -benchmem ./benchmarks/
//
// and compare runs with benchstat:
//
//	go test -bench . -count 10 ./benchmarks/ > new.txt && benchstat old.txt new.txt
//
// Each benchmark reports ns/op and allocs/op for one step and a workload
// figure (steps/s). No benchmark reads files or the network.
package benchmarks
