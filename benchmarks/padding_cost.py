"""What unequal lengths cost: fit time per real time step, masked vs equal-length.

Side by side in one run, the recommended configuration (fixed epochs and batch
size, so both do the same number of optimizer steps) is fit on

(a) ``--series`` series of one length ``--length`` (no padding, no mask), and
(b) the same number of series whose lengths are spread uniformly over
    ``length * (1 - spread) .. length * (1 + spread)`` (about the same real time
    steps), given NaN-padded to the longest: the network masks the padding and
    the batches group series of similar lengths.

Reports the fit seconds (the median of ``--repeats``, each after a warm-up
fit of the same kind), the real time steps, the fraction of the time steps the
fit processed that were padding, seconds per million real time steps and the
ratio (b)/(a). Prints the machine and, with ``--record``, appends a dated table
to ``benchmarks/RESULTS.md``.

    python benchmarks/padding_cost.py --series 256 --length 256 --epochs 20 --record
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer.benchmark import machine_description, record, script_command
from sktransformer.recommended import recommended_params

RESULTS = Path(__file__).with_name("RESULTS.md")


def panels(args):
    rng = np.random.default_rng(0)
    y = np.arange(args.series) % 2
    equal = rng.normal(size=(args.series, args.length, 1)).astype("float32")
    low, high = args.length * (1 - args.spread), args.length * (1 + args.spread)
    lengths = rng.integers(int(low), int(high) + 1, size=args.series)
    unequal = np.full((args.series, lengths.max(), 1), np.nan, dtype="float32")
    for row, length in zip(unequal, lengths, strict=True):
        row[:length] = rng.normal(size=(length, 1))
    return {"equal length": (equal, y), "unequal lengths (masked)": (unequal, y)}


def fit_seconds(X, y, args):
    params = {
        **recommended_params(),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "stem_filters": (32, 64, 128),
        "warmup_epochs": 1,
        "random_state": 0,
    }
    clf = TransformerTimeSeriesClassifier(**params)
    tic = time.perf_counter()
    clf.fit(X, y)
    return time.perf_counter() - tic, clf.padding_fraction_


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=256)
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--spread", type=float, default=0.75)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args(argv)
    machine = machine_description()
    print(machine)
    rows = []
    for name, (X, y) in panels(args).items():
        real = int((~np.isnan(X[:, :, 0])).sum())
        fit_seconds(X, y, args)  # warm-up: imports, first traces
        runs = [fit_seconds(X, y, args) for _ in range(args.repeats)]
        seconds = statistics.median(s for s, _ in runs)
        padding = runs[0][1]
        rows.append((name, X.shape[1], real, padding, seconds))
        print(f"{name}: {seconds:.1f} s, padding {padding:.3f}")
    per_step = [seconds / real * 1e6 for _, _, real, _, seconds in rows]
    ratio = per_step[1] / per_step[0]
    table = [
        f"Recommended configuration, {args.series} series, {args.epochs} epochs of "
        f"batch {args.batch_size} (same optimizer steps); median of "
        f"{args.repeats} fits after a warm-up.",
        "",
        "| series | array length | real time steps | padding processed | fit s "
        "| s per million real steps |",
        "|---|---|---|---|---|---|",
    ]
    for (name, width, real, padding, seconds), cost in zip(rows, per_step, strict=True):
        cells = [name, width, real, f"{padding:.3f}", f"{seconds:.1f}", f"{cost:.1f}"]
        table.append("| " + " | ".join(map(str, cells)) + " |")
    table += ["", f"Fit time per real time step, masked / equal: **{ratio:.2f}**"]
    text = "\n".join(table)
    print(text)
    if args.record:
        record(RESULTS, "Padding cost", text, command=script_command(__file__, argv))


if __name__ == "__main__":
    main()
