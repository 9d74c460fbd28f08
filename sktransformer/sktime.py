"""The classifier as an sktime estimator (the optional ``[sktime]`` extra).

:class:`TransformerClassifier` is an sktime ``BaseClassifier`` that delegates to
:class:`~sktransformer.TransformerTimeSeriesClassifier`: sktime's benchmarking,
pipelines, registry and ``clone`` see a native classifier taking its
``numpy3D`` layout ``(n_cases, n_channels, n_timepoints)``, and series of
unequal lengths (``df-list``) or with missing values (see the estimator).

>>> from sktransformer.sktime import TransformerClassifier
>>> clf = TransformerClassifier("recommended", params={"epochs": 50})
>>> clf.get_tag("capability:multivariate")
True
"""

from __future__ import annotations

from sktime.classification.base import BaseClassifier

from ._adapters import channels_first, fast_params, make_estimator

__all__ = ["TransformerClassifier"]


class TransformerClassifier(BaseClassifier):
    """sktime classifier: the Transformer of sktransformer, by configuration name.

    Parameters
    ----------
    configuration : {"recommended", "seed"}, default="recommended"
        ``"recommended"``: :func:`sktransformer.recommended.recommended_params`
        (``"auto"`` values resolved from the training set); ``"seed"``: the
        Keras example's network and recipe (the estimator's defaults).
    params : dict, optional
        Parameters of :class:`~sktransformer.TransformerTimeSeriesClassifier`
        that replace the configuration's (for example ``{"epochs": 100}``).
        ``data_format`` and ``random_state`` are set by this adapter.
    random_state : int, RandomState instance or None, default=None
        Seed of everything random in the fit; an int gives identical
        predictions on every fit.

    Attributes
    ----------
    estimator_ : TransformerTimeSeriesClassifier
        The fitted scikit-learn estimator (its ``resolved_params_`` are the
        values the fit used).

    Examples
    --------
    >>> from sktime.datasets import load_unit_test
    >>> from sktransformer.sktime import TransformerClassifier
    >>> X, y = load_unit_test(split="train", return_type="numpy3D")
    >>> clf = TransformerClassifier(
    ...     "recommended", params={"epochs": 2, "n_members": 1}, random_state=0)
    >>> clf.fit(X, y).predict_proba(X[:3]).shape
    (3, 2)
    """

    _tags = {
        "authors": ["sktransformer developers"],
        "maintainers": ["sktransformer developers"],
        "python_dependencies": ["sktransformer", "tensorflow"],
        "X_inner_mtype": ["df-list", "numpy3D"],
        "y_inner_mtype": "numpy1D",
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:missing_values": True,
        "capability:predict_proba": True,
        "capability:random_state": True,
        "property:randomness": "derandomized",
    }

    def __init__(self, configuration="recommended", params=None, random_state=None):
        self.configuration = configuration
        self.params = params
        self.random_state = random_state
        super().__init__()

    def _fit(self, X, y):
        self.estimator_ = make_estimator(
            self.configuration, self.params, self.random_state
        ).fit(channels_first(X), y)
        return self

    def _predict(self, X):
        return self.estimator_.predict(channels_first(X))

    def _predict_proba(self, X):
        return self.estimator_.predict_proba(channels_first(X))

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Small, fast instances of both configurations (for sktime's checks).

        Returns
        -------
        list of dict
        """
        return fast_params()
