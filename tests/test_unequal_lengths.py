"""Series as they come: unequal lengths, missing values, several channels."""

import numpy as np
import pytest

from sktransformer import TimeSeriesStandardScaler, TransformerTimeSeriesClassifier
from sktransformer._batches import SeriesBatches
from sktransformer.network import build_transformer_classifier

TINY = dict(
    head_size=4,
    num_heads=1,
    ff_dim=4,
    num_transformer_blocks=1,
    mlp_units=(4,),
    epochs=2,
    batch_size=8,
    random_state=0,
)
#: The tokenised configurations, small.
TOKENISED = {
    "conv": dict(
        tokenizer="conv",
        stem_filters=(4, 4),
        embed_dim=8,
        position_embedding="learned",
        pooling="tokens",
        augmentation=("shift", "warp", "scale", "jitter", "roll", "reverse", "negate"),
        differences=True,
    ),
    "patch": dict(
        tokenizer="patch",
        patch_size=6,
        embed_dim=8,
        position_embedding="sinusoidal",
        pooling="tokens",
    ),
    # Relative positions: a bias per offset between tokens, in attention.
    "relative": dict(
        tokenizer="conv",
        stem_filters=(4,),
        embed_dim=8,
        position_embedding="relative",
        pooling="tokens",
    ),
    "tokens": dict(pooling="tokens", embed_dim=8, position_embedding="learned"),
    # The maximum over tokens must not see the padded (zeroed) tokens either.
    "tokens-max": dict(pooling="tokens-max", embed_dim=8, position_embedding="learned"),
    # Per-series standardisation takes its statistics over real steps only;
    # a stem at stride 1 (short series) masks as the stride-2 one above.
    "conv-norm": dict(
        tokenizer="conv",
        stem_filters=(4,),
        stem_stride=1,
        embed_dim=8,
        pooling="tokens",
        input_norm="series",
    ),
}
CONFIGURATIONS = {"seed": {}, **TOKENISED}


def ragged(n=24, channels=1, lengths=(9, 40), seed=0):
    """``n`` series of random lengths, classes told apart by their mean."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = [
        rng.normal(size=(rng.integers(*lengths), channels)) + 2.0 * label for label in y
    ]
    return X, y


def nan_padded(series, length):
    out = np.full((1, length, series.shape[1]), np.nan, dtype=np.float32)
    out[0, : len(series)] = series
    return out


@pytest.mark.parametrize(
    "name",
    # The seed and the conv stem run on JAX too (CI's contract run); the other
    # two share their masking layers.
    [
        pytest.param(name, marks=pytest.mark.contract)
        if name in ("seed", "conv")
        else name
        for name in sorted(CONFIGURATIONS)
    ],
)
def test_padding_does_not_change_a_prediction(name):
    X, y = ragged()
    clf = TransformerTimeSeriesClassifier(**TINY, **CONFIGURATIONS[name]).fit(X, y)
    assert clf.unequal_lengths_ and clf.n_timepoints_in_ == max(map(len, X))
    series = X[3]
    alone = clf.predict_proba([series])
    longest = clf.n_timepoints_in_
    for length in (len(series), len(series) + 5, longest):
        padded = clf.predict_proba(nan_padded(series, length))
        np.testing.assert_allclose(padded, alone, atol=1e-5)
    # In a batch with longer series, or as a list beside them.
    mixed = clf.predict_proba([X[0], series, np.zeros((longest, 1))])
    assert np.allclose(mixed[1], alone[0], atol=1e-5)


@pytest.mark.parametrize("name", sorted(TOKENISED))
def test_the_network_masks_padding_in_every_layer(name):
    options = {k: TINY[k] for k in ("head_size", "num_heads", "ff_dim")}
    model = build_transformer_classifier(
        (64, 2), 3, unequal_lengths=True, **options, **TOKENISED[name]
    )
    assert model.input_shape == (None, None, 2)  # batches of any length
    series = np.random.default_rng(1).normal(size=(23, 2)).astype("float32")
    outputs = [
        model.predict(nan_padded(series, length), verbose=0) for length in (23, 40, 64)
    ]
    for other in outputs[1:]:
        np.testing.assert_allclose(other, outputs[0], atol=1e-5)


def test_series_longer_or_shorter_than_any_seen():
    X, y = ragged(lengths=(10, 20))
    clf = TransformerTimeSeriesClassifier(**TINY, **TOKENISED["conv"]).fit(X, y)
    # Token pooling takes any length (positions beyond the longest seen
    # repeat the last one).
    assert clf.predict([np.ones(2), np.ones(clf.n_timepoints_in_ * 3)]).shape == (2,)
    # The seed's head has one input per time point seen: longer is refused.
    seed = TransformerTimeSeriesClassifier(**TINY, validation_split=0).fit(X, y)
    assert seed.predict([np.ones(2)]).shape == (1,)
    with pytest.raises(ValueError, match="longer than the longest seen at fit"):
        seed.predict([np.ones(seed.n_timepoints_in_ + 1)])


def test_a_network_fit_on_one_length_refuses_padded_series_clearly():
    X = np.random.default_rng(0).normal(size=(16, 12, 1))
    y = np.arange(16) % 2
    clf = TransformerTimeSeriesClassifier(**TINY).fit(X, y)
    assert not clf.unequal_lengths_
    padded = X[:2].copy()
    padded[0, 8:] = np.nan
    with pytest.raises(ValueError, match="fit on series of one length"):
        clf.predict(padded)
    # Every series padded, to the same shorter length: the same message, not
    # a feature count of an array the caller never passed.
    padded[:, 8:] = np.nan
    with pytest.raises(ValueError, match=r"one length \(12\).* lengths 8 to 8"):
        clf.predict(padded)
    with pytest.raises(ValueError, match="X has 10 features"):
        clf.predict(X[:, :10])
    # Padding beyond the fitted length is just padding.
    wider = np.concatenate([X, np.full((16, 3, 1), np.nan)], axis=1)
    np.testing.assert_array_equal(clf.predict_proba(wider), clf.predict_proba(X))


def test_lists_nan_padding_and_layouts_are_the_same_series():
    X, y = ragged(channels=2)
    longest = max(map(len, X))
    padded = np.concatenate([nan_padded(s, longest) for s in X])
    channels_first = [s.T for s in X]
    probas = []
    for data, layout in (
        (X, "channels_last"),
        (padded, "channels_last"),
        (channels_first, "channels_first"),
    ):
        clf = TransformerTimeSeriesClassifier(
            **TINY, **TOKENISED["conv"], data_format=layout
        ).fit(data, y)
        probas.append(clf.predict_proba(data))
    for proba in probas[1:]:
        np.testing.assert_allclose(proba, probas[0], atol=1e-5)


def test_univariate_series_may_be_1d_arrays():
    X, y = ragged()
    flat = [s[:, 0] for s in X]
    clf = TransformerTimeSeriesClassifier(**TINY, **TOKENISED["patch"]).fit(flat, y)
    assert clf.n_channels_in_ == 1 and clf.predict(flat).shape == (len(y),)


def test_1d_and_single_channel_series_may_be_mixed_at_one_length():
    # (T,) beside (T, 1) of one length was once refused as ragged input,
    # though the same mix of different lengths was accepted.
    rng = np.random.default_rng(0)
    y = np.arange(16) % 2
    X = [rng.normal(size=(12,) if i % 2 else (12, 1)) + y[i] for i in range(16)]
    stacked = np.stack([np.reshape(s, (12, 1)) for s in X])
    clf = TransformerTimeSeriesClassifier(**TINY).fit(X, y)
    assert (clf.n_timepoints_in_, clf.n_channels_in_) == (12, 1)
    assert not clf.unequal_lengths_
    np.testing.assert_allclose(
        clf.predict_proba(X), clf.predict_proba(stacked), atol=1e-6
    )
    scaled = TimeSeriesStandardScaler().fit_transform(X)
    np.testing.assert_allclose(
        scaled, TimeSeriesStandardScaler().fit_transform(stacked), atol=1e-6
    )


def test_ragged_input_errors_name_the_problem():
    clf = TransformerTimeSeriesClassifier(**TINY)
    with pytest.raises(ValueError, match="different numbers of channels"):
        clf.fit([np.ones((5, 1)), np.ones((6, 2))], [0, 1])
    with pytest.raises(ValueError, match="no value at all"):
        clf.fit([np.ones(5), np.full(6, np.nan)], [0, 1])
    with pytest.raises(ValueError, match=r"X\[1\] has shape"):
        clf.fit([np.ones(5), np.ones((2, 3, 1))], [0, 1])
    with pytest.raises(ValueError, match="infinity|infinite"):
        clf.fit([np.ones(5), np.array([1.0, np.inf])], [0, 1])


def test_missing_values_inside_series_are_interpolated_and_not_modified():
    X, y = ragged(lengths=(20, 30))
    clf = TransformerTimeSeriesClassifier(**TINY, **TOKENISED["conv"]).fit(X, y)
    series = X[0].copy()
    gappy = series.copy()
    gappy[[0, 5, 6, 7]] = np.nan
    filled = series.copy()
    filled[0] = series[1]
    filled[5:8, 0] = np.interp([5, 6, 7], [4, 8], series[[4, 8], 0])
    kept = gappy.copy()
    np.testing.assert_allclose(
        clf.predict_proba([gappy]), clf.predict_proba([filled]), atol=1e-6
    )
    np.testing.assert_array_equal(gappy, kept)  # the caller's series untouched
    assert clf.__sklearn_tags__().input_tags.allow_nan


def test_masked_entries_of_a_masked_array_are_missing_values():
    X, y = ragged(lengths=(20, 30))
    clf = TransformerTimeSeriesClassifier(**TINY, **TOKENISED["conv"]).fit(X, y)
    padded = np.concatenate([nan_padded(series, 30) for series in X[:4]])
    data = np.nan_to_num(padded, nan=0.0)
    mask = np.isnan(padded)
    mask[0, 5:8] = True  # gaps inside the first series, padding elsewhere
    masked = np.ma.masked_array(data.copy(), mask=mask)
    as_nan = np.where(mask, np.nan, data)
    expected = clf.predict_proba(as_nan)
    np.testing.assert_array_equal(clf.predict_proba(masked), expected)
    np.testing.assert_array_equal(clf.predict_proba(list(masked)), expected)
    np.testing.assert_array_equal(masked.data, data)  # the caller's array untouched


def test_equal_length_series_with_gaps_train_an_equal_length_network():
    X = np.random.default_rng(0).normal(size=(16, 12, 1))
    X[::3, 4] = np.nan
    y = np.arange(16) % 2
    clf = TransformerTimeSeriesClassifier(**TINY).fit(X, y)
    assert not clf.unequal_lengths_ and np.isfinite(clf.predict_proba(X)).all()


def test_seeded_fits_on_unequal_lengths_are_reproducible():
    X, y = ragged()
    params = {**TINY, **TOKENISED["conv"], "random_state": 3}
    first = TransformerTimeSeriesClassifier(**params).fit(X, y).predict_proba(X)
    second = TransformerTimeSeriesClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


def test_length_buckets_keep_padding_low():
    lengths = np.random.default_rng(0).integers(100, 1300, size=500)
    X = np.zeros((500, lengths.max(), 1), np.float32)
    rng = np.random.default_rng(0)
    batches = SeriesBatches(X, None, None, np.arange(500), 16, rng, lengths, 8)
    for _ in range(5):
        batches.on_epoch_end()
    assert batches.padding_fraction < 0.15
    # Padding everything to the longest series would waste half the steps.
    assert 1 - lengths.mean() / lengths.max() > 0.4
    # Every epoch serves every row once; the first two batches differ in length
    # (Keras reads the data's shape from them).
    assert sorted(batches.order.tolist()) == list(range(500))
    first = SeriesBatches(X, None, None, np.arange(500), 16, rng, lengths, 8)
    assert first[0][0].shape[1] < first[1][0].shape[1]


@pytest.mark.parametrize(
    "lengths",
    [
        [10] + [16] * 23,  # every batch rounds to one length (the first did twice)
        [16] * 24,
        [3, 16, 16, 16, 16, 16, 16, 9, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16],
        list(range(1, 41)),
    ],
    ids=["one-short", "all-equal", "two-short", "spread"],
)
@pytest.mark.parametrize("training", [True, False])
def test_every_plan_serves_every_row_once(lengths, training):
    lengths = np.asarray(lengths)
    X = np.zeros((len(lengths), lengths.max(), 1), np.float32)
    rng = np.random.default_rng(0) if training else None
    batches = SeriesBatches(X, None, None, np.arange(len(X)), 8, rng, lengths, 4)
    for _ in range(3):  # the sorted first plan, then shuffled ones
        served = np.concatenate([batches[i][0][:, :1, 0] for i in range(len(batches))])
        assert sorted(batches.order.tolist()) == list(range(len(X)))
        assert len(served) == len(X)
        batches.on_epoch_end()


def test_predict_when_few_series_are_shorter():
    # Most series at full length and one shorter: every prediction batch
    # rounds to the same length. The first batch was served twice and the
    # last never, so predict raised a broadcasting error.
    rng = np.random.default_rng(0)
    X = [rng.normal(size=16 if i else 10) for i in range(24)]
    y = np.arange(24) % 2
    clf = TransformerTimeSeriesClassifier(**TINY, pooling="tokens").fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (24, 2)
    # Each row is that series' own prediction.
    np.testing.assert_allclose(proba[5:6], clf.predict_proba(X[5:6]), atol=1e-6)


def test_fit_records_the_padding_it_processed():
    X, y = ragged(lengths=(5, 60))
    clf = TransformerTimeSeriesClassifier(**TINY, **TOKENISED["conv"]).fit(X, y)
    assert 0 < clf.padding_fraction_ < 0.5
    # The seed network (pooling="channels") takes every batch at the full
    # length: all of its padding is processed (it reported 0).
    seed = TransformerTimeSeriesClassifier(**TINY, validation_split=0).fit(X, y)
    lengths = np.array([len(s) for s in X])
    assert seed.padding_fraction_ == pytest.approx(1 - lengths.mean() / lengths.max())
    assert seed.padding_fraction_ > clf.padding_fraction_
    equal = TransformerTimeSeriesClassifier(**TINY)
    equal.fit(np.ones((8, 6)), np.arange(8) % 2)
    assert equal.padding_fraction_ == 0.0


def test_scaler_scales_ragged_and_gappy_series_over_their_values():
    X = [np.array([1.0, 2.0, 3.0]), np.array([5.0, np.nan, 7.0, 9.0, 11.0])]
    scaler = TimeSeriesStandardScaler().fit(X)
    out = scaler.transform(X)
    # 1D series in, a 2D (NaN-padded) panel out, as for 1D series of one length.
    assert out.shape == (2, 5) and np.isnan(out[0, 3:]).all()
    np.testing.assert_allclose(np.nanmean(out, axis=1), 0, atol=1e-6)
    np.testing.assert_allclose(np.nanstd(out, axis=1), 1, atol=1e-6)
    assert np.isnan(out[1, 1])  # missing values stay missing
    assert scaler.transform([np.ones(7)]).shape == (1, 7)  # any length
    assert scaler.transform([np.ones(7), np.ones(4)]).shape == (2, 7)
    # Series given as (T_i, 1) stay 3D.
    columns = [series[:, None] for series in X]
    np.testing.assert_array_equal(scaler.transform(columns)[:, :, 0], out)


def test_pipeline_on_ragged_series():
    from sklearn.pipeline import make_pipeline

    X, y = ragged()
    pipe = make_pipeline(
        TimeSeriesStandardScaler(),
        TransformerTimeSeriesClassifier(**TINY, **TOKENISED["conv"]),
    )
    assert pipe.fit(X, y).predict(X[:5]).shape == (5,)


def test_a_real_multivariate_unequal_length_problem():
    datasets = pytest.importorskip("aeon.datasets")
    X, y = datasets.load_japanese_vowels(split="train")  # list of (12, T_i)
    X_test, y_test = datasets.load_japanese_vowels(split="test")
    params = dict(
        TOKENISED["conv"],
        stem_filters=(16,),
        embed_dim=32,
        head_size=8,
        num_heads=4,
        ff_dim=32,
        num_transformer_blocks=1,
        mlp_units=(),
        epochs=15,
        batch_size=32,
        learning_rate=3e-3,
        random_state=0,
        data_format="channels_first",
    )
    clf = TransformerTimeSeriesClassifier(**params).fit(X, y)
    assert clf.n_channels_in_ == 12 and clf.unequal_lengths_
    # 9 speakers: chance is about 0.11.
    assert clf.score(X_test, y_test) > 0.6


@pytest.mark.parametrize("name", ["seed", "conv"])
def test_a_masked_network_survives_pickling_and_cloning(name):
    import pickle

    from sklearn.base import clone

    X, y = ragged()
    clf = TransformerTimeSeriesClassifier(**TINY, **CONFIGURATIONS[name]).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))
    assert restored.unequal_lengths_
    assert not hasattr(clone(clf), "model_")
