#!/usr/bin/python3
"""Per-inference latency: the aiotops inference core beside Arm NN 20.08 CpuRef, same .tflite bytes.

Usage: bench/armnn_latency.py MICRO_BENCH [--dir DIR] [--repeat N] [--min-time SECONDS]
                              [--repetitions N] [--json FILE]

Runs MICRO_BENCH (the release build's bench/micro_bench) with --models-out=DIR, which times the
core (and the native double-precision model, the peer in the same run) with Google Benchmark
and writes the models it timed; then times one Arm NN EnqueueWorkload (CpuRef backend, tensors
prepared once, Python call included) on each file in a subprocess. Prints a Markdown table of
nanoseconds per inference: the core's CPU time (fastest and median of the repetitions) and wall
time, Arm NN's CPU and wall time, the native model's CPU time, and the goal where the issue sets
one. The load average is recorded before and after: on a shared machine, CPU time is the figure
to read, and it is only comparable within one run.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_ARMNN = os.path.join(HERE, "..", "tests", "armnn", "run_armnn.py")
PYTHON = "/usr/bin/python3"  # Debian's, with python3-pyarmnn

# (micro_bench group, model name) -> (.tflite file stem, I/O, native peer, goal in ns or None)
CASES = [
    (("core", "int8_lr"), ("int8_lr", "float", "lr", 20)),
    (("core_int8_io", "int8_lr"), ("int8_lr_int8_io", "int8", "lr", 20)),
    (("core", "float_lr"), ("float_lr", "float", "lr", 50)),
    (("core", "int8_mlp_4_50_40_1"), ("int8_mlp_4_50_40_1", "float", "mlp_4_50_40_1", 1000)),
    (("core_int8_io", "int8_mlp_4_50_40_1"),
     ("int8_mlp_4_50_40_1_int8_io", "int8", "mlp_4_50_40_1", 1000)),
    (("core", "float_mlp_4_50_40_1"), ("float_mlp_4_50_40_1", "float", "mlp_4_50_40_1", None)),
]


def micro_bench_timings(micro_bench, directory, min_time, repetitions):
    """{(group, name): {"cpu": [ns...], "wall": [ns...]}} over the repetitions."""
    output = subprocess.run(
        [micro_bench, f"--models-out={directory}", "--benchmark_format=json",
         f"--benchmark_min_time={min_time}", f"--benchmark_repetitions={repetitions}"],
        capture_output=True, text=True, check=True).stdout
    timings = {}
    for entry in json.loads(output)["benchmarks"]:
        if entry.get("run_type", "iteration") != "iteration":
            continue
        assert entry["time_unit"] == "ns", entry
        group, _, name = entry["run_name"].partition("/")
        record = timings.setdefault((group, name), {"cpu": [], "wall": []})
        record["cpu"].append(entry["cpu_time"])
        record["wall"].append(entry["real_time"])
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
    parser.add_argument("--repeat", type=int, default=20000,
                        help="Arm NN inferences timed per model")
    parser.add_argument("--min-time", type=float, default=0.2,
                        help="Google Benchmark seconds per repetition")
    parser.add_argument("--repetitions", type=int, default=5, help="Google Benchmark repetitions")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    load_before = os.getloadavg()
    timings = micro_bench_timings(args.micro_bench, args.dir, args.min_time, args.repetitions)
    sys.path.insert(0, os.path.dirname(RUN_ARMNN))
    from run_armnn import metadata_document  # noqa: E402 (needs the path above)

    rows = []
    for (group, name), (stem, io, native, goal) in CASES:
        core = timings[(group, name)]
        path = os.path.join(args.dir, f"{stem}.tflite")
        with open(path, "rb") as f:
            features = metadata_document(f.read())["features"]
        armnn_wall, armnn_cpu = armnn_timing(path, features, args.repeat, args.dir)
        rows.append({
            "model": stem, "io": io, "goal_ns": goal,
            "core_cpu_ns_min": min(core["cpu"]),
            "core_cpu_ns_median": statistics.median(core["cpu"]),
            "core_wall_ns_min": min(core["wall"]),
            "armnn_cpu_ns": armnn_cpu, "armnn_wall_ns": armnn_wall,
            "native_cpu_ns_min": min(timings[("native", native)]["cpu"]),
        })
    load_after = os.getloadavg()

    print(f"load average (1/5/15 min): before {' '.join(f'{v:.2f}' for v in load_before)}, "
          f"after {' '.join(f'{v:.2f}' for v in load_after)}; {os.cpu_count()} CPUs")
    print()
    print("| model | I/O | core CPU ns (fastest / median) | core wall ns (fastest) "
          "| Arm NN CpuRef CPU ns | Arm NN wall ns | native double CPU ns | goal |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        goal = "—"
        if r["goal_ns"] is not None:
            met = r["core_cpu_ns_min"] <= r["goal_ns"]
            goal = f"≤ {r['goal_ns']} ns: " + ("met" if met else "not met")
        print(f"| {r['model']} | {r['io']} | {r['core_cpu_ns_min']:.1f} / "
              f"{r['core_cpu_ns_median']:.1f} | {r['core_wall_ns_min']:.1f} "
              f"| {r['armnn_cpu_ns']:.0f} | {r['armnn_wall_ns']:.0f} "
              f"| {r['native_cpu_ns_min']:.1f} | {goal} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"load_average_before": load_before, "load_average_after": load_after,
                       "cpus": os.cpu_count(), "results": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
