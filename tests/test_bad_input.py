"""Every bad input gets a clear scikit-learn style error, never a Keras/TF trace.

One table: what is passed, to which method, the exception type and a fragment of
the message that names the problem. The user's arrays are checked unchanged.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from sktransformer import TransformerTimeSeriesClassifier

from .conftest import TINY

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 12, 1)).astype(np.float32)
Y = np.arange(40) % 2


def _with(value, index=(3, 4, 0), base=X):
    out = base.astype(np.float64)
    out[index] = value
    return out


# (id, method, X, y, extra fit kwargs, exception, message fragment)
FIT_CASES = [
    ("1d", X[:, 0, 0], Y, {}, ValueError, "Reshape your data"),
    ("4d", X[:, :, :, None], Y, {}, ValueError, "4 dimensions"),
    ("0d", np.float64(3.0), Y, {}, ValueError, "Reshape your data"),
    ("no samples", X[:0], Y[:0], {}, ValueError, "0 sample"),
    ("no time steps", X[:, :0], Y, {}, ValueError, "at least 1 time point"),
    ("no channels", X[:, :, :0], Y, {}, ValueError, "1 channel"),
    ("all nan", np.full_like(X, np.nan), Y, {}, ValueError, "no value at all"),
    ("inf", _with(np.inf), Y, {}, ValueError, "infinity"),
    ("-inf", _with(-np.inf), Y, {}, ValueError, "infinity"),
    ("complex", X + 1j, Y, {}, ValueError, "Complex data not supported"),
    ("strings", X.astype(str), Y, {}, ValueError, "could not convert"),
    (
        "object strings",
        np.full((40, 12), "a", dtype=object),
        Y,
        {},
        ValueError,
        "could not convert",
    ),
    (
        "ragged channels",
        [np.ones((2, 1)), np.ones((3, 2))],
        [0, 1],
        {},
        ValueError,
        "different numbers of channels",
    ),
    (
        "text in a ragged list",
        [np.ones(3), np.ones(5), "abc"],
        [0, 1, 0],
        {},
        ValueError,
        r"X\[2\] holds text",
    ),
    # NumPy casts complex to real when the series are padded to one length.
    (
        "complex in a ragged list",
        [np.ones(3), np.array([1 + 5j, 2, 3, 4]), [1j, 2j]],
        [0, 1],
        {},
        ValueError,
        r"X\[1\] holds complex numbers",
    ),
    (
        "dates in a ragged list",
        [np.ones(3), np.arange(4).astype("datetime64[D]")],
        [0, 1],
        {},
        ValueError,
        r"X\[1\] holds dates",
    ),
    ("sparse matrix", sp.csr_matrix(X[:, :, 0]), Y, {}, TypeError, "Sparse data"),
    ("sparse array", sp.csr_array(X[:, :, 0]), Y, {}, TypeError, "Sparse data"),
    ("X/y lengths", X, Y[:-1], {}, ValueError, "inconsistent numbers of samples"),
    ("single class", X, np.zeros(40), {}, ValueError, "at least 2 classes"),
    # A NumPy label is shown as the number it is, not as np.int64(3).
    ("single numpy class", X, np.full(40, 3), {}, ValueError, r"one class: 3\.$"),
    ("y nan", X, np.where(Y == 0, np.nan, 1.0), {}, ValueError, "y contains NaN"),
    ("y 2d", X, np.c_[Y, Y], {}, ValueError, "y should be a 1d array"),
    ("y continuous", X, np.linspace(0, 1, 40), {}, ValueError, "Unknown label type"),
    ("y none", X, None, {}, ValueError, "requires y to be passed"),
    (
        "sample_weight length",
        X,
        Y,
        {"sample_weight": np.ones(3)},
        ValueError,
        "sample_weight.shape",
    ),
]


@pytest.mark.parametrize(
    "X_bad, y_bad, kwargs, error, fragment",
    [case[1:] for case in FIT_CASES],
    ids=[case[0] for case in FIT_CASES],
)
def test_fit_rejects(X_bad, y_bad, kwargs, error, fragment):
    clf = TransformerTimeSeriesClassifier(**TINY)
    X_copy = _copy(X_bad)
    y_copy = _copy(y_bad)
    with pytest.raises(error, match=fragment) as info:
        clf.fit(X_bad, y_bad, **kwargs)
    _assert_not_from_the_framework(info)
    _assert_unchanged(X_bad, X_copy)
    _assert_unchanged(y_bad, y_copy)


PARAM_CASES = [
    ("zero heads", {"num_heads": 0}, "'num_heads' parameter"),
    ("negative head size", {"head_size": -1}, "'head_size' parameter"),
    ("dropout 1", {"dropout": 1.0}, "'dropout' parameter"),
    ("string epochs", {"epochs": "ten"}, "'epochs' parameter"),
    ("bad class_weight", {"class_weight": "auto"}, "'class_weight' parameter"),
    ("class_weight unknown class", {"class_weight": {7: 2.0}}, "not in the training"),
    ("unstratifiable hold-out", {"validation_split": 0.01}, "cannot hold out"),
    # A bool is an int to Python and to scikit-learn's Interval: refused anyway.
    ("True epochs", {"epochs": True}, "'epochs' parameter.*Got True"),
    ("NumPy True batch size", {"batch_size": np.True_}, "'batch_size' parameter"),
    ("False heads", {"num_heads": False}, "'num_heads' parameter"),
    ("True members", {"n_members": True}, "'n_members' parameter"),
    ("True seed", {"random_state": True}, "'random_state' parameter"),
    ("False shifts", {"test_time_shifts": False}, "'test_time_shifts' parameter"),
]


@pytest.mark.parametrize(
    "params, fragment",
    [case[1:] for case in PARAM_CASES],
    ids=[case[0] for case in PARAM_CASES],
)
def test_bad_parameters_fail_at_fit(params, fragment):
    clf = TransformerTimeSeriesClassifier(**TINY).set_params(**params)
    with pytest.raises(ValueError, match=fragment) as info:
        clf.fit(X, Y)
    _assert_not_from_the_framework(info)


def test_booleans_stay_accepted_where_a_parameter_takes_them():
    clf = TransformerTimeSeriesClassifier(
        **{**TINY, "early_stopping": np.False_, "verbose": False, "epochs": np.int64(1)}
    )
    assert clf.fit(X, Y).predict(X).shape == (len(X),)


def test_a_bool_given_after_fit_is_refused_at_prediction(fitted):
    clf = fitted.set_params(test_time_shifts=True)
    try:
        with pytest.raises(ValueError, match="'test_time_shifts' parameter"):
            clf.predict(X)
    finally:
        clf.set_params(test_time_shifts=1)


def test_set_params_rejects_unknown_names():
    with pytest.raises(ValueError, match="Invalid parameter .num_head."):
        TransformerTimeSeriesClassifier().set_params(num_head=2)


@pytest.fixture(scope="module")
def fitted():
    return TransformerTimeSeriesClassifier(**TINY, random_state=0).fit(X, Y)


PREDICT_CASES = [
    ("other length", X[:, :-2], ValueError, r"expecting 12 features.*\(10, 1\)"),
    ("other channels", np.repeat(X, 3, axis=2), ValueError, r"3 channels.*\(12, 3\)"),
    ("1d", X[0, :, 0], ValueError, "Reshape your data"),
    ("4d", X[:, :, :, None], ValueError, "4 dimensions"),
    ("all nan", np.full_like(X, np.nan), ValueError, "no value at all"),
    ("inf", _with(np.inf), ValueError, "infinity"),
    ("empty", X[:0], ValueError, "0 sample"),
    # An empty list was told to reshape(-1, 1), advice for a 1D array.
    ("empty list", [], ValueError, "holds no series"),
    ("empty 1d", np.array([]), ValueError, "holds no series"),
    ("sparse", sp.csr_matrix(X[:, :, 0]), TypeError, "Sparse data"),
]


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
@pytest.mark.parametrize(
    "X_bad, error, fragment",
    [case[1:] for case in PREDICT_CASES],
    ids=[case[0] for case in PREDICT_CASES],
)
def test_predict_rejects(fitted, method, X_bad, error, fragment):
    X_copy = _copy(X_bad)
    with pytest.raises(error, match=fragment) as info:
        getattr(fitted, method)(X_bad)
    _assert_not_from_the_framework(info)
    _assert_unchanged(X_bad, X_copy)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_unfitted(method):
    clf = TransformerTimeSeriesClassifier()
    args = (X, Y) if method == "score" else (X,)
    with pytest.raises(NotFittedError, match="not fitted"):
        getattr(clf, method)(*args)


def test_table_covers_at_least_25_bad_inputs():
    n_cases = len(FIT_CASES) + len(PARAM_CASES) + 1 + 2 * len(PREDICT_CASES) + 3
    assert n_cases >= 25


def _copy(value):
    if value is None or np.isscalar(value):
        return value
    if sp.issparse(value):
        return value.copy()
    return np.array(value, dtype=object if isinstance(value, list) else None)


def _assert_unchanged(value, copy):
    if value is None or np.isscalar(value):
        return
    if sp.issparse(value):
        assert (value != copy).nnz == 0
    elif isinstance(value, list):
        assert len(value) == len(copy)
    else:
        np.testing.assert_array_equal(value, copy)


def _assert_not_from_the_framework(info):
    """The error was raised by our checks, not deep inside Keras/TensorFlow."""
    origin = info.traceback[-1].frame.f_globals.get("__name__", "")
    assert not origin.startswith(("tensorflow", "keras")), origin
    assert "tensorflow" not in str(info.value).lower()


def test_a_data_format_changed_after_fit_is_refused_at_prediction():
    # Square series (T == C) would otherwise be read transposed, silently.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 4, 4)).astype("float32"), np.arange(16) % 2
    clf = TransformerTimeSeriesClassifier(**TINY, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    clf.set_params(data_format="channels_first")
    with pytest.raises(ValueError, match="fitted with 'channels_last'"):
        clf.predict_proba(X)
    clf.set_params(data_format="channels_last")
    np.testing.assert_array_equal(clf.predict_proba(X), expected)
