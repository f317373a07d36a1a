#!/usr/bin/python3
"""SciPy's answers for the drift statistics of src/drift, for the cases a test writes.

Reads one JSON file: {"ks": [{"a": [...], "b": [...], "mode": "auto|exact|asymp",
"alternative": "two-sided|less|greater"}], "kstwo": [[n, x], ...], "smirnov": [[n, x], ...],
"wasserstein": [{"a": [...], "b": [...]}], "chi2": [{"reference": [counts], "current":
[counts]}], "psi": [{"reference": [...], "current": [...], "bins": 10, "epsilon": 1e-4}]}
and prints one JSON object with the same keys holding the results, in order:
ks -> [statistic, pvalue (null for NaN), statistic_location,
statistic_sign]; kstwo and smirnov -> sf values;
wasserstein -> distance; chi2 -> [statistic, pvalue, dof]; psi -> [psi, [edges], [ref shares],
[current shares]].

PSI has no SciPy function: it is computed here from its definition with numpy (quantiles with
numpy's default linear interpolation, duplicate edges dropped, right-closed bins) as an
independent check of docs/drift.md's rules.

Usage: scipy_drift_reference.py CASES.json
"""

import json
import sys
import warnings

import numpy as np
from scipy import special, stats


def ks(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = stats.ks_2samp(np.array(case["a"]), np.array(case["b"]),
                           alternative=case["alternative"], method=case["mode"])
    pvalue = float(r.pvalue) if np.isfinite(r.pvalue) else None
    return [float(r.statistic), pvalue, float(r.statistic_location),
            int(r.statistic_sign)]


def chi2(case):
    table = np.array([case["reference"], case["current"]], dtype=float)
    table = table[:, table.sum(axis=0) > 0]
    res = stats.chi2_contingency(table, correction=False)
    return [float(res[0]), float(res[1]), int(res[2])]


def psi(case):
    ref = np.sort(np.array(case["reference"], dtype=float))
    cur = np.array(case["current"], dtype=float)
    bins, eps = case["bins"], case["epsilon"]
    inner = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    ref_share = np.bincount(np.searchsorted(inner, ref, side="left"),
                            minlength=len(inner) + 1) / len(ref)
    cur_share = np.bincount(np.searchsorted(inner, cur, side="left"),
                            minlength=len(inner) + 1) / len(cur)
    r = np.where(ref_share == 0, eps, ref_share)
    c = np.where(cur_share == 0, eps, cur_share)
    value = float(np.sum((c - r) * np.log(c / r)))
    low, high = min(ref.min(), cur.min()), max(ref.max(), cur.max())
    edges = [float(low)] + [float(e) for e in inner] + [float(high)]
    return [value, edges, ref_share.tolist(), cur_share.tolist()]


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    out = {
        "ks": [ks(c) for c in cases.get("ks", [])],
        "kstwo": [float(stats.kstwo.sf(x, n)) for n, x in cases.get("kstwo", [])],
        "smirnov": [float(special.smirnov(n, x)) for n, x in cases.get("smirnov", [])],
        "wasserstein": [float(stats.wasserstein_distance(c["a"], c["b"]))
                        for c in cases.get("wasserstein", [])],
        "chi2": [chi2(c) for c in cases.get("chi2", [])],
        "psi": [psi(c) for c in cases.get("psi", [])],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
