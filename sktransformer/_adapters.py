"""What the sktime and aeon adapters share: the estimator they delegate to.

Neither sktime nor aeon is imported here: :mod:`sktransformer.sktime` and
:mod:`sktransformer.aeon` are the only modules that need them.
"""

from __future__ import annotations

from collections.abc import Mapping

from .classifier import TransformerTimeSeriesClassifier
from .recommended import configuration_params

__all__ = ["make_estimator", "fast_params", "channels_first"]

# A network small enough for the frameworks' checks (a fit takes a second),
# run eagerly: compiling its steps would take longer than the few steps do.
# One epoch: sktime's suite alone fits it about 85 times.
_SMALL = {
    "head_size": 4,
    "num_heads": 1,
    "ff_dim": 4,
    "num_transformer_blocks": 1,
    "epochs": 1,
    "run_eagerly": True,
}


def make_estimator(configuration, params, random_state):
    """The scikit-learn estimator an adapter delegates to, for (n, C, T) arrays."""
    if params is not None and not isinstance(params, Mapping):
        raise TypeError(
            "params must be a dict of TransformerTimeSeriesClassifier parameters "
            f"(or None), got {type(params).__name__} {params!r:.60}."
        )
    return TransformerTimeSeriesClassifier(
        **{
            **configuration_params(configuration),
            **(params or {}),
            "data_format": "channels_first",
            "random_state": random_state,
        }
    )


def channels_first(X):
    """The frameworks' panels as the estimator reads them (``channels_first``).

    ``numpy3D`` arrays ``(n, C, T)`` and aeon's ``np-list`` (a list of
    ``(C, T_i)`` arrays) already are; sktime's ``df-list`` (a list of
    ``(T_i, C)`` DataFrames, for unequal lengths) is transposed.
    """
    if isinstance(X, list) and X and hasattr(X[0], "to_numpy"):
        return [frame.to_numpy(dtype=float).T for frame in X]
    return X


def fast_params():
    """Fast instances of both configurations, for ``get_test_params``."""
    return [
        {
            "configuration": "seed",
            "params": {**_SMALL, "mlp_units": (8,), "validation_split": 0.0},
            "random_state": 0,
        },
        {
            "configuration": "recommended",
            # One network: the checks are of the adapter, and n_members="auto"
            # would train three on their small data (tests/test_recommended.py
            # covers the ensemble).
            "params": {**_SMALL, "embed_dim": 8, "stem_filters": (8,), "n_members": 1},
            "random_state": 0,
        },
    ]
