package svi

// SetRankBatches gives st the minibatch dealer m of one rank of a
// data-parallel fit (see [Reducer]), where each rank deals its own
// minibatches from its own shard and random stream, and st may be a state
// loaded from a checkpoint that another rank, or a fit on another number
// of ranks, wrote. The dealer's position is a function of the step count
// alone (Run calls Next once a step, and the Guard rolls the dealer back
// with the state), so:
//
//   - a new state (no steps, no dealer) takes m;
//   - a state holding a dealer of the same rows and batch size keeps it
//     when own is set (the rank that wrote the checkpoint: rank 0), which
//     continues its stream exactly, as [State.SetBatches] does;
//   - otherwise m is advanced by st.Iter batches (replayed, not stored)
//     and replaces st's dealer: the batches an uninterrupted fit dealing
//     from m would deal from this step on.
//
// With own set and one process this is SetBatches, except that a
// checkpoint of another batch size or row count is taken up (replayed)
// instead of refused: callers that must refuse it record the batch size
// in the Fingerprint.
func (st *State) SetRankBatches(m *Minibatches, own bool) error {
	b := st.Batches
	if b == nil && st.Iter == 0 || own && b != nil && b.N == m.N && b.B == m.B {
		return st.SetBatches(m)
	}
	for range st.Iter {
		m.Next()
	}
	st.Batches = m
	return nil
}
