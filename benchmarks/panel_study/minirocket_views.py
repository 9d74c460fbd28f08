"""MiniRocket on other views of a problem's series, inside its TRAIN folds.

    python benchmarks/panel_study/minirocket_views.py --dataset PLAID

What a classifier of raw series gains from each series' amplitude and length:
MiniRocket (sktime) scored on the same stratified 3-fold split of the TRAIN
split as ``train_cv.py`` (the TEST split is never read), each series given as

- ``raw``: as stored, zero-padded at the end to the longest (the benchmark's
  view for classifiers that need equal lengths);
- ``z``: each series z-normalised first (what ``input_norm="series"`` gives the
  network, without its level and scale channels);
- ``asinh<q>``: ``asinh`` of the series over the ``q``-th percentile of the
  series' standard deviations; ``casinh<q>`` the same of the centred series
  (``input_norm="series+asinh"``'s extra view);
- ``z+asinh<q>``, ``z+casinh<q>``: two views as two channels;
- ``z-resample``, ``raw-resample``: linearly resampled to 512 steps, so that
  no padding tells the length (the time scale changes too).

Univariate problems only. The percentile is taken over the whole TRAIN split
(a view, not a fitted model: fold-level leakage of one number is negligible).
"""

import argparse
import warnings

import numpy as np
from sklearn.model_selection import StratifiedKFold

from sktransformer._validation import series_lengths

RESAMPLED = 512


def _view(X, lengths, name):
    kinds = name.replace("-resample", "").split("+")
    steps = RESAMPLED if name.endswith("-resample") else X.shape[1]
    std = np.array([np.std(x[:n, 0]) for x, n in zip(X, lengths, strict=True)])
    out = np.zeros((len(X), len(kinds), steps))
    for i, (x, n) in enumerate(zip(X, lengths, strict=True)):
        s = x[:n, 0].astype(np.float64)
        for c, kind in enumerate(kinds):
            if kind == "z":
                r = (s - s.mean()) / (s.std() + 1e-8)
            elif kind.startswith(("asinh", "casinh")):
                scale = np.percentile(std[std > 0], float(kind.split("asinh")[1]))
                r = np.arcsinh((s - s.mean() if kind[0] == "c" else s) / scale)
            elif kind == "raw":
                r = s
            else:
                raise ValueError(f"unknown view {kind!r}")
            if steps == RESAMPLED:
                out[i, c] = np.interp(np.linspace(0, n - 1, steps), np.arange(n), r)
            else:
                out[i, c, :n] = r
    return out


def main():
    from sktime.classification.kernel_based import RocketClassifier
    from train_cv import _train_split

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="PLAID")
    parser.add_argument(
        "--views",
        nargs="+",
        default=[
            "raw",
            "z",
            "asinh10",
            "casinh10",
            "asinh50",
            "z+asinh10",
            "z+casinh10",
            "z-resample",
            "raw-resample",
        ],
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    X, y = _train_split(args.dataset)
    if X.shape[2] != 1:
        parser.error(f"{args.dataset} has {X.shape[2]} channels: univariate only")
    lengths = series_lengths(X)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    print(
        f"MiniRocket inside {args.dataset}'s TRAIN split, 3 folds, seed {args.seed}\n"
    )
    print("| view | per fold | mean |\n|---|---|---|")
    for name in args.views:
        V = _view(X, lengths, name)
        scores = []
        for fit_i, val_i in folds:
            clf = RocketClassifier(
                rocket_transform="minirocket", random_state=args.seed
            )
            clf.fit(V[fit_i], y[fit_i])
            scores.append(float(np.mean(clf.predict(V[val_i]) == y[val_i])))
        per_fold = " ".join(f"{s:.3f}" for s in scores)
        print(f"| {name} | {per_fold} | {np.mean(scores):.3f} |", flush=True)


if __name__ == "__main__":
    main()
