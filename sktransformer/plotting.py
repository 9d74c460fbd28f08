"""Training curves (matplotlib, an optional dependency: ``pip install matplotlib``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["plot_history"]


def plot_history(history, *, path=None, title=None):
    """Draw loss and accuracy per epoch, for training and validation.

    Parameters
    ----------
    history : estimator or dict of str to sequence of float
        A fitted :class:`~sktransformer.TransformerTimeSeriesClassifier` (its
        ``history_``); a fitted Pipeline ending in one, search (its
        ``best_estimator_``) or sktime/aeon adapter (its ``estimator_``); or
        such a dict, with keys ``loss``, ``accuracy`` and optionally
        ``val_loss``, ``val_accuracy`` (lists or arrays), or a DataFrame of
        those columns (``pd.DataFrame(clf.history_)``).
    path : str or path-like, optional
        Also save the figure there (PNG by extension).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from sktransformer.plotting import plot_history
    >>> fig = plot_history({"loss": [0.7, 0.5], "accuracy": [0.5, 0.8]})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_history needs matplotlib: pip install matplotlib "
            '(or pip install -e ".[bench]")'
        ) from exc
    history = _innermost(history)
    if hasattr(history, "get_params"):
        from sklearn.exceptions import NotFittedError

        if not hasattr(history, "history_"):
            if getattr(history, "refit", True) is False and hasattr(
                history, "cv_results_"
            ):
                raise NotFittedError(
                    f"This {type(history).__name__} was fitted with refit=False: "
                    "it keeps no fitted estimator, hence no training history. "
                    "Fit it with refit=True, or fit the estimator of your choice "
                    "with its best_params_."
                )
            if _is_fitted(history):
                raise TypeError(
                    f"This {type(history).__name__} is fitted but keeps no "
                    "training history (history_): plot_history draws that of a "
                    "TransformerTimeSeriesClassifier, or of a Pipeline, search or "
                    "sktime/aeon adapter holding one."
                )
            raise NotFittedError(
                f"This {type(history).__name__} is not fitted yet: fit it before "
                "plotting its training history."
            )
        if "loss" not in history.history_:  # initialize() builds, not trains
            raise NotFittedError(
                f"This {type(history).__name__} has not been trained for any "
                "epoch: fit it before plotting its training history."
            )
        history = history.history_
    if hasattr(history, "columns") and hasattr(history, "to_dict"):
        history = {name: history[name].to_numpy() for name in history.columns}
    if not isinstance(history, Mapping) or "loss" not in history:
        raise ValueError(
            "history has no 'loss': pass a fitted estimator (or a Pipeline ending "
            f"in one) or its history_ dict, got {type(history).__name__}."
        )
    for name, values in history.items():
        if values is not None and np.ndim(values) != 1:
            raise ValueError(
                f"history[{name!r}] must be a sequence of numbers, one per epoch; "
                f"got {type(values).__name__} {values!r:.60}."
            )
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        for prefix, label in (("", "training"), ("val_", "validation")):
            values = history.get(prefix + metric)
            if values is not None and len(values):
                epochs = range(1, len(values) + 1)
                ax.plot(epochs, values, marker=".", label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(True, alpha=0.3)
        if ax.lines:
            ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def _innermost(obj):
    """The estimator that holds the history, inside the wrappers users fit."""
    while True:
        if hasattr(obj, "steps"):  # a Pipeline: its final estimator
            obj = obj[-1]
        elif hasattr(obj, "best_estimator_"):  # a fitted search, refitted
            obj = obj.best_estimator_
        elif not hasattr(obj, "history_") and hasattr(obj, "estimator_"):
            obj = obj.estimator_  # the sktime and aeon adapters
        else:
            return obj


def _is_fitted(estimator):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except (NotFittedError, TypeError):
        return False
    return True
