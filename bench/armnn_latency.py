#!/usr/bin/python3
"""Per-inference latency: the aiotops inference core beside Arm NN 20.08 CpuRef, same .tflite bytes.

Usage: bench/armnn_latency.py MICRO_BENCH [--dir DIR] [--repeat N] [--min-time SECONDS]

Runs MICRO_BENCH (the release build's bench/micro_bench) with --models-out=DIR, which times the
core with Google Benchmark and writes the models it timed; then times one Arm NN
EnqueueWorkload (CpuRef backend, tensors prepared once, Python call included) on each file in
a subprocess, and prints a Markdown table of mean wall and CPU nanoseconds per inference.
"""

import argparse
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_ARMNN = os.path.join(HERE, "..", "tests", "armnn", "run_armnn.py")
PYTHON = "/usr/bin/python3"  # Debian's, with python3-pyarmnn


def core_timings(micro_bench, directory, min_time):
    """{model name: (wall ns, cpu ns)} of the core's benchmarks core/<model name>."""
    output = subprocess.run(
        [micro_bench, f"--models-out={directory}", "--benchmark_format=json",
         f"--benchmark_min_time={min_time}"],
        capture_output=True, text=True, check=True).stdout
    timings = {}
    for entry in json.loads(output)["benchmarks"]:
        group, _, name = entry["name"].partition("/")
        if group == "core":
            assert entry["time_unit"] == "ns", entry
            timings[name] = (entry["real_time"], entry["cpu_time"])
    return timings


def armnn_timing(model, features, repeat, directory):
    """(wall ns, cpu ns) of one Arm NN inference of model on a row of zeros."""
    data = os.path.join(directory, "row.csv")
    with open(data, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(features)
        writer.writerow([0.0] * len(features))
    output = subprocess.run(
        [PYTHON, RUN_ARMNN, model, data, "--features", ",".join(features), "--repeat", str(repeat)],
        capture_output=True, text=True, check=True).stdout
    record = json.loads(output)
    return record["wall_ns"], record["cpu_ns"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("micro_bench")
    parser.add_argument("--dir", default="build/bench/armnn", help="where the models are written")
    parser.add_argument("--repeat", type=int, default=20000, help="Arm NN inferences timed per model")
    parser.add_argument("--min-time", type=float, default=0.5, help="Google Benchmark seconds per model")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    core = core_timings(args.micro_bench, args.dir, args.min_time)
    sys.path.insert(0, os.path.dirname(RUN_ARMNN))
    from run_armnn import metadata_document  # noqa: E402 (needs the path above)

    print("| model | aiotops core wall ns | core CPU ns | Arm NN CpuRef wall ns | Arm NN CPU ns |")
    print("|---|---:|---:|---:|---:|")
    for name in sorted(core):
        path = os.path.join(args.dir, f"{name}.tflite")
        with open(path, "rb") as f:
            features = metadata_document(f.read())["features"]
        wall, cpu = armnn_timing(path, features, args.repeat, args.dir)
        core_wall, core_cpu = core[name]
        print(f"| {name} | {core_wall:.1f} | {core_cpu:.1f} | {wall:.0f} | {cpu:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
