// Package lda fits latent Dirichlet allocation by mean-field coordinate
// ascent variational inference (CAVI), sparse over the (word, count) pairs
// of each document and parallel over documents.
//
// # Model
//
// For K topics over a vocabulary of V words and documents d = 1, …, D with
// tokens w_di:
//
//	θ_k ~ Dir(η, …, η)           topic k's distribution over words
//	π_d ~ Dir(α, …, α)           document d's distribution over topics
//	c_di | π_d ~ Cat(π_d)         topic of token i of document d
//	w_di | c_di, θ ~ Cat(θ_{c_di})
//
// # Variational family
//
// q = Π_k Dir(θ_k | β̃_k) Π_d Dir(π_d | α̃_d) Π_di Cat(c_di | γ_di), with the
// coordinate updates (Blei, Ng & Jordan 2003, eqs 6–7; Hoffman et al. 2010)
//
//	γ_dik ∝ exp(ψ(α̃_dk) − ψ(Σ_j α̃_dj) + ψ(β̃_k,w_di) − ψ(Σ_v β̃_kv))
//	α̃_dk = α + Σ_i γ_dik
//	β̃_kv = η + Σ_d Σ_{i: w_di = v} γ_dik
//
// Tokens of the same word in a document share γ, so a document is stored as
// (word, count) pairs and every sum runs over pairs, never over a dense D×V
// matrix. One iteration of [Fit] updates, for every document, γ_d and α̃_d
// alternately until the mean change of α̃_d falls below Config.LocalTol,
// then every β̃_k from the γ of all documents.
//
// Each document's alternations start, by default ([LocalGuarded]), from the
// fresh point α + N_d/K, as scikit-learn's batch method does, and the
// iteration is checked: if its ELBO fell, it is undone and run again with
// [LocalBest], which fits each document from both its previous α̃_d and the
// fresh point and keeps the better. Plain warm starts ([LocalWarm]) let
// documents fitted under the first, vague topics stay locked into their
// first choice, which costs about 90,000 nats of ELBO on the AP corpus
// (K = 20, 10 iterations); LocalBest's greedy choice costs less but still
// shows in the held-out perplexity (PERPLEXITY.md).
//
// # Evidence lower bound
//
// After each iteration [Fit] records the full ELBO
//
//	ELBO = Σ_d { E[ln p(w_d, c_d | π_d, θ)] + E[ln p(π_d)] − E[ln q(c_d)] − E[ln q(π_d)] }
//	     + Σ_k { E[ln p(θ_k)] − E[ln q(θ_k)] }
//
// with every normalising constant, at γ optimal for the current α̃ and β̃,
// where the token terms collapse to Σ_i ln Σ_k exp(E[ln π_dk] + E[ln θ_k,w_di]).
// Every update is a coordinate ascent step, or (LocalBest) the better of two
// sequences of them, or (LocalGuarded) a restart kept only when the ELBO did
// not fall, so the ELBO never decreases, except under LocalFresh.
//
// # Held-out perplexity
//
// [Split] holds out the last ⌈f·D⌉ documents. [Model.Perplexity] fits their
// α̃_d with the topics fixed and returns exp(−ELBO_heldout / N_heldout), the
// ELBO restricted to those documents (without the topic terms) over their
// token count. This is scikit-learn's "doc-only" bound, not its perplexity()
// (which adds the topics' KL term once, inflating it on small sets); see
// PERPLEXITY.md.
//
// # Parallelism and reproducibility
//
// Documents are cut into fixed chunks of consecutive documents; workers take
// whole chunks, each chunk accumulates its own sufficient statistics in
// document order, and the chunks are reduced in chunk order. Results are
// therefore bitwise identical whatever Config.Workers and GOMAXPROCS are.
//
// # Data-parallel fits
//
// With Config.Reducer set, [Fit] is one of P ranks, each holding a shard of
// the documents (by convention the contiguous documents [r·D/P, (r+1)·D/P)
// of rank r, as [Shard] cuts them). Each iteration runs the document
// updates on the shard, sums over the ranks the topic–word statistics
// Σ_d Σ_{i: w_di = v} γ_dik / exp(E[ln θ_kv]) (V·K values) and then the
// documents' ELBO terms (one value), and makes the topic update, the
// topics' ELBO terms (counted once) and every decision (the guard's retry,
// Config.Tol) from the sums, identically on every rank. The initial topics
// depend only on Config.Seed, K and V, so every rank draws the same ones. A
// fit on P ranks equals the one-process fit up to the order of the sums;
// [Model.DocTopic] then holds the shard's documents only, and held-out
// evaluation ([Model.Perplexity]) runs in one process with the shared
// topics.
//
// # Files
//
// [ReadCorpusFile] reads the lda-c format (one document a line: "M id:count
// id:count …" with 0-based ids) and [ReadVocabFile] a vocabulary (line k is
// word k); errors name the file and line.
//
// References:
//
//   - D. M. Blei, A. Y. Ng, M. I. Jordan (2003), Latent Dirichlet allocation,
//     JMLR 3, 993–1022 (§5 and Appendix A).
//   - M. D. Hoffman, D. M. Blei, F. Bach (2010), Online learning for latent
//     Dirichlet allocation, NIPS 23 (§2.1: batch variational Bayes for the
//     model with a Dirichlet on the topics, and its ELBO).
//   - D. M. Blei, A. Kucukelbir, J. D. McAuliffe (2017), Variational
//     inference: a review for statisticians, JASA 112, 859–877 (§4.2).
package lda
