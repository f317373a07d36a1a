#!/usr/bin/python3
"""Prints the benchmark table from the JSON results of linear_vs_sklearn.py and mlp_vs_sklearn.py.

Usage: bench/report.py --linear linear.json [--mlp mlp.json] [--data-command "aiotops sim ..."]
Exit status 3 when a required ratio or tolerance is not met.
"""

import argparse
import json
import sys

NAMES = {"logistic_fit": "logistic regression fit", "naive-bayes_fit": "Gaussian naive Bayes fit"}


def row(cells, widths):
    return "  ".join(f"{c:<{w}}" for c, w in zip(cells, widths)).rstrip()


def load_row(ours, theirs, widths):
    """The 1-minute load average each side's timing was taken at (a shared machine's figures are
    read with it)."""
    return row(["  load average after the fits", f"{ours['load_average'][0]:.2f}",
                f"{theirs['load_average'][0]:.2f}", "", "", ""], widths)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--linear", required=True)
    parser.add_argument("--mlp")
    parser.add_argument("--data-command", default="")
    args = parser.parse_args()
    with open(args.linear, encoding="utf-8") as f:
        linear = json.load(f)

    widths = [34, 16, 16, 12, 14, 6]
    lines = [
        f"rows: {linear['rows']} x {len(linear['features'])} ({', '.join(linear['features'])})",
        f"data: {args.data_command}" if args.data_command else "",
        f"machine: {linear['machine']}; scikit-learn {linear['sklearn_version']}; "
        f"fastest of {linear['repeat']} fits per side",
        "",
        row(["benchmark", "aiotops", "scikit-learn", "ratio", "required", "result"], widths),
    ]
    passed = True
    for r in linear["results"]:
        ok = r["passed"]
        passed = passed and ok
        lines.append(row([NAMES.get(r["benchmark"], r["benchmark"]),
                          f"{r['aiotops']['fit_seconds']:.4f} s",
                          f"{r['sklearn']['fit_seconds']:.4f} s", f"{r['ratio']:.3f}",
                          f"<= {r['required_ratio']}", "pass" if ok else "FAIL"], widths))
        lines.append(load_row(r["aiotops"], r["sklearn"], widths))
        if "log_loss_difference" in r:
            ok_loss = abs(r["log_loss_difference"]) <= r["max_log_loss_difference"]
            lines.append(row(["  train log loss", f"{r['aiotops']['train_log_loss']:.7f}",
                              f"{r['sklearn']['train_log_loss']:.7f}",
                              f"{r['log_loss_difference']:+.1e}",
                              f"|d| <= {r['max_log_loss_difference']:g}",
                              "pass" if ok_loss else "FAIL"], widths))
    if args.mlp:
        with open(args.mlp, encoding="utf-8") as f:
            mlp = json.load(f)
        lines.append(row([f"MLP {mlp['network']} epochs/s (batch {mlp['batch_size']})",
                          f"{mlp['aiotops']['epochs_per_second']:.3f}",
                          f"{mlp['sklearn']['epochs_per_second']:.3f}",
                          f"{mlp['speedup']:.2f}x", "reported", ""], widths))
        lines.append(row(["  train log loss", f"{mlp['aiotops']['train_log_loss']:.5f}",
                          f"{mlp['sklearn']['train_log_loss']:.5f}", "", "", ""], widths))
        lines.append(load_row(mlp["aiotops"], mlp["sklearn"], widths))
    print("\n".join(line for line in lines if line is not None))
    sys.exit(0 if passed else 3)


if __name__ == "__main__":
    main()
