#!/usr/bin/python3
"""Prints the registry-vs-nginx table from the wrk results of bench/registry_vs_nginx.sh.

Usage: bench/registry_report.py --results DIR --sizes 1k:1024 100k:102400 4m:4194304
                                [--connections 64] [--seconds 10]
DIR holds <server>-<size>-<run>.json (written by bench/registry_wrk.lua). Per server and size the
run with the most requests/s is reported; errors and timeouts are summed over every run.
Exit status 3 when a goal is not met.
"""

import argparse
import glob
import json
import os
import sys

from bench_common import load_average, machine

# Per size: the figure compared and the least registry/nginx ratio accepted.
GOALS = {"1k": ("requests_per_s", 0.5), "100k": ("requests_per_s", 0.6),
         "4m": ("bytes_per_s", 0.8)}
SERVERS = ("registry", "nginx")


def runs(results, server, size):
    paths = sorted(glob.glob(os.path.join(results, f"{server}-{size}-*.json")))
    if not paths:
        sys.exit(f"{results}: no results for {server} {size}")
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            out.append(json.load(f))
    return out


def failures(run_list):
    """Socket errors, timeouts and non-2xx/3xx answers over all runs."""
    total = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    for run in run_list:
        for key in total:
            total[key] += run["errors"][key]
    return total


def human_bytes(per_second):
    for unit, scale in (("GB/s", 1e9), ("MB/s", 1e6), ("KB/s", 1e3)):
        if per_second >= scale:
            return f"{per_second / scale:.1f} {unit}"
    return f"{per_second:.0f} B/s"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--sizes", nargs="+", required=True, help="name:bytes")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()

    print(f"machine: {machine()}; load average {load_average()} after the runs")
    print(f"wrk -t2 -c{args.connections} -d{args.seconds}s per run, registry and nginx "
          "alternating; the best run per side, errors summed over all runs")
    print()
    print("| file | server | requests/s | bytes/s | latency p50 / p99 / max ms | "
          "errors (connect/read/write/status) | timeouts | registry/nginx (goal) |")
    print("|---|---|---:|---:|---:|---|---:|---|")
    all_met = True
    for entry in args.sizes:
        size, size_bytes = entry.split(":")
        best = {}
        errors = {}
        for server in SERVERS:
            run_list = runs(args.results, server, size)
            best[server] = max(run_list, key=lambda run: run["requests_per_s"])
            errors[server] = failures(run_list)
        metric, goal = GOALS[size]
        ratio = best["registry"][metric] / best["nginx"][metric]
        clean = all(errors["registry"][key] == 0 for key in errors["registry"])
        met = ratio >= goal and clean
        all_met = all_met and met
        label = "req/s" if metric == "requests_per_s" else "bytes/s"
        for server in SERVERS:
            run, e = best[server], errors[server]
            lat = run["latency_us"]
            verdict = ""
            if server == "registry":
                verdict = (f"{ratio:.2f} {label} (>= {goal}) "
                           f"{'met' if met else 'MISSED'}{'' if clean else ', with errors'}")
            print(f"| {int(size_bytes):,} B | {server} | {run['requests_per_s']:,.0f} | "
                  f"{human_bytes(run['bytes_per_s'])} | {lat['p50'] / 1e3:.2f} / "
                  f"{lat['p99'] / 1e3:.2f} / {lat['max'] / 1e3:.1f} | "
                  f"{e['connect']}/{e['read']}/{e['write']}/{e['status']} | {e['timeout']} | "
                  f"{verdict} |")
    return 0 if all_met else 3


if __name__ == "__main__":
    sys.exit(main())
