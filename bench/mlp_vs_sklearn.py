#!/usr/bin/python3
"""Epochs per second of aiotops' MLP against scikit-learn's MLPClassifier, same data, same run.

Both sides train the reference network (features -> 50 ReLU -> 40 ReLU -> 1 sigmoid) with Adam,
mini-batches of 200 rows, learning rate 1e-3 and L2 1e-4, on the same standardized rows, for
exactly --epochs passes (early stopping cannot trigger: patience = epochs, sklearn tol = 0).
aiotops' time is the `fit_seconds` of `aiotops train --json` (the fit alone, no CSV parsing);
scikit-learn's is the wall time of MLPClassifier.fit. Each side records the load average after its
fit. Prints one JSON object on stdout.

Usage: bench/mlp_vs_sklearn.py --aiotops build/release/apps/aiotops/aiotops --data rows.csv \
           [--features current,temperature,vibration,sound] [--label label] [--epochs 3]
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from bench_common import argument_parser, load, load_average, machine

HIDDEN = (50, 40)
BATCH_SIZE = 200
LEARNING_RATE = 1e-3
L2 = 1e-4  # aiotops' default MlpOptions::l2, sklearn's default alpha


def run_aiotops(binary, data, features, label, epochs, seed):
    with tempfile.TemporaryDirectory() as tmp:
        command = [binary, "train", "--data", data, "--features", ",".join(features),
                   "--label", label, "--model", "mlp",
                   "--hidden", ",".join(str(h) for h in HIDDEN),
                   "--batch-size", str(BATCH_SIZE), "--learning-rate", str(LEARNING_RATE),
                   "--epochs", str(epochs), "--patience", str(epochs), "--seed", str(seed),
                   "--out", os.path.join(tmp, "model.json"), "--json"]
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    # The progress printer always prints the last epoch: check that every epoch ran.
    ran = re.findall(r"epoch (\d+)/(\d+)", done.stderr)
    if not ran or int(ran[-1][0]) != epochs:
        sys.exit(f"aiotops ran {ran[-1][0] if ran else 'no'} epochs, expected {epochs}")
    summary = json.loads(done.stdout)
    return {
        "command": " ".join(command),
        "epochs": epochs,
        "fit_seconds": summary["fit_seconds"],
        "epochs_per_second": epochs / summary["fit_seconds"],
        "load_average": load_average(),
        "train_log_loss": summary["metrics"]["train"]["log_loss"],
    }


def run_sklearn(x, y, epochs, seed):
    x = StandardScaler().fit_transform(x)
    model = MLPClassifier(hidden_layer_sizes=HIDDEN, activation="relu", solver="adam",
                          alpha=L2, batch_size=BATCH_SIZE, learning_rate_init=LEARNING_RATE,
                          max_iter=epochs, shuffle=True, tol=0.0, n_iter_no_change=epochs + 1,
                          early_stopping=False, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the point here
        start = time.perf_counter()
        model.fit(x, y)
        seconds = time.perf_counter() - start
    if model.n_iter_ != epochs:
        sys.exit(f"scikit-learn ran {model.n_iter_} epochs, expected {epochs}")
    return {
        "epochs": epochs,
        "fit_seconds": seconds,
        "epochs_per_second": epochs / seconds,
        "load_average": load_average(),
        "train_log_loss": log_loss(y, model.predict_proba(x)[:, 1]),
    }


def main():
    parser = argument_parser(__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    features = args.features.split(",")

    x, y = load(args.data, features, args.label)
    ours = run_aiotops(args.aiotops, args.data, features, args.label, args.epochs, args.seed)
    theirs = run_sklearn(x, y, args.epochs, args.seed)
    print(json.dumps({
        "benchmark": "mlp_epochs_per_second",
        "network": "-".join(str(n) for n in (len(features),) + HIDDEN + (1,)),
        "rows": int(x.shape[0]),
        "batch_size": BATCH_SIZE,
        "aiotops": ours,
        "sklearn": theirs,
        "sklearn_version": sklearn.__version__,
        "speedup": ours["epochs_per_second"] / theirs["epochs_per_second"],
        "machine": machine(),
    }, indent=2))


if __name__ == "__main__":
    main()
