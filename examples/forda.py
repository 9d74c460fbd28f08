"""The seed's experiment through the estimator: a Transformer on UCR FordA.

With no options this runs the Keras example's full recipe (up to 200 epochs with
early stopping; on a 2-core CPU that is hours). For a first look on a laptop:

    python examples/forda.py --epochs 2 --train-size 500

prints the test accuracy and the fit and predict seconds after a few minutes,
and saves the training curves to ``forda_history.png`` (with matplotlib).
``--recommended`` trains the recommended configuration instead of the seed's
(``sktransformer.recommended``: about 0.945 test accuracy in 4.5 minutes on 2
cores). FordA is read from ``$SKTRANSFORMER_DATA/UCR/FordA/`` (or downloaded into the
user cache, see ``sktransformer.datasets``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer.datasets import load_ucr
from sktransformer.plotting import plot_history
from sktransformer.recommended import RECOMMENDED_PARAMS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--recommended",
        action="store_true",
        help="the recommended configuration instead of the seed's",
    )
    parser.add_argument(
        "--epochs", type=int, default=None, help="max epochs (seed: 200)"
    )
    parser.add_argument(
        "--train-size",
        type=int,
        default=None,
        help="train on a stratified subsample of this many series (all 3601)",
    )
    parser.add_argument(
        "--test-size",
        type=int,
        default=None,
        help="score on a stratified subsample of this many test series (all 1320)",
    )
    parser.add_argument(
        "--no-fast-attention",
        action="store_true",
        help="use Keras' MultiHeadAttention instead of the exact closed form",
    )
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--data-home", default=None, help="folder holding UCR/")
    parser.add_argument("--verbose", type=int, default=2, help="Keras verbosity")
    parser.add_argument(
        "--plot",
        default="forda_history.png",
        help="where to save the training curves ('' for none; needs matplotlib)",
    )
    return parser.parse_args(argv)


def subsample(X, y, size, seed):
    if size is None or size >= len(y):
        return X, y
    X_small, _, y_small, _ = train_test_split(
        X, y, train_size=size, stratify=y, random_state=seed
    )
    return X_small, y_small


def main(argv=None):
    args = parse_args(argv)
    X_train, y_train = load_ucr("FordA", "train", data_home=args.data_home)
    X_test, y_test = load_ucr("FordA", "test", data_home=args.data_home)
    X_train, y_train = subsample(X_train, y_train, args.train_size, args.random_state)
    X_test, y_test = subsample(X_test, y_test, args.test_size, args.random_state)
    print(f"FordA: train {X_train.shape}, test {X_test.shape}")

    params = dict(RECOMMENDED_PARAMS) if args.recommended else {}
    if args.epochs is not None:
        params["epochs"] = args.epochs
    clf = TransformerTimeSeriesClassifier(
        **params,
        fast_attention=not args.no_fast_attention,
        random_state=args.random_state,
        verbose=args.verbose,
    )
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start

    start = time.perf_counter()
    y_pred = clf.predict(X_test)
    predict_seconds = time.perf_counter() - start

    epochs_run = len(clf.history_["loss"])
    print(f"parameters: {clf.model_.count_params():,}")
    print(f"epochs run: {epochs_run}")
    print(f"test accuracy: {accuracy_score(y_test, y_pred):.4f}")
    print(f"fit seconds: {fit_seconds:.1f} ({fit_seconds / epochs_run:.1f} per epoch)")
    print(f"predict seconds: {predict_seconds:.1f}")
    if args.plot:
        save_curves(clf, args.plot)
    return accuracy_score(y_test, y_pred)


def save_curves(clf, path):
    try:
        plot_history(clf, path=path, title="FordA: training curves")
    except ImportError:
        print("training curves: not saved (pip install matplotlib)")
        return
    print(f"training curves: {path}")


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
