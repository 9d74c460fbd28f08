"""Validation of time-series panels: ``(n_series, n_timepoints, n_channels)``.

(And of the estimators' parameters, :func:`check_params`.)

Shared by the classifier and the preprocessing transformers. Built on
scikit-learn's :func:`~sklearn.utils.check_array`, which already gives clear
messages for sparse, complex, non-numeric, empty and non-finite input; this module
adds what is specific to 3D panels (dimensions, empty time axis, the shape seen at
fit) and always returns a new or read-only-safe array, never modifying the
caller's data.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import (
    InvalidParameterError,
    make_constraint,
    validate_parameter_constraints,
)

__all__ = [
    "check_series",
    "check_series_shape",
    "series_lengths",
    "fill_gaps",
    "refuse_underflow",
    "to_python",
    "check_params",
    "DATA_FORMATS",
]

#: The layouts of 3D input: Keras' (n, T, C) and sktime's/aeon's (n, C, T).
DATA_FORMATS = ("channels_last", "channels_first")
_LAYOUTS = {
    "channels_last": "(n_series, n_timepoints, n_channels)",
    "channels_first": "(n_series, n_channels, n_timepoints)",
}

_CHUNK = 1024  # series at a time, for checks that copy
_EXPECTED = (
    "a 3D array of shape (n_series, n_timepoints, n_channels) or a 2D array of "
    "shape (n_series, n_timepoints) for univariate series"
)


def check_series(
    X,
    *,
    dtype=np.float32,
    ensure_min_samples=1,
    input_name="X",
    data_format="channels_last",
    warn_layout=False,
    return_input_ndim=False,
    allow_nan=False,
):
    """Validate a panel of series and return it as a 3D float array.

    Parameters
    ----------
    X : array-like of shape (n_series, n_timepoints, n_channels) or \
            (n_series, n_timepoints)
        The series. Lists and any real dtype are accepted; 2D input is taken as
        univariate. The masked entries of a NumPy masked array are NaN.
    dtype : numpy dtype, default=np.float32
        dtype of the returned array (no copy if ``X`` already has it).
    ensure_min_samples : int, default=1
        Minimum number of series.
    input_name : str, default="X"
        Name used in error messages.
    data_format : {"channels_last", "channels_first"}, default="channels_last"
        Layout of 3D input; the result is always ``channels_last``.
    warn_layout : bool, default=False
        Warn when 3D input has more channels than time points, which usually
        means the other layout was meant (set at ``fit``).
    return_input_ndim : bool, default=False
        Also return the number of dimensions of the input (2 or 3).
    allow_nan : bool, default=False
        Accept NaN (padding and missing values, see :func:`series_lengths`) and
        series of different lengths: a list of ``(T_i, C)`` (``channels_first``:
        ``(C, T_i)``) or ``(T_i,)`` arrays becomes one array padded with
        trailing NaN. Infinities are refused either way.

    Returns
    -------
    ndarray of shape (n_series, n_timepoints, n_channels)
        A view of ``X`` when no conversion was needed, else a converted copy:
        never modify it in place.
    input_ndim : int
        Only with ``return_input_ndim=True``.

    Raises
    ------
    TypeError
        Sparse input.
    ValueError
        Wrong number of dimensions, no series, no time points or channels,
        NaN (unless ``allow_nan``) or infinity, complex or non-numeric values,
        ragged series (unless ``allow_nan``).
    """
    if X is None:
        raise ValueError(f"{input_name} is None; expected {_EXPECTED}.")
    X = _series_sequence(X, input_name, data_format)
    empty = isinstance(X, (list, tuple)) and not X
    empty |= isinstance(X, np.ndarray) and X.ndim == 1 and not X.size
    if empty and ensure_min_samples >= 1:
        raise ValueError(
            f"{input_name} holds no series (an empty {type(X).__name__}); expected "
            f"{_EXPECTED} with at least one series."
        )
    if isinstance(X, np.ndarray) and X.ndim in (0, 1) or _is_scalar(X):
        ndim = np.ndim(X)
        raise ValueError(
            f"Expected {_EXPECTED}; got a {ndim}D {input_name} with shape "
            f"{np.shape(X)}. Reshape your data: X.reshape(1, -1) for a single "
            "series, or X.reshape(-1, 1) for a set of length-1 series."
        )
    try:
        if isinstance(X, (list, tuple)):
            X = [_masked_as_nan(item) for item in X]
            X = _pad_ragged(X, data_format, input_name) if allow_nan else np.asarray(X)
        X = _masked_as_nan(X)
        kind = getattr(getattr(X, "dtype", None), "kind", None)
        if kind in ("U", "S", "V", "M", "m"):
            raise ValueError(
                f"{input_name} holds strings, records, dates or durations (dtype "
                f"{X.dtype}); expected real numbers: could not convert it to float."
            )
        source = X
        X = check_array(
            X,
            accept_sparse=False,
            dtype=dtype,
            allow_nd=True,
            ensure_min_samples=ensure_min_samples,
            ensure_all_finite="allow-nan" if allow_nan else True,
            input_name=input_name,
        )
    except TypeError as exc:  # pd.NA, mixed object columns, dates among numbers
        if "sparse" in str(exc).lower():
            raise
        # (A TypeError, as scikit-learn's estimators raise for such values.)
        raise TypeError(
            f"{input_name} could not be read as numbers: {exc}. Expected "
            f"{_EXPECTED} of real numbers (NaN for missing values)."
        ) from None
    except ValueError as exc:
        message = str(exc)
        if "inhomogeneous" in message or "sequence" in message:
            raise ValueError(
                f"{input_name} could not be read as {_EXPECTED}: its series have "
                "different lengths or shapes (ragged input), and series of one "
                "length are needed here: pad them at the end with NaN, or "
                f"resample them. Details: {message}"
            ) from None
        raise
    input_ndim = X.ndim
    if X.ndim not in (2, 3):
        raise ValueError(
            f"Expected {_EXPECTED}; got {input_name} with {X.ndim} dimensions and "
            f"shape {X.shape}."
        )
    cast, X = X, _channels_last(X, data_format)
    if X.shape[1] < 1 or X.shape[2] < 1:
        raise ValueError(
            f"{input_name} has shape {X.shape}: series need at least 1 time point "
            "and 1 channel."
        )
    refuse_underflow(source, cast, input_name, data_format=data_format)
    if warn_layout and input_ndim == 3:
        _warn_if_layout_looks_transposed(X, data_format, input_name)
    return (X, input_ndim) if return_input_ndim else X


def _channels_last(X, data_format):
    """A 2D or 3D panel in ``data_format`` as ``(n, T, C)`` (a view)."""
    if X.ndim == 3 and data_format == "channels_first":
        return X.transpose(0, 2, 1)
    return X[:, :, np.newaxis] if X.ndim == 2 else X


def refuse_underflow(
    source, X, input_name, *, data_format="channels_last", advice=None
):
    """Refuse channels that the cast of ``source`` to ``X`` turned into zeros.

    ``X`` is ``source`` (any array-like of numbers, 2D or 3D in
    ``data_format``) cast to a float dtype, in the same layout. A
    channel of a series whose values all lie below float32's smallest normal
    number (about 1.2e-38) reaches the network as zeros or subnormals with few
    digits: it is refused, unless the cast kept its values exactly (float32
    input already holding such values). Only the series whose cast channels
    look that small are read again from ``source``. ``advice`` replaces the
    default hint (scale the series first).
    """
    if X.dtype.kind != "f" or X.size == 0:
        return
    kind = getattr(getattr(source, "dtype", None), "kind", None)
    if kind in ("b", "i", "u") or (
        kind == "f" and source.dtype.itemsize <= X.dtype.itemsize
    ):
        return  # (exact: integers do not underflow, narrower floats widen)
    tiny = np.finfo(X.dtype).tiny
    X = _channels_last(X, data_format)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN channels
        for start in range(0, len(X), _CHUNK):
            peak = _peak(X[start : start + _CHUNK])
            rows = start + np.flatnonzero((peak < tiny).any(axis=1))
            if not len(rows):
                continue
            exact = _channels_last(_rows_as_float64(source, rows), data_format)
            exact_peak = _peak(exact)
            lost = (peak[rows - start] < tiny) & (exact_peak > 0)
            lost &= exact_peak != peak[rows - start]
            if lost.any():
                row, channel = np.argwhere(lost)[0]
                raise ValueError(
                    f"{input_name} holds series whose values all lie below "
                    f"{tiny:.3g} in magnitude (series {rows[row]}, channel "
                    f"{channel}: at most {exact_peak[row, channel]:.3g}): in "
                    f"{X.dtype} they would become zeros or lose their digits. "
                    + (
                        advice
                        or "Scale the series first, for example with sktransformer."
                        "TimeSeriesStandardScaler (it works in float64)."
                    )
                )


def _peak(X):
    """The largest magnitude of each channel of each series of ``X`` (n, T, C).

    NaN are ignored (NaN for a channel that is all NaN); no copy of ``X``.
    """
    return np.fmax(np.fmax.reduce(X, axis=1), -np.fmin.reduce(X, axis=1))


def _rows_as_float64(source, rows):
    """Rows ``rows`` of ``source`` (an array-like of numbers) as float64."""
    if type(source).__module__.partition(".")[0] == "pandas":
        return source.iloc[rows].to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(np.asarray(source)[rows], dtype=np.float64)


def _series_sequence(X, input_name, data_format):
    """A 1D sequence of series (object array, pandas Series) as a list of them.

    Other input is returned as it is. sktime's nested DataFrames (one cell
    per series and channel, each a pandas Series) become a list of
    ``(n_timepoints_i, n_channels)`` arrays (``(n_channels, n_timepoints_i)``
    for ``channels_first``, which reads them back): their layout is the same
    whatever ``data_format`` says.
    """
    is_object = getattr(getattr(X, "dtype", None), "kind", None) == "O"
    if isinstance(X, np.ndarray) and X.ndim == 1 and is_object:
        return list(X)
    module = type(X).__module__.partition(".")[0]
    if module != "pandas":
        return X
    if getattr(X, "ndim", 0) == 1 and is_object:  # a Series of series
        return list(X)
    dtypes = getattr(X, "dtypes", None)
    if getattr(X, "ndim", 0) == 2 and dtypes is not None and len(X.columns):
        if not all(d.kind == "O" for d in dtypes):
            return X
        cells = X.to_numpy()
        ndims = np.array([np.ndim(cell) for cell in cells.ravel()])
        if np.any(ndims == 1):
            # nested: rows of channels, a series in every cell
            if np.any(ndims != 1):
                row, column = np.unravel_index(np.argmax(ndims != 1), cells.shape)
                raise ValueError(
                    f"{input_name} is a nested DataFrame (a series in each cell), "
                    f"but its cell at index {X.index[row]!r}, column "
                    f"{X.columns[column]!r} holds {cells[row, column]!r}: every cell "
                    "needs a series (NaN inside a series for its missing values)."
                )
            try:
                series = [np.column_stack(list(row)) for row in cells]
            except ValueError:
                raise ValueError(
                    f"{input_name} is a nested DataFrame whose channels differ in "
                    "length within a series; every channel of a series needs the "
                    "same time points."
                ) from None
            return [s.T for s in series] if data_format == "channels_first" else series
    return X


def _masked_as_nan(X):
    """A masked array of numbers with NaN for its masked entries; else ``X``.

    The masked entries are missing values (or padding), not the data under the
    mask; the result is a float copy, so the caller's array is left alone.
    """
    if isinstance(X, np.ma.MaskedArray) and X.dtype.kind in ("b", "i", "u", "f"):
        return X.astype(np.float64).filled(np.nan)
    return X


def _pad_ragged(X, data_format, input_name):
    """A sequence of series of any lengths as one array padded with NaN.

    Each item is ``(T_i,)``, or ``(T_i, C)`` (``(C, T_i)`` for
    ``channels_first``); the result is ``(n, max T_i, C)`` in ``data_format``,
    or ``(n, max T_i)`` when every item is ``(T_i,)``. Sequences whose items
    share one shape are returned as they are.
    """
    items, given_shapes = [], set()
    for i, item in enumerate(X):
        kind = getattr(getattr(item, "dtype", None), "kind", None)
        if kind in ("U", "S") or isinstance(item, (str, bytes)):
            raise ValueError(
                f"{input_name}[{i}] holds text ({type(item).__name__}), not "
                "numbers: each series must be an array of numbers."
            )
        if kind in ("M", "m"):
            raise ValueError(
                f"{input_name}[{i}] holds dates or durations (dtype {item.dtype}), "
                "not numbers: pass the measured values of each series."
            )
        if kind == "c" or (kind is None and np.iscomplexobj(item)):
            # NumPy would cast it to real, dropping the imaginary parts.
            raise ValueError(
                f"{input_name}[{i}] holds complex numbers. Complex data not "
                "supported: pass the real and imaginary parts as two channels."
            )
        try:
            item = np.asarray(item, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{input_name}[{i}] could not be read as a series of numbers: {exc}"
            ) from None
        given_shapes.add(item.shape)
        if item.ndim == 1:
            item = item[:, np.newaxis]
        elif item.ndim == 2 and data_format == "channels_first":
            item = item.T
        elif item.ndim != 2:
            raise ValueError(
                f"{input_name}[{i}] has shape {item.shape}: each series must be "
                "(n_timepoints,) or (n_timepoints, n_channels)."
            )
        items.append(item)
    if len(given_shapes) <= 1:
        return np.asarray(X)
    # Below: series of different shapes, even if only (T,) beside (T, 1).
    channels = {item.shape[1] for item in items}
    if len(channels) > 1:
        raise ValueError(
            f"{input_name} holds series with different numbers of channels "
            f"({sorted(channels)}); every series needs the same channels."
        )
    padded = np.full((len(items), max(len(i) for i in items), channels.pop()), np.nan)
    for row, item in zip(padded, items, strict=True):
        row[: len(item)] = item
    if all(len(shape) == 1 for shape in given_shapes):
        # Univariate series of different lengths: a 2D panel, as those of one
        # length give (transformers then return them 2D too).
        return padded[:, :, 0]
    return padded.transpose(0, 2, 1) if data_format == "channels_first" else padded


def series_lengths(X, input_name="X"):
    """Length of each series of a NaN-padded ``channels_last`` panel.

    A series ends at its last time point with a value in any channel: the
    steps after it (NaN in every channel) are padding, as the UCR and UEA
    archives store series of unequal length. NaN before that point are
    missing values (see :func:`fill_gaps`).

    Parameters
    ----------
    X : ndarray of shape (n_series, n_timepoints, n_channels)
    input_name : str, default="X"

    Returns
    -------
    ndarray of int of shape (n_series,)

    Raises
    ------
    ValueError
        A series with no value at all.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer._validation import series_lengths
    >>> X = np.array([[1.0, np.nan, 3.0, np.nan], [1.0, 2.0, 3.0, 4.0]])[:, :, None]
    >>> series_lengths(X).tolist()
    [3, 4]
    """
    observed = ~np.isnan(X).all(axis=2)
    last = X.shape[1] - np.argmax(observed[:, ::-1], axis=1)
    empty = ~observed.any(axis=1)
    if np.any(empty):
        raise ValueError(
            f"{input_name} has {int(empty.sum())} series with no value at all (no "
            f"time point, or only NaN), the first at row {np.flatnonzero(empty)[0]}."
        )
    return last.astype(np.int64)


def fill_gaps(X, lengths):
    """Missing values inside series filled by linear interpolation in time.

    Within each series' length (:func:`series_lengths`), a NaN takes the
    value on the straight line between its channel's nearest observed values
    (before the first or after the last, that value; a channel with no value
    at all, 0). Padding stays NaN.

    Parameters
    ----------
    X : ndarray of shape (n_series, n_timepoints, n_channels)
    lengths : ndarray of int of shape (n_series,)

    Returns
    -------
    ndarray
        ``X`` itself when nothing is missing, else a filled copy.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer._validation import fill_gaps
    >>> X = np.array([[np.nan, 1.0, np.nan, 3.0, np.nan]])[:, :, None]
    >>> fill_gaps(X, np.array([4]))[0, :, 0].tolist()
    [1.0, 1.0, 2.0, 3.0, nan]
    """
    inside = np.arange(X.shape[1])[None, :] < lengths[:, None]
    gaps = np.isnan(X) & inside[:, :, None]
    if not gaps.any():
        return X
    X = X.copy()
    for i, c in zip(*np.nonzero(gaps.any(axis=1)), strict=True):
        values = X[i, : lengths[i], c]
        seen = ~np.isnan(values)
        if not seen.any():
            values[:] = 0.0
            continue
        steps = np.arange(len(values))
        values[~seen] = np.interp(steps[~seen], steps[seen], values[seen])
    return X


def _warn_if_layout_looks_transposed(X, data_format, input_name):
    n_timepoints, n_channels = X.shape[1:]
    if n_channels <= n_timepoints:
        return
    other = DATA_FORMATS[1 - DATA_FORMATS.index(data_format)]
    warnings.warn(
        f"{input_name} is read as {_LAYOUTS[data_format]} "
        f"(data_format={data_format!r}): {n_channels} channels of "
        f"{n_timepoints} time points. If {input_name} is laid out as "
        f"{_LAYOUTS[other]}, pass data_format={other!r}.",
        UserWarning,
        stacklevel=4,
    )


def check_series_shape(X, expected_shape, estimator_name, input_name="X"):
    """Raise ``ValueError`` unless the series in ``X`` have ``expected_shape``.

    Parameters
    ----------
    X : ndarray of shape (n_series, n_timepoints, n_channels)
    expected_shape : tuple of int
        ``(n_timepoints, n_channels)`` seen at fit.
    estimator_name : str
    input_name : str, default="X"
        Name used in the message.
    """
    got = tuple(X.shape[1:])
    expected = tuple(expected_shape)
    if got == expected:
        return
    if got[0] != expected[0]:
        # The first sentence is scikit-learn's wording for a feature-count
        # mismatch (n_features_in_ is the number of time points).
        head = (
            f"{input_name} has {got[0]} features, but {estimator_name} is "
            f"expecting {expected[0]} features as input."
        )
    else:
        head = (
            f"{input_name} has {got[1]} channels, but {estimator_name} is "
            f"expecting {expected[1]} channels as input."
        )
    raise ValueError(
        f"{head} Expected series of shape (n_timepoints, n_channels) = {expected} "
        f"as seen during fit, got {got} ({input_name}.shape = {X.shape})."
    )


def to_python(value):
    """NumPy scalars (also inside lists and tuples) as Python numbers.

    Keras and some validators want Python ``int``/``float``/``bool``; a
    parameter grid built with NumPy (``np.arange(1, 4)``) holds NumPy scalars.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer._validation import to_python
    >>> to_python((np.int64(4), np.float32(0.5)))
    (4, 0.5)
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return type(value)(to_python(v) for v in value)
    return value


#: Constraint names of scikit-learn's under which True and False are valid.
_TAKE_BOOLS = ("boolean", "verbose", "no_validation")


def check_params(estimator, names=None):
    """Check ``estimator``'s parameters against its ``_parameter_constraints``.

    scikit-learn's checks, plus one: ``True`` and ``False`` are refused where
    a parameter does not take booleans. scikit-learn's ``Interval(Integral,
    ...)`` accepts them (a bool is an int), but ``epochs=True`` is a mistake,
    not one epoch.

    Parameters
    ----------
    estimator : estimator with ``_parameter_constraints``
    names : iterable of str, optional
        Only these parameters (default: all).

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A ``ValueError`` and ``TypeError`` naming the parameter, what it
        takes and what it got.

    Examples
    --------
    >>> from sktransformer import TransformerTimeSeriesClassifier
    >>> from sktransformer._validation import check_params
    >>> try:
    ...     check_params(TransformerTimeSeriesClassifier(epochs=True))
    ... except ValueError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    The 'epochs' parameter of TransformerTimeSeriesClassifier must be an int in
    the range [1, inf) or a str among {'auto'}. Got True instead.
    """
    constraints = estimator._parameter_constraints
    params = estimator.get_params(deep=False)
    if names is not None:
        params = {name: params[name] for name in names}
    caller = type(estimator).__name__
    validate_parameter_constraints(constraints, params, caller_name=caller)
    for name, value in params.items():
        options = constraints.get(name, ())
        takes_bools = any(
            c is bool or (isinstance(c, str) and c in _TAKE_BOOLS) for c in options
        )
        if not isinstance(value, (bool, np.bool_)) or not options or takes_bools:
            continue
        described = [str(make_constraint(c)) for c in options]
        takes = (
            f"{', '.join(described[:-1])} or {described[-1]}"
            if len(described) > 1
            else described[0]
        )
        raise InvalidParameterError(
            f"The {name!r} parameter of {caller} must be {takes}. "
            f"Got {value!r} instead."
        )


def _is_scalar(X):
    return isinstance(X, (numbers.Number, str, bytes))
