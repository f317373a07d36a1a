#!/usr/bin/env bash
# The edge service on MQTT against the raw broker path, side by side in one run:
#   raw:  mqtt_bench -> Mosquitto -> mqtt_bench                      (publish topic = subscribed)
#   edge: mqtt_bench -> Mosquitto -> aiotops edge (LR model) -> Mosquitto -> mqtt_bench
#         (telemetry in, parse, validate, score, result out on aiotops/inference/<device>)
# At QoS 0 and QoS 1: the maximum rate (best of EDGE_BENCH_REPEAT runs each, alternating; goal:
# edge >= 0.9x raw), then the p99 publish-to-arrival latency with both paths paced at half the
# edge's maximum rate (goal: edge <= 1.5x raw), and the service's resident memory (VmRSS after
# the runs, VmHWM its peak; goal <= 30 MB with one model) and CPU time per reading handled.
# CPU per message of every process on each path (broker, mqtt_bench, service; user + system over
# the maximum-rate runs) shows what bounds the rates when the machine's cores are the limit: the
# edge path crosses the broker twice, so its broker work alone is twice the raw path's.
# Usage: bench/edge_vs_raw.sh <aiotops binary> <mqtt_bench binary>   (release build; make bench)
# Environment: BENCH_DIR (kept results, default build/bench), EDGE_BENCH_MESSAGES (per max-rate
# run, 100000), EDGE_BENCH_REPEAT (max-rate runs per path, 3), EDGE_BENCH_SECONDS (length of a
# paced run, 10), EDGE_BENCH_DRIFT (1: also measure the drift monitor's cost, below; default 0).
# With EDGE_BENCH_DRIFT=1, at each QoS the service is started EDGE_BENCH_REPEAT times without and
# with --drift-reference (the training data's statistics), alternating, for one maximum-rate run
# each: both rates, and the service's CPU per reading on and off (goal: the monitor costs <= 5%;
# the CPU per reading is the figure to judge by, rates on a loaded machine are noisy).
# Prints a markdown report; exit status 3 when a goal is not met.
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 <aiotops binary> <mqtt_bench binary>" >&2
  exit 2
fi
aiotops=$(realpath "$1")
mqtt_bench=$(realpath "$2")
dir=$(realpath -m "${BENCH_DIR:-build/bench}")/edge
messages=${EDGE_BENCH_MESSAGES:-100000}
repeat=${EDGE_BENCH_REPEAT:-3}
paced_seconds=${EDGE_BENCH_SECONDS:-10}
rm -rf "$dir"
mkdir -p "$dir"

broker_pid=
edge_pid=
cleanup() {
  for pid in $edge_pid $broker_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

# wait_for, listening, free_port
source "$(dirname "$(realpath "$0")")/bench_lib.sh"

# Mosquitto on a free loopback port, as the current user, Nagle off (latency), nothing persisted.
port=$(free_port)
cat >"$dir/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
set_tcp_nodelay true
log_dest file $dir/mosquitto.log
log_type error
log_type warning
user $(id -un)
EOF
/usr/sbin/mosquitto -c "$dir/mosquitto.conf" >"$dir/mosquitto.out" 2>&1 &
broker_pid=$!
wait_for listening "$port" || { echo "mosquitto did not start; see $dir/mosquitto.*" >&2; exit 1; }
broker=mqtt://127.0.0.1:$port

# The model: logistic regression on simulated telemetry with the firmware's FFT-peak features,
# the feature space of mqtt_bench's messages.
"$aiotops" sim --devices 20 --duration 6h --interval 10s --seed 3 --fault-rate 0.3/h --esp32-fft \
  --out "$dir/fleet.jsonl" 2>/dev/null
"$aiotops" train --data "$dir/fleet.jsonl" --label label --model logistic --quiet \
  --out "$dir/lr.json" >/dev/null

# The drift monitor's reference: the training data's statistics.
drift=$(( ${EDGE_BENCH_DRIFT:-0} == 1 ))
if ((drift)); then
  "$aiotops" stats --data "$dir/fleet.jsonl" --out "$dir/fleet.stats.json" >/dev/null
fi

telemetry=shaded-pole-motor-sensor_data
raw_topic=bench/raw  # the service does not subscribe to it: the raw runs do not feed it

start_edge() {  # <log name> <qos> [flags...]
  local log=$dir/$1.log qos=$2
  shift 2
  "$aiotops" edge --broker "$broker" --model "$dir/lr.json" --qos "$qos" --result-qos "$qos" \
    --status-listen 127.0.0.1:0 "$@" 2>"$log" &
  edge_pid=$!
  if ! wait_for grep -q "telemetry connection ready" "$log"; then
    echo "aiotops edge did not get ready:" >&2
    cat "$log" >&2
    exit 1
  fi
}
stop_edge() {
  kill -TERM "$edge_pid"
  wait "$edge_pid" || echo "aiotops edge exited with status $?" >&2
  edge_pid=
}

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system CPU, clock ticks

# One mqtt_bench run; its JSON goes to $dir/<name>.json, the CPU seconds (user + system) that
# mqtt_bench, the broker and the service spent during it to $dir/<name>.cpu. A run that lost
# messages still reports.
run_bench() {  # <name> <qos> <subscribe topic> <publish topic> [mqtt_bench flags...]
  local name=$1 qos=$2 subscribe=$3 publish=$4
  shift 4
  local broker0 edge0
  broker0=$(ticks "$broker_pid")
  edge0=$(ticks "$edge_pid")
  /usr/bin/time -f '%U %S' -o "$dir/$name.time" "$mqtt_bench" --broker "$broker" --qos "$qos" \
    --publish-topic "$publish" --subscribe-topic "$subscribe" "$@" >"$dir/$name.json" || true
  [[ -s "$dir/$name.json" ]] || { echo "mqtt_bench $name produced nothing" >&2; exit 1; }
  echo "$(awk '{print $1 + $2}' "$dir/$name.time") \
    $((($(ticks "$broker_pid") - broker0))) $((($(ticks "$edge_pid") - edge0)))" |
    awk -v hz="$(getconf CLK_TCK)" '{print $1, $2 / hz, $3 / hz}' >"$dir/$name.cpu"
}
field() { jq -r "$2" "$dir/$1.json"; }
# CPU microseconds per message received over the runs matching a glob: "bench broker service".
cpu_per_message() {  # <glob of run names>
  local received
  received=$(cat "$dir"/$1.json | jq -s 'map(.received) | add')
  cat "$dir"/$1.cpu | awk -v n="$received" \
    '{b += $1; k += $2; s += $3} END {printf "%.1f %.1f %.1f\n", b * 1e6 / n, k * 1e6 / n, s * 1e6 / n}'
}

rows=()
cpu_rows=()
goals_met=1
for qos in 0 1; do
  # QoS 1 end to end: a full queue holds the broker back instead of dropping readings.
  overflow=(); ((qos == 1)) && overflow=(--overflow block)
  start_edge "edge-qos$qos" "$qos" "${overflow[@]}"
  echo "bench: QoS $qos, maximum rate, $repeat x $messages messages per path" >&2
  best_raw=0 best_edge=0 raw_name= edge_name=
  for r in $(seq "$repeat"); do
    run_bench "raw-max-qos$qos-$r" "$qos" "$raw_topic" "$raw_topic" --messages "$messages"
    run_bench "edge-max-qos$qos-$r" "$qos" 'aiotops/inference/#' "$telemetry" --messages "$messages"
    for side in raw edge; do
      name=$side-max-qos$qos-$r
      rate=$(field "$name" .rate)
      best=best_$side
      if python3 -c "import sys; sys.exit(0 if $rate > ${!best} else 1)"; then
        printf -v "$best" %s "$rate"
        printf -v "${side}_name" %s "$name"
      fi
    done
  done
  # Both paths at the same pace: half what the service sustained.
  paced=$(python3 -c "print(round($best_edge / 2))")
  count=$(python3 -c "print(max(1000, round($paced * $paced_seconds)))")
  echo "bench: QoS $qos, latency at $paced msg/s ($count messages per path)" >&2
  run_bench "raw-paced-qos$qos" "$qos" "$raw_topic" "$raw_topic" --rate "$paced" --messages "$count"
  run_bench "edge-paced-qos$qos" "$qos" 'aiotops/inference/#' "$telemetry" --rate "$paced" \
    --messages "$count"
  # CPU the service spent (user + system, clock ticks) on every reading it handled at this QoS.
  cpu_ticks=$(ticks "$edge_pid")
  handled=$(cat "$dir"/edge-*-qos"$qos"*.json | jq -s 'map(.received) | add')
  cpu_us=$(python3 -c "print(round($cpu_ticks / $(getconf CLK_TCK) * 1e6 / $handled, 1))")
  rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$edge_pid/status")
  hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$edge_pid/status")
  stop_edge

  read -r raw_bench_us raw_broker_us _ <<<"$(cpu_per_message "raw-max-qos$qos-*")"
  read -r edge_bench_us edge_broker_us edge_service_us <<<"$(cpu_per_message "edge-max-qos$qos-*")"
  cpu_ratio=$(python3 -c "print(f'{($raw_bench_us + $raw_broker_us) / \
    ($edge_bench_us + $edge_broker_us + $edge_service_us):.2f}')")

  raw_p99=$(field "raw-paced-qos$qos" .latency_us.p99)
  edge_p99=$(field "edge-paced-qos$qos" .latency_us.p99)
  verdict=$(python3 - "$best_raw" "$best_edge" "$raw_p99" "$edge_p99" "$hwm_kb" <<'EOF'
import sys
raw, edge, raw_p99, edge_p99, hwm_kb = map(float, sys.argv[1:])
rate_ok = edge >= 0.9 * raw
latency_ok = edge_p99 <= 1.5 * raw_p99
memory_ok = hwm_kb <= 30 * 1024
print(f"{edge / raw:.2f} {'met' if rate_ok else 'MISSED'} {edge_p99 / raw_p99:.2f} "
      f"{'met' if latency_ok else 'MISSED'} {'met' if memory_ok else 'MISSED'} "
      f"{int(rate_ok and latency_ok and memory_ok)}")
EOF
)
  read -r rate_ratio rate_goal p99_ratio p99_goal memory_goal ok <<<"$verdict"
  ((ok)) || goals_met=0
  cpu_rows+=("$(printf '| %s | %s + %s = %.1f | %s + %s + %s = %.1f | %s |' "$qos" \
    "$raw_broker_us" "$raw_bench_us" "$(python3 -c "print($raw_broker_us + $raw_bench_us)")" \
    "$edge_broker_us" "$edge_bench_us" "$edge_service_us" \
    "$(python3 -c "print($edge_broker_us + $edge_bench_us + $edge_service_us)")" "$cpu_ratio")")
  rows+=("$(printf '| %s | %.0f (%s/%s) | %.0f (%s/%s) | %s %s | %s | %.0f / %.0f | %.0f / %.0f | %s %s | %.1f / %.1f MB %s | %s |' \
    "$qos" "$best_raw" "$(field "$raw_name" .received)" "$(field "$raw_name" .sent)" \
    "$best_edge" "$(field "$edge_name" .received)" "$(field "$edge_name" .sent)" \
    "$rate_ratio" "$rate_goal" "$paced" \
    "$(field "raw-paced-qos$qos" .latency_us.p50)" "$raw_p99" \
    "$(field "edge-paced-qos$qos" .latency_us.p50)" "$edge_p99" "$p99_ratio" "$p99_goal" \
    "$(python3 -c "print($rss_kb / 1024)")" "$(python3 -c "print($hwm_kb / 1024)")" "$memory_goal" \
    "$cpu_us")")
done

# The drift monitor's cost: a fresh service per run, monitor off and on alternating (the order
# swapped every repeat, so a change of the machine's load hits both sides), one maximum-rate run
# each. The monitor's windows are read from /metrics after each "on" run to show it worked.
drift_rows=()
metric() {  # <log name> <metric>: its value on the running service's /metrics
  local address
  address=$(grep -o 'status endpoint on http://[^ ]*' "$dir/$1.log" | sed 's/.*http:/http:/')
  curl -fsS "$address/metrics" | awk -v m="$2" '$1 == m {print $2}'
}
if ((drift)); then
  for qos in 0 1; do
    overflow=(); ((qos == 1)) && overflow=(--overflow block)
    echo "bench: QoS $qos, drift monitor off and on, $repeat x $messages messages each" >&2
    windows=0
    for r in $(seq "$repeat"); do
      order=(off on); ((r % 2 == 0)) && order=(on off)
      for monitor in "${order[@]}"; do
        name=drift-$monitor-qos$qos-$r
        flags=("${overflow[@]}")
        [[ $monitor == on ]] && flags+=(--drift-reference "$dir/fleet.stats.json")
        start_edge "$name" "$qos" "${flags[@]}"
        run_bench "$name" "$qos" 'aiotops/inference/#' "$telemetry" --messages "$messages"
        if [[ $monitor == on ]]; then
          windows=$((windows + $(metric "$name" aiotops_edge_drift_windows_total)))
        fi
        stop_edge
      done
    done
    read -r _ _ off_us <<<"$(cpu_per_message "drift-off-qos$qos-*")"
    read -r _ _ on_us <<<"$(cpu_per_message "drift-on-qos$qos-*")"
    rates() { cat "$dir"/drift-"$1"-qos"$qos"-*.json | jq -s 'map(.rate) | sort'; }
    verdict=$(python3 - "$(rates off)" "$(rates on)" "$off_us" "$on_us" <<'EOF'
import json, statistics, sys
off, on = json.loads(sys.argv[1]), json.loads(sys.argv[2])
off_us, on_us = float(sys.argv[3]), float(sys.argv[4])
cost = on_us / off_us - 1
met = cost <= 0.05
print(f"{statistics.median(off):.0f} {statistics.median(on):.0f} "
      f"{statistics.median(on) / statistics.median(off):.2f} {max(off):.0f} {max(on):.0f} "
      f"{cost * 100:+.1f}% {'met' if met else 'MISSED'} {int(met)}")
EOF
)
    read -r off_median on_median rate_ratio off_best on_best cost cost_goal ok <<<"$verdict"
    ((ok)) || goals_met=0
    drift_rows+=("$(printf '| %s | %s / %s | %s / %s | %s | %s / %s | %s %s | %s |' "$qos" \
      "$off_median" "$off_best" "$on_median" "$on_best" "$rate_ratio" "$off_us" "$on_us" \
      "$cost" "$cost_goal" "$windows")")
  done
fi

echo
echo "command: $0 $1 $2   (make bench)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| QoS | raw msg/s (received/sent) | edge msg/s (received/sent) | edge/raw (goal >= 0.9) | paced msg/s | raw p50 / p99 us | edge p50 / p99 us | edge/raw p99 (goal <= 1.5) | edge VmRSS / VmHWM (goal <= 30 MB) | edge CPU us/msg |"
echo "|---|---:|---:|---|---:|---:|---:|---|---|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "CPU per message over the maximum-rate runs (user + system µs per message received):"
echo
echo "| QoS | raw: broker + mqtt_bench | edge: broker + mqtt_bench + service | raw / edge CPU |"
echo "|---|---:|---:|---:|"
printf '%s\n' "${cpu_rows[@]}"
if ((drift)); then
  echo
  echo "The drift monitor (--drift-reference, default settings) off and on: $repeat maximum-rate"
  echo "runs of $messages messages each, a fresh service per run, alternating; service CPU is user +"
  echo "system µs per reading over all runs of a side, the figure to judge by (rates are noisy"
  echo "on a loaded machine):"
  echo
  echo "| QoS | off msg/s median / best | on msg/s median / best | on/off median rate | service CPU µs/reading off / on | monitor's CPU cost (goal <= 5%) | drift windows closed (on) |"
  echo "|---|---:|---:|---:|---:|---|---:|"
  printf '%s\n' "${drift_rows[@]}"
fi
((goals_met)) || exit 3
