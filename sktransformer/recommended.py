"""The recommended configuration: fixed choices plus rules resolved from the data.

:func:`recommended_params` gives the parameters we tell users to start from.
Some of them are ``"auto"``: at ``fit`` the estimator resolves each from the
training set (number of series, length, channels, classes) with the rules
below, and records the values it used in ``resolved_params_``. Any of them can
be overridden with a number, and searched with ``GridSearchCV`` like any
parameter.

==================  =====================================================
parameter           ``"auto"`` resolves to
==================  =====================================================
``n_members``       3 networks whose probabilities are averaged (an
                    ensemble) for at most 100 series, else 1
``batch_size``      ``n / 10`` rounded to a power of two, within 16..64,
                    and never more than ``n`` (the whole set when tiny); an
                    epoch's batches share the ``n`` series evenly
``epochs``          enough epochs for about ``TARGET_STEPS`` optimizer steps
                    (shared by the members of an ensemble, ``n_members``),
                    within ``MIN_EPOCHS``..``MAX_EPOCHS``
``warmup_epochs``   5% of ``epochs``
``stem_filters``    one stride-2 stage per halving that keeps at least 8
                    tokens (1 to 4 stages): length 80 -> 10 tokens, 128 ->
                    8, 300 -> 19, 500 -> 32, 1,250 -> 79
``stem_stride``     2, or 1 (one stage, a token per time step) for series
                    shorter than 16 time points, too short to halve once
``input_norm``      ``"series"`` when the series' scales span orders of
                    magnitude (the 90th percentile of their standard
                    deviations at least ``SCALE_SPREAD`` times the 10th),
                    else ``"none"``
==================  =====================================================

The rules were chosen by cross-validation inside the training sets of the
development panel (``benchmarks/panel_study``); the test sets were only scored
for the final comparison (``python -m sktransformer.benchmark --panel
development``, recorded in ``benchmarks/RESULTS.md``).

>>> from sktransformer import TransformerTimeSeriesClassifier
>>> from sktransformer.recommended import recommended_params
>>> clf = TransformerTimeSeriesClassifier(**recommended_params())
>>> clf.epochs
'auto'
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

__all__ = [
    "recommended_params",
    "configuration_params",
    "CONFIGURATIONS",
    "resolve_auto",
    "TrainingSet",
    "AUTO",
    "AUTO_PARAMETERS",
    "RECOMMENDED_PARAMS",
]

#: The value that asks for a data-dependent rule.
AUTO = "auto"
#: Optimizer steps aimed at by ``epochs="auto"``.
TARGET_STEPS = 3000
MIN_EPOCHS = 60
MAX_EPOCHS = 1500
#: Fewest tokens ``stem_filters="auto"`` keeps, and its stages' filters.
MIN_TOKENS = 8
STEM_STAGE_FILTERS = (16, 32, 64, 64)
#: ``n_members="auto"``: this many networks for at most this many series.
ENSEMBLE_MEMBERS = 3
ENSEMBLE_MAX_SERIES = 100


#: Ratio of the 90th to the 10th percentile of the series' standard deviations
#: from which ``input_norm="auto"`` brings every series to unit scale.
SCALE_SPREAD = 100.0
_CHUNK = 1024


@dataclass(frozen=True)
class TrainingSet:
    """What the rules may look at: the shape of the training set.

    ``scale_spread`` is the ratio of the 90th to the 10th percentile of the
    series' standard deviations (pooled over channels; constant series left
    out): 1 for z-normalised series, about 11 for AllGestureWiimoteX's
    accelerations, about 10^5 for PLAID's currents.
    """

    n_series: int
    n_timepoints: int
    n_channels: int
    n_classes: int
    scale_spread: float = 1.0

    @classmethod
    def from_series(cls, X, n_timepoints, n_classes):
        """The training set of NaN-padded ``(n, T, C)`` series ``X``."""
        # A few series at a time: no float64 copy of a large X.
        var = np.empty(len(X))
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN channels
            for start in range(0, len(X), _CHUNK):
                chunk = np.nanvar(X[start : start + _CHUNK], axis=1, dtype=np.float64)
                var[start : start + _CHUNK] = np.nanmean(chunk, axis=1)
        std = np.sqrt(var[np.isfinite(var) & (var > 0)])
        spread = 1.0
        if len(std):
            low, high = np.percentile(std, [10, 90])
            spread = float(high / low)
        return cls(len(X), int(n_timepoints), X.shape[2], int(n_classes), spread)


def _n_members(data, params):
    # A network fitted to few series varies a lot with its initial weights
    # and augmentation draws; averaging a few costs no fit time, since the
    # members share the optimizer steps of ``epochs="auto"``.
    return ENSEMBLE_MEMBERS if data.n_series <= ENSEMBLE_MAX_SERIES else 1


def _batch_size(data, params):
    power = 2 ** round(math.log2(max(data.n_series / 10, 1)))
    return max(1, min(data.n_series, min(max(power, 16), 64)))


def _epochs(data, params):
    # The members of an ensemble (n_members) share the budget: the same fit
    # time whatever their number.
    steps = TARGET_STEPS / params.get("n_members", 1)
    steps_per_epoch = math.ceil(data.n_series / params["batch_size"])
    return min(max(math.ceil(steps / steps_per_epoch), MIN_EPOCHS), MAX_EPOCHS)


def _warmup_epochs(data, params):
    return 0.05 * params["epochs"]


def _input_norm(data, params):
    return "series" if data.scale_spread >= SCALE_SPREAD else "none"


def _stem_filters(data, params):
    # At least one stage, even below 2 * MIN_TOKENS time points: without a
    # convolution, a univariate series is embedded value by value (Dense, then
    # LayerNorm), which keeps little more than each value's sign. Tried at
    # stop 23: the sktime/aeon unit-test problem (length 24) fell to chance.
    halvings = math.floor(math.log2(max(data.n_timepoints / MIN_TOKENS, 1)))
    return STEM_STAGE_FILTERS[: min(max(halvings, 1), len(STEM_STAGE_FILTERS))]


def _stem_stride(data, params):
    # A stride-2 stage would leave fewer than MIN_TOKENS tokens: keep every
    # step (the strong convolutional baselines never downsample).
    return 1 if data.n_timepoints < 2 * MIN_TOKENS else 2


#: The parameters that accept ``"auto"`` and their rules, in resolution order
#: (a rule may use the values resolved before it).
_RULES = {
    "n_members": _n_members,
    "batch_size": _batch_size,
    "epochs": _epochs,
    "warmup_epochs": _warmup_epochs,
    "stem_filters": _stem_filters,
    "stem_stride": _stem_stride,
    "input_norm": _input_norm,
}
AUTO_PARAMETERS = tuple(_RULES)


def resolve_auto(params, data):
    """A copy of ``params`` with every ``"auto"`` value resolved for ``data``.

    Parameters
    ----------
    params : dict
        Estimator parameters (as from ``get_params``).
    data : TrainingSet
        The shape of the training set.

    Returns
    -------
    dict

    Examples
    --------
    >>> from sktransformer.recommended import TrainingSet, resolve_auto
    >>> data = TrainingSet(n_series=30, n_timepoints=128, n_channels=1, n_classes=3)
    >>> resolved = resolve_auto(
    ...     {"batch_size": "auto", "epochs": "auto", "warmup_epochs": 3,
    ...      "stem_filters": "auto"}, data)
    >>> resolved["batch_size"], resolved["epochs"], resolved["stem_filters"]
    (16, 1500, (16, 32, 64, 64))
    """
    resolved = dict(params)
    for name, rule in _RULES.items():
        if isinstance(resolved.get(name), str) and resolved[name] == AUTO:
            resolved[name] = rule(data, resolved)
    return resolved


#: The recommended parameters (``"auto"`` where a rule decides).
RECOMMENDED_PARAMS: dict = {
    "tokenizer": "conv",
    "stem_filters": AUTO,
    "stem_stride": AUTO,
    "embed_dim": 64,
    "position_embedding": "learned",
    "num_transformer_blocks": 3,
    "num_heads": 4,
    "head_size": 16,
    "ff_dim": 128,
    "ff_activation": "gelu",
    "dropout": 0.1,
    "attention_dropout": 0.0,
    "drop_path": 0.1,
    "final_norm": True,
    "pooling": "tokens",
    "n_members": AUTO,
    "mlp_units": (),
    "mlp_dropout": 0.2,
    # Class-safe only: roll, reversal and sign flips change the class of
    # problems such as BME (where in the series a bell appears).
    "augmentation": ("shift", "scale", "jitter"),
    # Series whose scales span orders of magnitude (PLAID's currents) are
    # brought to unit scale one by one; others keep their amplitude as it is.
    "input_norm": AUTO,
    "learning_rate": 1e-3,
    "weight_decay": 0.05,
    "clipnorm": 1.0,
    "lr_schedule": "cosine",
    "warmup_epochs": AUTO,
    "label_smoothing": 0.1,
    "batch_size": AUTO,
    "epochs": AUTO,
    "validation_split": 0.0,
    "early_stopping": False,
    # Prediction averages 5 copies of each series shifted by -10, -5, 0, 5
    # and 10% of its length (the "shift" augmentation's range): no fit time.
    "test_time_shifts": 5,
}


def recommended_params():
    """The recommended estimator parameters, as a new dict.

    Returns
    -------
    dict
        Keyword arguments for
        :class:`~sktransformer.TransformerTimeSeriesClassifier`; ``"auto"``
        values are resolved from the training set at ``fit`` (see the module's
        table) and recorded in the fitted ``resolved_params_``.

    Examples
    --------
    >>> from sktransformer import TransformerTimeSeriesClassifier
    >>> from sktransformer.recommended import recommended_params
    >>> clf = TransformerTimeSeriesClassifier(**{**recommended_params(), "epochs": 100})
    """
    return dict(RECOMMENDED_PARAMS)


#: The named configurations (the comparison command and the sktime and aeon
#: adapters take these names): the seed's recipe (the estimator's defaults) and
#: the recommended one.
CONFIGURATIONS = ("seed", "recommended")


def configuration_params(name):
    """The estimator parameters of a named configuration, as a new dict.

    Parameters
    ----------
    name : {"seed", "recommended"}

    Returns
    -------
    dict

    Examples
    --------
    >>> from sktransformer.recommended import configuration_params
    >>> configuration_params("seed")
    {}
    >>> configuration_params("recommended")["epochs"]
    'auto'
    """
    if name == "seed":
        return {}
    if name == "recommended":
        return recommended_params()
    raise ValueError(
        f"Unknown configuration {name!r}: choose one of {list(CONFIGURATIONS)}."
    )
