#!/usr/bin/python3
"""Two-sample KS: aiotops (bench/ks_bench) against scipy.stats.ks_2samp, same samples, same run.

For each window size n, a reference of n values from N(0, 1) and two windows of n values: one
from the same distribution ("no drift") and one shifted by 0.05 standard deviations ("drift").
Both sides test window against reference with method "auto" and report the fastest of --repeat
runs (as timeit does: on a shared, noisy machine interference only adds time). aiotops is timed
twice: from unsorted values (both samples sorted per test, as ks_2samp does) and with the
reference sorted once (how `aiotops validate` runs it). The statistics and p-values of both
sides are printed too. Prints one JSON object and a Markdown table on stderr.

Usage: bench/ks_vs_scipy.py --ks-bench build/release/bench/ks_bench [--sizes 10000,100000]
           [--repeat 20] [--seed 7]
"""

import argparse
import json
import os
import sys
import tempfile
import subprocess
import timeit

import numpy as np
import scipy
from scipy import stats

from bench_common import load_average, machine

REQUIRED_RATIO = 0.25  # aiotops / scipy wall time (issue 7)


def scipy_seconds(window, reference, repeat):
    timer = timeit.Timer(lambda: stats.ks_2samp(window, reference, method="auto"))
    return min(timer.repeat(repeat=repeat, number=1)), stats.ks_2samp(window, reference)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks-bench", required=True)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(s) for s in args.sizes.split(",")]:
            reference = rng.normal(0, 1, n)
            ref_path = os.path.join(tmp, f"reference-{n}.f64")
            reference.astype("<f8").tofile(ref_path)
            for case, shift in (("no drift", 0.0), ("drift", 0.05)):
                window = rng.normal(shift, 1, n)
                window_path = os.path.join(tmp, f"window-{n}-{shift}.f64")
                window.astype("<f8").tofile(window_path)
                done = subprocess.run([args.ks_bench, window_path, ref_path, "--repeat",
                                       str(args.repeat)], capture_output=True, text=True)
                if done.returncode != 0:
                    sys.exit(f"ks_bench failed ({done.returncode}): {done.stderr}")
                ours = json.loads(done.stdout)
                theirs_seconds, theirs = scipy_seconds(window, reference, args.repeat)
                rows.append({
                    "n": n, "case": case,
                    "aiotops_seconds": ours["seconds"],
                    "aiotops_presorted_seconds": ours["seconds_presorted_reference"],
                    "scipy_seconds": theirs_seconds,
                    "ratio": ours["seconds"] / theirs_seconds,
                    "ratio_presorted": ours["seconds_presorted_reference"] / theirs_seconds,
                    "aiotops_statistic": ours["statistic"], "aiotops_pvalue": ours["pvalue"],
                    "scipy_statistic": float(theirs.statistic),
                    "scipy_pvalue": float(theirs.pvalue),
                    "exact": ours["exact"],
                })
    result = {"machine": machine(), "load_average": load_average(), "scipy": scipy.__version__,
              "repeat": args.repeat, "required_ratio": REQUIRED_RATIO, "rows": rows}
    print("| n | case | p-value mode | aiotops ms | aiotops ms, reference sorted once | "
          "scipy ms | ratio | ratio, sorted once |", file=sys.stderr)
    print("|---|---|---|---|---|---|---|---|", file=sys.stderr)
    for r in rows:
        print(f"| {r['n']:,} | {r['case']} | {'exact' if r['exact'] else 'asymp'} | "
              f"{r['aiotops_seconds'] * 1e3:.3f} | {r['aiotops_presorted_seconds'] * 1e3:.3f} | "
              f"{r['scipy_seconds'] * 1e3:.3f} | {r['ratio']:.3f} | {r['ratio_presorted']:.3f} |",
              file=sys.stderr)
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
