"""The comparison loop: every classifier on every problem, one CSV row per run."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import secrets
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

from .._validation import fill_gaps, series_lengths
from ..datasets import _check_name, load_archive, load_ucr, read_ts, ucr_path
from .classifiers import fingerprint, make_classifier

__all__ = [
    "PANELS",
    "Run",
    "BenchmarkError",
    "run_benchmark",
    "read_runs",
    "load_problem",
]

#: Named panels of UCR problems (``--panel``).
PANELS = {
    # Chosen for the development of the recommended configuration (its choices
    # were made on their TRAIN splits only): 16 to 3,601 training series,
    # lengths 80 to 1,250, 2 to 14 classes.
    "development": (
        "ArrowHead",
        "BME",
        "Beef",
        "Car",
        "Coffee",
        "CricketX",
        "DiatomSizeReduction",
        "DistalPhalanxTW",
        "ECGFiveDays",
        "EOGHorizontalSignal",
        "FaceFour",
        "FacesUCR",
        "Fish",
        "FordA",
        "FreezerRegularTrain",
    ),
    # Series as they come: unequal lengths (GesturePebbleZ1, AllGestureWiimoteX,
    # PLAID; JapaneseVowels also 12 channels) and missing values
    # (DodgerLoopDay). The .ts problems come bundled with aeon or sktime.
    "unequal": (
        "AllGestureWiimoteX",
        "DodgerLoopDay",
        "GesturePebbleZ1",
        "JapaneseVowels",
        "PLAID",
    ),
}


@dataclass
class Run:
    """One fit and score of one classifier on one problem (one CSV row)."""

    dataset: str
    classifier: str
    seed: int
    accuracy: float | None = None
    fit_seconds: float | None = None
    predict_seconds: float | None = None
    parameters: int | None = None
    epochs: int | None = None
    n_train: int | None = None
    n_test: int | None = None
    n_timepoints: int | None = None
    n_classes: int | None = None
    majority_rate: float | None = None
    fingerprint: str = ""
    note: str = ""
    #: Shortest training series (``n_timepoints`` is the longest).
    min_length: int | None = None
    #: Fraction of the time steps a transformer's fit processed that were padding.
    padding: float | None = None

    @property
    def finished(self):
        """Whether the run was scored and timed (else it is run again)."""
        return all(
            value is not None and math.isfinite(value)
            for value in (self.accuracy, self.fit_seconds, self.predict_seconds)
        )


_COLUMNS = [f.name for f in fields(Run)]
_TYPES = {
    "seed": int,
    "accuracy": float,
    "fit_seconds": float,
    "predict_seconds": float,
    "parameters": int,
    "epochs": int,
    "n_train": int,
    "n_test": int,
    "n_timepoints": int,
    "n_classes": int,
    "majority_rate": float,
    "min_length": int,
    "padding": float,
}
#: Files of the previous version lack the last two columns (read as empty).
_OLD_COLUMNS = _COLUMNS[:-2]


def _int(value):
    number = float(value)  # "28.0" too, as a spreadsheet may write it
    if not number.is_integer():
        raise ValueError(f"{value!r} is not an integer")
    return int(number)


def _converters():
    return {key: (_int if kind is int else kind) for key, kind in _TYPES.items()}


def _csv_rows(path):
    """The header and rows of a comparison CSV, and whether it ends a line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # (Excel adds a BOM)
    except UnicodeDecodeError as exc:
        raise SystemExit(
            f"{path} is not a comparison CSV (not UTF-8 text: {exc}); choose "
            "another --name or --output-dir, or move the file away."
        ) from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows, text.endswith(("\n", "\r"))


def _run_of(row, header, path, line):
    """The :class:`Run` of one CSV row; SystemExit naming the line if malformed."""
    if len(row) != len(header):
        raise SystemExit(
            f"{path}, line {line}: {len(row)} fields, expected {len(header)} "
            f"({', '.join(header)}). Fix or delete that line, or move the file "
            "away."
        )
    values, convert = {}, _converters()
    for key, value in zip(header, row, strict=True):
        if key not in convert or value == "":
            values[key] = None if key in convert else value
            continue
        try:
            values[key] = convert[key](value)
        except ValueError:
            raise SystemExit(
                f"{path}, line {line}: column {key!r} holds {value!r}, expected "
                f"{'an integer' if convert[key] is _int else 'a number'}. Fix or "
                "delete that line, or move the file away."
            ) from None
    return Run(**values)


def read_runs(path):
    """The runs recorded in a comparison CSV (an empty list if it does not exist).

    A malformed row ends the program with a message naming its line; an
    incomplete last row (a write interrupted by a crash) is one too, unless
    the comparison command, which drops it when it resumes, reads the file.
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return []
    rows, _ = _csv_rows(path)
    header = rows[0] if rows else []
    if header not in (_COLUMNS, _OLD_COLUMNS):
        raise SystemExit(
            f"{path} was not written by this version of the comparison (its "
            f"columns are {header}, expected {_COLUMNS}); choose "
            "another --name or --output-dir, or move the file away."
        )
    return [
        _run_of(row, header, path, line)
        for line, row in enumerate(rows[1:], start=2)
        if row  # blank lines
    ]


def _repair_tail(path, log):
    """Drop a last row that lacks its line end: a crash cut it while written.

    Rows are written whole with their line end, so such a row may be cut
    anywhere, even inside its last number: it is dropped (its run is done
    again) and the file rewritten atomically. Only a file with the
    comparison's header is touched.
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return
    rows, ends_a_line = _csv_rows(path)
    if ends_a_line or not rows or rows[0] not in (_COLUMNS, _OLD_COLUMNS):
        return  # (a foreign file is refused by read_runs, untouched)
    log(
        f"{path}: dropped a last row without its line end (a write cut by a "
        f"crash; its run is done again): {','.join(rows[-1])[:80]!r}"
    )
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.repair")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows[:-1] if len(rows) > 1 else rows)
    os.replace(tmp, path)


def _upgrade(path):
    """Rewrite a CSV of an earlier version with today's columns (atomically)."""
    path = Path(path)
    runs = read_runs(path)
    if not runs:
        return
    with open(path, newline="", encoding="utf-8") as f:
        if next(csv.reader(f), None) == _COLUMNS:
            return
    tmp = path.with_name(f".{path.name}.upgrade")
    tmp.unlink(missing_ok=True)
    for run in runs:
        _append(tmp, run)
    os.replace(tmp, path)


def _append(path, run):
    """Append one row, with the header first in a new file; flushed to disk.

    The row is one write to a file opened for appending, so rows of two
    comparisons sharing a CSV never interleave; a new file gets its header
    atomically (:func:`_create_with_header`).
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        _create_with_header(path)
    row = {k: ("" if v is None else v) for k, v in asdict(run).items()}
    text = io.StringIO()
    csv.DictWriter(text, fieldnames=_COLUMNS).writerow(row)
    with open(path, "a", newline="", encoding="utf-8") as f:
        f.write(text.getvalue())
        f.flush()
        os.fsync(f.fileno())


def _create_with_header(path):
    """Create ``path`` holding the header, unless another process just did."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.header")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerow(_COLUMNS)
    try:
        os.link(tmp, path)  # atomic: fails if the file appeared meanwhile
    except FileExistsError:
        if path.stat().st_size == 0:  # an empty file: give it the header
            os.replace(tmp, path)
    except OSError:  # a file system without hard links
        if not path.exists() or path.stat().st_size == 0:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _subsample(X, y, size, seed, option):
    if size is None or size >= len(y):
        return X, y
    n_classes = len(np.unique(y))
    if not n_classes <= size <= len(y) - n_classes:
        raise ValueError(
            f"{option} {size} does not fit {len(y)} series of {n_classes} classes: "
            "a stratified subsample needs every class in it and in what it leaves "
            f"out (use {n_classes} to {len(y) - n_classes}, or all {len(y)} "
            f"series by leaving {option} out)."
        )
    X, _, y, _ = train_test_split(X, y, train_size=size, stratify=y, random_state=seed)
    return X, y


def load_problem(dataset, *, train_size=None, test_size=None, data_home=None):
    """Train and test arrays in sktime's ``(n, channels, timepoints)`` layout.

    From the UCR TSV files in the data home if there, else from ``.ts`` files
    bundled with aeon or sktime, else from the archive (downloaded once).
    Unequal lengths are padded with trailing NaN, both splits to one width;
    missing values are NaN (see :func:`equal_length` for classifiers that
    need neither).
    """
    (X_train, y_train), (X_test, y_test) = _load_splits(dataset, data_home)
    X_train, y_train = _subsample(X_train, y_train, train_size, 0, "--train-size")
    X_test, y_test = _subsample(X_test, y_test, test_size, 0, "--test-size")
    width = max(X_train.shape[1], X_test.shape[1])
    X_train, X_test = (
        np.ascontiguousarray(
            np.pad(
                X.astype(np.float64),
                ((0, 0), (0, width - X.shape[1]), (0, 0)),
                constant_values=np.nan,
            ).transpose(0, 2, 1)
        )
        for X in (X_train, X_test)
    )
    return X_train, y_train, X_test, y_test


def _load_splits(dataset, data_home):
    """Both splits of ``dataset``, from one source.

    The UCR TSV layout when either split is there (the other is then
    downloaded, or the error says where to put it), else ``.ts`` files bundled
    with aeon or sktime, else the archive.
    """
    splits = ("train", "test")
    if any(ucr_path(dataset, split, data_home).is_file() for split in splits):
        return [load_ucr(dataset, split, data_home=data_home) for split in splits]
    bundled = [_bundled_ts(dataset, split) for split in splits]
    if None not in bundled:
        return [read_ts(path) for path in bundled]
    return [load_archive(dataset, split, data_home=data_home) for split in splits]


def _on_disk(dataset, data_home):
    """Whether both splits of ``dataset`` are files here (TSVs or bundled .ts)."""
    splits = ("train", "test")
    return all(ucr_path(dataset, s, data_home).is_file() for s in splits) or all(
        _bundled_ts(dataset, s) is not None for s in splits
    )


def _bundled_ts(dataset, split):
    """A ``.ts`` file of ``dataset`` shipped with aeon or sktime, or None."""
    import importlib

    for package in ("aeon.datasets", "sktime.datasets"):
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        path = Path(module.__file__).parent / "data" / dataset
        path = path / f"{dataset}_{split.upper()}.ts"
        if path.is_file():
            return path
    return None


def equal_length(X):
    """``(n, channels, timepoints)`` series for classifiers that need equal lengths.

    Missing values inside series are interpolated linearly
    (:func:`sktransformer._validation.fill_gaps`, as the transformer does) and
    trailing NaN padding becomes zeros: each series is zero-padded at the end.
    """
    series = X.transpose(0, 2, 1)
    series = fill_gaps(series, series_lengths(series))
    return np.ascontiguousarray(np.nan_to_num(series, nan=0.0).transpose(0, 2, 1))


def _takes_nan(clf):
    """Whether ``clf`` takes NaN-padded, gappy series (else: :func:`equal_length`)."""
    get_tag = getattr(clf, "get_tag", None)
    if get_tag is not None:  # sktime / aeon
        return bool(
            get_tag("capability:unequal_length", False, raise_error=False)
            and get_tag("capability:missing_values", False, raise_error=False)
        )
    return bool(clf.__sklearn_tags__().input_tags.allow_nan)


def _majority_rate(y_train, y_test):
    """Test accuracy of always predicting the most frequent training class."""
    labels, counts = np.unique(y_train, return_counts=True)
    return float(np.mean(y_test == labels[np.argmax(counts)]))


def run_benchmark(
    datasets,
    classifiers,
    *,
    repeats=1,
    csv_path=None,
    time_budget=None,
    train_size=None,
    test_size=None,
    data_home=None,
    log=print,
):
    """Fit and score every classifier on every problem for ``repeats`` seeds.

    Parameters
    ----------
    datasets : sequence of str
        UCR problem names (loaded with :func:`sktransformer.datasets.load_ucr`).
    classifiers : sequence of str
        ``--classifiers`` entries (see
        :func:`sktransformer.benchmark.make_classifier`).
    repeats : int, default=1
        Seeds 0 .. repeats-1 for every classifier and problem.
    csv_path : path-like, optional
        Every finished run is appended there; runs already there with the same
        problem, classifier, seed and fingerprint are not run again.
    time_budget : float, optional
        Seconds for this invocation; runs that would start after it are left
        for the next one.
    train_size, test_size : int, optional
        Stratified subsamples (for quick runs and tests).
    data_home : str, optional
        See :func:`sktransformer.datasets.get_data_home`.

    Returns
    -------
    list of Run
        The runs of this comparison (reused and new), in problem, classifier,
        seed order; runs not done (time budget) are absent.
    """
    # Each once, in the order given; every name checked before the first fit.
    try:
        datasets = [_check_name(d) for d in dict.fromkeys(datasets)]
    except ValueError as exc:
        raise BenchmarkError(str(exc)) from None
    classifiers = list(dict.fromkeys(classifiers))
    prints = {spec: _fingerprint(spec, train_size, test_size) for spec in classifiers}
    recorded = {}
    stale = 0
    if csv_path is not None and Path(csv_path).exists():
        _repair_tail(csv_path, log)
        _upgrade(csv_path)
    for run in read_runs(csv_path) if csv_path is not None else []:
        if prints.get(run.classifier) == run.fingerprint and run.finished:
            recorded[run.dataset, run.classifier, run.seed] = run
        elif run.classifier in prints and run.dataset in datasets:
            stale += 1
    if stale:
        log(
            f"{stale} recorded runs came from other code, parameters, machine or "
            "--train-size/--test-size: not reused"
        )
    todo = [
        (d, c, s)
        for d in datasets
        for c in classifiers
        for s in range(repeats)
        if (d, c, s) not in recorded
    ]
    # Every problem still to run can be loaded (and, for a quick look, has the
    # sizes asked for) before the first fit: a typo in the last name of a
    # panel must not cost the fits before it. Problems whose files are on disk
    # are loaded once, when their turn comes.
    quick_look = train_size is not None or test_size is not None
    for dataset in dict.fromkeys(d for d, _, _ in todo):
        if quick_look or not _on_disk(dataset, data_home):
            _load(dataset, train_size, test_size, data_home)
    total = len(datasets) * len(classifiers) * repeats
    log(
        f"{total} runs ({len(datasets)} problems x {len(classifiers)} classifiers x "
        f"{repeats} seeds): {total - len(todo)} recorded, {len(todo)} to run"
    )
    start = time.perf_counter()
    runs, done = [], 0
    for dataset in datasets:
        if not any(d == dataset for d, _, _ in todo):
            runs += [
                recorded[dataset, c, s] for c in classifiers for s in range(repeats)
            ]
            continue
        X_train, y_train, X_test, y_test = _load(
            dataset, train_size, test_size, data_home
        )
        lengths = series_lengths(X_train.transpose(0, 2, 1))
        shape = {
            "n_train": len(y_train),
            "n_test": len(y_test),
            "n_timepoints": int(lengths.max()),
            "min_length": int(lengths.min()),
            "n_classes": len(np.unique(y_train)),
            "majority_rate": _majority_rate(y_train, y_test),
        }
        for spec in classifiers:
            for seed in range(repeats):
                if (dataset, spec, seed) in recorded:
                    runs.append(recorded[dataset, spec, seed])
                    continue
                elapsed = time.perf_counter() - start
                if time_budget is not None and elapsed > time_budget:
                    log(f"{dataset} {spec} seed {seed}: left for later (time budget)")
                    continue
                run = Run(dataset, spec, seed, fingerprint=prints[spec], **shape)
                done += 1
                try:
                    _fit_and_score(run, X_train, y_train, X_test, y_test)
                except Exception as exc:  # one failed run does not stop the panel
                    # One line of the CSV (and of the log) per run.
                    message = " ".join(f"{type(exc).__name__}: {exc}".split())
                    run.note = f"failed: {message}"[:300]
                    log(f"{dataset} {spec} seed {seed}: {run.note}; retried on restart")
                if csv_path is not None:
                    _append(csv_path, run)
                if not run.finished:
                    continue
                runs.append(run)
                elapsed = time.perf_counter() - start
                left = elapsed / done * (len(todo) - done)
                log(
                    f"[{total - len(todo) + done}/{total}] {dataset} {spec} seed "
                    f"{seed}: accuracy {run.accuracy:.4f}, "
                    f"fit {run.fit_seconds:.1f} s, predict {run.predict_seconds:.1f} s"
                    + (f", {run.epochs} epochs" if run.epochs else "")
                    + f" ({elapsed / 60:.1f} min, about {left / 60:.0f} min left)"
                )
    return runs


class BenchmarkError(ValueError):
    """A comparison that cannot go on (a problem that cannot be loaded)."""


def _load(dataset, train_size, test_size, data_home):
    try:
        return load_problem(
            dataset, train_size=train_size, test_size=test_size, data_home=data_home
        )
    except (OSError, ValueError, ImportError) as exc:
        raise BenchmarkError(f"cannot load {dataset}: {exc}") from exc


def _fingerprint(spec, train_size, test_size):
    """:func:`fingerprint` of ``spec``, and the subsample sizes if any.

    Runs on subsamples (``--train-size``, ``--test-size``) are never reused for
    other sizes, nor for the full splits, whose fingerprints stay those of
    the runs recorded before sizes were part of it.
    """
    base = fingerprint(spec)
    if train_size is None and test_size is None:
        return base
    text = f"{base} train_size={train_size} test_size={test_size}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _fit_and_score(run, X_train, y_train, X_test, y_test):
    clf = make_classifier(run.classifier, run.seed)
    if np.isnan(X_train).any() or np.isnan(X_test).any():
        if not _takes_nan(clf):
            X_train, X_test = equal_length(X_train), equal_length(X_test)
            run.note = "zero-padded, gaps interpolated"
    tic = time.perf_counter()
    clf.fit(X_train, y_train)
    run.fit_seconds = time.perf_counter() - tic
    tic = time.perf_counter()
    y_pred = clf.predict(X_test)
    run.predict_seconds = time.perf_counter() - tic
    run.accuracy = float(accuracy_score(y_test, y_pred))
    model = getattr(clf, "model_", None)
    if model is not None:
        run.parameters = int(model.count_params())
    history = getattr(clf, "history_", None)
    if history:
        run.epochs = len(history["loss"])
    padding = getattr(clf, "padding_fraction_", None)
    if padding is not None:
        run.padding = float(padding)
