// Package benchmarks holds govi's end-to-end benchmarks: one SVI step of
// the BNN, Bayesian linear regression, a network built from generic
// gorgonia operations, the VAE and TrueSkill, seeded, with the graph built
// outside the timed loop. Micro-benchmarks of single operations live beside
// their code.
//
// Run them with
//
//	go test -bench . -benchmem ./benchmarks/
//
// and compare runs with benchstat:
//
//	go test -bench . -count 10 ./benchmarks/ > new.txt && benchstat old.txt new.txt
//
// Each step benchmark reports ns/op and allocs/op for one step and a work
// rate (steps/s, or images/s for the VAE); BenchmarkTrueSkillConverge
// times a whole fit (use -benchtime 1x). The benchmarks run on seeded
// synthetic data, except the TrueSkill ones: they read the 4F13 tennis
// games from GOVI_DATA, the data the PyTorch peer times, and are skipped
// without it. None uses the network.
//
// The programs in the subdirectories print results tables rather than
// timing one operation: sidebyside (govi against the peer programs of
// shared/peers), scaling (step time against problem size), svicavi (SVI
// against the closed-form and CAVI references), loglinear (the BNN with no
// hidden layer against an HMC reference posterior) and forecasts (the long
// TrueSkill forecast tables of models/trueskill/REFERENCES.md §10).
// README.md says how to run each.
package benchmarks
