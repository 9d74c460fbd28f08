"""Classifier names of the comparison command, and what identifies their code."""

from __future__ import annotations

import ast
import hashlib
import json
from functools import cache
from pathlib import Path

from ..classifier import TransformerTimeSeriesClassifier
from ..recommended import CONFIGURATIONS, configuration_params

__all__ = [
    "BUILTIN_CLASSIFIERS",
    "DEFAULT_CLASSIFIERS",
    "make_classifier",
    "parse_classifier",
    "fingerprint",
    "is_transformer",
]

#: Names understood by ``--classifiers`` besides any sktime classifier name:
#: ``transformer-<configuration>`` for each named configuration, and two ROCKETs.
BUILTIN_CLASSIFIERS = (
    *(f"transformer-{name}" for name in CONFIGURATIONS),
    "minirocket",
    "rocket",
)
DEFAULT_CLASSIFIERS = ("transformer-recommended", "minirocket")


def is_transformer(spec):
    """Whether a ``--classifiers`` entry is one of this package's configurations."""
    return spec.partition(":")[0].startswith("transformer-")


def parse_classifier(spec):
    """``name`` or ``name:key=value,key=value`` -> (name, overrides)."""
    name, _, rest = spec.partition(":")
    overrides = {}
    for item in filter(None, _top_level_items(rest)):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(
                f"cannot read {item!r} in {spec!r}: write name:key=value,key=value"
            )
        if key in overrides:
            raise SystemExit(f"{spec!r} sets {key} twice: keep one value.")
        overrides[key] = _literal(value)
    return name, overrides


def _top_level_items(text):
    """Split at commas outside brackets and quotes: ``a=(1,2),b=3`` -> 2 items."""
    items, depth, quote, start = [], 0, None, 0
    for i, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return items


def _literal(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def make_classifier(spec, seed):
    """An unfitted estimator for a ``--classifiers`` entry, seeded with ``seed``.

    Every estimator takes ``(n, channels, timepoints)`` input.
    ``transformer-recommended`` is :func:`sktransformer.recommended.recommended_params`
    of the code that runs, ``transformer-seed`` the estimator's defaults
    (:func:`sktransformer.recommended.configuration_params`).
    """
    name, overrides = parse_classifier(spec)
    if "random_state" in overrides:
        raise SystemExit(
            f"{spec!r}: random_state is set by the comparison (seeds 0 .. "
            "--repeats - 1); remove it from the entry."
        )
    if "data_format" in overrides and is_transformer(spec):
        raise SystemExit(
            f"{spec!r}: data_format is set by the comparison (every classifier "
            "gets (n, channels, timepoints) series); remove it from the entry."
        )
    configuration = name.removeprefix("transformer-")
    if name == configuration or configuration not in CONFIGURATIONS:
        return _make_sktime_classifier(name, seed, overrides)
    params = configuration_params(configuration)
    params.update(overrides)
    params.update(data_format="channels_first", random_state=seed)
    try:
        classifier = TransformerTimeSeriesClassifier(**params)
        # A bad value is a mistake in the entry, refused before any fit (not
        # a failed run to retry on restart): every check fit makes of the
        # parameters, the contents of tuples and lists included.
        classifier._checked_params()
    except (TypeError, ValueError) as exc:  # an unknown name or a bad value
        raise SystemExit(f"{spec!r}: {exc}") from None
    return classifier


def _require_sktime():
    try:
        import sktime  # noqa: F401
    except ImportError as exc:
        raise SystemExit(
            "sktime is needed for the sktime classifiers: "
            'pip install -e ".[bench]" (or pip install sktime numba)'
        ) from exc


def _make_sktime_classifier(name, seed, overrides):
    _require_sktime()
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
    try:
        try:
            return cls(random_state=seed, **overrides)
        except TypeError:
            return cls(**overrides)  # a classifier without random_state
    except TypeError as exc:  # an unknown parameter name
        raise SystemExit(f"{name!r}: {exc}") from None


@cache
def _package_digest():
    """SHA-256 of this package's Python sources: changes whenever its code does."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(spec):
    """A short identifier of the code and parameters a ``--classifiers`` entry runs.

    Runs recorded under another fingerprint (older code of this package, or
    another sktime version, Keras backend or machine) are not reused when a
    comparison resumes: the fit times of one table come from one machine.
    """
    from .report import cpu_description  # (report imports this module)

    if is_transformer(spec):
        import keras

        code = f"{_package_digest()} ({keras.backend.backend()})"
    else:
        import sktime

        code = f"sktime {sktime.__version__}"
    params = make_classifier(spec, 0).get_params(deep=False)
    params.pop("random_state", None)
    text = json.dumps(
        [spec, code, params, cpu_description()], sort_keys=True, default=repr
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]
