"""Compare this package's classifiers with sktime's on a UCR problem.

    python -m sktransformer.benchmark --dataset FordA

fits and scores, on the archive's train/test split, the Transformer classifier in
its seed and recommended configurations and sktime's MiniRocket and ROCKET (plus
any sktime classifier named with ``--classifiers``), for each seed in
``--repeats``. It writes ``<name>.md`` (a table of median accuracy, fit and
predict seconds and parameters), ``<name>.csv`` (every run) and ``<name>.png``
(accuracy against fit time) to ``--output-dir``, and prints the table.

sktime, numba and matplotlib come with the optional extra:
``pip install -e ".[bench]"``. Both kinds of classifier are fed the same
``(n, channels, timepoints)`` arrays: sktime's layout, which the Transformer
reads with ``data_format="channels_first"``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

from .classifier import TransformerTimeSeriesClassifier
from .datasets import load_ucr
from .recommended import RECOMMENDED_PARAMS

__all__ = ["main", "run_benchmark", "BUILTIN_CLASSIFIERS"]

#: Names understood by ``--classifiers`` besides any sktime classifier name.
BUILTIN_CLASSIFIERS = (
    "transformer-seed",
    "transformer-recommended",
    "minirocket",
    "rocket",
)
DEFAULT_CLASSIFIERS = BUILTIN_CLASSIFIERS


@dataclass
class Run:
    classifier: str
    seed: int
    accuracy: float | None = None
    fit_seconds: float | None = None
    predict_seconds: float | None = None
    parameters: int | None = None
    epochs: int | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)


def _make_classifier(name, seed, overrides):
    """Return an estimator for ``name`` taking (n, channels, timepoints) input."""
    if name == "transformer-seed":
        params = {}
    elif name == "transformer-recommended":
        params = dict(RECOMMENDED_PARAMS)
    else:
        return _make_sktime_classifier(name, seed, overrides)
    params.update(overrides)
    params.update(data_format="channels_first", random_state=seed)
    return TransformerTimeSeriesClassifier(**params)


def _sktime():
    try:
        import sktime  # noqa: F401
    except ImportError as exc:
        raise SystemExit(
            "sktime is needed for the sktime classifiers: "
            'pip install -e ".[bench]" (or pip install sktime numba)'
        ) from exc


def _make_sktime_classifier(name, seed, overrides):
    _sktime()
    if name in ("minirocket", "rocket"):
        from sktime.classification.kernel_based import RocketClassifier

        params = {"rocket_transform": name, "random_state": seed, **overrides}
        return RocketClassifier(**params)
    from sktime.registry import all_estimators

    found = dict(all_estimators("classifier", as_dataframe=False))
    if name not in found:
        raise SystemExit(
            f"unknown classifier {name!r}: use one of {', '.join(BUILTIN_CLASSIFIERS)} "
            "or an sktime classifier class name, e.g. InceptionTimeClassifier"
        )
    cls = found[name]
    params = dict(overrides)
    try:
        return cls(random_state=seed, **params)
    except TypeError:
        return cls(**params)


def _count_parameters(clf):
    model = getattr(clf, "model_", None)
    if model is not None:
        return int(model.count_params())
    return None


def _parse_classifier(spec):
    """``name`` or ``name:key=value,key=value`` -> (name, overrides)."""
    name, _, rest = spec.partition(":")
    overrides = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        overrides[key] = _literal(value)
    return name, overrides


def _literal(text):
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _subsample(X, y, size, seed):
    if size is None or size >= len(y):
        return X, y
    X, _, y, _ = train_test_split(X, y, train_size=size, stratify=y, random_state=seed)
    return X, y


def run_benchmark(
    dataset="FordA",
    classifiers=DEFAULT_CLASSIFIERS,
    repeats=3,
    time_budget=None,
    train_size=None,
    test_size=None,
    data_home=None,
    log=print,
):
    """Fit and score every classifier for ``repeats`` seeds; return the runs.

    Parameters
    ----------
    dataset : str
        UCR problem name (loaded with :func:`sktransformer.datasets.load_ucr`).
    classifiers : sequence of str
        Names (see :data:`BUILTIN_CLASSIFIERS`, or sktime classifier class
        names), each optionally followed by ``:key=value,...`` overrides.
    repeats : int
        Seeds 0 .. repeats-1 for every classifier.
    time_budget : float, optional
        Seconds for the whole run; runs that would start after it are skipped.
    train_size, test_size : int, optional
        Stratified subsamples (for quick runs and tests).
    data_home : str, optional
        See :func:`sktransformer.datasets.get_data_home`.

    Returns
    -------
    list of Run
    """
    X_train, y_train = load_ucr(dataset, "train", data_home=data_home)
    X_test, y_test = load_ucr(dataset, "test", data_home=data_home)
    X_train, y_train = _subsample(X_train, y_train, train_size, 0)
    X_test, y_test = _subsample(X_test, y_test, test_size, 0)
    # sktime's layout, (n, channels, timepoints), for every classifier.
    X_train = np.ascontiguousarray(X_train.transpose(0, 2, 1), dtype=np.float64)
    X_test = np.ascontiguousarray(X_test.transpose(0, 2, 1), dtype=np.float64)
    log(f"{dataset}: train {X_train.shape}, test {X_test.shape} (n, channels, T)")

    start = time.perf_counter()
    runs = []
    for spec in classifiers:
        name, overrides = _parse_classifier(spec)
        label = spec
        for seed in range(repeats):
            run = Run(label, seed)
            runs.append(run)
            if time_budget is not None and time.perf_counter() - start > time_budget:
                run.note = "skipped: time budget"
                log(f"{label} seed {seed}: skipped (time budget)")
                continue
            clf = _make_classifier(name, seed, overrides)
            tic = time.perf_counter()
            clf.fit(X_train, y_train)
            run.fit_seconds = time.perf_counter() - tic
            tic = time.perf_counter()
            y_pred = clf.predict(X_test)
            run.predict_seconds = time.perf_counter() - tic
            run.accuracy = float(accuracy_score(y_test, y_pred))
            run.parameters = _count_parameters(clf)
            history = getattr(clf, "history_", None)
            if history:
                run.epochs = len(history["loss"])
            log(
                f"{label} seed {seed}: accuracy {run.accuracy:.4f}, fit "
                f"{run.fit_seconds:.1f} s, predict {run.predict_seconds:.1f} s"
                + (f", {run.epochs} epochs" if run.epochs else "")
            )
    return runs


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(runs):
    """One row per classifier: medians over its completed runs."""
    rows = []
    for label in dict.fromkeys(r.classifier for r in runs):
        mine = [r for r in runs if r.classifier == label and r.accuracy is not None]
        accs = [r.accuracy for r in mine]
        rows.append(
            {
                "classifier": label,
                "runs": len(mine),
                "accuracy_median": _median(accs),
                "accuracy_min": min(accs) if accs else None,
                "accuracy_max": max(accs) if accs else None,
                "fit_seconds_median": _median([r.fit_seconds for r in mine]),
                "predict_seconds_median": _median([r.predict_seconds for r in mine]),
                "parameters": _median([r.parameters for r in mine]),
                "epochs_median": _median([r.epochs for r in mine]),
            }
        )
    return rows


def machine_description():
    """Cores, CPU model and library versions, for the record."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import keras
    import sklearn

    versions = [
        f"python {platform.python_version()}",
        f"numpy {np.__version__}",
        f"scikit-learn {sklearn.__version__}",
        f"keras {keras.__version__} ({keras.backend.backend()} backend)",
    ]
    for module in ("tensorflow", "sktime"):
        mod = sys.modules.get(module)
        if mod is not None:
            versions.append(f"{module} {mod.__version__}")
    return f"{os.cpu_count()} cores, {cpu}; " + ", ".join(versions)


def _fmt(value, digits):
    if value is None:
        return ""
    if isinstance(value, float) and digits is not None:
        return f"{value:.{digits}f}"
    return f"{int(value):,}" if digits is None else str(value)


def markdown_table(rows):
    lines = [
        "| classifier | runs | median accuracy | min-max | fit s (median) "
        "| predict s (median) | parameters | epochs (median) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        spread = (
            f"{row['accuracy_min']:.4f}-{row['accuracy_max']:.4f}"
            if row["accuracy_min"] is not None
            else ""
        )
        lines.append(
            f"| {row['classifier']} | {row['runs']} "
            f"| {_fmt(row['accuracy_median'], 4)} | {spread} "
            f"| {_fmt(row['fit_seconds_median'], 1)} "
            f"| {_fmt(row['predict_seconds_median'], 2)} "
            f"| {_fmt(row['parameters'], None)} "
            f"| {_fmt(row['epochs_median'], None)} |"
        )
    return "\n".join(lines)


def write_outputs(runs, output_dir, name, command, dataset):
    """Write ``name``.csv, .md and .png under ``output_dir``; return the paths."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    csv_path = output_dir / f"{name}.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "classifier",
                "seed",
                "accuracy",
                "fit_seconds",
                "predict_seconds",
                "parameters",
                "epochs",
                "note",
            ]
        )
        for r in runs:
            writer.writerow(
                [
                    r.classifier,
                    r.seed,
                    r.accuracy,
                    r.fit_seconds,
                    r.predict_seconds,
                    r.parameters,
                    r.epochs,
                    r.note,
                ]
            )
    rows = summarize(runs)
    md_path = output_dir / f"{name}.md"
    md_path.write_text(
        f"## {dataset}: accuracy and time, {date.today().isoformat()}\n\n"
        f"Command: `{command}`\n\nMachine: {machine_description()}\n\n"
        f"{markdown_table(rows)}\n",
        encoding="utf-8",
    )
    png_path = output_dir / f"{name}.png"
    plot_accuracy_vs_time(runs, png_path, title=f"{dataset}: accuracy vs fit time")
    return csv_path, md_path, png_path


def plot_accuracy_vs_time(runs, path, title=""):
    """Scatter of test accuracy against fit seconds, one colour per classifier."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label in dict.fromkeys(r.classifier for r in runs):
        done = [r for r in runs if r.classifier == label and r.accuracy is not None]
        if not done:
            continue
        ax.scatter(
            [r.fit_seconds for r in done],
            [r.accuracy for r in done],
            label=label,
            alpha=0.8,
        )
    ax.set_xscale("log")
    ax.set_xlabel("fit time (s, log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sktransformer.benchmark",
        description="Compare the Transformer classifier with sktime classifiers.",
    )
    parser.add_argument("--dataset", default="FordA", help="UCR problem (FordA)")
    parser.add_argument(
        "--classifiers",
        nargs="+",
        default=list(DEFAULT_CLASSIFIERS),
        metavar="NAME[:KEY=VALUE,...]",
        help=f"built-ins ({', '.join(BUILTIN_CLASSIFIERS)}) or sktime classifier "
        "class names, each optionally with parameter overrides, e.g. "
        "transformer-recommended:epochs=5 InceptionTimeClassifier:n_epochs=20",
    )
    parser.add_argument("--repeats", type=int, default=3, help="seeds per classifier")
    parser.add_argument(
        "--time-budget",
        type=float,
        default=None,
        help="seconds for the whole run; later runs are skipped",
    )
    parser.add_argument("--train-size", type=int, default=None)
    parser.add_argument("--test-size", type=int, default=None)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--output-dir", default="benchmarks/results")
    parser.add_argument("--name", default=None, help="file name stem (dataset)")
    parser.add_argument(
        "--record",
        metavar="RESULTS_MD",
        default=None,
        help="also append the table to this markdown file (e.g. benchmarks/RESULTS.md)",
    )
    args = parser.parse_args(argv)

    runs = run_benchmark(
        args.dataset,
        args.classifiers,
        repeats=args.repeats,
        time_budget=args.time_budget,
        train_size=args.train_size,
        test_size=args.test_size,
        data_home=args.data_home,
    )
    command = "python -m sktransformer.benchmark " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    paths = write_outputs(
        runs, args.output_dir, args.name or args.dataset, command, args.dataset
    )
    if args.record:
        with open(args.record, "a", encoding="utf-8") as f:
            f.write("\n" + paths[1].read_text(encoding="utf-8"))
    print()
    print(machine_description())
    print(markdown_table(summarize(runs)))
    print("wrote " + ", ".join(str(p) for p in paths))
    return runs


if __name__ == "__main__":
    main()
