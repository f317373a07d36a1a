#!/usr/bin/python3
"""Cross-check of exported .tflite files against Arm NN 20.08 (TfLite parser, CpuRef backend).

Usage: armnn_crosscheck.py AIOTOPS_BINARY WORK_DIR [--reference-mlp]

Simulates a small fleet, trains logistic regression and an MLP, quantizes them (per-tensor
int8), exports float, int8 with float I/O and int8 with int8 I/O .tflite files and checks:
- Arm NN's scores match `aiotops infer`: float within 1e-5; int8 within 2 LSB of any int8
  tensor: 2 output quanta, or the score change 2 LSB of LOGISTIC's input ("logit") make at
  that point (one logit LSB can move a steep sigmoid by several output quanta);
- the native, float .tflite and int8 .tflite scores agree within the quantization report's
  measured errors (graph_max_abs_error for float, agreement.max_abs_error for int8).
Arm NN runs in a subprocess (tests/armnn/run_armnn.py): malformed files can make it abort.
Exit codes: 0 pass, 1 a check failed, 77 skipped (pyarmnn not installed, or a binary without
the quantize and export commands).
"""

import argparse
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run_armnn import tensor_scale  # noqa: E402 (the flatbuffer walker, no pyarmnn needed)

PYTHON = "/usr/bin/python3"
FLOAT_TOLERANCE = 1e-5
INT8_OUTPUT_SCALE = 1.0 / 256.0  # TFLite int8 LOGISTIC output scale
INT8_QUANTA = 2
REPORT_SLACK = 1e-6  # the report's errors are float64 sums of float32 scores


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


def scores(lines):
    records = [json.loads(line) for line in lines.splitlines() if line.strip()]
    for i, record in enumerate(records):
        if record["row"] != i:
            raise RuntimeError(f"row {record['row']} out of order at position {i}")
    return [record["score"] for record in records]


def compare(name, ours, theirs, tolerance, failures):
    """Checks |ours - theirs| <= tolerance(row, ours) on every row; tolerance may be a number."""
    if len(ours) != len(theirs):
        failures.append(f"{name}: {len(ours)} rows vs {len(theirs)}")
        return
    allowed = tolerance if callable(tolerance) else (lambda _row, _score: tolerance)
    excess = [abs(a - b) - allowed(i, a) for i, (a, b) in enumerate(zip(ours, theirs))]
    row = max(range(len(ours)), key=lambda i: excess[i], default=0)
    worst = max((abs(a - b) for a, b in zip(ours, theirs)), default=0.0)
    status = "ok" if not ours or excess[row] <= 0 else "FAIL"
    print(f"{status:4} {name}: max |diff| {worst:.3g} (closest to its bound: row {row}, tolerance "
          f"{allowed(row, ours[row]) if ours else 0:.3g}, {len(ours)} rows)")
    if status == "FAIL":
        failures.append(f"{name}: row {row}: {ours[row]} vs {theirs[row]}")


def int8_tolerance(model_path):
    """Per-row tolerance for an int8 model: 2 LSB of the output or of LOGISTIC's input."""
    with open(model_path, "rb") as f:
        logit_scale = tensor_scale(f.read(), "logit")
    if logit_scale is None:
        raise RuntimeError(f"{model_path}: no quantized tensor named 'logit'")
    output_quanta = INT8_QUANTA * INT8_OUTPUT_SCALE + 1e-9

    def tolerance(_row, score):
        p = min(max(score, INT8_OUTPUT_SCALE / 2), 1 - INT8_OUTPUT_SCALE / 2)
        logit = math.log(p / (1 - p))
        sigmoid = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
        shift = INT8_QUANTA * logit_scale
        moved = max(abs(sigmoid(logit + shift) - p), abs(sigmoid(logit - shift) - p))
        return max(output_quanta, moved + INT8_OUTPUT_SCALE)  # + the output's own rounding

    return tolerance


def check_model(aiotops, work, data, name, train_args, failures):
    native = os.path.join(work, f"{name}.json")
    quantized = os.path.join(work, f"{name}.q.json")
    report_path = os.path.join(work, f"{name}.report.json")
    run([aiotops, "train", "--data", data, "--out", native, "--quiet", *train_args])
    run([aiotops, "quantize", "--model", native, "--calibration", data, "--out", quantized,
         "--report", report_path])
    with open(report_path) as f:
        report = json.load(f)
    files = {
        "float": (native, []),
        "int8 float-io": (quantized, []),
        "int8 int8-io": (quantized, ["--int8-io"]),
    }
    results = {}
    for kind, (model, extra) in files.items():
        path = os.path.join(work, f"{name}.{kind.replace(' ', '.')}.tflite")
        run([aiotops, "export", "--model", model, "--format", "tflite", "--out", path, *extra])
        ours = scores(run([aiotops, "infer", "--model", path, "--data", data, "--json"]))
        theirs = scores(run([PYTHON, os.path.join(HERE, "run_armnn.py"), path, data]))
        tolerance = FLOAT_TOLERANCE if kind == "float" else int8_tolerance(path)
        compare(f"{name} {kind}: Arm NN vs aiotops", ours, theirs, tolerance, failures)
        results[kind] = ours
    reference = scores(run([aiotops, "infer", "--model", native, "--data", data, "--json"]))
    compare(f"{name}: float .tflite vs native", results["float"], reference,
            report["float"]["graph_max_abs_error"] + REPORT_SLACK, failures)
    int8_error = report["selected"]["agreement"]["max_abs_error"]
    for kind in ("int8 float-io", "int8 int8-io"):
        compare(f"{name}: {kind} .tflite vs native", results[kind], reference,
                int8_error + REPORT_SLACK, failures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("aiotops")
    parser.add_argument("work")
    parser.add_argument("--reference-mlp", action="store_true",
                        help="also check the 4-50-40-1 reference network")
    args = parser.parse_args()
    probe = subprocess.run([PYTHON, "-c", "import pyarmnn"], capture_output=True)
    if probe.returncode != 0:
        print("skipped: pyarmnn is not installed (scripts/deps.sh installs python3-pyarmnn)")
        return 77
    listed = subprocess.run([args.aiotops, "--help"], capture_output=True, text=True).stdout
    commands = {line.split()[0] for line in listed.splitlines() if line.startswith("  ") and line.split()}
    for command in ("quantize", "export"):
        if command not in commands:
            print(f"skipped: this aiotops has no {command} command")
            return 77
    os.makedirs(args.work, exist_ok=True)
    data = os.path.join(args.work, "fleet.csv")
    run([args.aiotops, "sim", "--devices", "4", "--duration", "20m", "--interval", "5s",
         "--fault-rate", "3/h", "--seed", "7", "--out", data])
    models = {
        "logistic": ["--model", "logistic"],
        "mlp": ["--model", "mlp", "--hidden", "8", "--epochs", "20", "--seed", "3"],
    }
    if args.reference_mlp:
        models["mlp-50-40"] = ["--model", "mlp", "--hidden", "50,40", "--epochs", "5", "--seed", "3"]
    failures = []
    for name, train_args in models.items():
        check_model(args.aiotops, args.work, data, name, train_args, failures)
    for failure in failures:
        print(f"mismatch: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
