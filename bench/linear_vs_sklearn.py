#!/usr/bin/python3
"""Fit time of aiotops' logistic regression and Gaussian naive Bayes against scikit-learn's.

Same rows, same run. aiotops' time is the `fit_seconds` of `aiotops train --json` (the fit
alone: no CSV parsing, no scaling); scikit-learn's is the wall time of .fit on the rows already
standardized by StandardScaler (ddof 0, as aiotops' scaler). Each side runs --repeat times and
the fastest counts (as timeit does: on shared, noisy machines interference only adds time).
Logistic regression: LogisticRegression with its defaults (lbfgs, C=1, tol 1e-4); the train log
losses of both fits are compared. Gaussian naive Bayes: GaussianNB with its defaults. Each side
records the load average after its fits. Prints one JSON object on stdout.

Usage: bench/linear_vs_sklearn.py --aiotops build/release/apps/aiotops/aiotops --data rows.csv \
           [--features current,temperature,vibration,sound] [--label label] [--repeat 5]
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler

from bench_common import argument_parser, load, load_average, machine

# Required ratios aiotops / scikit-learn of fit wall time (docs/benchmarks.md).
REQUIRED = {"logistic": 0.5, "naive-bayes": 0.05}
MAX_LOG_LOSS_DIFFERENCE = 1e-4


def run_aiotops(binary, data, features, label, kind, repeat):
    with tempfile.TemporaryDirectory() as tmp:
        command = [binary, "train", "--data", data, "--features", ",".join(features),
                   "--label", label, "--model", kind, "--out", os.path.join(tmp, "model.json"),
                   "--json", "--quiet"]
        seconds, summary = [], None
        for _ in range(repeat):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
            summary = json.loads(done.stdout)
            seconds.append(summary["fit_seconds"])
    return {
        "command": " ".join(command),
        "fit_seconds": min(seconds),
        "fit_seconds_all": seconds,
        "load_average": load_average(),
        "train_log_loss": summary["metrics"]["train"]["log_loss"],
    }


def run_sklearn(make_model, x, y, repeat):
    seconds, model = [], None
    for _ in range(repeat):
        model = make_model()
        start = time.perf_counter()
        model.fit(x, y)
        seconds.append(time.perf_counter() - start)
    return {
        "fit_seconds": min(seconds),
        "fit_seconds_all": seconds,
        "load_average": load_average(),
        "train_log_loss": float(log_loss(y, model.predict_proba(x)[:, 1])),
    }


def main():
    parser = argument_parser(__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    features = args.features.split(",")

    x, y = load(args.data, features, args.label)
    x = StandardScaler().fit_transform(x)
    references = {
        "logistic": lambda: LogisticRegression(),
        "naive-bayes": lambda: GaussianNB(),
    }
    results = []
    for kind, make_model in references.items():
        ours = run_aiotops(args.aiotops, args.data, features, args.label, kind, args.repeat)
        theirs = run_sklearn(make_model, x, y, args.repeat)
        ratio = ours["fit_seconds"] / theirs["fit_seconds"]
        result = {
            "benchmark": f"{kind}_fit",
            "aiotops": ours,
            "sklearn": theirs,
            "ratio": ratio,
            "required_ratio": REQUIRED[kind],
            "passed": ratio <= REQUIRED[kind],
        }
        if kind == "logistic":
            difference = ours["train_log_loss"] - theirs["train_log_loss"]
            result["log_loss_difference"] = difference
            result["max_log_loss_difference"] = MAX_LOG_LOSS_DIFFERENCE
            result["passed"] = result["passed"] and abs(difference) <= MAX_LOG_LOSS_DIFFERENCE
        results.append(result)
    print(json.dumps({
        "rows": int(x.shape[0]),
        "features": features,
        "repeat": args.repeat,
        "sklearn_version": sklearn.__version__,
        "machine": machine(),
        "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()
