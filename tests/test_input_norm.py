"""``input_norm="series"``: series of any scale reach the network at unit scale."""

import pickle
import warnings

import numpy as np
import pytest

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer.network import NETWORK_OPTIONS
from sktransformer.network.layers import SeriesStandardization

from .conftest import TINY_TOKENISED


def test_each_series_is_brought_to_unit_scale_and_keeps_its_level_and_scale():
    rng = np.random.default_rng(0)
    shape = rng.normal(size=(1, 50, 2)) * [1.0, 0.01]  # a busy and a quiet channel
    level, scale = np.array([[[0.002, -0.0005]]]), 1e-3
    X = np.concatenate([shape, shape * scale + level]).astype("float32")
    layer = SeriesStandardization()
    out = np.asarray(layer(X))
    assert out.shape == (2, 50, 5)
    # The same shape at any level and scale: the same scaled channels ...
    np.testing.assert_allclose(out[0, :, :2], out[1, :, :2], atol=2e-3)
    centred = X[1] - X[1].mean(axis=0)
    pooled = np.sqrt(np.mean(centred**2))
    np.testing.assert_allclose(out[1, :, :2], centred / pooled, atol=2e-3)
    # ... with the quiet channel still quiet beside the busy one ...
    assert out[1, :, 1].std() < 0.05 * out[1, :, 0].std()
    # ... and the level and scale as constant channels (raw until adapted).
    level = np.arcsinh(X[1].mean(0))
    np.testing.assert_allclose(out[1, :, 2:4], level + 0 * out[1, :, 2:4], rtol=1e-4)
    np.testing.assert_allclose(out[1, :, 4], np.log(pooled), rtol=1e-4)
    # Adapted to training series, they are centred on the training mean and
    # divided by the training spread where it exceeds 1.
    layer.adapt(X)
    adapted = np.asarray(layer(X))
    np.testing.assert_allclose(adapted[..., :2], out[..., :2])
    raw = out[:, 0, 2:]
    spread = np.maximum(raw.std(axis=0), 1.0)
    np.testing.assert_allclose(
        adapted[:, 0, 2:], (raw - raw.mean(axis=0)) / spread, rtol=1e-4, atol=1e-5
    )


def test_statistics_come_from_real_steps_and_padding_stays_zero():
    rng = np.random.default_rng(1)
    series = rng.normal(size=(1, 20, 1)).astype("float32") * 7 + 3
    padded = np.concatenate([series, np.zeros((1, 12, 1), "float32")], axis=1)
    alone = np.asarray(SeriesStandardization()(series))
    out = np.asarray(SeriesStandardization()(padded, lengths=np.array([20])))
    np.testing.assert_allclose(out[:, :20], alone, atol=1e-5)
    assert not out[:, 20:].any()


def test_a_constant_series_gives_finite_values():
    out = np.asarray(SeriesStandardization()(np.full((2, 10, 1), 4.0, "float32")))
    assert np.isfinite(out).all() and not out[..., 0].any()


@pytest.mark.parametrize("magnitude", [1e-20, 1e-8, 1e25, 1e35])
def test_series_of_any_magnitude_float32_holds_reach_unit_scale(magnitude):
    rng = np.random.default_rng(2)
    shape = rng.normal(size=(1, 40, 2))
    X = np.concatenate([shape, shape * magnitude]).astype("float32")
    layer = SeriesStandardization()
    out = np.asarray(layer(X))
    assert np.isfinite(out).all()
    # Squares of 1e25 overflow float32; tiny series are not swamped by epsilon.
    np.testing.assert_allclose(out[1, :, :2], out[0, :, :2], atol=1e-4)
    np.testing.assert_allclose(
        out[1, 0, 4], out[0, 0, 4] + np.log(magnitude), rtol=1e-5
    )


def test_the_option_is_declared_once_and_validated_at_fit():
    assert NETWORK_OPTIONS["input_norm"] == "none"
    assert TransformerTimeSeriesClassifier().input_norm == "none"  # the seed
    clf = TransformerTimeSeriesClassifier(input_norm="zscore")
    with pytest.raises(ValueError, match="input_norm"):
        clf.fit(np.zeros((4, 8, 1)), [0, 1, 0, 1])


def _waves(n, seed):
    """Sines against square waves, amplitudes and offsets over 6 decades."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 4 * np.pi, 32)
    y = np.arange(n) % 2
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    wave = np.where(y[:, None] == 0, np.sin(t + phase), np.sign(np.sin(t + phase)))
    amplitude = 10.0 ** rng.uniform(-3, 3, size=(n, 1))
    X = wave * amplitude + amplitude * rng.normal(size=(n, 1))
    return X[..., None], y


def test_classes_told_apart_by_shape_whatever_the_scale_of_each_series():
    X, y = _waves(96, 0)
    X_test, y_test = _waves(64, 1)
    before = X.copy()
    clf = TransformerTimeSeriesClassifier(
        **TINY_TOKENISED,
        input_norm="series",
        learning_rate=3e-3,
        batch_size=16,
        epochs=30,
        validation_split=0.0,
        early_stopping=False,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(X, before)
    assert clf.score(X_test, y_test) >= 0.9
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(
        restored.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-6
    )


@pytest.mark.parametrize("magnitude", [1e-25, 1e3, 1e30])
def test_series_all_far_from_unit_scale_are_learned_without_a_warning(magnitude):
    # Raw, the level and log-scale channels (here up to 69) swamped the scaled
    # series and nothing was learned: fit standardises them (adapt_network).
    rng = np.random.default_rng(0)
    t = np.linspace(0, 4 * np.pi, 32)
    y = np.arange(64) % 2
    wave = np.where(y[:, None] == 0, np.sin(t), np.sign(np.sin(t)))
    X = (wave + 0.1 * rng.normal(size=(64, 32)))[..., None] * magnitude
    clf = TransformerTimeSeriesClassifier(
        **TINY_TOKENISED,
        input_norm="series",
        learning_rate=3e-3,
        batch_size=16,
        epochs=20,
        validation_split=0.0,
        early_stopping=False,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X reaches magnitude" advice
        clf.fit(X, y)
    assert clf.score(X, y) == 1.0


def test_fit_adapts_the_statistics_of_every_member_to_the_training_series():
    rng = np.random.default_rng(3)
    lengths = rng.integers(12, 33, size=40)
    X = np.full((40, 32, 1), np.nan, dtype="float32")
    for i, length in enumerate(lengths):
        X[i, :length, 0] = rng.normal(size=length) * 10.0 ** rng.uniform(0, 4) + 50
    y = np.arange(40) % 2
    clf = TransformerTimeSeriesClassifier(
        **TINY_TOKENISED, input_norm="series", n_members=2, epochs=1, random_state=0
    ).fit(X, y)
    # The same statistics as a layer adapted on the series without padding.
    reference = SeriesStandardization()
    reference.build((None, None, 1))
    raw = np.concatenate(
        [
            np.asarray(reference._standardise(X[i : i + 1, :length], None)[1])
            for i, length in enumerate(lengths)
        ]
    )
    members = [clf.model_.get_layer(f"member{k}") for k in range(2)]
    for member in members:
        layer = member.get_layer("input_norm")
        np.testing.assert_allclose(layer.statistics_mean, raw.mean(0), rtol=1e-4)
        np.testing.assert_allclose(
            layer.statistics_scale, np.maximum(raw.std(0), 1.0), rtol=1e-4
        )


# input_norm="series+asinh": the scaled series plus each at its own
# amplitude, log-compressed.


def test_the_compressed_channels_keep_each_series_amplitude_on_a_log_scale():
    rng = np.random.default_rng(4)
    shape = rng.normal(size=(1, 60, 2))
    magnitudes = [1e-2, 1.0, 1e2, 1e4, 1e6]
    X = np.concatenate([shape * m for m in magnitudes]).astype("float32")
    layer = SeriesStandardization(asinh=True)
    layer.adapt(X)
    out = np.asarray(layer(X))
    assert out.shape == (5, 60, 7)  # 2 scaled, 2 compressed, 2 levels, 1 scale
    # The scaled channels are those of input_norm="series".
    plain = SeriesStandardization()
    plain.adapt(X)
    np.testing.assert_allclose(out[..., :2], np.asarray(plain(X))[..., :2])
    np.testing.assert_allclose(out[..., 4:], np.asarray(plain(X))[..., 2:], atol=1e-6)
    # The scale is the 10th percentile of the training series' standard
    # deviations (per channel); the channels have unit root mean square.
    std = X.std(axis=1)
    np.testing.assert_allclose(
        layer.asinh_scale, np.percentile(std, 10, axis=0), rtol=1e-4
    )
    np.testing.assert_allclose(
        np.sqrt(np.mean(out[..., 2:4] ** 2, axis=(0, 1))), 1.0, rtol=1e-4
    )
    # Each is asinh of the series over that scale, then over the RMS.
    expected = np.arcsinh(X / np.asarray(layer.asinh_scale)) / np.asarray(
        layer.asinh_rms
    )
    np.testing.assert_allclose(out[..., 2:4], expected, rtol=1e-3, atol=1e-5)
    # Amplitude grows the compressed channels by about log(10) per decade.
    rms = np.sqrt(np.mean(out[:, :, 2] ** 2, axis=1))
    assert np.all(np.diff(rms) > 0)
    np.testing.assert_allclose(np.diff(rms[2:]), np.diff(rms[2:]).mean(), rtol=0.05)


@pytest.mark.parametrize("magnitude", [1e-30, 1e35])
def test_the_compressed_channels_stay_finite_at_any_magnitude(magnitude):
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(size=(3, 30, 1)), rng.normal(size=(1, 30, 1))])
    X[-1] *= magnitude
    layer = SeriesStandardization(asinh=True)
    layer.adapt(X.astype("float32"))
    out = np.asarray(layer(X.astype("float32")))
    assert np.isfinite(out).all()
    assert np.isfinite(np.asarray(layer.asinh_scale)).all()


def test_the_compressed_channels_ignore_padding():
    rng = np.random.default_rng(6)
    series = (rng.normal(size=(2, 20, 1)) * [[[3.0]], [[300.0]]]).astype("float32")
    padded = np.concatenate([series, np.zeros((2, 9, 1), "float32")], axis=1)
    lengths = np.array([20, 20])
    alone, masked = SeriesStandardization(asinh=True), SeriesStandardization(asinh=True)
    alone.adapt(series)
    masked.adapt(padded, lengths)
    np.testing.assert_allclose(masked.asinh_scale, alone.asinh_scale, rtol=1e-5)
    np.testing.assert_allclose(masked.asinh_rms, alone.asinh_rms, rtol=1e-5)
    out = np.asarray(masked(padded, lengths=lengths))
    np.testing.assert_allclose(out[:, :20], np.asarray(alone(series)), atol=1e-5)
    assert not out[:, 20:].any()


def test_series_plus_asinh_fits_saves_and_predicts_the_same():
    X, y = _waves(64, 0)
    X_test, _ = _waves(16, 1)
    clf = TransformerTimeSeriesClassifier(
        **TINY_TOKENISED,
        input_norm="series+asinh",
        batch_size=16,
        epochs=2,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # series of magnitude 1e3: no advice
        clf.fit(X, y)
    layer = clf.model_.get_layer("input_norm")
    assert layer.asinh and float(np.asarray(layer.asinh_scale)[0]) != 1.0
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(
        restored.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-6
    )
