"""Score estimator configurations on a hold-out of FordA's *training* set.

    python benchmarks/forda_validation.py NAME '{"epochs": 50}' --seeds 0 1

Fits ``TransformerTimeSeriesClassifier(**RECOMMENDED_PARAMS, **overrides)`` on a
stratified 80% of FordA_TRAIN (split seed 0, as in ``benchmarks/forda_study``)
and scores the other 20%; the test set is never read. One JSON line per seed
is appended to ``benchmarks/forda_study/results.jsonl``.
"""

import argparse
import json
import os
import time
from pathlib import Path

from sklearn.model_selection import train_test_split

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer.datasets import load_ucr
from sktransformer.recommended import RECOMMENDED_PARAMS

RESULTS = Path(__file__).parent / "forda_study" / "results.jsonl"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name")
    parser.add_argument("overrides", nargs="?", default="{}", help="JSON parameters")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    overrides = json.loads(args.overrides)

    X, y = load_ucr("FordA", "train")
    X_fit, X_val, y_fit, y_val = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0
    )
    for seed in args.seeds:
        params = {**RECOMMENDED_PARAMS, **overrides, "random_state": seed}
        clf = TransformerTimeSeriesClassifier(**params)
        tic = time.perf_counter()
        clf.fit(X_fit, y_fit)
        fit_s = time.perf_counter() - tic
        row = {
            "mode": "val",
            "name": args.name,
            "seed": seed,
            "cfg": overrides,
            "val_acc": float(clf.score(X_val, y_val)),
            "train_acc": float(clf.history_["accuracy"][-1]),
            "epochs": len(clf.history_["loss"]),
            "train_s": round(fit_s, 1),
            "params": int(clf.model_.count_params()),
            "load": [round(v, 2) for v in os.getloadavg()],
        }
        print(json.dumps(row), flush=True)
        with open(RESULTS, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
