"""Overhead of the estimator's ``fit`` over a raw Keras ``model.fit``.

Side by side in one run, on the same FordA series and the same seed network
(fast attention): (a) ``TransformerTimeSeriesClassifier.fit`` and (b) building,
compiling and fitting the same network with plain Keras. Both do the same
epochs and steps (no hold-out, no early stopping, so the work is identical);
the timed span is build + compile + fit for both. Reports the median of the
repeats after a warm-up and the ratio (a)/(b), prints the machine and appends a
dated table to ``benchmarks/RESULTS.md``.

    python benchmarks/estimator_overhead.py --series 640 --epochs 2 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import keras
import numpy as np

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer.benchmark import machine_description, record, script_command
from sktransformer.datasets import load_ucr
from sktransformer.network import build_transformer_classifier

RESULTS = Path(__file__).with_name("RESULTS.md")


def estimator_fit(X, y, args):
    clf = TransformerTimeSeriesClassifier(
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_split=0.0,
        early_stopping=False,
        random_state=0,
    )
    clf.fit(X, y)
    return clf.model_


def raw_fit(X, y, args):
    keras.utils.set_random_seed(0)
    model = build_transformer_classifier(X.shape[1:], 2, fast_attention=True)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-4),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    y01 = (y == 1).astype("float32")
    model.fit(X, y01, epochs=args.epochs, batch_size=args.batch_size, verbose=0)
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=640)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)

    X, y = load_ucr("FordA", "train", data_home=args.data_home)
    X, y = X[: args.series], y[: args.series]
    load_before = os.getloadavg()
    times = {"estimator": [], "raw": []}
    for repeat in range(args.repeats + 1):  # the first round is a warm-up
        for name, fn in (("estimator", estimator_fit), ("raw", raw_fit)):
            start = time.perf_counter()
            fn(X, y, args)
            elapsed = time.perf_counter() - start
            if repeat:
                times[name].append(elapsed)
            print(f"{name} round {repeat}: {elapsed:.2f} s", flush=True)
    load_after = os.getloadavg()
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["estimator"] / med["raw"]
    machine = machine_description()
    table = "\n".join(
        [
            "| variant | median s (build + compile + fit) | runs (s) |",
            "|---|---:|---|",
            *(
                f"| {k} | {med[k]:.2f} | {', '.join(f'{t:.2f}' for t in times[k])} |"
                for k in ("estimator", "raw")
            ),
            f"| **ratio estimator / raw** | **{ratio:.3f}** | |",
        ]
    )
    print(machine)
    print(table)
    if not args.no_record:
        record(
            RESULTS,
            "Estimator fit vs raw Keras fit (seed network, fast attention)",
            f"Load average before: {' '.join(f'{v:.2f}' for v in load_before)}, "
            f"after: {' '.join(f'{v:.2f}' for v in load_after)}.\n\n"
            f"FordA, first {len(y)} training series, {args.epochs} epochs of batch "
            f"{args.batch_size}; median of {args.repeats} rounds after a warm-up, "
            f"variants alternating within each round.\n\n{table}",
            command=script_command(__file__, argv),
        )
    return ratio


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
