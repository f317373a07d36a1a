#!/usr/bin/env bash
# The benchmarks: per-inference latency of the inference core beside Arm NN CpuRef on the same
# .tflite files, then training side by side with scikit-learn on 1,000,000 simulated rows.
# Usage: bench/run.sh <release aiotops binary> [<release micro_bench>]     (make bench does this)
# micro_bench defaults to the one in the aiotops binary's build tree (<build>/bench/micro_bench).
# Environment: BENCH_DIR (kept results; default build/bench), BENCH_REPEAT (fits per side, 5),
# BENCH_MLP_EPOCHS (epochs per side of the MLP benchmark, 3; 0 skips it).
# Figures, command and machine are recorded in docs/benchmarks.md. Exit status 3 when a
# required ratio is not met.
set -euo pipefail

if (($# < 1 || $# > 2)); then
  echo "usage: $0 <aiotops binary> [<micro_bench binary>]" >&2
  exit 2
fi
aiotops=$(realpath "$1")
micro_bench=$(realpath "${2:-$(dirname "$aiotops")/../../bench/micro_bench}")
here=$(dirname "$(realpath "$0")")
python=/usr/bin/python3  # Debian's, with numpy/scipy/scikit-learn and python3-pyarmnn
dir=${BENCH_DIR:-build/bench}
repeat=${BENCH_REPEAT:-5}
mlp_epochs=${BENCH_MLP_EPOCHS:-3}
mkdir -p "$dir"

echo "bench: inference latency, aiotops core and Arm NN CpuRef on the same models" >&2
"$python" "$here/armnn_latency.py" "$micro_bench" --dir "$dir/armnn" --json "$dir/latency.json" \
  >"$dir/latency.md" 2>"$dir/latency.log"

# 100 motors x 10,000 s at 1 reading/s, random faults: 1,000,000 rows x 4 features.
data="$dir/sim-1m.csv"
sim=("$aiotops" sim --devices 100 --duration 10000s --interval 1s --seed 7 --fault-rate 0.5/h
     --out "$data")
"${sim[@]}" >/dev/null 2>&1

echo "bench: logistic regression and Gaussian naive Bayes vs scikit-learn ($repeat fits each)" >&2
"$python" "$here/linear_vs_sklearn.py" --aiotops "$aiotops" --data "$data" --repeat "$repeat" \
  >"$dir/linear.json"
mlp_args=()
if ((mlp_epochs > 0)); then
  echo "bench: MLP vs scikit-learn ($mlp_epochs epochs each)" >&2
  "$python" "$here/mlp_vs_sklearn.py" --aiotops "$aiotops" --data "$data" \
    --epochs "$mlp_epochs" >"$dir/mlp.json"
  mlp_args=(--mlp "$dir/mlp.json")
fi

echo
echo "command: $0 $*   (make bench)"
echo
echo "Per-inference latency (bench/armnn_latency.py $micro_bench):"
cat "$dir/latency.md"
echo
"$python" "$here/report.py" --linear "$dir/linear.json" "${mlp_args[@]}" \
  --data-command "${sim[*]/#$aiotops/aiotops}"

# --- The edge service on MQTT against the raw broker path (bench/edge_vs_raw.sh) ---
echo
"$here/edge_vs_raw.sh" "$aiotops" "$(dirname "$aiotops")/../../bench/mqtt_bench"

# --- The workflow engine's per-node overhead (bench/pipeline_overhead.sh) ---
echo
"$here/pipeline_overhead.sh" "$aiotops"

# --- Registry downloads against nginx serving the same files (bench/registry_vs_nginx.sh) ---
echo
"$here/registry_vs_nginx.sh" "$aiotops"
