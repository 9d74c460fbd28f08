"""``python -m sktransformer.benchmark``: the comparison command."""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path

from ..datasets import _check_name as check_problem_name
from .classifiers import BUILTIN_CLASSIFIERS, DEFAULT_CLASSIFIERS, make_classifier
from .report import (
    append_to_results,
    machine_description,
    markdown_report,
    write_report,
)
from .run import PANELS, BenchmarkError, run_benchmark

#: ``--name``: the stem of the CSV, report and plot files (and of a temporary
#: header file beside them: names stay well under file systems' 255 bytes).
_NAME_STEM = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")

__all__ = ["main"]


def _at_least_one(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _seconds(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):  # NaN too
        raise argparse.ArgumentTypeError(
            f"expected a positive finite number of seconds, got {text!r}"
        )
    return value


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m sktransformer.benchmark",
        description="Compare the Transformer classifier with sktime classifiers "
        "over UCR problems; resumable (one CSV row per finished run).",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--datasets",
        "--dataset",
        nargs="+",
        metavar="NAME",
        help="UCR problems (default: FordA)",
    )
    which.add_argument(
        "--panel", choices=sorted(PANELS), help="a named panel of UCR problems"
    )
    parser.add_argument(
        "--classifiers",
        nargs="+",
        default=list(DEFAULT_CLASSIFIERS),
        metavar="NAME[:KEY=VALUE,...]",
        help=f"built-ins ({', '.join(BUILTIN_CLASSIFIERS)}) or sktime classifier "
        "class names, each optionally with parameter overrides, e.g. "
        "transformer-recommended:epochs=5 InceptionTimeClassifier:n_epochs=20 "
        f"(default: {' '.join(DEFAULT_CLASSIFIERS)})",
    )
    parser.add_argument(
        "--repeats", type=_at_least_one, default=1, help="seeds per run (1)"
    )
    parser.add_argument(
        "--time-budget",
        type=_seconds,
        default=None,
        help="seconds for this invocation; later runs are left for a restart",
    )
    parser.add_argument(
        "--train-size",
        type=_at_least_one,
        default=None,
        help="a stratified subsample of the training series, for quick runs",
    )
    parser.add_argument(
        "--test-size",
        type=_at_least_one,
        default=None,
        help="a stratified subsample of the test series",
    )
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--output-dir", default="benchmarks/results")
    parser.add_argument(
        "--name", default=None, help="file name stem (the problem or the panel)"
    )
    parser.add_argument(
        "--record",
        metavar="RESULTS_MD",
        default=None,
        help="also append the report to this markdown file (benchmarks/RESULTS.md)",
    )
    return parser


def main(argv=None):
    """Run the comparison command; return its runs."""
    args = _parser().parse_args(argv)
    if args.panel:
        datasets, default_name = PANELS[args.panel], args.panel
    else:
        datasets = args.datasets or ["FordA"]
        default_name = datasets[0] if len(datasets) == 1 else "panel"
    # Names and classifier entries first: a bad one leaves nothing behind.
    try:
        datasets = [check_problem_name(d) for d in datasets]
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    name = default_name if args.name is None else args.name
    if not _NAME_STEM.fullmatch(name):
        raise SystemExit(
            "--name must be a file name stem without folders (at most 100 "
            "letters, digits, '.', '_' or '-', not starting with '.'), got "
            f"{name!r}; use --output-dir for the folder."
        )
    for spec in args.classifiers:
        make_classifier(spec, 0)  # (SystemExit naming a bad entry)
    output_dir = Path(args.output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise SystemExit(f"--output-dir {str(output_dir)!r} is a file, not a folder.")
    if args.record and not Path(args.record).parent.is_dir():
        raise SystemExit(
            f"--record {args.record!r} must be a markdown file in an existing folder."
        )
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SystemExit(f"--output-dir {str(output_dir)!r}: {exc}") from None
    if args.record and Path(args.record).is_dir():
        raise SystemExit(f"--record {args.record!r} is a folder, not a markdown file.")
    csv_path = output_dir / f"{name}.csv"
    print(machine_description(), flush=True)
    try:
        runs = run_benchmark(
            datasets,
            args.classifiers,
            repeats=args.repeats,
            csv_path=csv_path,
            time_budget=args.time_budget,
            train_size=args.train_size,
            test_size=args.test_size,
            data_home=args.data_home,
            log=lambda message: print(message, flush=True),
        )
    except BenchmarkError as exc:
        raise SystemExit(f"error: {exc}") from exc
    command = "python -m sktransformer.benchmark " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    title = args.panel and f"Panel {args.panel!r}" or ", ".join(datasets)
    if not runs:
        print("no finished runs yet: nothing to report")
        return runs
    paths = write_report(runs, output_dir, name, title=title, command=command)
    if args.record:
        append_to_results(args.record, paths[0].read_text(encoding="utf-8"))
    print()
    print(markdown_report(runs, title=title, command=command))
    print("wrote " + ", ".join(str(p) for p in [csv_path, *paths]))
    return runs
