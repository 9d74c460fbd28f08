"""The comparison command on FordA, the sktime layout and the training-curve plot."""

import csv
import warnings

import numpy as np
import pytest

from sktransformer import TransformerTimeSeriesClassifier

from .conftest import TINY, requires_forda


def test_channels_first_layout_reads_sktime_arrays(series_data):
    X, y = series_data  # (n, T, C)
    X_sktime = np.ascontiguousarray(X.transpose(0, 2, 1))  # (n, C, T)
    ours = TransformerTimeSeriesClassifier(**TINY, random_state=0).fit(X, y)
    theirs = TransformerTimeSeriesClassifier(
        **TINY, data_format="channels_first", random_state=0
    ).fit(X_sktime, y)
    assert (theirs.n_timepoints_in_, theirs.n_channels_in_) == (12, 1)
    np.testing.assert_allclose(
        theirs.predict_proba(X_sktime), ours.predict_proba(X), rtol=1e-5, atol=1e-6
    )
    # The other layout at predict time is a shape error that names both shapes.
    with pytest.raises(ValueError, match=r"\(12, 1\).*\(1, 12\)"):
        theirs.predict(X)


def test_multivariate_channels_first(tiny_params):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3, 10))  # 3 channels, 10 time points
    y = np.arange(30) % 3
    clf = TransformerTimeSeriesClassifier(
        **tiny_params, data_format="channels_first", random_state=0
    ).fit(X, y)
    assert (clf.n_timepoints_in_, clf.n_channels_in_) == (10, 3)
    assert clf.predict_proba(X).shape == (30, 3)


def test_transposed_looking_layout_warns(series_data):
    X, y = series_data
    with pytest.warns(UserWarning, match="data_format='channels_first'"):
        TransformerTimeSeriesClassifier(**TINY).fit(X.transpose(0, 2, 1), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        TransformerTimeSeriesClassifier(**TINY).fit(X, y)


def test_invalid_data_format():
    X, y = np.zeros((4, 5, 1)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="'data_format' parameter"):
        TransformerTimeSeriesClassifier(data_format="NTC").fit(X, y)


def test_plot_history(series_data, tmp_path):
    pytest.importorskip("matplotlib", reason="plots need the [plot] or [bench] extra")
    from sktransformer.plotting import plot_history

    X, y = series_data
    clf = TransformerTimeSeriesClassifier(
        **{**TINY, "validation_split": 0.25}, random_state=0
    ).fit(X, y)
    fig = plot_history(clf, path=tmp_path / "curves.png", title="tiny")
    assert (tmp_path / "curves.png").stat().st_size > 0
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["training", "validation"]
    assert len(acc_ax.lines[0].get_xdata()) == TINY["epochs"]
    with pytest.raises(ValueError, match="no 'loss'"):
        plot_history({})
    # A Pipeline's final estimator; an unfitted estimator is named as such.
    from sklearn.exceptions import NotFittedError
    from sklearn.pipeline import make_pipeline

    from sktransformer import TimeSeriesStandardScaler

    pipeline = make_pipeline(TimeSeriesStandardScaler(), clf)
    assert len(plot_history(pipeline).axes[0].lines) == 2
    with pytest.raises(NotFittedError, match="not fitted yet"):
        plot_history(TransformerTimeSeriesClassifier())
    # A fitted search plots its refitted best estimator (it once said the
    # search was not fitted); arrays plot like lists.
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(clone(clf), {"dropout": [0.1]}, cv=2).fit(X, y)
    plotted = plot_history(search).axes[0].lines[0].get_ydata()
    np.testing.assert_allclose(plotted, search.best_estimator_.history_["loss"])
    # Without a refit there is no history to plot: the message says why (it
    # said the search was "not fitted").
    unrefitted = GridSearchCV(clone(clf), {"dropout": [0.1]}, cv=2, refit=False)
    with pytest.raises(NotFittedError, match="refit=False"):
        plot_history(unrefitted.fit(X, y))
    arrays = {"loss": np.array([0.7, 0.5]), "accuracy": np.array([0.5, 0.8])}
    assert len(plot_history(arrays).axes[1].lines[0].get_xdata()) == 2
    # A DataFrame of the history (pd.DataFrame(clf.history_)) plots too; a
    # number where a sequence belongs, or a network never trained, is named.
    import pandas as pd

    assert len(plot_history(pd.DataFrame(arrays)).axes[0].lines[0].get_xdata()) == 2
    with pytest.raises(ValueError, match=r"history\['loss'\] must be a sequence"):
        plot_history({"loss": 0.5})
    with pytest.raises(NotFittedError, match="not been trained for any epoch"):
        plot_history(TransformerTimeSeriesClassifier(**TINY).initialize(X, y))
    # Another fitted estimator has no history: not "not fitted" (it said so).
    from sklearn.linear_model import LogisticRegression

    other = LogisticRegression().fit(X[:, :, 0], y)
    with pytest.raises(TypeError, match="fitted but keeps no training history"):
        plot_history(other)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        plot_history(LogisticRegression())


@requires_forda
def test_benchmark_command_on_a_subsample_of_forda(tmp_path, capsys):
    pytest.importorskip("sktime", reason='the comparison needs pip install ".[bench]"')
    from sktransformer.benchmark import main

    main(
        [
            "--dataset",
            "FordA",
            "--classifiers",
            "minirocket:num_kernels=84",
            "transformer-recommended:epochs=1,batch_size=32",
            "--train-size",
            "60",
            "--test-size",
            "40",
            "--output-dir",
            str(tmp_path),
            "--record",
            str(tmp_path / "RESULTS.md"),
        ]
    )
    out = capsys.readouterr().out
    assert "| FordA | 60 | 500 | 2 |" in out
    with open(tmp_path / "FordA.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["classifier"] for r in rows] == [
        "minirocket:num_kernels=84",
        "transformer-recommended:epochs=1,batch_size=32",
    ]
    assert all(0.0 <= float(r["accuracy"]) <= 1.0 for r in rows)
    assert rows[1]["parameters"] and int(rows[1]["parameters"]) > 0
    assert (tmp_path / "FordA_time.png").stat().st_size > 0
    assert (tmp_path / "FordA_scatter.png").stat().st_size > 0
    table = (tmp_path / "FordA.md").read_text()
    assert "mean accuracy" in table
    recorded = (tmp_path / "RESULTS.md").read_text()
    assert recorded.startswith("# Benchmark results\n")
    assert recorded.endswith("\n" + table.strip("\n") + "\n")


def test_the_benchmark_scripts_import_names_the_package_has():
    # The scripts under benchmarks/ import from the package inside functions,
    # so a renamed or moved function breaks them only when run (two did:
    # attention.py --profile and reproducibility.py). Every such name must
    # resolve, as a module attribute or a submodule.
    import ast
    import importlib
    from pathlib import Path

    missing = []
    for path in sorted(Path(__file__).parents[1].joinpath("benchmarks").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").split(".")[0] == "sktransformer"
            ):
                continue
            module = importlib.import_module(node.module)
            for alias in node.names:
                if hasattr(module, alias.name):
                    continue
                try:
                    importlib.import_module(f"{node.module}.{alias.name}")
                except ImportError:
                    missing.append(f"{path.name}: {node.module}.{alias.name}")
    assert not missing, missing


def test_record_appends_a_dated_entry_with_its_command_and_machine(tmp_path):
    # The benchmark scripts append their results through this one helper.
    from sktransformer.benchmark import machine_description, record, script_command

    path = tmp_path / "RESULTS.md"
    command = script_command("/anywhere/benchmarks/x.py", ["--n", "it's"])
    assert command == "python benchmarks/x.py --n 'it'\"'\"'s'"
    first = record(path, "First", "| a |\n|---|\n| 1 |\n", command=command)
    record(path, "Second", "text", command="python other.py")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results\n")
    assert text.count("\n## ") == 2 and text.endswith("\ntext\n")
    assert first in text
    heading, _, rest = first.partition("\n")
    assert heading.startswith("## First, 20")
    assert f"Command: `{command}`" in rest
    assert f"Machine: {machine_description()}" in rest
    assert rest.rstrip().endswith("| 1 |")
