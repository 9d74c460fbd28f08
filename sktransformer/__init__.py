"""sktransformer: a Transformer time-series classifier as a scikit-learn estimator.

>>> from sktransformer import TransformerTimeSeriesClassifier
"""

from .classifier import InconsistentPickleWarning, TransformerTimeSeriesClassifier
from .preprocessing import TimeSeriesStandardScaler

__all__ = [
    "TransformerTimeSeriesClassifier",
    "TimeSeriesStandardScaler",
    "InconsistentPickleWarning",
    "__version__",
]
__version__ = "0.1.0"
