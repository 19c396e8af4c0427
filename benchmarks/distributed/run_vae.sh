#!/bin/sh
# Times the data-parallel VAE step (train vae under mpirun) at P = 1 and 2
# ranks of one thread each on Fashion-MNIST (60,000 training images, D = 784,
# L = 10, B = 128 images per step in all, split over the ranks), in the
# float64 and float32 training graphs.
# Usage: GOVI_DATA=… sh benchmarks/distributed/run_vae.sh [steps] [rounds]   (from the repository root)
set -eu
steps=${1:-200}
rounds=${2:-3}
: "${GOVI_DATA:?set GOVI_DATA to the data folder holding fashion_mnist/}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -tags mpi -o "$work/train" ./cmd/train
export GOMAXPROCS=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "dtype P round train_s steps images_per_s allreduce_s allreduce_share loadavg"
for r in $(seq "$rounds"); do
	for dt in float64 float32; do
		for p in 1 2; do
			out="$work/out$p$dt"
			mpirun -np "$p" --oversubscribe --bind-to none "$work/train" vae -data "$GOVI_DATA/fashion_mnist" -latent 10 \
				-batch 128 -steps "$steps" -test-rows 100 -dtype "$dt" -seed 1 -out "$out" >/dev/null 2>&1
			load=$(cut -d' ' -f1-3 /proc/loadavg)
			python3 - "$out/report.json" "$dt" "$p" "$r" "$load" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
dt, p, r, load = sys.argv[2:6]
t, n = rep["train_seconds"], rep["steps"]
ar = rep.get("allreduce_seconds", 0.0)
print(f"{dt} {p} {r} {t:.2f} {n} {rep['images_per_second']:.0f} {ar:.3f} {ar/t:.3f} {load}")
PY
		done
	done
done
