"""How long tracing an optimizer's update takes, by optimizer and number of variables.

A fit's first step traces the training step into a graph; ``fit_phases.py``
finds 40 to 48 s of it for the recommended three-member ensembles against 11
to 15 s for one network. This times the optimizer's part alone: ``apply`` on
``--variables`` small variables inside one ``tf.function``, first call (trace
and run) and second call (run), for the recommended optimizer (AdamW with
per-variable ``clipnorm=1.0``) and simpler ones. Each optimizer in a fresh
process. The recommended ensemble on the development panel has 414
variables, one network about 140. TensorFlow backend.

    python benchmarks/optimizer_trace.py --variables 140 414 --record
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")

OPTIMIZERS = {
    "AdamW, clipnorm=1.0 (recommended)": "adamw-clip",
    "AdamW": "adamw",
    "Adam": "adam",
    "SGD": "sgd",
}


def child(name, n_variables):
    """Trace and run one optimizer's update; print the times as JSON."""
    import os
    import time

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import tensorflow as tf

    make = {
        "adamw-clip": lambda: keras.optimizers.AdamW(
            1e-3, weight_decay=0.05, clipnorm=1.0
        ),
        "adamw": lambda: keras.optimizers.AdamW(1e-3, weight_decay=0.05),
        "adam": lambda: keras.optimizers.Adam(1e-3),
        "sgd": lambda: keras.optimizers.SGD(1e-3),
    }[name]
    variables = [keras.Variable(tf.zeros((16, 16))) for _ in range(n_variables)]
    optimizer = make()
    optimizer.build(variables)

    @tf.function
    def step():
        optimizer.apply([tf.ones_like(v) for v in variables], variables)

    start = time.perf_counter()
    step()
    first = time.perf_counter() - start
    start = time.perf_counter()
    step()
    second = time.perf_counter() - start
    print(json.dumps({"first": first, "second": second}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variables", type=int, nargs="+", default=[140, 414])
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], int(args.child[1]))

    from sktransformer.benchmark import machine_description, record, script_command

    print(machine_description(), flush=True)
    header = "| optimizer | variables | first call s (trace + run) | second call ms |"
    rows = []
    print(header, flush=True)
    for n in args.variables:
        for label, name in OPTIMIZERS.items():
            command = [sys.executable, __file__, "--child", name, str(n)]
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(
                f"| {label} | {n} | {r['first']:.1f} | {1000 * r['second']:.1f} |"
            )
            print(rows[-1], flush=True)
    table = "\n".join([header, "|---|---|---|---|", *rows])
    if args.record:
        record(
            RESULTS,
            "Tracing the optimizer's update",
            "One `tf.function` calling the optimizer's `apply` on that many 16x16 "
            "variables, each optimizer in a fresh process: the first call traces "
            "the update into a graph and runs it, the second only runs it.\n\n"
            f"{table}",
            command=script_command(__file__),
        )


if __name__ == "__main__":
    main()
