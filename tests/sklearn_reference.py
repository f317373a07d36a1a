#!/usr/bin/python3
"""scikit-learn's fit on exactly the rows and split `aiotops train --split-out` used.

Reads the CSV (header row), takes the split's train/test row indices, fits StandardScaler on the
train rows only, fits the model on the standardized train rows and prints one JSON object:
scaler mean/scale, coefficients (standardized space), intercept, train log loss, the objective
C * sum(weighted log loss) + |w|^2 / 2 (logistic), test ROC-AUC and the test probabilities.
Logistic regression is fitted twice: "lbfgs" holds the default solver's figures, the top level
those of the exact optimum (solver newton-cholesky, tight tolerance).

Usage: sklearn_reference.py --data F.csv --features '["a", "b"]' --label y --split split.json
           --model logistic|naive-bayes [--C 1.0] [--class-weight none|balanced]
"""

import argparse
import csv
import json
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight


def load(path, features, label):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        header = next(rows)
        columns = [header.index(name) for name in features + [label]]
        table = np.array([[float(row[c]) for c in columns] for row in rows])
    return table[:, :-1], table[:, -1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--features", required=True, help="JSON list of column names")
    parser.add_argument("--label", required=True)
    parser.add_argument("--split", required=True, help="JSON {train, validation, test} indices")
    parser.add_argument("--model", choices=["logistic", "naive-bayes"], required=True)
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--class-weight", choices=["none", "balanced"], default="none")
    args = parser.parse_args()

    x, y = load(args.data, json.loads(args.features), args.label)
    with open(args.split, encoding="utf-8") as f:
        split = json.load(f)
    train, test = np.array(split["train"], dtype=int), np.array(split["test"], dtype=int)
    scaler = StandardScaler().fit(x[train])
    x_train, x_test = scaler.transform(x[train]), scaler.transform(x[test])
    y_train, y_test = y[train], y[test]

    out = {"scaler_mean": scaler.mean_.tolist(), "scaler_scale": scaler.scale_.tolist()}
    if args.model == "logistic":
        class_weight = None if args.class_weight == "none" else "balanced"
        weights = compute_sample_weight(class_weight, y_train)

        def fitted(solver, tol):
            fit = LogisticRegression(C=args.C, class_weight=class_weight, solver=solver, tol=tol,
                                     max_iter=10000).fit(x_train, y_train)
            p = fit.predict_proba(x_train)[:, 1]
            losses = -(y_train * np.log(p) + (1 - y_train) * np.log1p(-p))
            penalty = 0.5 * np.dot(fit.coef_[0], fit.coef_[0])
            objective = args.C * np.sum(weights * losses) + penalty
            return fit, {"coef": fit.coef_[0].tolist(), "intercept": float(fit.intercept_[0]),
                         "objective": float(objective),
                         "train_log_loss": float(log_loss(y_train, p)),
                         "test_roc_auc": float(roc_auc_score(
                             y_test, fit.predict_proba(x_test)[:, 1]))}

        # The default solver, as users run it; it stops on its own tolerances short of the
        # optimum. newton-cholesky (tight tolerance) is the optimum itself.
        _, out["lbfgs"] = fitted("lbfgs", 1e-4)
        model, exact = fitted("newton-cholesky", 1e-12)
        out.update(exact)
    else:
        model = GaussianNB().fit(x_train, y_train)
        out.update({"class_prior": model.class_prior_.tolist(), "mean": model.theta_.tolist(),
                    "variance": model.var_.tolist()})
    p_train = model.predict_proba(x_train)[:, 1]
    p_test = model.predict_proba(x_test)[:, 1]
    out.update({
        "train_log_loss": float(log_loss(y_train, p_train)),
        "test_roc_auc": float(roc_auc_score(y_test, p_test)),
        "test_scores": p_test.tolist(),
    })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
