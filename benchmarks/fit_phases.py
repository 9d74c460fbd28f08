"""Where a fit's time goes: fixed costs against optimizer steps.

Fits the recommended configuration on each problem's TRAIN split for a few
epochs, each problem in a fresh process (as a user's first fit), and times
its phases with a Keras callback:

- *setup*: from ``fit`` to the first training step (input checks, the
  ``"auto"`` rules, building the network, adapting its normalisation);
- *first step*: the first optimizer step, which traces the training step into
  a graph (or compiles it, on JAX) before running it;
- *step*: the median of the later steps;
- *later compiles*: the later steps that took more than ``SLOW`` times the
  median, and the time they took beyond it. Series of unequal lengths come in
  batches of several lengths (``SeriesBatches``): a batch of a new shape is
  traced again on TensorFlow, and compiled again on JAX, whose compiled steps
  have fixed shapes.

The full recommended fit runs ``steps`` optimizer steps (its ``"auto"``
epochs times the batches per epoch), so it takes about ``setup + first step +
(steps - 1) * step + later compiles`` (the compiles seen in the timed epochs:
shapes first met later are not counted): the *fixed share* is the part of that
estimate which does not depend on the number of steps. Prints the machine and,
with ``--record``, appends the table to ``benchmarks/RESULTS.md``.

    python benchmarks/fit_phases.py --panel development --record
    python benchmarks/fit_phases.py --datasets FordA --stem-width 0.5  # a cheaper stem
    python benchmarks/fit_phases.py --datasets Beef FordA --jit-compile  # XLA
    python benchmarks/fit_phases.py --datasets Beef FordA --n-threads 1
    python benchmarks/fit_phases.py --datasets Beef --n-members 1 3  # ensemble cost
    python benchmarks/fit_phases.py --datasets PLAID --backends tensorflow jax

``--jit-compile`` compiles the training step with XLA (Keras' ``jit_compile=True``),
which Keras leaves off on machines without an accelerator and the estimator does
not expose; ``--n-threads`` sets the estimator's ``n_threads`` (TensorFlow's
thread pools; default: all cores). ``--n-members`` times the fit with each
given number of ensemble members instead of the rule's (``"auto"`` epochs
then share their optimizer steps among that many). ``--backends`` runs each
problem on each Keras backend (``KERAS_BACKEND`` of the fresh process; default:
the one this process would use).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
#: A later step this many times slower than the median traced or compiled anew.
SLOW = 10


def child(
    dataset, epochs, stem_width=1.0, jit_compile=False, n_threads=None, n_members=None
):
    """One short fit in this process; prints its phases as one JSON line."""
    import time
    import warnings

    import keras
    import numpy as np

    from sktransformer import TransformerTimeSeriesClassifier
    from sktransformer.benchmark.run import _load_splits
    from sktransformer.recommended import recommended_params

    class Clock(keras.callbacks.Callback):
        """Times every step; stops the fit after ``epochs`` epochs."""

        def on_train_begin(self, logs=None):
            self.times = [time.perf_counter()]

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter())

        def on_epoch_end(self, epoch, logs=None):
            self.batches_per_epoch = (len(self.times) - 1) // (epoch + 1)
            if epoch + 1 >= epochs:
                self.model.stop_training = True

    warnings.simplefilter("ignore")
    if jit_compile:
        compile_ = keras.Model.compile

        def compile_with_xla(model, *args, **kwargs):
            return compile_(model, *args, **{**kwargs, "jit_compile": True})

        keras.Model.compile = compile_with_xla
    (X, y), _ = _load_splits(dataset, None)
    clock = Clock()
    params = recommended_params()
    if n_members is not None:
        params["n_members"] = n_members
    if stem_width != 1.0:
        # The rule's stem stages, each with stem_width times its filters.
        probe = TransformerTimeSeriesClassifier(**params, random_state=0)
        stages = probe.initialize(X, y).resolved_params_["stem_filters"]
        params["stem_filters"] = tuple(max(1, round(f * stem_width)) for f in stages)
    # The recommended fit itself (its "auto" epochs, schedule and all), cut
    # short by the callback.
    clf = TransformerTimeSeriesClassifier(
        **params, random_state=0, callbacks=[clock], n_threads=n_threads
    )
    start = time.perf_counter()
    clf.fit(X, y)
    steps = np.diff(clock.times)
    step = float(np.median(steps[1:]))
    slow = steps[1:][steps[1:] > SLOW * step]
    resolved = clf.resolved_params_
    print(
        json.dumps(
            {
                "dataset": dataset,
                "backend": keras.backend.backend(),
                "setup": clock.times[0] - start,
                "first": float(steps[0]),
                "step": step,
                "compiles": len(slow),
                "compile_s": float(np.sum(slow - step)),
                "steps": resolved["epochs"] * clock.batches_per_epoch,
                "members": resolved["n_members"],
                "batch_size": resolved["batch_size"],
                "stem": list(resolved["stem_filters"]),
                "jit": bool(clf.model_.jit_compile),
            }
        ),
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--datasets", nargs="+")
    which.add_argument("--panel", default="development")
    parser.add_argument("--epochs", type=int, default=5, help="epochs timed")
    parser.add_argument(
        "--stem-width",
        type=float,
        default=1.0,
        help="scale the filters of the recommended stem's stages (0.5: half)",
    )
    parser.add_argument(
        "--jit-compile", action="store_true", help="compile the steps with XLA"
    )
    parser.add_argument("--n-threads", type=int, help="the estimator's n_threads")
    parser.add_argument(
        "--n-members",
        type=int,
        nargs="+",
        default=[None],
        help="time each of these ensemble sizes (default: the rule's)",
    )
    parser.add_argument(
        "--backends",
        nargs="+",
        default=[None],
        choices=["tensorflow", "jax"],
        help="run each problem on each of these Keras backends",
    )
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(**json.loads(args.child))

    from sktransformer.benchmark import machine_description, record, script_command
    from sktransformer.benchmark.run import PANELS

    datasets = args.datasets or PANELS[args.panel]
    print(machine_description(), flush=True)
    header = (
        "| problem | backend | members | batch | stem filters | steps | setup s "
        "| first step s | step ms | later compiles (s) | estimated fit s "
        "| fixed share |"
    )
    rows, totals = [], {}  # backend: [fixed, estimated fit]
    print(header, flush=True)
    runs = itertools.product(datasets, args.backends, args.n_members)
    for dataset, backend, n_members in runs:
        options = {
            "dataset": dataset,
            "epochs": args.epochs,
            "stem_width": args.stem_width,
            "jit_compile": args.jit_compile,
            "n_threads": args.n_threads,
            "n_members": n_members,
        }
        command = [sys.executable, __file__, "--child", json.dumps(options)]
        env = dict(os.environ, **({"KERAS_BACKEND": backend} if backend else {}))
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode:
            # A missing backend or problem: say which, with the child's last lines.
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise SystemExit(
                f"{dataset} on {backend or 'the default backend'}: the fit failed "
                f"(exit status {done.returncode}):\n{tail}"
            )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        # (JAX compiles every step with XLA: --jit-compile is TensorFlow's.)
        if r["backend"] == "tensorflow" and r["jit"] != args.jit_compile:
            raise SystemExit(f"{dataset}: the step was compiled with jit={r['jit']}")
        fixed = r["setup"] + r["first"] + r["compile_s"]
        estimate = fixed + (r["steps"] - 1) * r["step"]
        total = totals.setdefault(r["backend"], [0.0, 0.0])
        total[0] += fixed
        total[1] += estimate
        rows.append(
            f"| {dataset} | {r['backend']} | {r['members']} | {r['batch_size']} "
            f"| {' '.join(map(str, r['stem']))} | {r['steps']} "
            f"| {r['setup']:.1f} | {r['first']:.1f} | {1000 * r['step']:.0f} "
            f"| {r['compiles']} ({r['compile_s']:.1f}) "
            f"| {estimate:.0f} | {fixed / estimate:.0%} |"
        )
        print(rows[-1], flush=True)
    for backend, (fixed, estimate) in totals.items():
        rows.append(
            f"| **all** | {backend} | | | | | | | | | {estimate:.0f} "
            f"| {fixed / estimate:.0%} |"
        )
        print(rows[-1], flush=True)
    table = "\n".join([header, "|---" * 12 + "|", *rows])
    if args.record:
        record(
            RESULTS,
            "Where the fit time goes",
            "The recommended configuration"
            + ("" if args.stem_width == 1 else f" (stem filters x{args.stem_width:g})")
            + (", training step compiled with XLA" if args.jit_compile else "")
            + ("" if args.n_threads is None else f", n_threads={args.n_threads}")
            + ("" if args.backends == [None] else ", on the table's Keras backends")
            + (
                ""
                if args.n_members == [None]
                else ", n_members as in the table (not the rule's)"
            )
            + ", random_state=0, timed over its first "
            f"{args.epochs} epochs in a fresh process per problem. setup: from fit "
            "to the first step; first step: tracing (or compiling) the training "
            "step and running it; step: the median later step; later compiles: "
            f"the later steps over {SLOW} times the median (a batch of a new "
            "shape traced or compiled), and their time beyond it. Estimated fit = "
            "setup + first step + (steps - 1) x step + later compiles; fixed "
            "share = (setup + first step + later compiles) / estimated fit."
            f"\n\n{table}",
            command=script_command(__file__),
        )


if __name__ == "__main__":
    main()
