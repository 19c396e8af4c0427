// Package ops provides gorgonia operations that gorgonia lacks or gets wrong,
// each with a hand-written gradient checked by finite differences.
//
// # Elementwise functions
//
// [Lgamma], [Digamma], [Trigamma], [LgammaHalfDiff], [Erf], [NormCDF],
// [LogNormCDF], [LogSigmoid], [Softplus] and [Log1mExp] apply a float64
// function of internal/special (the one home of govi's host special
// functions, which models also call directly) to every element of a
// tensor node or to a scalar node. Each is a
// [UnaryFn] whose derivative is itself a UnaryFn, so the gradient nodes built
// by gorgonia.Grad can be differentiated again (Lgamma → Digamma → Trigamma
// → tetragamma). They support gorgonia's symbolic differentiation
// (gorgonia.Grad with a TapeMachine) and its automatic differentiation
// (DoDiff, used by the LispMachine).
//
// # Reductions
//
// [LogSumExp] and [LogMeanExp] reduce one axis with the max-shift trick.
// They replace gorgonia.LogSumExp, whose value is wrong in v0.9.18
// (it computes log(Σ exp(x − m) + m)). Their gradient is the softmax along
// the reduced axis, built from two small ops that are themselves
// differentiable. [ReduceSum] sums one axis; it replaces gorgonia.Sum for
// [1, K] inputs, whose value has the wrong shape in v0.9.18.
//
// # Stick-breaking
//
// [StickBreaking] and [StickBreakingLogDet] map ℝ^{K−1} onto the K-simplex
// and give the log-Jacobian, with hand-written vector-Jacobian products (not
// differentiable a second time). [StickBreakingRow] is the map on the host
// (dist.StickBreaking's ForwardHost).
//
// # Fused layers and draws
//
// [Dense] is a fully connected layer act(x·w + b) ([Activation]: ReLU, Tanh,
// Identity; [ParseActivation] reads one by name) as one operation with one
// fused operation per gradient; the BNN and the VAE's encoder and decoder
// are built from it, and [DenseN] is its form for S particles at once.
// [LocalDense] is a layer with Gaussian weights whose pre-activations are
// drawn per row (the local reparameterization trick). [Reparam] is the
// Gaussian draw loc + σ ⊙ ε with its gradient ([SoftplusReparam] with σ =
// softplus(ρ) inside). [MomentDense] and [MomentReLU] propagate means and
// variances instead of draws through such a layer and a ReLU in closed
// form (deterministic variational inference, with the diagonal
// simplification), and [GaussianExpectedLogLik] turns the output's moments
// into the expected Gaussian log-likelihood. These ops keep their output
// storage from one run of the graph to the next instead of allocating it
// anew. [MatMul] is the
// host matrix product they use: govi's AVX2/FMA kernels
// (internal/gemm), gonum's dgemm, or dgemv/dger when a dimension is 1. [DenseForward] is the
// layer on the host, for predictions.
//
// # Likelihoods, priors and gathers
//
// [GaussianLogLik] ([GaussianLogLikN] for S particles), [LogitLogLik]
// (categorical or Bernoulli rows of logits with class labels) and
// [BernoulliLogLik] (binary data of any shape) return a summed
// log-likelihood as one scalar operation; [NormalPriorLogProb] and
// [GammaPriorLogProb] do the same for priors with constant parameters.
// Each replaces a dozen generic operations and their gradients. [PairDiff]
// forms s[a] − s[b] for index pairs (paired-comparison models) with the
// scatter-add [PairScatter] as its gradient.
//
// [MatMul32] is MatMul for float32 operands.
//
// [FloatInputs], [InputShapes], [Floats], [Scalar], [FloatType], [HashOf],
// [PlainOp], [CheckArity], [GradNodes] and [OutBuf] (an op's output kept
// between runs) help write further custom ops, inside this package or
// beside a model (the TrueSkill kernel); see Writing an op.
//
// # Writing an op
//
// A new operation is one file, its test and a line in this comment. Copy
// the nearest existing op: gaussloglik.go (a scalar reduction whose
// gradient ops are chosen per input), logitloglik.go (one gradient op),
// dense.go (output storage kept between runs, several gradient ops sharing
// one backward pass), unary.go (an elementwise function whose derivative is
// itself an op). Host-side numerics (special functions) go in
// internal/special, matrix kernels in internal/gemm; an op that only one
// model can use stays in the model's package and uses the same helpers
// (models/trueskill/kernel.go).
//
//  1. Constructor: an exported function taking and returning *G.Node with
//     an error, checking dtypes with checkFloat (every op supports
//     float32 as well as float64, see Dtypes) and shapes before
//     G.ApplyOp, and wrapping every error as "ops: Name: …".
//  2. Op type: a struct embedding [PlainOp], with Arity, Type (built from
//     [FloatType]), String, WriteHash (a unique "govi/ops.Name{…}" with
//     every field that changes the result) and Hashcode ([HashOf]), and
//     InferShape through [InputShapes].
//  3. Forward: Do reads its inputs with [FloatInputs] (or [Floats] and
//     [Scalar]), checks their shapes again, and returns a fresh value, or
//     one from an [OutBuf] created per node in the constructor and
//     overwritten completely on every run. It returns errors; it does not
//     panic.
//  4. Backward: DiffWRT says which inputs get a gradient (data and noise do
//     not); SymDiff checks [CheckArity] and builds one gradient op per
//     differentiable input with [GradNodes], each a custom op of its own
//     (same checklist) taking the inputs, the forward output if it needs
//     it, and the incoming gradient. Say in the doc comment whether the
//     gradient ops are differentiable again.
//  5. Test (name_test.go): the value against an independent oracle (gonum's
//     distuv, a host loop written from the formula, or the same function
//     built from generic gorgonia operations), and every gradient against
//     central differences of the host function with internal/fdcheck
//     (fdcheck.Grad with step fdStep = 1e-6 at relative tolerance fdRelTol
//     = 1e-6; fused against generic at fusedTol = 1e-12: the constants of
//     ops_test.go, whose comments give their reasons), on shapes that reach
//     every branch; plus the error cases. evalGrads and tensorNode in
//     ops_test.go build and run the graph.
//  6. Benchmark beside the test: BenchmarkName times the forward and
//     backward pass on a realistic shape with benchGrad (graph building
//     excluded, seeded inputs).
//
// # Second derivatives and gorgonia
//
// gorgonia's Backpropagate (v0.9.18, differentiation.go) skips every node
// that already holds a derivative from an earlier Grad call, and returns
// only the first new gradient term of such a node. Grad of Grad is
// therefore right only when the first gradient reaches the wrt node without
// passing through other nodes of the forward graph, as in Lgamma(x) →
// Digamma(x) → Trigamma(x), or LogSumExp(x) → Softmax(x) (which is why the
// softmax recomputes the log-sum-exp instead of reading the forward node).
//
// # Dtypes
//
// Every op takes float32 as well as float64 nodes (all inputs of one
// dtype), for svi.Config.DType, and returns values of its inputs' dtype.
// Most have one generic kernel over [Float] serving both: [Dense],
// [Reparam], [SoftplusReparam], [GaussianLogLik], [LogitLogLik],
// [BernoulliLogLik], [NormalPriorLogProb], [GammaPriorLogProb], the
// vectorized [ReparamN], [DenseN], [GaussianLogLikN] and
// [PairDiff]/[PairScatter], [LocalDense], and the moment ops of
// deterministic VI ([MomentDense], [MomentReLU], [GaussianExpectedLogLik]);
// the float32 products run [MatMul32] (internal/gemm's Acc32), and the
// scalar sums of the likelihoods and priors are accumulated in float64
// and rounded once. The others widen a float32 input, compute in float64
// and round the result once: every [UnaryFn] (Lgamma, Digamma,
// LogNormCDF, Step, StopGradient, …), the Cholesky factorizations of
// [InvSPD] and [LogDetSPD], [LogSumExp] and its softmax (the sum of
// exponentials is accumulated in float64), [StickBreaking] and
// [StickBreakingLogDet], [ReduceSum] and [TileRows]/[SumTiles].
// TestFloat32AgreesWithFloat64 checks each against its float64 self on the
// same inputs; the ops that round once are also checked against their
// float64 reference values within one float32 ulp (along32_test.go). The
// DoDiff methods, used only by the LispMachine, stay float64-only. An
// input of another dtype (or of mixed dtypes) is an error when the node
// is built, so a graph never computes in the wrong dtype.
package ops
