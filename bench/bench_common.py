"""What the scikit-learn benchmarks share: their common arguments, reading the benchmark rows, and
describing the machine (CPU, cores, OS and the load at the time, which a timing on a shared machine
must be read with)."""

import argparse
import csv
import os
import platform
import sys

import numpy as np


def argument_parser(description):
    """A parser with the arguments every benchmark takes: --aiotops, --data, --features, --label."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--aiotops", required=True, help="the aiotops binary (release build)")
    parser.add_argument("--data", required=True, help="CSV with a header row")
    parser.add_argument("--features", default="current,temperature,vibration,sound")
    parser.add_argument("--label", default="label")
    return parser


def load(path, features, label):
    """The feature columns and the label of a CSV with a header row, as float64 arrays."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f))
    missing = [c for c in features + [label] if c not in header]
    if missing:
        sys.exit(f"{path}: no column(s) {', '.join(missing)} in the header {header}")
    columns = [header.index(c) for c in features + [label]]
    table = np.loadtxt(path, delimiter=",", skiprows=1, usecols=columns, dtype=np.float64,
                       ndmin=2)
    return table[:, :-1], table[:, -1]


def machine():
    """CPU model, core count and OS, e.g. "AMD EPYC 7B13, 2 cores, Linux 6.1.0"."""
    model = platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def load_average():
    """The 1-, 5- and 15-minute load averages, as os.getloadavg() gives them."""
    return [round(value, 2) for value in os.getloadavg()]
