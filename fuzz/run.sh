#!/usr/bin/env bash
# Runs every libFuzzer target for a while and fails if any crashes.
#   fuzz/run.sh <build-dir-holding-the-targets> <seconds-per-target>
# Targets are the directories of fuzz/corpus/ (seed inputs); each runs from those seeds plus a
# working corpus kept in the build dir, with fuzz/<target>.dict when present. A crashing input
# is saved under <build-dir>/<target>.artifacts/ and should become a unit test.
set -euo pipefail

if (($# != 2)) || ! [[ $2 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 <build-dir> <seconds-per-target>" >&2
  exit 2
fi
build_dir=$1
seconds=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

failed=()
for seeds in "$here"/corpus/*/; do
  target=$(basename "$seeds")
  binary="$build_dir/$target"
  if [[ ! -x $binary ]]; then
    echo "fuzz/run.sh: $binary is not built" >&2
    exit 1
  fi
  work="$build_dir/$target.corpus"
  artifacts="$build_dir/$target.artifacts"
  log="$build_dir/$target.log"
  mkdir -p "$work" "$artifacts"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  if [[ -f $here/$target.dict ]]; then args+=(-dict="$here/$target.dict"); fi
  echo "fuzz/run.sh: $target for ${seconds}s (log: $log)" >&2
  if "$binary" "${args[@]}" "$work" "$seeds" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" | sed "s/^/  $target /" >&2 || true
  else
    echo "fuzz/run.sh: $target FAILED; crashing input in $artifacts/" >&2
    tail -n 40 "$log" >&2
    failed+=("$target")
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz/run.sh: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz/run.sh: no crashes" >&2
