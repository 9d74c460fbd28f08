"""Preprocessing transformers for panels of time series (scikit-learn API)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ._validation import (
    DATA_FORMATS,
    check_params,
    check_series,
    check_series_shape,
    series_lengths,
)

__all__ = ["TimeSeriesStandardScaler"]


class TimeSeriesStandardScaler(
    OneToOneFeatureMixin,
    TransformerMixin,
    BaseEstimator,
    # Its output is (n, T, C): no DataFrame holds it, so scikit-learn's
    # set_output (and a global transform_output="pandas") must not wrap it.
    auto_wrap_output_keys=None,
):
    """Z-normalise every series, channel by channel, over its own time axis.

    Each series ``x`` (one channel of one sample) becomes
    ``(x - mean(x)) / std(x)``; a constant series becomes all zeros. This is the
    normalisation of the UCR archive, applied per series: nothing is learned
    from the training set, so train and test series are scaled alike. ``fit``
    only records the series' shape, which ``transform`` then checks.

    Series of unequal lengths (a list of arrays, or padded with trailing NaN)
    and missing values (NaN) are scaled over their values; NaN stay NaN and a
    list becomes one NaN-padded array. After a fit on unequal lengths,
    ``transform`` takes series of any length.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract each series' mean.
    with_std : bool, default=True
        Divide by each series' standard deviation.
    data_format : {"channels_last", "channels_first"}, default="channels_last"
        Layout of 3D input, as for the classifier:
        ``(n_series, n_timepoints, n_channels)`` or sktime's and aeon's
        ``(n_series, n_channels, n_timepoints)``. The output keeps the layout
        of the input.

    Notes
    -----
    Means and standard deviations are accumulated in float64 whatever the
    input's dtype, on series first divided by their largest magnitude, so
    series of any finite amplitude (1e-23 or 1e20 in float32, 1e300 in float64)
    are scaled correctly.

    Attributes
    ----------
    n_timepoints_in_ : int
        Length of the series seen during ``fit``.
    n_channels_in_ : int
        Channels of the series seen during ``fit``.
    n_features_in_ : int
        Same as ``n_timepoints_in_``.
    unequal_lengths_ : bool
        Whether the series seen during ``fit`` had unequal lengths.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer.preprocessing import TimeSeriesStandardScaler
    >>> X = np.array([[[1.0], [2.0], [3.0]], [[10.0], [10.0], [10.0]]])
    >>> TimeSeriesStandardScaler().fit_transform(X)[:, :, 0].round(3)
    array([[-1.225,  0.   ,  1.225],
           [ 0.   ,  0.   ,  0.   ]])
    """

    _parameter_constraints: dict = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "data_format": [StrOptions(set(DATA_FORMATS))],
    }

    def __init__(self, *, with_mean=True, with_std=True, data_format="channels_last"):
        self.with_mean = with_mean
        self.with_std = with_std
        self.data_format = data_format

    def fit(self, X, y=None):
        """Record the shape of the series.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timepoints[, n_channels])
        y : ignored

        Returns
        -------
        self : TimeSeriesStandardScaler
        """
        check_params(self)
        X = check_series(
            X,
            dtype=(np.float64, np.float32),
            data_format=self.data_format,
            warn_layout=True,
            allow_nan=True,
        )
        self.n_timepoints_in_, self.n_channels_in_ = X.shape[1:]
        self.n_features_in_ = X.shape[1]
        self.unequal_lengths_ = bool(series_lengths(X).min() < X.shape[1])
        return self

    def transform(self, X):
        """Z-normalise each series and channel.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timepoints[, n_channels])

        Returns
        -------
        ndarray of the same shape as X
            A new array (``X`` is never modified); float32 input stays float32.
        """
        check_is_fitted(self)
        X, input_ndim = check_series(
            X,
            dtype=(np.float64, np.float32),
            data_format=self.data_format,
            return_input_ndim=True,
            allow_nan=True,
        )
        expected = (
            X.shape[1] if self.unequal_lengths_ else self.n_timepoints_in_,
            self.n_channels_in_,
        )
        check_series_shape(X, expected, type(self).__name__)
        # float64 throughout: float32 sums of squares overflow at amplitude
        # ~1e19 and underflow at ~1e-23.
        out = X.astype(np.float64)  # a new array: X is never modified
        if self.with_std:
            # z-normalisation ignores each series' scale: divide by its largest
            # magnitude first, so squares cannot overflow even in float64.
            peak = _nan_statistic(np.nanmax, np.abs(out))
            peak[peak == 0] = 1.0
            out /= peak
        if self.with_mean:
            out -= _nan_statistic(np.nanmean, out)
        if self.with_std:
            std = _nan_statistic(np.nanstd, out)
            std[std == 0] = 1.0
            out /= std
        out = out.astype(X.dtype, copy=False)
        if input_ndim == 2:
            return out[:, :, 0]
        if self.data_format == "channels_first":
            return out.transpose(0, 2, 1)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _nan_statistic(statistic, X):
    """``statistic`` over time, ignoring NaN; a channel with no value gives 0."""
    with np.errstate(all="ignore"):
        observed = ~np.isnan(X).all(axis=1, keepdims=True)
        safe = np.where(observed, X, 0.0)
        return np.where(observed, statistic(safe, axis=1, keepdims=True), 0.0)
