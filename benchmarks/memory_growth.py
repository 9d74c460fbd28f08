"""Resident memory left behind per fit: the slope over consecutive fits.

    python benchmarks/memory_growth.py --fits 30 --record

For each backend (TensorFlow, JAX) and attention (fast, Keras'), a fresh
process fits and predicts a tiny network on 60 series of length 12, ``--fits``
times in a row (a new estimator each time, deleted and garbage-collected), and
reads its resident memory after each fit. Reported: the least-squares slope of
resident MiB over fits 4 to the end (the first fits build the runtime).
``--record`` appends the table to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

CHILD = """
import gc, json, os, sys
import numpy as np
from sktransformer import TransformerTimeSeriesClassifier

def resident_mib():
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

fits, fast = int(sys.argv[1]), sys.argv[2] == "fast"
tiny = dict(head_size=4, num_heads=2, ff_dim=2, num_transformer_blocks=1,
            mlp_units=(8,), learning_rate=1e-2, batch_size=16, epochs=3,
            validation_split=0.0, early_stopping=False, fast_attention=fast)
rng = np.random.default_rng(0)
X = rng.normal(size=(60, 12, 1)).astype("float32")
y = np.arange(60) % 2
sizes = []
for seed in range(fits):
    clf = TransformerTimeSeriesClassifier(**tiny, random_state=seed).fit(X, y)
    clf.predict(X)
    del clf
    gc.collect()
    sizes.append(resident_mib())
print(json.dumps(sizes))
"""


def measure(backend, attention, fits):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(fits), attention],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    sizes = json.loads(out.strip().splitlines()[-1])
    slope = np.polyfit(np.arange(len(sizes) - 3, dtype=float), sizes[3:], 1)[0]
    return slope, sizes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=30)
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax"])
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sktransformer.benchmark import machine_description, record, script_command

    rows = []
    for backend in args.backends:
        for attention in ("fast", "keras"):
            slope, sizes = measure(backend, attention, args.fits)
            rows.append(
                f"| {backend} | {attention} | {args.fits} | {slope:.1f} | "
                f"{sizes[2]:.0f} -> {sizes[-1]:.0f} |"
            )
            print(rows[-1], flush=True)
    table = "\n".join(
        [
            "| backend | attention | fits | MiB per fit (slope) | resident MiB |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )
    print(machine_description())
    print(table)
    if args.record:
        record(
            Path(__file__).with_name("RESULTS.md"),
            "Memory left behind per fit",
            table,
            command=script_command(__file__, argv),
        )


if __name__ == "__main__":
    main()
