#!/bin/sh
# Times the data-parallel LDA sweep (train lda under mpirun) at P = 1 and 2
# ranks of one thread each, on the AP corpus of the data directory
# $GOVI_DATA (ap_lda/ap.dat and vocab.txt: 2,246 documents, of which the
# last 10 % are held out, 10,473 words), K = 20, the default guarded local
# updates.
# Usage: GOVI_DATA=DIR sh benchmarks/distributed/run_lda.sh [iterations] [rounds]   (from the repository root)
set -eu
iters=${1:-5}
rounds=${2:-3}
ap="${GOVI_DATA:?set GOVI_DATA to the data directory holding ap_lda/}/ap_lda"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -tags mpi -o "$work/train" ./cmd/train
export GOMAXPROCS=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
args="lda -corpus $ap/ap.dat -vocab $ap/vocab.txt -topics 20 -iters $iters -seed 1 -workers 1"
echo "P round fit_s iterations s_per_sweep allreduce_s allreduce_share final_elbo perplexity loadavg"
for r in $(seq "$rounds"); do
	for p in 1 2; do
		out="$work/out$p"
		mpirun -np "$p" --oversubscribe --bind-to none -x GOMAXPROCS -x OMP_NUM_THREADS "$work/train" $args -out "$out" 2>/dev/null >/dev/null
		load=$(cut -d' ' -f1-3 /proc/loadavg)
		python3 - "$out/report.json" "$p" "$r" "$load" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
p, r, load = sys.argv[2], sys.argv[3], sys.argv[4]
t, n = rep["fit_seconds"], rep["iterations"]
ar = rep.get("allreduce_seconds", 0.0)
print(f"{p} {r} {t:.2f} {n} {t/n:.3f} {ar:.3f} {ar/t:.3f} {rep['elbo_trace'][-1]:.6f} {rep['heldout_perplexity']:.4f} {load}")
PY
	done
done
