"""The per-series z-normalising scaler."""

import numpy as np
import pytest

from sktransformer import TimeSeriesStandardScaler


def test_each_series_and_channel_is_z_normalised():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=5.0, scale=3.0, size=(4, 50, 2))
    X[1, :, 1] = 7.0  # constant series
    before = X.copy()
    out = TimeSeriesStandardScaler().fit_transform(X)
    np.testing.assert_array_equal(X, before)
    assert out.shape == X.shape
    mask = np.ones((4, 2), bool)
    mask[1, 1] = False
    np.testing.assert_allclose(out.mean(axis=1)[mask], 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1)[mask], 1.0, rtol=1e-12)
    np.testing.assert_array_equal(out[1, :, 1], 0.0)


def test_2d_stays_2d_and_float32_stays_float32():
    X = np.arange(12, dtype=np.float32).reshape(3, 4)
    out = TimeSeriesStandardScaler().fit(X).transform(X)
    assert out.shape == (3, 4) and out.dtype == np.float32


def test_options_and_shape_check():
    X = np.arange(12.0).reshape(2, 6, 1)
    centred = TimeSeriesStandardScaler(with_std=False).fit_transform(X)
    np.testing.assert_allclose(centred[0, :, 0], np.arange(6) - 2.5)
    scaler = TimeSeriesStandardScaler().fit(X)
    with pytest.raises(ValueError, match=r"\(6, 1\).*\(5, 1\)"):
        scaler.transform(X[:, :5])


def test_sktime_layout_is_scaled_over_time_and_keeps_its_layout():
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(5, 2, 40))  # (n, channels, timepoints)
    out = TimeSeriesStandardScaler(data_format="channels_first").fit_transform(X)
    assert out.shape == X.shape
    np.testing.assert_allclose(out.mean(axis=2), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=2), 1.0, rtol=1e-12)
    with pytest.warns(UserWarning, match="data_format='channels_first'"):
        TimeSeriesStandardScaler().fit(X)


@pytest.mark.parametrize("amplitude", [1e20, 1e-23])
def test_float32_extremes_are_scaled_like_float64(amplitude):
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(4, 30, 1)) * amplitude).astype(np.float32)
    out = TimeSeriesStandardScaler().fit_transform(X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.std(axis=1), 1.0, rtol=1e-4)


def test_pipeline_on_sktime_layout_trains_on_scaled_series():
    from sklearn.pipeline import make_pipeline

    from sktransformer import TransformerTimeSeriesClassifier

    from .conftest import TINY

    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    X = rng.normal(size=(40, 1, 16)) + 100.0 + 5.0 * y[:, None, None]
    pipe = make_pipeline(
        TimeSeriesStandardScaler(data_format="channels_first"),
        TransformerTimeSeriesClassifier(
            **TINY, data_format="channels_first", random_state=0
        ),
    ).fit(X, y)
    scaled = pipe[0].transform(X)
    assert np.abs(scaled).max() < 10 and np.ptp(scaled) > 0


def test_float64_series_near_the_overflow_are_scaled():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 12, 1)) * 1e160
    out = TimeSeriesStandardScaler().fit_transform(X)
    np.testing.assert_allclose(out.std(axis=1), 1.0, rtol=1e-10)
    np.testing.assert_allclose(
        out, TimeSeriesStandardScaler().fit_transform(X / 1e160), rtol=1e-9, atol=1e-12
    )


def test_a_global_pandas_output_leaves_the_series_arrays():
    # (n, T, C) fits no DataFrame: with scikit-learn's transform_output="pandas"
    # set globally, transform failed ("Must pass 2-d input").
    import sklearn

    X = np.random.default_rng(0).normal(size=(5, 8, 2))
    with sklearn.config_context(transform_output="pandas"):
        out = TimeSeriesStandardScaler().fit_transform(X)
    assert isinstance(out, np.ndarray) and out.shape == X.shape
    assert not hasattr(TimeSeriesStandardScaler(), "set_output")
