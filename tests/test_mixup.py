"""``mixup``: training series mixed in pairs, with the same mixture of classes."""

import numpy as np
import pytest

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer._batches import SeriesBatches
from sktransformer.network.losses import SmoothedSparseCategoricalCrossentropy

from .conftest import TINY_TOKENISED


def _mixed_batch(X, y, lengths=None, alpha=0.4, seed=0):
    batches = SeriesBatches(
        X,
        y,
        None,
        np.arange(len(X)),
        len(X),
        np.random.default_rng(seed),
        lengths=lengths,
        n_classes=3,
        mixup=alpha,
    )
    return batches[0], batches.batches[0]


def test_each_series_is_mixed_with_another_and_so_are_their_classes():
    # Series i is the constant i: a mixture shows which series it took.
    X = np.arange(12, dtype="float32")[:, None, None] * np.ones((12, 5, 1), "float32")
    y = np.arange(12) % 3
    (x, target), rows = _mixed_batch(X, y)
    rows = np.sort(rows)
    assert target.shape == (12, 3) and target.dtype == np.float32
    np.testing.assert_allclose(target.sum(axis=1), 1.0, rtol=1e-6)
    lams = []
    for i, series in enumerate(x):
        own = X[rows[i], 0, 0]
        value = series[0, 0]
        assert np.allclose(series, value)  # one mixture per series
        # value = lam * own + (1 - lam) * other for one other series of the
        # batch, with lam >= 0.5, and the classes mixed alike.
        found = False
        for other in X[rows, 0, 0]:
            if other == own:
                continue
            lam = (value - other) / (own - other)
            if 0.5 - 1e-5 <= lam <= 1 + 1e-5:
                expected = np.zeros(3)
                expected[y[rows[i]]] += lam
                expected[int(other) % 3] += 1 - lam
                if np.allclose(target[i], expected, atol=1e-5):
                    found = True
                    lams.append(lam)
                    break
        assert found or np.allclose(target[i], np.eye(3)[y[rows[i]]])
    assert len(lams) >= 8 and np.std(lams) > 0.01  # drawn per series


def test_without_mixup_the_batches_are_those_of_before():
    X = np.random.default_rng(0).normal(size=(30, 8, 1)).astype("float32")
    y = np.arange(30) % 3
    plain = SeriesBatches(X, y, None, np.arange(30), 8, np.random.default_rng(1))
    one_hot = SeriesBatches(
        X, y, None, np.arange(30), 8, np.random.default_rng(1), n_classes=3
    )
    for i in range(len(plain)):
        (x0, y0), (x1, y1) = plain[i], one_hot[i]
        np.testing.assert_array_equal(x0, x1)
        np.testing.assert_array_equal(np.eye(3)[y0], y1)
    # Validation batches (no generator) are never mixed.
    held_out = SeriesBatches(X, y, None, np.arange(30), 8, n_classes=3, mixup=0.4)
    np.testing.assert_array_equal(held_out[0][0], X[:8])


def test_a_series_keeps_its_length_and_is_unmixed_where_the_other_is_shorter():
    lengths = np.array([6, 4, 6, 4, 5, 6])
    X = np.full((6, 6, 1), np.nan, "float32")
    for i, length in enumerate(lengths):
        X[i, :length] = i + 1
    (x, _), rows = _mixed_batch(X, np.arange(6) % 3, lengths=lengths)
    for series, row in zip(x, np.sort(rows), strict=True):
        length = lengths[row]
        assert np.isfinite(series[:length]).all()
        assert np.isnan(series[length:]).all()
        # Mixed up to the other series' length, its own value beyond it.
        values = list(dict.fromkeys(series[:length, 0].tolist()))
        assert len(values) <= 2
        if len(values) == 2:
            assert values[1] == row + 1


@pytest.mark.parametrize(
    "extra",
    [{}, {"n_members": 2, "label_smoothing": 0.1}, {"validation_split": 0.25}],
    ids=["single", "ensemble", "hold-out"],
)
def test_a_fit_with_mixup_learns_and_predicts(series_data, extra):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(
        **{**TINY_TOKENISED, "epochs": 8, "learning_rate": 3e-3},
        mixup=0.4,
        random_state=0,
        **extra,
    ).fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert clf.score(X, y) > 0.6
    assert np.isfinite(clf.history_["loss"]).all()
    assert "accuracy" in clf.history_
    assert clf.resolved_params_["mixup"] == 0.4
    # A warm fit may change its value, not switch it off: the network is
    # compiled for class probabilities as targets.
    clf.set_params(mixup=0.2).partial_fit(X, y)
    assert clf.resolved_params_["mixup"] == 0.2
    with pytest.raises(ValueError, match=r"built with mixup=0.2; got mixup=None"):
        clf.set_params(mixup=None).partial_fit(X, y)
    assert clf.predict_proba(X).shape == proba.shape  # still fitted


def test_mixup_fits_are_reproducible_and_differ_from_plain_fits(series_data):
    X, y = series_data
    params = {**TINY_TOKENISED, "epochs": 2, "random_state": 0}
    first = TransformerTimeSeriesClassifier(**params, mixup=0.4).fit(X, y)
    again = TransformerTimeSeriesClassifier(**params, mixup=np.float64(0.4)).fit(X, y)
    plain = TransformerTimeSeriesClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))
    assert not np.allclose(first.predict_proba(X), plain.predict_proba(X))


@pytest.mark.parametrize("bad", [0, -0.5, "0.4", [0.4]])
def test_bad_mixup_values_are_refused_clearly(series_data, bad):
    X, y = series_data
    with pytest.raises((ValueError, TypeError), match="'mixup' parameter"):
        TransformerTimeSeriesClassifier(mixup=bad, epochs=1).fit(X, y)


def test_the_loss_takes_class_probabilities_as_targets():
    rng = np.random.default_rng(0)
    pred = rng.dirichlet(np.ones(3), size=5).astype("float32")
    codes = rng.integers(0, 3, size=5)
    one_hot = np.eye(3, dtype="float32")[codes]
    for normalize in (True, False):
        loss = SmoothedSparseCategoricalCrossentropy(0.1, normalize=normalize)
        assert float(loss(one_hot, pred)) == pytest.approx(
            float(loss(codes, pred)), rel=1e-5
        )
    mixed = 0.7 * one_hot + 0.3 * np.eye(3, dtype="float32")[(codes + 1) % 3]
    loss = SmoothedSparseCategoricalCrossentropy(0.0)
    expected = -np.mean(np.sum(mixed * np.log(pred), axis=1))
    assert float(loss(mixed, pred)) == pytest.approx(expected, rel=1e-5)
