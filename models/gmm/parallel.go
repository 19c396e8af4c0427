package gmm

import (
	"fmt"

	"github.com/govi/govi/svi"
)

// DataParallel makes a fit rank Rank of a data-parallel fit over
// Reducer.Ranks() = P processes (MPI ranks; see svi.Reducer). Every rank
// calls [Fit] with the whole data set and the same Config; the zero value
// (no Reducer) is a fit in one process.
//
// Shard rule: with N rows, rank r holds the responsibilities of the
// contiguous rows [r·N/P, (r+1)·N/P) (integer division: shards differ by
// at most one row) and runs the E-step on them. The M-step's statistics
// N_k, Σ_n r_nk (x_n − m₀) and the upper triangle of
// Σ_n r_nk (x_n − m₀)(x_n − m₀)ᵀ, with the bound's one sum over points,
// Σ_n Σ_k r_nk ln r_nk, are summed over the ranks: K(1 + D + D(D+1)/2) + 1
// values a sweep. The factors, the bound and the stopping decision are then
// computed from the sums, identically on every rank.
//
// Everything that precedes the first sweep is computed by every rank from
// the whole data, without communication: the checks of the data, the
// default m₀ (the data mean) and the initialisation (k-means++ and Lloyd
// from Config.Seed, or the random responsibilities), which are therefore
// those of the one-process fit, bit for bit. A fit on P ranks follows the
// one-process fit up to the order of the sums over points.
type DataParallel struct {
	Rank    int
	Reducer svi.Reducer
}

// ranks returns P: 1 without a Reducer.
func (dp DataParallel) ranks() int { return svi.RanksOf(dp.Reducer) }

// agree makes the ranks of dp agree, before the first all-reduce of the
// sweeps, on whether every rank may go on: err is this rank's refusal (of
// the data, the Config or its rank), and the ranks must have been given
// data of the same shape. Without a Reducer it returns err.
func (dp DataParallel) agree(err error, n, d int) error {
	if dp.Reducer == nil {
		if err == nil && dp.Rank != 0 {
			err = fmt.Errorf("gmm: DataParallel.Rank %d without a Reducer", dp.Rank)
		}
		return err
	}
	p := dp.Reducer.Ranks()
	if err == nil && (dp.Rank < 0 || dp.Rank >= p) {
		err = fmt.Errorf("gmm: rank %d of %d ranks", dp.Rank, p)
	}
	var v [3]float64 // refusals, N, D
	if err != nil {
		v[0] = 1
	} else {
		v[1], v[2] = float64(n), float64(d)
	}
	if rerr := dp.Reducer.AllReduce(v[:]); rerr != nil {
		return fmt.Errorf("gmm: all-reduce: %w", rerr)
	}
	switch {
	case err != nil:
		return err
	case v[0] > 0:
		return fmt.Errorf("gmm: %.0f of the %d ranks refused the data or the Config", v[0], p)
	case v[1] != float64(p*n) || v[2] != float64(p*d):
		return fmt.Errorf("gmm: the %d ranks were given data of different shapes (this rank's is %d×%d)", p, n, d)
	}
	return nil
}

// restrict keeps, after the initialisation, the rows of rank r of p: the
// data, the centred data and the responsibilities.
func (st *state) restrict(p, r int) {
	if p == 1 {
		return
	}
	d, k := st.d, st.p.k
	lo, hi := svi.ShardRows(st.n, p, r)
	st.x = st.x[lo*d : hi*d]
	st.y = append([]float64(nil), st.y[lo*d:hi*d]...)
	st.r = append([]float64(nil), st.r[lo*k:hi*k]...)
	st.n = hi - lo
}

// allReduce sums the statistics of accumulate, and Σ r ln r, over the
// ranks; without a Reducer it does nothing.
func (st *state) allReduce() error {
	if st.red == nil {
		return nil
	}
	d, k := st.d, st.p.k
	buf := st.buf[:0]
	buf = append(buf, st.nk...)
	for c := 0; c < k; c++ {
		buf = append(buf, st.s[c]...)
		raw := st.syy[c].RawSymmetric().Data
		for a := 0; a < d; a++ {
			buf = append(buf, raw[a*d+a:a*d+d]...)
		}
	}
	buf = append(buf, st.rLnR)
	st.buf = buf
	if err := st.red.AllReduce(buf); err != nil {
		return fmt.Errorf("gmm: all-reduce: %w", err)
	}
	i := copy(st.nk, buf)
	for c := 0; c < k; c++ {
		i += copy(st.s[c], buf[i:])
		raw := st.syy[c].RawSymmetric().Data
		for a := 0; a < d; a++ {
			i += copy(raw[a*d+a:a*d+d], buf[i:])
		}
	}
	st.rLnR = buf[i]
	return nil
}
