"""Compare this package's classifiers with sktime's over many UCR problems.

    python -m sktransformer.benchmark --panel development

fits every classifier of ``--classifiers`` on every problem's archive
train split, for each seed of ``--repeats``, and scores it on the test split.
Each run is appended to ``<output-dir>/<name>.csv`` as soon as it finishes;
restarted with the same name, the command skips the runs already there (made
by the same code and parameters) and carries on. It then writes

- ``<name>.md``: a per-problem table (accuracy, fit and predict seconds), the
  mean accuracy, mean rank and total times of each classifier, and the wins,
  ties and losses of each Transformer configuration against each other
  classifier;
- ``<name>_scatter.png``: the Transformer's accuracy against MiniRocket's, one
  point per problem;
- ``<name>_cd.png``: a critical-difference diagram (aeon's
  ``plot_critical_difference``: Wilcoxon signed-rank tests, Holm correction);
- ``<name>_time.png``: accuracy against fit time for every run.

sktime, numba, aeon and matplotlib come with the optional extra:
``pip install -e ".[bench]"``. Every classifier gets the same
``(n, channels, timepoints)`` arrays: sktime's layout, which the Transformer
reads with ``data_format="channels_first"``.

Modules: :mod:`.classifiers` (names to estimators), :mod:`.run` (the loop and
its CSV), :mod:`.report` (tables, ranks, plots), :mod:`.cli` (the command).
"""

from .classifiers import BUILTIN_CLASSIFIERS, make_classifier
from .cli import main
from .report import machine_description, record, script_command
from .run import PANELS, read_runs, run_benchmark

__all__ = [
    "BUILTIN_CLASSIFIERS",
    "PANELS",
    "machine_description",
    "record",
    "script_command",
    "main",
    "make_classifier",
    "read_runs",
    "run_benchmark",
]
