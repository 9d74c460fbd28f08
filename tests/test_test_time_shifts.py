"""``test_time_shifts``: probabilities averaged over time-shifted copies."""

import numpy as np
import pytest

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer._batches import SeriesBatches

from .conftest import TINY, TINY_TOKENISED
from .test_unequal_lengths import nan_padded, ragged


def _served(X, shift, lengths=None):
    batches = SeriesBatches(
        X, None, None, np.arange(len(X)), len(X), lengths=lengths, shift=shift
    )
    return batches[0][0], batches.order


def test_a_shifted_copy_moves_each_series_within_its_own_length():
    ramp = np.arange(20, dtype="float32")[None, :, None]
    x, _ = _served(ramp, 0.1)
    # Two steps later (10% of 20), the last value repeated at the end.
    np.testing.assert_array_equal(x[0, :, 0], np.r_[np.arange(2, 20), 19, 19])
    x, _ = _served(ramp, -0.1)
    np.testing.assert_array_equal(x[0, :, 0], np.r_[0, 0, np.arange(18)])
    # A NaN-padded series of length 10 moves by one step; padding stays NaN.
    padded = np.vstack([ramp, nan_padded(np.arange(10.0)[:, None], 20)])
    x, order = _served(padded, 0.1, lengths=np.array([20, 10]))
    short = x[list(order).index(1), :, 0]
    np.testing.assert_array_equal(short[:10], np.r_[np.arange(1, 10), 9])
    assert np.isnan(short[10:]).all()
    # No shift serves the series as they are.
    np.testing.assert_array_equal(_served(ramp, 0.0)[0], ramp)


@pytest.fixture
def fitted(series_data):
    X, y = series_data
    params = dict(TINY_TOKENISED, epochs=2, batch_size=16, augmentation=("shift",))
    return TransformerTimeSeriesClassifier(**params, random_state=0).fit(X, y), X


def test_probabilities_are_the_mean_over_the_shifted_copies(fitted):
    clf, X = fitted
    alone = clf.predict_proba(X)
    copies = []
    for fraction in (-0.1, 0.0, 0.1):
        step = int(np.rint(fraction * X.shape[1]))
        index = np.clip(np.arange(X.shape[1]) + step, 0, X.shape[1] - 1)
        copies.append(clf.predict_proba(X[:, index]))
    clf.set_params(test_time_shifts=3)  # a prediction-time parameter: no refit
    averaged = clf.predict_proba(X)
    np.testing.assert_allclose(averaged, np.mean(copies, axis=0), atol=1e-6)
    assert not np.allclose(averaged, alone)
    np.testing.assert_allclose(averaged.sum(axis=1), 1.0)
    assert np.array_equal(clf.predict(X), clf.classes_[averaged.argmax(axis=1)])
    X_before = X.copy()
    clf.predict_proba(X)
    np.testing.assert_array_equal(X, X_before)  # the caller's series untouched


@pytest.mark.parametrize("bad", [0, -3, 2.5, "3", None])
def test_bad_values_are_refused_at_fit_and_at_prediction(fitted, bad):
    clf, X = fitted
    with pytest.raises((ValueError, TypeError), match="'test_time_shifts' parameter"):
        clf.set_params(test_time_shifts=bad).predict_proba(X)
    with pytest.raises((ValueError, TypeError), match="'test_time_shifts' parameter"):
        clf.fit(X, np.arange(len(X)) % 2)


def test_numpy_integers_are_numbers(fitted):
    clf, X = fitted
    clf.set_params(test_time_shifts=np.int64(3))
    assert clf.predict_proba(X).shape == (len(X), 2)


def test_shifted_copies_keep_a_prediction_independent_of_padding():
    X, y = ragged()
    clf = TransformerTimeSeriesClassifier(
        **TINY_TOKENISED, epochs=2, batch_size=8, random_state=0, test_time_shifts=5
    ).fit(X, y)
    series = X[3]
    alone = clf.predict_proba([series])
    for length in (len(series) + 5, clf.n_timepoints_in_):
        np.testing.assert_allclose(
            clf.predict_proba(nan_padded(series, length)), alone, atol=1e-5
        )


@pytest.mark.parametrize(
    "network",
    [
        pytest.param(dict(TINY, pooling="channels"), id="seed-channels-pooling"),
        pytest.param(TINY_TOKENISED, id="tokenised"),
    ],
)
def test_each_series_moves_within_its_own_length_whatever_the_network(network):
    # The seed network (channel pooling) is served whole-length batches, not
    # batches cut by length: its copies were once moved by 10% of the
    # longest fitted series, so a short series' copy could be all padding.
    X, y = ragged(lengths=(3, 40))
    clf = TransformerTimeSeriesClassifier(
        **{**network, "epochs": 2, "batch_size": 8}, random_state=0
    ).fit(X, y)
    rng = np.random.default_rng(1)
    for length in (3, 20):
        series = rng.normal(size=(length, 1)).astype("float32")
        copies = []
        for fraction in (-0.1, 0.0, 0.1):
            step = int(np.rint(fraction * length))
            copies.append(series[np.clip(np.arange(length) + step, 0, length - 1)])
        expected = np.mean(
            [clf.set_params(test_time_shifts=1).predict_proba([c]) for c in copies],
            axis=0,
        )
        averaged = clf.set_params(test_time_shifts=3).predict_proba([series])
        np.testing.assert_allclose(averaged, expected, atol=1e-5)
