#!/usr/bin/env bash
# Installs every Debian package aiotops needs to build, test and benchmark.
# Idempotent: when everything is present it only runs dpkg-query and exits.
# Why each package is here: docs/dependencies.md.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config
  # fuzzing (libFuzzer + sanitizer runtimes) and formatting
  clang-16 libclang-rt-16-dev clang-format
  # libraries
  libsimdjson-dev libcli11-dev libspdlog-dev libfmt-dev libeigen3-dev
  nlohmann-json3-dev libsodium-dev
  # the edge service: MQTT client, HTTP endpoints (/metrics, /healthz), TLS
  libmosquitto-dev libcpp-httplib-dev libssl-dev
  # the registry: metadata in SQLite (WAL)
  libsqlite3-dev
  # YAML: the workflow engine's Argo Workflow files, service config files (aiotops edge --config)
  libyaml-cpp-dev
  # a real broker and its command-line clients for cross-process tests and benchmarks
  mosquitto mosquitto-clients
  # certificates for the TLS tests (the openssl command-line tool)
  openssl
  # model files (.tflite flatbuffers: flatc at build time, headers)
  flatbuffers-compiler libflatbuffers-dev
  # the inference core on an emulated Cortex-M4F (cross compiler, newlib, QEMU)
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-dev qemu-system-arm
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # the registry's HTTP benchmark: a load generator and the web server it is compared with
  wrk nginx-light
  # independent reference implementations for numerical checks
  python3 python3-numpy python3-scipy python3-sklearn
  # Arm NN 20.08 TfLite parser on its reference CPU backend (.tflite cross-check)
  python3-pyarmnn libarmnn-cpuref-backend22
)

# Node.js runs the Argo Workflows API validators of tests/pipeline_export_test; Debian's nodejs
# and npm only where no npm is installed (a Node.js from elsewhere brings its own npm).
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
  echo "deps.sh: installing ${missing[*]}" >&2
  sudo=""
  if ((EUID != 0)); then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm assets for tests, versions and hashes pinned by tests/argo_schema/package-lock.json;
# installed again only when that file changes.
argo_schema=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/argo_schema" && pwd)
argo_schema_dir=${AIOTOPS_ARGO_SCHEMA_DIR:-$HOME/.cache/aiotops/argo-schema}
if ! cmp -s "$argo_schema/package-lock.json" "$argo_schema_dir/installed.lock"; then
  echo "deps.sh: npm ci in $argo_schema_dir" >&2
  mkdir -p "$argo_schema_dir"
  cp "$argo_schema/package.json" "$argo_schema/package-lock.json" "$argo_schema_dir/"
  (cd "$argo_schema_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp "$argo_schema/package-lock.json" "$argo_schema_dir/installed.lock"
fi
