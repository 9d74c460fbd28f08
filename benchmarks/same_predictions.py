"""Does this checkout predict exactly as an earlier commit did?

    python benchmarks/same_predictions.py --base fbc7287

For changes meant to leave every prediction alone (validation, refactoring):
fits the recommended configuration, shortened to a few epochs, on small
synthetic panels (an ensemble on equal and NaN-padded lengths, and a single
network with ``input_norm="series"``), once with this checkout's package and
once with the package of ``--base`` (a temporary ``git worktree``), each in a
fresh process with one thread, and compares the probabilities bit for bit.
Identical probabilities mean the panel results of ``--base`` stand for this
code too (up to the thread nondeterminism of multi-threaded fits, see
``benchmarks/reproducibility.py``).
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# Run in each tree's own process (PYTHONPATH picks the package).
FIT = """
import sys
import numpy as np
from sktransformer import TransformerTimeSeriesClassifier
from sktransformer.recommended import recommended_params

rng = np.random.default_rng(0)
out = {}
cases = [("ensemble", 3, "none"), ("single, series norm", 1, "series")]
for name, n_members, norm in cases:
    X = rng.normal(size=(40, 96, 2)).astype("float32")
    y = np.repeat([0, 1, 2, 3], 10)
    X[y == 1, 20:40] += 1.0
    X[y == 2, 50:70] -= 1.0
    X[y == 3] *= 50.0
    X[::3, 70:] = np.nan  # a third of the series shorter: NaN padding
    params = {**recommended_params(), "epochs": 15, "n_members": n_members,
              "input_norm": norm}
    clf = TransformerTimeSeriesClassifier(**params, random_state=0, n_threads=1)
    out[name] = clf.fit(X, y).predict_proba(X)
np.savez(sys.argv[1], **out)
"""


def _probabilities(tree, path):
    env = {**os.environ, "PYTHONPATH": str(tree), "TF_CPP_MIN_LOG_LEVEL": "2"}
    subprocess.run(
        [sys.executable, "-c", FIT, str(path)], cwd=tree, env=env, check=True
    )
    return dict(np.load(path))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(base), args.base],
            cwd=ROOT,
            check=True,
        )
        try:
            old = _probabilities(base, Path(tmp) / "base.npz")
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base)], cwd=ROOT
            )
        new = _probabilities(ROOT, Path(tmp) / "this.npz")
    same = True
    for name in old:
        diff = float(np.abs(old[name] - new[name]).max())
        same &= diff == 0
        print(f"{name}: {'identical' if diff == 0 else f'max difference {diff:.3g}'}")
    print(f"This checkout against {args.base}: {'the same' if same else 'different'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
