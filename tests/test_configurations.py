"""Capabilities beyond the seed: tokenisers, positions, normalisation, pooling,
augmentation, schedule, AdamW, label smoothing, and the recommended configuration.

Every option defaults to the seed (tested in test_classifier.py); here each one
is shown to build what it says and to train through the estimator.
"""

import keras
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer.network import build_transformer_classifier
from sktransformer.network.layers import (
    DropPath,
    PositionEmbedding,
    SeriesAugmentation,
    SeriesDifferences,
)
from sktransformer.network.losses import SmoothedSparseCategoricalCrossentropy
from sktransformer.recommended import RECOMMENDED_PARAMS

from .conftest import TINY, TINY_TOKENISED, assert_pickles_and_saves

SMALL = dict(
    head_size=4,
    num_heads=2,
    ff_dim=8,
    num_transformer_blocks=1,
    mlp_units=(),
    mlp_dropout=0.0,
    learning_rate=1e-2,
    batch_size=16,
    epochs=2,
    validation_split=0.0,
    early_stopping=False,
)


def _layer_kinds(model):
    return [type(layer).__name__ for layer in model.layers]


# --------------------------------------------------------------------------- #
# The network's options
# --------------------------------------------------------------------------- #


def test_conv_stem_halves_the_length_per_stage_and_embeds():
    model = build_transformer_classifier(
        (500, 1),
        2,
        tokenizer="conv",
        stem_filters=(8, 16, 32),
        embed_dim=24,
        head_size=4,
        num_heads=2,
        num_transformer_blocks=1,
        pooling="tokens",
    )
    assert model.get_layer("embedding_norm").output.shape == (None, 63, 24)
    assert _layer_kinds(model).count("BatchNormalization") == 3
    # Token pooling: one feature per channel of the residual stream.
    assert model.get_layer("pool").output.shape == (None, 24)


@pytest.mark.parametrize(
    "patch_size, patch_stride, tokens", [(16, None, 11), (10, 10, 10), (5, 1, 96)]
)
def test_patches(patch_size, patch_stride, tokens):
    model = build_transformer_classifier(
        (100, 3),
        2,
        tokenizer="patch",
        patch_size=patch_size,
        patch_stride=patch_stride,
        embed_dim=8,
        head_size=4,
        num_heads=1,
        num_transformer_blocks=1,
    )
    assert model.get_layer("embedding_norm").output.shape == (None, tokens, 8)
    # Seed pooling over channels: one feature per token.
    assert model.get_layer("pool").output.shape == (None, tokens)


def test_patch_longer_than_the_series_is_a_clear_error():
    with pytest.raises(ValueError, match="patch_size=32 is longer than the series"):
        build_transformer_classifier((20, 1), 2, tokenizer="patch", patch_size=32)


def test_learned_positions_are_weights_and_sinusoids_are_not():
    kwargs = dict(tokenizer="none", embed_dim=6, head_size=2, num_heads=1)
    learned = build_transformer_classifier(
        (10, 1), 2, position_embedding="learned", **kwargs
    )
    fixed = build_transformer_classifier(
        (10, 1), 2, position_embedding="sinusoidal", **kwargs
    )
    assert learned.get_layer("position_embedding").count_params() == 10 * 6
    assert fixed.get_layer("position_embedding").count_params() == 0
    assert learned.count_params() == fixed.count_params() + 60
    # Sinusoids make identical time steps distinguishable.
    layer = fixed.get_layer("position_embedding")
    out = np.asarray(layer(np.zeros((1, 10, 6), "float32")))
    assert len({tuple(row) for row in out[0].round(5)}) == 10


def test_post_norm_puts_layer_norm_after_each_residual_sum():
    model = build_transformer_classifier(
        (20, 1),
        2,
        head_size=4,
        num_heads=1,
        num_transformer_blocks=1,
        norm_first=False,
        fast_attention=False,
    )
    kinds = _layer_kinds(model)
    assert kinds[1:10] == [
        "MultiHeadAttention",
        "Dropout",
        "Add",
        "LayerNormalization",
        "Conv1D",
        "Dropout",
        "Conv1D",
        "Add",
        "LayerNormalization",
    ]


def test_final_norm_drop_path_and_activation():
    model = build_transformer_classifier(
        (20, 1),
        2,
        tokenizer="none",
        embed_dim=4,
        head_size=4,
        num_heads=1,
        num_transformer_blocks=2,
        drop_path=0.2,
        final_norm=True,
        ff_activation="gelu",
    )
    rates = [layer.rate for layer in model.layers if isinstance(layer, DropPath)]
    # Both branches of each block; linear in depth up to drop_path.
    assert rates == pytest.approx([0.1, 0.1, 0.2, 0.2])
    assert model.get_layer("final_norm") is not None
    assert model.get_layer("block0_ff_in").activation is keras.activations.gelu


def test_recommended_network_on_forda_shape():
    clf = TransformerTimeSeriesClassifier(**RECOMMENDED_PARAMS, random_state=0)
    # FordA's 3,601 training series: one network, not an ensemble.
    clf.initialize(np.zeros((3601, 500, 1), "float32"), np.arange(3601) % 2)
    assert clf.resolved_params_["n_members"] == 1
    # Four stem stages of 16, 32, 64 and 64 filters (32 tokens of 64): 154,418
    # weights (299,106 with the stem of twice the width used before stop 31).
    assert clf.model_.count_params() == 154_418
    assert clf.model_.get_layer("augmentation").augmentations == (
        "shift",
        "scale",
        "jitter",
    )
    optimizer = clf.model_.optimizer
    assert isinstance(optimizer, keras.optimizers.AdamW)
    assert optimizer.weight_decay == pytest.approx(0.05)
    assert optimizer.clipnorm == pytest.approx(1.0)
    assert clf.model_.loss.get_config()["label_smoothing"] == pytest.approx(0.1)


# --------------------------------------------------------------------------- #
# Layers
# --------------------------------------------------------------------------- #


def test_augmentation_is_identity_at_inference_and_label_preserving_in_training():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 30, 2)).astype("float32")
    layer = SeriesAugmentation(("roll", "reverse", "negate"), seed=1)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    out = np.asarray(layer(x, training=True))
    assert out.shape == x.shape
    n_changed = 0
    for series, augmented in zip(x, out, strict=True):
        candidates = [
            sign * np.roll(s, shift, axis=0)
            for s in (series, series[::-1])
            for sign in (1, -1)
            for shift in range(30)
        ]
        assert any(np.allclose(augmented, c) for c in candidates)
        n_changed += not np.allclose(augmented, series)
    assert n_changed > 48  # nearly every series is transformed


def test_each_augmentation_alone():
    x = np.arange(1, 41, dtype="float32").reshape(4, 10, 1)
    reverse = np.asarray(SeriesAugmentation(["reverse"], seed=0)(x, training=True))
    negate = np.asarray(SeriesAugmentation(["negate"], seed=0)(x, training=True))
    roll = np.asarray(SeriesAugmentation(["roll"], seed=0)(x, training=True))
    for i in range(4):
        assert np.array_equal(reverse[i], x[i]) or np.array_equal(
            reverse[i], x[i, ::-1]
        )
        assert np.array_equal(negate[i], x[i]) or np.array_equal(negate[i], -x[i])
        assert sorted(roll[i].ravel()) == sorted(x[i].ravel())
    with pytest.raises(ValueError, match="Unknown augmentations"):
        SeriesAugmentation(["mixup"])
    # One name as a string (its letters were read as unknown names).
    with pytest.raises(ValueError, match=r"got the string 'shift'; write \('shift',\)"):
        build_transformer_classifier((16, 1), 2, augmentation="shift")


def test_warp_stretches_or_squeezes_time_about_the_centre_within_ten_percent():
    # A ramp t -> t - centre stays a ramp through the centre: its slope is
    # the warp factor (clipped to the edge values where squeezed).
    steps, centre = 41, 20.0
    ramp = np.arange(steps, dtype="float32") - centre
    x = np.tile(ramp[None, :, None], (64, 1, 2))
    out = np.asarray(SeriesAugmentation(["warp"], seed=0)(x, training=True))
    slopes = []
    for series in out:
        np.testing.assert_array_equal(series[:, 0], series[:, 1])
        assert series[20, 0] == pytest.approx(0.0, abs=1e-5)
        middle = np.polyfit(np.arange(15, 26), series[15:26, 0], 1)[0]
        slopes.append(middle)
        assert ramp[0] <= series.min() and series.max() <= ramp[-1]
        assert np.all(np.diff(series[:, 0]) >= -1e-6)  # time keeps its order
    slopes = np.array(slopes)
    assert np.all((1 / 1.1 - 1e-4 <= slopes) & (slopes <= 1 / 0.9 + 1e-4))
    assert slopes.std() > 0.02  # a factor drawn per series
    np.testing.assert_array_equal(
        np.asarray(SeriesAugmentation(["warp"], seed=0)(x, training=False)), x
    )


def test_warp_of_a_padded_series_stays_within_its_length():
    x = np.sin(np.linspace(0, 6, 50, dtype="float32"))[None, :, None]
    x = np.repeat(x, 8, axis=0)
    padded = np.concatenate([x, np.zeros((8, 30, 1), "float32")], axis=1)
    lengths = np.full(8, 50)
    equal = SeriesAugmentation(["warp"], seed=3)(x, training=True)
    within = SeriesAugmentation(["warp"], seed=3)(
        padded, lengths=lengths, training=True
    )
    np.testing.assert_allclose(np.asarray(within)[:, :50], equal, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(within)[:, 50:], 0.0)


def test_differences_add_each_channels_slope_and_stop_at_each_length():
    x = np.cumsum(np.random.default_rng(0).normal(size=(3, 10, 2)), axis=1)
    x = x.astype("float32")
    out = np.asarray(SeriesDifferences()(x))
    assert out.shape == (3, 10, 4)
    np.testing.assert_array_equal(out[:, :, :2], x)
    np.testing.assert_array_equal(out[:, 0, 2:], 0.0)
    np.testing.assert_allclose(out[:, 1:, 2:], np.diff(x, axis=1), rtol=1e-6)
    # Zeros beyond each series' length stay zeros, slope channels included.
    padded = x.copy()
    padded[1, 6:] = 0.0
    out = np.asarray(SeriesDifferences()(padded, lengths=np.array([10, 6, 10])))
    np.testing.assert_array_equal(out[1, 6:], 0.0)
    np.testing.assert_allclose(out[1, 1:6, 2:], np.diff(x[1, :6], axis=0), rtol=1e-6)


@pytest.mark.parametrize("network", ["seed", "conv"])
def test_the_differences_option_trains_on_slope_channels(series_data, network):
    X, y = series_data
    tokenised = network == "conv"
    params = {**(TINY_TOKENISED if tokenised else TINY), "epochs": 1}
    clf = TransformerTimeSeriesClassifier(
        **params, differences=True, random_state=0
    ).fit(X, y)
    assert clf.model_.get_layer("differences").output.shape[-1] == 2
    assert clf.predict_proba(X).shape == (len(X), 2)
    with pytest.raises(ValueError, match="'differences' parameter"):
        TransformerTimeSeriesClassifier(differences="yes").fit(X, y)


def test_differences_take_the_slope_of_the_standardised_series(series_data):
    # With input_norm="series", the slope of the series' own (standardised)
    # channels is added after its level and scale channels, and the
    # standardisation adapts to the series as given (a defect once).
    X, y = series_data
    X = np.concatenate([X, 1e6 * X], axis=2)  # two channels
    clf = TransformerTimeSeriesClassifier(
        **{**TINY_TOKENISED, "epochs": 1},
        differences=True,
        input_norm="series",
        random_state=0,
    ).fit(X, y)
    norm = clf.model_.get_layer("input_norm").output.shape[-1]
    assert clf.model_.get_layer("differences").output.shape[-1] == norm + 2
    assert np.isfinite(clf.predict_proba(X)).all()


def test_drop_path_drops_whole_series():
    x = np.ones((400, 5, 3), "float32")
    layer = DropPath(0.25, seed=0)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    out = np.asarray(layer(x, training=True))
    per_series = np.unique(out.reshape(400, -1), axis=1)
    assert per_series.shape[1] == 1  # each series kept or dropped as a whole
    kept = per_series.ravel() != 0
    np.testing.assert_allclose(per_series.ravel()[kept], 1 / 0.75, rtol=1e-6)
    assert 0.15 < np.mean(per_series == 0) < 0.35


def test_position_embedding_rejects_unknown_kind():
    with pytest.raises(ValueError, match="'learned' or 'sinusoidal'"):
        PositionEmbedding("rotary")


# --------------------------------------------------------------------------- #
# Training options through the estimator
# --------------------------------------------------------------------------- #


class _RecordLearningRate(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.rates = []

    def on_train_batch_end(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))


@pytest.mark.parametrize("schedule", ["cosine", "constant"])
def test_learning_rate_warms_up_then_follows_the_schedule(series_data, schedule):
    X, y = series_data  # 60 series, batch 16: 4 steps per epoch
    record = _RecordLearningRate()
    clf = TransformerTimeSeriesClassifier(
        **{**SMALL, "epochs": 5},
        lr_schedule=schedule,
        warmup_epochs=1,
        callbacks=[record],
        random_state=0,
    ).fit(X, y)
    rates = np.array(record.rates)
    assert len(rates) == 20
    np.testing.assert_allclose(rates[:4], 1e-2 * np.arange(1, 5) / 4, rtol=1e-5)
    if schedule == "cosine":
        assert np.all(np.diff(rates[4:]) < 0)
        assert rates[-1] == pytest.approx(1e-4, rel=1e-4)
    else:
        np.testing.assert_allclose(rates[4:], 1e-2, rtol=1e-6)
    assert len(clf.history_["loss"]) == 5


def test_default_learning_rate_is_constant(series_data):
    X, y = series_data
    record = _RecordLearningRate()
    TransformerTimeSeriesClassifier(**SMALL, callbacks=[record]).fit(X, y)
    np.testing.assert_allclose(record.rates, 1e-2, rtol=1e-6)


def test_label_smoothing_with_class_weight_and_holdout():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 16, 1)).astype("float32")
    y = np.array(["b", "a", "c"])[np.arange(90) % 3]
    X[y == "a"] += 1.5
    clf = TransformerTimeSeriesClassifier(
        **{**SMALL, "epochs": 3, "validation_split": 0.2, "early_stopping": True},
        label_smoothing=0.2,
        class_weight="balanced",
        random_state=0,
    ).fit(X, y)
    assert clf.model_.loss.get_config()["label_smoothing"] == pytest.approx(0.2)
    proba = clf.predict_proba(X)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert set(clf.predict(X)) <= {"a", "b", "c"}
    assert "val_loss" in clf.history_


@pytest.mark.parametrize("tokenizer", ["conv", "patch"])
def test_multivariate_series_with_tokenizers(tokenizer):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 40, 3)).astype("float32")
    y = np.arange(64) % 2
    X[y == 1, :, 2] += 1.0  # only the third channel tells the classes apart
    clf = TransformerTimeSeriesClassifier(
        **{**SMALL, "epochs": 10},
        tokenizer=tokenizer,
        stem_filters=(8, 8),
        patch_size=8,
        embed_dim=8,
        position_embedding="learned",
        pooling="tokens",
        final_norm=True,
        random_state=0,
    ).fit(X, y)
    assert clf.n_channels_in_ == 3
    assert clf.score(X, y) > 0.8


def test_new_options_round_trip_through_pickle_and_keras_files(series_data, tmp_path):
    X, y = series_data
    params = {
        **RECOMMENDED_PARAMS,
        **SMALL,
        "tokenizer": "conv",
        "stem_filters": (4,),
        "embed_dim": 8,
        "epochs": 1,
    }
    clf = TransformerTimeSeriesClassifier(**params, random_state=0).fit(X, y)
    reloaded = assert_pickles_and_saves(clf, X, tmp_path)
    # The file holds the network; test-time shifts are the estimator's.
    one_pass = clf.set_params(test_time_shifts=1).predict_proba(X)
    np.testing.assert_allclose(reloaded.predict(X, verbose=0), one_pass, rtol=1e-5)
    # 60 series: the recommended ensemble of three networks, each augmented.
    assert clf.resolved_params_["n_members"] == 3
    assert (
        _augmentations(reloaded)
        == _augmentations(clf.model_)
        == [("shift", "scale", "jitter")] * 3
    )


def _augmentations(model):
    """The augmentations of every SeriesAugmentation layer, members included."""
    found = []
    for layer in model.layers:
        if isinstance(layer, SeriesAugmentation):
            found.append(layer.augmentations)
        elif hasattr(layer, "layers"):
            found.extend(_augmentations(layer))
    return found


def test_grid_search_over_tokenizers(series_data):
    X, y = series_data
    search = GridSearchCV(
        TransformerTimeSeriesClassifier(**SMALL, embed_dim=4, random_state=0),
        {"tokenizer": ["none", "patch"], "patch_size": [4]},
        cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert search.best_params_["tokenizer"] in {"none", "patch"}


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"tokenizer": "wavelet"}, "'tokenizer' parameter"),
        ({"embed_dim": 0}, "'embed_dim' parameter"),
        ({"patch_size": 0}, "'patch_size' parameter"),
        ({"stem_filters": (8, -1)}, "'stem_filters' parameter"),
        ({"position_embedding": "rotary"}, "'position_embedding' parameter"),
        ({"attention_dropout": 1.5}, "'attention_dropout' parameter"),
        ({"drop_path": 1.0}, "'drop_path' parameter"),
        ({"pooling": "max"}, "'pooling' parameter"),
        ({"ff_activation": "swish-ish"}, "'ff_activation' parameter"),
        ({"weight_decay": -0.1}, "'weight_decay' parameter"),
        ({"clipnorm": 0}, "'clipnorm' parameter"),
        ({"lr_schedule": "step"}, "'lr_schedule' parameter"),
        ({"warmup_epochs": -1}, "'warmup_epochs' parameter"),
        ({"label_smoothing": 1.0}, "'label_smoothing' parameter"),
        ({"augmentation": ("roll", "mixup")}, "'augmentation' parameter"),
        ({"tokenizer": "patch", "patch_size": 50}, "patch_size=50 is longer"),
    ],
)
def test_invalid_new_options_raise_clear_errors(series_data, params, fragment):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**SMALL, **params)
    with pytest.raises(ValueError, match=fragment):
        clf.fit(X, y)


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_smoothed_sparse_loss_equals_keras_dense_loss_on_one_hot(smoothing):
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), size=10).astype("float32")
    codes = rng.integers(0, 4, size=10)
    ours = SmoothedSparseCategoricalCrossentropy(smoothing)(codes, proba)
    keras_loss = keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)(
        np.eye(4, dtype="float32")[codes], proba
    )
    assert float(ours) == pytest.approx(float(keras_loss), rel=1e-6)


def test_readme_shows_the_recommended_configuration():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## The recommended configuration", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(code, namespace)  # the copy-paste snippet, as a user would run it
    params = namespace["clf"].get_params()
    assert {key: params[key] for key in RECOMMENDED_PARAMS} == RECOMMENDED_PARAMS


def test_class_safe_augmentations_make_small_local_changes():
    x = np.cumsum(np.random.default_rng(0).normal(size=(32, 50, 2)), axis=1)
    x = x.astype("float32")
    shift = np.asarray(SeriesAugmentation(["shift"], seed=0)(x, training=True))
    scale = np.asarray(SeriesAugmentation(["scale"], seed=0)(x, training=True))
    jitter = np.asarray(SeriesAugmentation(["jitter"], seed=0)(x, training=True))
    index = np.arange(50)
    shifts = []
    for i in range(32):
        # A shift by at most 5 steps (10% of 50), edges repeated.
        found = [
            s
            for s in range(-5, 6)
            if np.array_equal(shift[i], x[i, np.clip(index + s, 0, 49)])
        ]
        assert found
        shifts.append(found[0])
        # One amplitude factor per series, within 5 standard deviations.
        ratio = scale[i] / x[i]
        assert np.allclose(ratio, ratio[0, 0], rtol=1e-4)
        assert np.exp(-1.0) < ratio[0, 0] < np.exp(1.0)
        # Noise of about 5% of the series' spread.
        noise = (jitter[i] - x[i]) / x[i].std(axis=0)
        assert 0.02 < noise.std() < 0.08
    assert len(set(shifts)) > 3
    for out in (shift, scale, jitter):
        layer = SeriesAugmentation(["shift", "scale", "jitter"], seed=0)
        np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
        assert out.shape == x.shape
