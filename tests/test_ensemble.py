"""``n_members``: an ensemble of independent networks inside one Keras model."""

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer.network import NETWORK_OPTIONS, build_transformer_classifier
from sktransformer.network.layers import MemberAverage
from sktransformer.network.losses import SmoothedSparseCategoricalCrossentropy

from .conftest import TINY_TOKENISED

SMALL = TINY_TOKENISED


def test_the_training_loss_is_the_mean_of_the_members_own_losses():
    rng = np.random.default_rng(0)
    members = [rng.dirichlet(np.ones(4), size=6).astype("float32") for _ in range(3)]
    y = rng.integers(0, 4, size=6)
    mean = np.asarray(MemberAverage()(members))
    np.testing.assert_allclose(mean, np.mean(members, axis=0), rtol=1e-6)
    np.testing.assert_allclose(mean.sum(axis=1), 1.0, rtol=1e-6)
    trained = MemberAverage()(members, training=True)
    for smoothing in (0.0, 0.1):
        ensemble = SmoothedSparseCategoricalCrossentropy(smoothing, normalize=False)
        single = SmoothedSparseCategoricalCrossentropy(smoothing)
        own = np.mean([float(single(y, p)) for p in members])
        assert float(ensemble(y, trained)) == pytest.approx(own, rel=1e-5)
    # On a distribution, both forms of the loss agree.
    assert float(ensemble(y, members[0])) == pytest.approx(
        float(single(y, members[0])), rel=1e-5
    )


def test_members_are_independent_networks_with_their_own_weights():
    single = build_transformer_classifier((32, 1), 3, **SMALL)
    model = build_transformer_classifier((32, 1), 3, n_members=3, **SMALL)
    assert NETWORK_OPTIONS["n_members"] == 1
    assert model.count_params() == 3 * single.count_params()
    names = [layer.name for layer in model.layers]
    assert names[1:4] == ["member0", "member1", "member2"]
    first = [w.numpy() for w in model.get_layer("member0").weights]
    second = [w.numpy() for w in model.get_layer("member1").weights]
    assert any(not np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    # One member is the single network, layer for layer.
    assert [type(x) for x in model.get_layer("member0").layers] == [
        type(x) for x in single.layers
    ]
    for bad in (0, 2.0, True):
        with pytest.raises(ValueError, match="n_members"):
            build_transformer_classifier((32, 1), 3, n_members=bad, **SMALL)
    pair = build_transformer_classifier((32, 1), 3, n_members=np.int64(2), **SMALL)
    assert pair.count_params() == 2 * single.count_params()


def _data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 24, 1)).astype("float32")
    y = np.arange(n) % 2
    X[y == 1, 8:16] += 1.5
    return X, y


def test_an_ensemble_predicts_the_mean_of_its_members():
    X, y = _data(48, 0)
    before = X.copy()
    clf = TransformerTimeSeriesClassifier(
        **SMALL,
        n_members=np.int64(2),  # NumPy integers are integers
        learning_rate=1e-2,
        batch_size=16,
        epochs=15,
        validation_split=0.0,
        early_stopping=False,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(X, before)
    proba = clf.predict_proba(X)
    members = [
        np.asarray(clf.model_.get_layer(f"member{k}")(X, training=False))
        for k in range(2)
    ]
    np.testing.assert_allclose(proba, np.mean(members, axis=0), atol=1e-5)
    assert not np.allclose(members[0], members[1], atol=1e-3)
    assert clf.score(*_data(48, 1)) >= 0.8
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), proba, atol=1e-6)
    # The same seed gives the same ensemble.
    again = clone(clf).fit(X, y)
    np.testing.assert_allclose(again.predict_proba(X), proba, atol=1e-5)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "3"])
def test_n_members_must_be_a_positive_integer(bad):
    clf = TransformerTimeSeriesClassifier(n_members=bad, epochs=1)
    with pytest.raises(ValueError, match="'n_members' parameter"):
        clf.fit(np.zeros((4, 8, 1)), [0, 1, 0, 1])


def test_unequal_lengths_are_masked_in_every_member():
    rng = np.random.default_rng(2)
    series = [rng.normal(size=(t, 1)).astype("float32") for t in (9, 14, 20, 11) * 4]
    y = np.arange(16) % 2
    clf = TransformerTimeSeriesClassifier(
        **SMALL,
        n_members=2,
        batch_size=8,
        epochs=2,
        validation_split=0.0,
        early_stopping=False,
        random_state=0,
    ).fit(series, y)
    alone = clf.predict_proba(series[:1])
    padded = np.concatenate([series[0], np.full((11, 1), np.nan, "float32")])
    np.testing.assert_allclose(clf.predict_proba(padded[None]), alone, atol=1e-5)
    assert isinstance(clf.model_.get_layer("member1"), keras.Model)
