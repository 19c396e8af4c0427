#!/bin/sh
# Times the data-parallel BNN step (train bnn under mpirun) at P = 1 and 2
# ranks of one thread each, on 10⁵ synthetic training rows, full batch:
# each step is the gradient of the full-data ELBO, which the ranks share.
# Usage: sh benchmarks/distributed/run.sh [steps] [rounds]   (from the repository root)
set -eu
steps=${1:-20}
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -tags mpi -o "$work/train" ./cmd/train
go run ./benchmarks/distributed/synth -rows 125000 > "$work/synth.csv" # 20% held out: 10⁵ training rows
export GOMAXPROCS=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
args="bnn -data $work/synth.csv -hidden 50 -batch 1000000 -steps $steps -particles 1 -draws 10 -diagnostic-draws 0 -seed 1"
echo "P round train_s steps ms_per_step allreduce_s allreduce_share test_rmse loadavg"
for r in $(seq "$rounds"); do
	for p in 1 2; do
		out="$work/out$p"
		mpirun -np "$p" --oversubscribe --bind-to none "$work/train" $args -out "$out" 2>/dev/null >/dev/null
		load=$(cut -d' ' -f1-3 /proc/loadavg)
		python3 - "$out/report.json" "$p" "$r" "$load" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
p, r, load = sys.argv[2], sys.argv[3], sys.argv[4]
t, n = rep["train_seconds"], rep["per_split"][0]["steps"]
ar = rep.get("allreduce_seconds", 0.0)
print(f"{p} {r} {t:.2f} {n} {1000*t/n:.1f} {ar:.3f} {ar/t:.3f} {rep['test_rmse']:.4f} {load}")
PY
	done
done
