#!/usr/bin/env bash
# The workflow engine's overhead per host-exec node: a 200-node DAG of `true` commands (a chain
# of 40 layers of 5 parallel tasks, each layer depending on the one before) run with
# `aiotops pipeline run --host-exec`, against the same 200 `true` processes started by a shell
# with the same parallelism (5 at a time, `wait` between layers). Overhead per node = (engine
# wall time - shell wall time) / 200, best of PIPELINE_BENCH_REPEAT runs each (goal <= 5 ms).
# The engine's time includes loading and validating the file, the run store (two SQLite
# updates per node), the per-node directories and stdout/stderr files.
# Usage: bench/pipeline_overhead.sh <aiotops binary>   (release build; make bench)
# Environment: BENCH_DIR (kept results, default build/bench), PIPELINE_BENCH_REPEAT (3).
# Prints a markdown report; exit status 3 when the goal is not met.
set -euo pipefail

if (($# != 1)); then
  echo "usage: $0 <aiotops binary>" >&2
  exit 2
fi
aiotops=$(realpath "$1")
dir=$(realpath -m "${BENCH_DIR:-build/bench}")/pipeline
repeat=${PIPELINE_BENCH_REPEAT:-3}
layers=40
width=5
nodes=$((layers * width))
rm -rf "$dir"
mkdir -p "$dir"

dag="$dir/dag200.yaml"
{
  printf 'apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: bench}\nspec:\n'
  printf '  entrypoint: main\n  templates:\n    - name: ok\n'
  printf '      container: {image: alpine, command: ["true"]}\n    - name: main\n      dag:\n'
  printf '        tasks:\n'
  for ((l = 0; l < layers; l++)); do
    for ((w = 0; w < width; w++)); do
      deps=""
      if ((l > 0)); then
        deps=", dependencies: [$(for ((p = 0; p < width; p++)); do
          printf 't%d-%d' $((l - 1)) "$p"
          if ((p < width - 1)); then printf ', '; fi
        done)]"
      fi
      printf '          - {name: t%d-%d, template: ok%s}\n' "$l" "$w" "$deps"
    done
  done
} >"$dag"

true_bin=$(type -P true)  # the program, not the shell builtin
now() { date +%s.%N; }
best() { sort -g | head -1; }

engine_times=()
shell_times=()
for ((r = 0; r < repeat; r++)); do
  start=$(now)
  "$aiotops" pipeline run "$dag" --host-exec --parallelism "$width" \
    --state-dir "$dir/state-$r" >/dev/null 2>"$dir/run-$r.log"
  engine_times+=("$(echo "$(now) - $start" | bc)")
  start=$(now)
  for ((l = 0; l < layers; l++)); do
    for ((w = 0; w < width; w++)); do "$true_bin" & done
    wait
  done
  shell_times+=("$(echo "$(now) - $start" | bc)")
done
engine=$(printf '%s\n' "${engine_times[@]}" | best)
shell=$(printf '%s\n' "${shell_times[@]}" | best)
per_node=$(echo "scale=3; ($engine - $shell) * 1000 / $nodes" | bc)

echo "### Workflow engine overhead per host-exec node (bench/pipeline_overhead.sh)"
echo
echo "| | wall time, best of $repeat (s) |"
echo "|---|---|"
echo "| aiotops pipeline run, $nodes nodes ($layers layers x $width) | $engine |"
echo "| the same $nodes \`true\` processes from a shell, $width at a time | $shell |"
echo "| **engine overhead per node** | **$per_node ms** (goal <= 5 ms) |"
if (($(echo "$per_node > 5" | bc))); then
  exit 3
fi
