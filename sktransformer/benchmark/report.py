"""Tables, ranks, wins/ties/losses and plots of a comparison's runs."""

from __future__ import annotations

import os
import platform
import shlex
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from .classifiers import is_transformer

__all__ = [
    "accuracy_matrix",
    "mean_ranks",
    "wins_ties_losses",
    "summary_rows",
    "markdown_report",
    "plot_scatter",
    "plot_critical_difference",
    "plot_accuracy_vs_time",
    "write_report",
    "machine_description",
    "script_command",
    "entry_header",
    "record",
    "append_to_results",
]

#: The first lines of a results file that :func:`record` creates.
RESULTS_PREAMBLE = (
    "# Benchmark results\n\n"
    "Appended by the benchmark scripts and the comparison command; each entry gives "
    "the command that produced it.\n"
)


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _ordered(runs, key):
    return list(dict.fromkeys(getattr(r, key) for r in runs))


def accuracy_matrix(runs, value="accuracy"):
    """``(datasets, classifiers, matrix)``: the median of ``value`` over seeds.

    Only problems on which every classifier has a run are kept (ranks and
    wins need all of them).
    """
    # Runs without an accuracy or a time (a failed run, a hand-edited CSV) are
    # left out of every matrix alike, so that their rows stay aligned.
    runs = [r for r in runs if r.finished]
    datasets, classifiers = _ordered(runs, "dataset"), _ordered(runs, "classifier")
    matrix = np.full((len(datasets), len(classifiers)), np.nan)
    for i, d in enumerate(datasets):
        for j, c in enumerate(classifiers):
            found = _median(
                [
                    getattr(r, value)
                    for r in runs
                    if r.dataset == d and r.classifier == c
                ]
            )
            if found is not None:
                matrix[i, j] = found
    complete = ~np.isnan(matrix).any(axis=1)
    return (
        [d for d, ok in zip(datasets, complete, strict=True) if ok],
        classifiers,
        (matrix[complete]),
    )


def mean_ranks(matrix):
    """Mean rank of each column over rows; rank 1 is the highest accuracy, ties
    share the average rank."""
    if len(matrix) == 0:
        return np.full(matrix.shape[1], np.nan)
    return np.mean([rankdata(-row, method="average") for row in matrix], axis=0)


def wins_ties_losses(a, b):
    """Problems on which accuracies ``a`` are above, equal to and below ``b``."""
    a, b = np.asarray(a), np.asarray(b)
    tie = np.isclose(a, b, rtol=0, atol=1e-12)
    return int(np.sum((a > b) & ~tie)), int(np.sum(tie)), int(np.sum((a < b) & ~tie))


def summary_rows(runs):
    """Per classifier: mean accuracy, mean rank, total fit and predict seconds."""
    datasets, classifiers, acc = accuracy_matrix(runs)
    _, _, fit = accuracy_matrix(runs, "fit_seconds")
    _, _, pred = accuracy_matrix(runs, "predict_seconds")
    ranks = mean_ranks(acc)
    return [
        {
            "classifier": c,
            "problems": len(datasets),
            "mean_accuracy": float(np.mean(acc[:, j])) if len(acc) else None,
            "mean_rank": float(ranks[j]) if len(acc) else None,
            "fit_seconds": float(np.sum(fit[:, j])) if len(fit) else None,
            "predict_seconds": float(np.sum(pred[:, j])) if len(pred) else None,
        }
        for j, c in enumerate(classifiers)
    ]


def _length(run):
    if run.min_length in (None, run.n_timepoints):
        return _f(run.n_timepoints, "d")
    return f"{run.min_length}-{run.n_timepoints}"


def _f(value, spec):
    return "" if value is None or value != value else format(value, spec)


def _cell(text):
    """``text`` in a Markdown table cell (a ``|`` in a classifier entry)."""
    return str(text).replace("|", "\\|")


def markdown_report(runs, *, title, command):
    """The comparison as Markdown: per-problem table, summary, wins/ties/losses."""
    datasets, classifiers, acc = accuracy_matrix(runs)
    _, _, fit = accuracy_matrix(runs, "fit_seconds")
    _, _, pred = accuracy_matrix(runs, "predict_seconds")
    shape = {r.dataset: r for r in runs}
    seeds = max((r.seed for r in runs), default=0) + 1
    out = [
        *entry_header(title, command),
        "Test accuracy on the archive's default split"
        + (f" (median of {seeds} seeds)" if seeds > 1 else " (one seed)")
        + "; fit and predict in seconds; the best accuracy of a problem in bold;"
        " majority = always predicting the most frequent training class.",
        "",
    ]
    padded = sorted({r.classifier for r in runs if r.padding is not None})
    padded = [
        c
        for c in classifiers
        if c in padded
        and any(
            shape[d].min_length not in (None, shape[d].n_timepoints) for d in datasets
        )
    ]
    equalised = sorted({r.classifier for r in runs if "zero-padded" in r.note})
    if padded or equalised:
        out += [
            "Unequal lengths: length is shortest-longest training series; "
            + (
                f"padding = the fraction of the time steps {', '.join(padded)} "
                "processed during fit that were padding. "
                if padded
                else ""
            )
            + (
                f"{', '.join(equalised)} need equal lengths without gaps: they got "
                "the series zero-padded at the end to the longest of train and test, "
                "missing values interpolated linearly."
                if equalised
                else ""
            ),
            "",
        ]
    head = ["problem", "train", "length", "classes", "majority"]
    head += [_cell(c) for c in classifiers]
    head += [f"fit s {_cell(c)}" for c in classifiers]
    head += [f"predict s {_cell(c)}" for c in classifiers]
    head += [f"padding {_cell(c)}" for c in padded]
    padding = {(r.dataset, r.classifier): r.padding for r in runs}
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i, d in enumerate(datasets):
        best = acc[i].max()
        cells = [
            d,
            _f(shape[d].n_train, "d"),
            _length(shape[d]),
            _f(shape[d].n_classes, "d"),
            _f(shape[d].majority_rate, ".3f"),
        ]
        cells += [
            f"**{a:.4f}**" if np.isclose(a, best, rtol=0, atol=1e-12) else f"{a:.4f}"
            for a in acc[i]
        ]
        cells += [f"{v:.1f}" for v in fit[i]] + [f"{v:.2f}" for v in pred[i]]
        cells += [_f(padding.get((d, c)), ".3f") for c in padded]
        out.append("| " + " | ".join(cells) + " |")
    out += [
        "",
        "| classifier | problems | mean accuracy | mean rank | total fit s "
        "| total predict s |",
        "|---|---|---|---|---|---|",
    ]
    rows = summary_rows(runs)
    for row in rows:
        out.append(
            f"| {_cell(row['classifier'])} | {row['problems']} "
            f"| {_f(row['mean_accuracy'], '.4f')} | {_f(row['mean_rank'], '.2f')} "
            f"| {_f(row['fit_seconds'], '.1f')} | {_f(row['predict_seconds'], '.1f')} |"
        )
    pairs = [
        (a, b) for a in classifiers if is_transformer(a) for b in classifiers if b != a
    ]
    if pairs and len(datasets):
        out += [
            "",
            "| classifier | against | wins / ties / losses | mean difference "
            "| worst difference (problem) | fit time ratio |",
            "|---|---|---|---|---|---|",
        ]
        for a, b in pairs:
            ja, jb = classifiers.index(a), classifiers.index(b)
            wins, ties, losses = wins_ties_losses(acc[:, ja], acc[:, jb])
            diff = acc[:, ja] - acc[:, jb]
            worst = int(np.argmin(diff))
            ratio = np.sum(fit[:, ja]) / max(np.sum(fit[:, jb]), 1e-12)
            out.append(
                f"| {_cell(a)} | {_cell(b)} | {wins} / {ties} / {losses} "
                f"| {np.mean(diff):+.4f} "
                f"| {diff[worst]:+.4f} ({datasets[worst]}) | {ratio:.1f} |"
            )
    return "\n".join(out) + "\n"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_scatter(runs, x, y, path, title=""):
    """One point per problem: accuracy of ``y`` against accuracy of ``x``."""
    datasets, classifiers, acc = accuracy_matrix(runs)
    plt = _pyplot()
    ax_x, ax_y = acc[:, classifiers.index(x)], acc[:, classifiers.index(y)]
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    low = float(min(ax_x.min(), ax_y.min(), 1.0)) - 0.02
    ax.plot([low, 1.0], [low, 1.0], color="grey", lw=1, ls="--")
    ax.scatter(ax_x, ax_y, zorder=3)
    for d, a, b in zip(datasets, ax_x, ax_y, strict=True):
        ax.annotate(d, (a, b), fontsize=7, xytext=(3, 3), textcoords="offset points")
    wins, ties, losses = wins_ties_losses(ax_y, ax_x)
    ax.set_xlabel(f"{x} accuracy")
    ax.set_ylabel(f"{y} accuracy")
    ax.set_title(
        title or f"{wins} wins, {ties} ties, {losses} losses (one point per problem)"
    )
    ax.set_xlim(low, 1.005)
    ax.set_ylim(low, 1.005)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_critical_difference(runs, path):
    """aeon's critical-difference diagram of the classifiers' accuracies."""
    try:
        from aeon.visualisation import plot_critical_difference as _cd
    except ImportError as exc:
        raise SystemExit(
            'the critical-difference diagram needs aeon: pip install -e ".[bench]"'
        ) from exc
    _, classifiers, acc = accuracy_matrix(runs)
    plt = _pyplot()
    fig, _ = _cd(acc, list(classifiers))
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def plot_accuracy_vs_time(runs, path, title=""):
    """Every run: test accuracy against fit seconds, one colour per classifier."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label in _ordered(runs, "classifier"):
        done = [r for r in runs if r.classifier == label and r.accuracy is not None]
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


def write_report(runs, output_dir, name, *, title, command, log=print):
    """Write ``name``.md and the plots under ``output_dir``; return the paths."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    md = output_dir / f"{name}.md"
    md.write_text(markdown_report(runs, title=title, command=command), "utf-8")
    paths = [md]
    time_png = output_dir / f"{name}_time.png"
    plot_accuracy_vs_time(runs, time_png, title=f"{title}: accuracy vs fit time")
    paths.append(time_png)
    datasets, classifiers, _ = accuracy_matrix(runs)
    transformers = [c for c in classifiers if is_transformer(c)]
    # Against MiniRocket if it ran (with or without overrides), else the first
    # other classifier.
    others = sorted(
        (c for c in classifiers if not is_transformer(c)),
        key=lambda c: c.partition(":")[0] != "minirocket",
    )
    if transformers and others and datasets:
        scatter = output_dir / f"{name}_scatter.png"
        plot_scatter(runs, others[0], transformers[0], scatter)
        paths.append(scatter)
    # aeon's diagram starts with a Friedman test: 3 classifiers or more.
    if len(classifiers) >= 3 and len(datasets) >= 2:
        cd = output_dir / f"{name}_cd.png"
        plot_critical_difference(runs, cd)
        paths.append(cd)
    else:
        log("no critical-difference diagram: it needs 3 classifiers on 2 problems")
    return paths


def cpu_description(cpuinfo="/proc/cpuinfo"):
    """The number of cores and the CPU model: what fit times depend on most.

    Virtual machines often report a generic model name ("Intel(R) Xeon(R)
    Processor") for CPUs of different generations and speeds, so the family,
    model and stepping numbers are added where ``/proc/cpuinfo`` gives them:
    runs recorded on another generation are then not reused as this machine's.
    """
    cpu = platform.processor() or "unknown CPU"
    ids = {}
    try:
        with open(cpuinfo, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name":
                    cpu = value.strip()
                elif key in ("cpu family", "model", "stepping"):
                    ids.setdefault(key, value.strip())
                elif not line.strip():
                    break  # the first processor's block is enough
    except OSError:
        pass
    if ids:
        cpu += " (" + ", ".join(f"{k} {v}" for k, v in ids.items()) + ")"
    return f"{os.cpu_count()} cores, {cpu}"


def machine_description():
    """Cores, CPU model and library versions, for the record."""
    import keras
    import sklearn

    versions = [
        f"python {platform.python_version()}",
        f"numpy {np.__version__}",
        f"scikit-learn {sklearn.__version__}",
        f"keras {keras.__version__} ({keras.backend.backend()} backend)",
    ]
    for module in ("tensorflow", "sktime", "aeon"):
        mod = sys.modules.get(module)
        if mod is not None:
            versions.append(f"{module} {mod.__version__}")
    return f"{cpu_description()}; " + ", ".join(versions)


def script_command(script, argv=None):
    """The shell command that ran ``script`` with ``argv``, for the record.

    ``python benchmarks/<script's file name> <argv>`` (``sys.argv[1:]`` when
    ``argv`` is None), prefixed with ``KERAS_BACKEND=...`` when Keras runs on
    another backend than TensorFlow, so that the command reproduces the entry.
    """
    import keras

    args = sys.argv[1:] if argv is None else list(argv)
    command = shlex.join(["python", f"benchmarks/{Path(script).name}", *args])
    backend = keras.backend.backend()
    return command if backend == "tensorflow" else f"KERAS_BACKEND={backend} {command}"


def entry_header(title, command):
    """The first lines of every results entry: title and day, command, machine."""
    day = datetime.now(timezone.utc).date().isoformat()
    return [
        f"## {title}, {day}",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {machine_description()}",
        "",
    ]


def record(path, title, body, *, command):
    """Append a results entry to the Markdown file ``path``; return its text.

    The entry is :func:`entry_header` followed by ``body`` (what the numbers
    mean, then the table). The file, with a one-line preamble, is created
    when missing.

    Parameters
    ----------
    path : str or Path
        The results file (``benchmarks/RESULTS.md``).
    title : str
        What was measured; the heading adds the day.
    body : str
        Markdown text.
    command : str
        The command that produced the entry, see :func:`script_command`.

    Returns
    -------
    str
    """
    text = "\n".join([*entry_header(title, command), body.strip("\n"), ""])
    append_to_results(path, text)
    return text


def append_to_results(path, text):
    """Append ``text`` (an entry) to the results file ``path``, creating it."""
    path = Path(path)
    if not path.exists():
        path.write_text(RESULTS_PREAMBLE, encoding="utf-8")
    with path.open("a", encoding="utf-8") as f:
        f.write("\n" + text.strip("\n") + "\n")
