"""Do two seeded fits in fresh processes give the same probabilities?

Fits the recommended configuration (``random_state=0``, ``--epochs`` epochs,
``test_time_shifts=1``) on a UCR problem's TRAIN split twice, each in its own
process, for each ``--n-threads`` value, and prints the largest difference of
their probabilities on the training series (0 means bitwise reproducible).
Prints the machine and, with ``--record``, appends a dated table to
``benchmarks/RESULTS.md``.

    python benchmarks/reproducibility.py --datasets Beef GesturePebbleZ1 \
        --n-threads 1 2 --record
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).with_name("RESULTS.md")


def child(dataset, epochs, n_threads, out):
    """One fit, in this process; its probabilities saved to ``out``."""
    import warnings

    from sktransformer import TransformerTimeSeriesClassifier
    from sktransformer.benchmark.run import _load_splits
    from sktransformer.recommended import recommended_params

    warnings.simplefilter("ignore")
    (X, y), _ = _load_splits(dataset, None)
    params = {**recommended_params(), "epochs": epochs, "test_time_shifts": 1}
    clf = TransformerTimeSeriesClassifier(
        **params, random_state=0, n_threads=n_threads or None
    )
    np.save(out, clf.fit(X, y).predict_proba(X))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["Beef"])
    parser.add_argument("--n-threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        dataset, epochs, threads, out = args.child
        return child(dataset, int(epochs), int(threads), out)

    from sktransformer.benchmark import machine_description, record, script_command

    print(machine_description(), flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for dataset in args.datasets:
            for threads in args.n_threads:
                probas = []
                for run in range(2):
                    out = str(Path(tmp) / f"{dataset}-{threads}-{run}.npy")
                    command = [sys.executable, __file__, "--child", dataset]
                    command += [str(args.epochs), str(threads), out]
                    subprocess.run(command, check=True, capture_output=True)
                    probas.append(np.load(out))
                diff = float(np.abs(probas[0] - probas[1]).max())
                rows.append(f"| {dataset} | {threads} | {args.epochs} | {diff:.3g} |")
                print(rows[-1], flush=True)
    table = "\n".join(
        [
            "| problem | TensorFlow threads | epochs | largest difference |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    if args.record:
        record(
            RESULTS,
            "Reproducibility of seeded fits",
            "Two fits of the recommended configuration (random_state=0), each in a "
            "fresh process; the largest difference of their probabilities on the "
            f"training series (0: bitwise identical).\n\n{table}",
            command=script_command(__file__),
        )


if __name__ == "__main__":
    main()
