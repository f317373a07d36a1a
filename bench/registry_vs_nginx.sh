#!/usr/bin/env bash
# The registry's downloads against nginx serving the same files, side by side in one run:
#   registry: wrk -> aiotops registry serve   GET /api/v1/models/<name>/versions/1/file
#             (bearer token checked, version resolved, ETag and SHA-256 headers, file streamed)
#   nginx:    wrk -> nginx (Debian's nginx-light, sendfile)   GET /<file>
# Files of 1 KB, 100 KB and 4 MB; wrk at REGISTRY_BENCH_CONNECTIONS (64) keep-alive connections,
# the two servers alternating REGISTRY_BENCH_REPEAT times per size, the best run per side kept.
# Goals: registry >= 0.5x nginx's requests/s for 1 KB, >= 0.6x for 100 KB, >= 0.8x its bytes/s
# for 4 MB, and no socket errors, timeouts or non-2xx answers in any run.
# Usage: bench/registry_vs_nginx.sh <aiotops binary>   (release build; make bench)
# Environment: BENCH_DIR (kept results, default build/bench), REGISTRY_BENCH_SECONDS (per wrk run,
# 10), REGISTRY_BENCH_REPEAT (runs per side and size, 3), REGISTRY_BENCH_CONNECTIONS (64),
# REGISTRY_BENCH_THREADS (the registry's --threads; default: its own default).
# Prints a markdown report; exit status 3 when a goal is not met.
set -euo pipefail

if (($# != 1)); then
  echo "usage: $0 <aiotops binary>" >&2
  exit 2
fi
aiotops=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
dir=$(realpath -m "${BENCH_DIR:-build/bench}")/registry
seconds=${REGISTRY_BENCH_SECONDS:-10}
repeat=${REGISTRY_BENCH_REPEAT:-3}
connections=${REGISTRY_BENCH_CONNECTIONS:-64}
threads=${REGISTRY_BENCH_THREADS:-}
for tool in wrk /usr/sbin/nginx; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/deps.sh" >&2; exit 1; }
done
rm -rf "$dir"
mkdir -p "$dir/results"
# nginx's configuration, pid, logs and temp files, and the registry's data: all in one place
# that goes away on every exit.
work=$(mktemp -d)

registry_pid=
nginx_pid=
cleanup() {
  for pid in $registry_pid $nginx_pid; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for, listening, free_port
source "$here/bench_lib.sh"

sizes=(1k:1024 100k:102400 4m:4194304)
mkdir -p "$work/files"
for entry in "${sizes[@]}"; do
  head -c "${entry#*:}" /dev/urandom >"$work/files/${entry%%:*}.bin"
done

# --- nginx on a free loopback port as the current user, files by sendfile, no access log ---
nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
user $(id -un) $(id -gn);
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000;
  keepalive_timeout 5s;
  default_type application/octet-stream;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/files;
  }
}
EOF
/usr/sbin/nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" \
  -g 'daemon off;' >"$dir/nginx.out" 2>&1 &
nginx_pid=$!
wait_for listening "$nginx_port" || {
  echo "nginx did not start:" >&2
  cat "$dir/nginx.out" "$work/nginx/error.log" >&2 2>/dev/null
  exit 1
}

# --- the registry: a pipeline token (auth on), each file pushed as version 1 of a model ---
registry_port=$(free_port)
token=$("$aiotops" registry token create --data-dir "$work/registry" --role pipeline \
  --description bench 2>/dev/null)
serve=("$aiotops" registry serve --data-dir "$work/registry" --listen "127.0.0.1:$registry_port")
[[ -n $threads ]] && serve+=(--threads "$threads")
"${serve[@]}" 2>"$dir/registry.log" &
registry_pid=$!
wait_for listening "$registry_port" || {
  echo "aiotops registry serve did not start:" >&2
  cat "$dir/registry.log" >&2
  exit 1
}
for entry in "${sizes[@]}"; do
  name=${entry%%:*}
  "$aiotops" registry push model "bench-$name" "$work/files/$name.bin" --format tflite-float \
    --url "http://127.0.0.1:$registry_port" --token "$token" >/dev/null
done

# One wrk run; its figures go to $dir/results/<name>.json, its text report beside them.
run_wrk() {  # <name> <url> [authorization]
  WRK_JSON="$dir/results/$1.json" WRK_AUTHORIZATION="${3:-}" \
    wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/registry_wrk.lua" "$2" \
    >"$dir/results/$1.txt" 2>&1 || true
  [[ -s "$dir/results/$1.json" ]] || {
    echo "wrk $1 produced nothing:" >&2
    cat "$dir/results/$1.txt" >&2
    exit 1
  }
}

for entry in "${sizes[@]}"; do
  name=${entry%%:*}
  echo "bench: $name files, $repeat x ${seconds}s per server, $connections connections" >&2
  for r in $(seq "$repeat"); do
    run_wrk "registry-$name-$r" \
      "http://127.0.0.1:$registry_port/api/v1/models/bench-$name/versions/1/file" \
      "Bearer $token"
    run_wrk "nginx-$name-$r" "http://127.0.0.1:$nginx_port/$name.bin"
  done
done

echo
echo "command: $0 $1   (make bench)"
echo "server: ${serve[*]/#$aiotops/aiotops}"
echo "load: $(uptime)"
echo
/usr/bin/python3 "$here/registry_report.py" --results "$dir/results" --sizes "${sizes[@]}" \
  --connections "$connections" --seconds "$seconds"
