"""What adversarial use found (stop 24): warm fits that fail or change their
optimizer, learning-rate callbacks, and series given as pandas/object sequences."""

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from sktransformer import TransformerTimeSeriesClassifier

from .conftest import TINY, TINY_TOKENISED

#: Two epochs run faster eagerly than Keras compiles their steps.
EAGER = {**TINY, "epochs": 1, "run_eagerly": True, "random_state": 0}


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_warm_fit_that_diverges_puts_back_the_fitted_model(series_data, method):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**EAGER, warm_start=True).fit(X, y)
    before, epochs = clf.predict_proba(X), len(clf.history_["loss"])
    with pytest.warns(UserWarning, match="magnitude"):
        with pytest.raises(ValueError, match="Training diverged"):
            getattr(clf, method)(X * 3e37, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert len(clf.history_["loss"]) == epochs
    getattr(clf, method)(X, y)  # the optimizer's state is back too
    assert np.isfinite(clf.predict_proba(X)).all()


@pytest.mark.parametrize(
    "change",
    [
        {"learning_rate": 0.5},
        {"weight_decay": 0.01},
        {"label_smoothing": 0.1},
        {"lr_schedule": "constant"},
    ],
)
def test_a_warm_fit_refuses_optimizer_changes_it_would_ignore(series_data, change):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(
        **EAGER, warm_start=True, lr_schedule="cosine"
    ).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(**change)
    (name,) = change
    refused = f"optimizer and loss of the first fit.*{name}"
    with pytest.raises(ValueError, match=refused):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_a_new_learning_rate_applies_where_there_is_no_schedule(series_data):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**EAGER).partial_fit(X, y)
    clf.set_params(learning_rate=0.002)
    clf.partial_fit(X, y)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.002)
    assert clf.resolved_params_["learning_rate"] == 0.002


def test_a_warm_fit_keeps_the_rate_a_callback_set(series_data):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**EAGER, warm_start=True).fit(X, y)
    clf.model_.optimizer.learning_rate = 1e-4  # as ReduceLROnPlateau would
    clf.fit(X, y)  # learning_rate unchanged: the optimizer's rate stays
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(1e-4)
    clf.set_params(learning_rate=np.float32(EAGER["learning_rate"])).fit(X, y)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(1e-4)


def test_the_schedule_checks_follow_the_optimizer_built(series_data):
    X, y = series_data
    # partial_fit never follows a schedule: a learning-rate callback is fine.
    callback = keras.callbacks.ReduceLROnPlateau(monitor="loss")
    clf = TransformerTimeSeriesClassifier(
        **EAGER, lr_schedule="cosine", callbacks=[callback]
    ).partial_fit(X, y)
    # A warm fit after it cannot add the schedule partial_fit did not build.
    clf.set_params(warm_start=True, callbacks=None)
    with pytest.raises(ValueError, match="lr_schedule='constant'.*got lr_sched"):
        clf.fit(X, y)
    clf.set_params(lr_schedule="constant").fit(X, y)
    # The same after initialize(), and the message says why.
    clf = TransformerTimeSeriesClassifier(**EAGER, lr_schedule="cosine")
    clf.initialize(X, y).set_params(warm_start=True)
    with pytest.raises(ValueError, match=r"built by initialize\(\).*call fit"):
        clf.fit(X, y)


def test_learning_rate_callbacks_are_refused_with_a_schedule(series_data):
    X, y = series_data
    callback = keras.callbacks.ReduceLROnPlateau(monitor="loss")
    clf = TransformerTimeSeriesClassifier(
        **EAGER, lr_schedule="cosine", callbacks=[callback]
    )
    with pytest.raises(ValueError, match="ReduceLROnPlateau sets the learning rate"):
        clf.fit(X, y)
    assert not hasattr(clf, "history_")  # refused before any training
    clf.set_params(lr_schedule="constant").fit(X, y)


def test_a_checkpoint_dir_that_cannot_be_created_is_refused_before_training(
    series_data, tmp_path
):
    X, y = series_data
    (tmp_path / "file").write_text("")
    clf = TransformerTimeSeriesClassifier(
        **EAGER, checkpoint_dir=tmp_path / "file" / "sub"
    )
    with pytest.raises(ValueError, match="checkpoint_dir=.* cannot be created"):
        clf.fit(X, y)
    assert not hasattr(clf, "history_")


def _unequal(n=24, channels=2, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(rng.integers(6, 12), channels)) for _ in range(n)]
    return X, np.arange(n) % 2


def test_sequences_of_series_in_pandas_and_object_arrays_are_read_as_lists():
    X, y = _unequal()
    clf = TransformerTimeSeriesClassifier(**EAGER).fit(X, y)
    expected = clf.predict_proba(X)
    objects = np.empty(len(X), dtype=object)
    objects[:] = X
    nested = pd.DataFrame(  # sktime's "nested_univ": a cell per series and channel
        {f"dim_{c}": [pd.Series(x[:, c]) for x in X] for c in range(2)}
    )
    for given in (objects, pd.Series(X), nested):
        np.testing.assert_allclose(clf.predict_proba(given), expected, atol=1e-6)
    # A nested frame's layout is its own: channels_first reads it the same way.
    other = clone(clf).set_params(data_format="channels_first").fit(nested, y)
    assert (other.n_timepoints_in_, other.n_channels_in_) == (
        clf.n_timepoints_in_,
        clf.n_channels_in_,
    )
    assert other.predict_proba(nested).shape == expected.shape


def test_after_an_unequal_length_fit_a_channel_mismatch_names_channels():
    X, y = _unequal()
    clf = TransformerTimeSeriesClassifier(**EAGER).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 channels, but .* expecting 2"):
        clf.predict([np.ones((5, 3))])
    with pytest.raises(ValueError, match="X_val has 3 channels"):
        clf.set_params(warm_start=True).fit(
            X, y, validation_data=([np.ones((5, 3))] * 2, y[:2])
        )


@pytest.mark.parametrize(
    "X, error, fragment",
    [
        (None, ValueError, "X is None"),
        (
            pd.DataFrame({"a": [1.0, pd.NA], "b": [2.0, 3.0]}, dtype=object),
            TypeError,
            "could not be read as numbers",
        ),
        (
            pd.DataFrame({"t": pd.to_datetime(["2020-01-01"] * 2), "v": [1.0, 2.0]}),
            TypeError,
            "could not be read as numbers",
        ),
    ],
    ids=["None", "pd.NA", "dates"],
)
def test_unreadable_series_are_a_clear_error(X, error, fragment):
    clf = TransformerTimeSeriesClassifier(**EAGER)
    with pytest.raises(error, match=fragment):
        clf.fit(X, [0, 1])


# What stop 25 fixed from the last note's list.


def test_scikeras_encoder_hooks_it_never_calls_are_refused_clearly():
    """Overriding them would change nothing: they say what to use instead."""
    clf = TransformerTimeSeriesClassifier()
    with pytest.raises(AttributeError, match="labels of any kind become int codes"):
        clf.target_encoder  # noqa: B018 (scikeras' failed on a missing `loss`)
    with pytest.raises(AttributeError, match="Pipeline"):
        clf.feature_encoder  # noqa: B018
    assert not hasattr(clf, "target_encoder")


def test_float64_series_below_float32_range_are_refused(series_data):
    X, y = series_data
    tiny = X.astype(np.float64) * 1e-50
    clf = TransformerTimeSeriesClassifier(**EAGER)
    for given in (tiny, tiny[:, :, 0], pd.DataFrame(tiny[:, :, 0])):
        with pytest.raises(ValueError, match=r"series 0, channel 0: .*e-50.*float32"):
            clf.fit(given, y)
    # One such series among normal ones is named; stray tiny values are not.
    mixed = X.astype(np.float64)
    mixed[7] *= 1e-45
    with pytest.raises(ValueError, match="series 7"):
        clf.fit(mixed, y)
    mixed[7] = X[7]
    mixed[3, 2] = 1e-300
    clf.fit(mixed, y)
    with pytest.raises(ValueError, match="series 1"):
        clf.predict(np.stack([X[0], X[1]]).astype(np.float64) * [[[1]], [[1e-40]]])


@pytest.mark.parametrize(
    "wrap",
    [
        lambda X: X.astype(object),
        lambda X: pd.DataFrame(X[:, :, 0]).astype("Float64"),
        lambda X: pd.DataFrame(X[:, :, 0]).astype(object),
        lambda X: memoryview(np.ascontiguousarray(X)),
    ],
    ids=["object array", "nullable Float64", "object frame", "memoryview"],
)
def test_series_below_float32_range_are_refused_in_any_container(series_data, wrap):
    X, y = series_data
    with pytest.raises(ValueError, match="series 0, channel 0"):
        TransformerTimeSeriesClassifier(**EAGER).fit(wrap(X.astype(float) * 1e-50), y)


def test_underflow_is_judged_per_channel_and_only_where_digits_are_lost():
    from sktransformer._validation import check_series

    two = np.ones((3, 5, 2))
    two[1, :, 1] = 1e-50  # one channel in other units
    with pytest.raises(ValueError, match="series 1, channel 1"):
        check_series(two)
    with pytest.raises(ValueError, match="series 1, channel 1"):
        check_series(two.transpose(0, 2, 1), data_format="channels_first")
    # float32 values that are already subnormal lose nothing, whatever holds them.
    sub = np.full((2, 4), 1e-40, dtype=np.float32)
    for given in (sub, list(sub), np.ma.masked_array(sub, mask=False)):
        np.testing.assert_array_equal(check_series(given, allow_nan=True)[..., 0], sub)
    # Zeros are zeros; empty shapes get the shape's message.
    check_series(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="at least 1 time point"):
        check_series(np.zeros((3, 0, 1)))
    with pytest.raises(ValueError, match="dimensions"):
        check_series(np.full((2, 2, 2, 2), 1e-50))


def test_a_warm_fit_on_longer_series_updates_the_longest_length():
    X, y = _unequal()
    clf = TransformerTimeSeriesClassifier(
        **{**EAGER, **TINY_TOKENISED, "epochs": 1}, warm_start=True
    ).fit(X, y)
    assert clf.n_timepoints_in_ == max(len(s) for s in X) < 30
    clf.fit([np.ones((30, 2)), np.zeros((20, 2))], [0, 1])
    assert clf.n_timepoints_in_ == clf.n_features_in_ == 30
    clf.fit(X, y)  # shorter again: the longest seen stays
    assert clf.n_timepoints_in_ == 30


def test_a_nested_frame_with_a_missing_cell_names_the_cell():
    nested = pd.DataFrame(
        {"c0": [pd.Series([1.0, 2.0, 3.0]), np.nan], "c1": [pd.Series([1.0] * 3)] * 2}
    )
    with pytest.raises(ValueError, match=r"index 1, column 'c0' holds nan"):
        TransformerTimeSeriesClassifier(**EAGER).fit(nested, [0, 1])


class _Stop(keras.callbacks.Callback):
    """A user's callback that ends training after the first batch or epoch."""

    def __init__(self, after):
        super().__init__()
        self.after = after

    def on_train_batch_end(self, batch, logs=None):
        self.model.stop_training |= self.after == "batch"

    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training |= self.after == "epoch"


@pytest.mark.parametrize(
    "stopping",
    [
        {"early_stopping": True, "validation_split": 0.25, "patience": 50},
        {"callbacks": [_Stop("epoch")]},
        {},
    ],
    ids=["early-stopping", "a-callback-stops", "plain"],
)
def test_the_fitted_network_holds_the_weight_average(series_data, stopping):
    # Keras' average starts at the weights after the first step; a momentum
    # that rounds to 1 in float32 keeps it there, whatever training does. The
    # fitted network must hold it. With early stopping, its restore put back
    # the raw weights of the best epoch (and validation scored raw weights).
    X, y = series_data
    params = {**TINY, **stopping, "random_state": 0}
    one_step = {**params, "callbacks": [_Stop("batch")]}
    first = TransformerTimeSeriesClassifier(**one_step).fit(X, y)
    fitted = TransformerTimeSeriesClassifier(**params, ema_momentum=1 - 1e-12)
    fitted.fit(X, y)
    assert len(fitted.history_["loss"]) >= 1
    for start, end in zip(
        first.model_.get_weights(), fitted.model_.get_weights(), strict=True
    ):
        np.testing.assert_allclose(end, start, atol=1e-6)
    if "validation_split" in stopping:
        # Validation scored the average: the same network every epoch.
        losses = fitted.history_["val_loss"]
        np.testing.assert_allclose(losses, losses[0], rtol=1e-5)
