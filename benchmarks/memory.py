"""Peak memory of fit and predict on large panels of float32 series.

    python benchmarks/memory.py --sizes 10000 100000 --record

For each size, a fresh process warms up (imports, one fit and predict on 1,000
series: TensorFlow's runtime and the network, "the model's share"), then creates
``n`` random float32 series of length 500, fits one epoch (with the default 20%
stratified hold-out) and predicts all of them. Linux' high-water mark of
resident memory (``VmHWM``, reset through ``/proc/self/clear_refs``) is read
after the warm-up, the fit and the prediction. Reported: the peak above the
warm-up's peak, as a multiple of the data's size (``n * 500 * 4`` bytes, which
counts the caller's own array). A small network keeps the epoch short: the
measure is of the data path, which does not depend on the network's size.
``--record`` appends the table to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

T = 500
NETWORK = dict(
    tokenizer="patch",
    patch_size=25,
    patch_stride=25,
    embed_dim=16,
    head_size=8,
    num_heads=2,
    ff_dim=16,
    num_transformer_blocks=1,
    mlp_units=(),
    mlp_dropout=0.0,
    pooling="tokens",
    batch_size=256,
    epochs=1,
    validation_split=0.2,
    early_stopping=False,
    random_state=0,
)


def _status_mib(field):
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak():
    with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
        f.write("5")


def child(n):
    import numpy as np

    from sktransformer import TransformerTimeSeriesClassifier

    rng = np.random.default_rng(0)

    def panel(size):
        X = rng.standard_normal((size, T, 1), dtype=np.float32)
        y = (X[:, :50, 0].mean(axis=1) > 0).astype(np.int64)
        return X, y

    X_small, y_small = panel(1000)
    TransformerTimeSeriesClassifier(**NETWORK).fit(X_small, y_small).predict(X_small)
    warm_peak = _status_mib("VmHWM")
    del X_small, y_small

    _reset_peak()
    X, y = panel(n)
    clf = TransformerTimeSeriesClassifier(**NETWORK)
    tic = time.perf_counter()
    clf.fit(X, y)
    fit_s = time.perf_counter() - tic
    fit_peak = _status_mib("VmHWM")

    _reset_peak()
    tic = time.perf_counter()
    proba = clf.predict_proba(X)
    predict_s = time.perf_counter() - tic
    predict_peak = _status_mib("VmHWM")
    assert proba.shape == (n, 2) and X.dtype == np.float32
    print(
        json.dumps(
            dict(
                n=n,
                data_mib=X.nbytes / 2**20,
                warm_peak_mib=warm_peak,
                fit_peak_mib=fit_peak,
                predict_peak_mib=predict_peak,
                fit_s=fit_s,
                predict_s=predict_s,
            )
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    rows = []
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        print(rows[-1], flush=True)

    lines = [
        "| series | data (MiB) | warm-up peak (MiB) | fit peak (MiB) "
        "| fit extra / data | predict peak (MiB) | predict extra / data "
        "| fit s | predict s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        fit_x = (r["fit_peak_mib"] - r["warm_peak_mib"]) / r["data_mib"]
        pred_x = (r["predict_peak_mib"] - r["warm_peak_mib"]) / r["data_mib"]
        lines.append(
            f"| {r['n']:,} | {r['data_mib']:.0f} | {r['warm_peak_mib']:.0f} "
            f"| {r['fit_peak_mib']:.0f} | {fit_x:.2f} | {r['predict_peak_mib']:.0f} "
            f"| {pred_x:.2f} | {r['fit_s']:.1f} | {r['predict_s']:.1f} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.record:
        from sktransformer.benchmark import record, script_command

        record(
            Path(__file__).parent / "RESULTS.md",
            "Peak memory of fit and predict on large panels",
            "Random float32 series of length 500; one epoch of a small network "
            "(patches of 25, width 16) with the default 20% hold-out; peaks are "
            "Linux' VmHWM; extra = peak minus the warm-up's peak (runtime and "
            "network), over the data's size (which includes the caller's array)."
            f"\n\n{table}",
            command=script_command(__file__),
        )


if __name__ == "__main__":
    main()
