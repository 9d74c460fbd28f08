"""What ``fit``/``predict``/``score`` promise, case by case (issue 8's defects).

Each test is one kind of defect a user met, and stays as a guard: warm starts,
NumPy numbers as parameters, random-state instances, validation data, ``fit``
keyword arguments and scikeras' routed parameters, lists and DataFrames in
``score``, divergence, threads, float64 probabilities.
"""

import os
import pickle
import random
import threading
import warnings

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score

from sktransformer import TransformerTimeSeriesClassifier

from .conftest import TINY, TINY_TOKENISED, op_determinism_enabled

#: CI runs this module under TensorFlow and again under KERAS_BACKEND=jax.
pytestmark = pytest.mark.contract


def _fit(X, y, **params):
    return TransformerTimeSeriesClassifier(**{**TINY, **params}).fit(X, y)


def test_warm_start_refit_predicts(series_data):
    X, y = series_data
    labels = np.where(y == 1, "up", "down")
    clf = _fit(X, labels, warm_start=True, random_state=0)
    clf.fit(X, labels)
    assert set(clf.predict(X)) <= {"up", "down"}
    with pytest.raises(ValueError, match="not among the classes seen at fit"):
        clf.fit(X, np.where(y == 1, "up", "sideways"))


def test_numpy_numbers_are_numbers(series_data):
    X, y = series_data
    params = {
        "num_heads": np.int64(2),
        "head_size": np.int32(4),
        "mlp_units": (np.int64(4),),
        "learning_rate": np.float32(0.01),
        "dropout": np.float64(0.1),
        "early_stopping": np.bool_(False),
        "random_state": np.int64(3),
    }
    clf = _fit(X, y, **params)
    again = _fit(X, y, **{**params, "random_state": 3})
    np.testing.assert_array_equal(clf.predict_proba(X), again.predict_proba(X))
    search = GridSearchCV(
        TransformerTimeSeriesClassifier(**TINY, random_state=0),
        {"num_heads": np.arange(1, 3)},
        cv=2,
        error_score="raise",
    ).fit(X, y)
    assert search.best_params_["num_heads"] in (1, 2)


def test_random_state_instances_give_different_networks(series_data):
    X, y = series_data
    probas = [
        _fit(X, y, random_state=np.random.RandomState(seed)).predict_proba(X)
        for seed in (0, 1)
    ]
    assert not np.array_equal(*probas)
    # The same instance state gives the same network, as in scikit-learn.
    again = _fit(X, y, random_state=np.random.RandomState(0)).predict_proba(X)
    np.testing.assert_array_equal(again, probas[0])


@pytest.mark.parametrize(
    "labels", [np.array([-1, 1]), np.array(["no", "yes"])], ids=["-1/1", "strings"]
)
def test_validation_data_is_encoded_checked_and_laid_out(series_data, labels):
    X, y = series_data
    y = labels[y]
    Xcf = X.transpose(0, 2, 1)
    clf = TransformerTimeSeriesClassifier(
        **TINY, data_format="channels_first", random_state=0
    ).fit(Xcf, y, validation_data=(Xcf[:20], y[:20]))
    assert len(clf.history_["val_loss"]) == TINY["epochs"]
    with pytest.raises(ValueError, match="not among the classes"):
        clf.fit(Xcf, y, validation_data=(Xcf[:2], np.array([labels[0], "other"])))
    with pytest.raises(ValueError, match="expecting 12 features"):
        clf.fit(Xcf, y, validation_data=(X[:5, :6], y[:5]))
    with pytest.raises(ValueError, match="validation_data must be a tuple"):
        clf.fit(Xcf, y, validation_data=Xcf)


def test_fit_keyword_arguments_are_refused_not_ignored(series_data):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**TINY)
    with pytest.raises(TypeError, match="batch_size, validation_split are estimator"):
        clf.fit(X, y, validation_split=0.25, batch_size=4)
    with pytest.raises(TypeError, match="not_a_keras_argument are not supported"):
        clf.fit(X, y, not_a_keras_argument=1)
    assert not hasattr(clf, "model_")


@pytest.mark.parametrize(
    "routed", ["optimizer__learning_rate", "fit__epochs", "callbacks__0", "loss__x"]
)
def test_routed_scikeras_parameters_are_refused(routed):
    clf = TransformerTimeSeriesClassifier(**TINY)
    with pytest.raises(ValueError, match="routed parameters"):
        clf.set_params(**{routed: 1})
    assert routed not in clf.get_params()
    clone(clf)  # still clonable


def test_callbacks_may_be_a_tuple_or_one_callback(series_data):
    X, y = series_data
    history = keras.callbacks.History()
    _fit(X, y, callbacks=(history,), random_state=0)
    _fit(X, y, callbacks=keras.callbacks.History(), random_state=0)
    with pytest.raises(ValueError, match="keras.callbacks.Callback"):
        _fit(X, y, callbacks=[print])


def test_score_accepts_lists_and_dataframes(series_data):
    X, y = series_data
    clf = _fit(X, y, random_state=0)
    weights = np.linspace(0.5, 1.5, len(y))
    expected = clf.score(X, y, sample_weight=weights)
    assert clf.score(X.tolist(), y.tolist(), sample_weight=weights.tolist()) == expected
    frame = pd.DataFrame(X[:, :, 0])
    assert clf.score(frame, pd.Series(y), sample_weight=weights) == expected


def test_predict_proba_is_float64_and_sums_to_one(series_data):
    X, y = series_data
    proba = _fit(X, y, random_state=0).predict_proba(X)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_huge_inputs_warn_and_divergence_raises(series_data):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**TINY, random_state=0)
    # Unscaled series: TensorFlow trains to NaN (raised below), JAX to a
    # useless network; both warn first.
    with pytest.warns(UserWarning, match="magnitude [0-9.]+e\\+30"):
        try:
            clf.fit(X * 1e30, y)
        except ValueError as exc:
            assert "Training diverged" in str(exc)
    with pytest.raises(ValueError, match="Training diverged: the loss became nan"):
        clf.set_params(learning_rate=1e30).fit(X, y)
    assert not hasattr(clf, "model_")
    clf.set_params(learning_rate=1e-2).fit(X, y)
    # A network whose output is not finite (here: a poisoned weight) is reported,
    # not turned into the first class everywhere.
    kernel = clf.model_.get_layer("probabilities").kernel
    kernel.assign(np.full(kernel.shape, np.nan, dtype="float32"))
    with pytest.raises(ValueError, match="not finite"):
        clf.predict(X)


def test_concurrent_seeded_fits_in_threads_match_serial_and_leave_nothing(
    series_data,
):
    X, y = series_data
    serial = {seed: _fit(X, y, random_state=seed).predict_proba(X) for seed in (1, 2)}
    python_state = random.getstate()
    numpy_state = np.random.get_state()[1].copy()
    results, errors = {}, []

    def work(seed):
        try:
            results[seed] = _fit(X, y, random_state=seed).predict_proba(X)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for seed in (1, 2):
        np.testing.assert_array_equal(results[seed], serial[seed])
    assert random.getstate() == python_state
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)
    assert "TF_DETERMINISTIC_OPS" not in os.environ
    assert not op_determinism_enabled()


def test_sample_weight_is_checked_and_never_modified(series_data):
    X, y = series_data
    weights = np.ones(len(y))
    _fit(X, y, class_weight="balanced", random_state=0).fit(X, y, weights)
    np.testing.assert_array_equal(weights, 1.0)
    with pytest.raises(ValueError, match="non-negative"):
        _fit(X, y).fit(X, y, sample_weight=-weights)
    with pytest.raises(ValueError, match="only zeros"):
        _fit(X, y).fit(X, y, sample_weight=0 * weights)


def test_checkpoint_dir_that_is_a_file_is_a_clear_error(series_data, tmp_path):
    X, y = series_data
    path = tmp_path / "file"
    path.write_text("")
    with pytest.raises(ValueError, match="not a folder"):
        _fit(X, y, checkpoint_dir=path)


def test_training_state_is_built_without_keras_private_method(series_data):
    """The optimizer is built eagerly with or without ``_symbolic_build``."""
    from sktransformer.classifier import _build_training_state
    from sktransformer.network import build_transformer_classifier

    for private in (True, False):
        model = build_transformer_classifier((12, 1), 2, head_size=2, num_heads=1)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        if not private:
            model._symbolic_build = None  # as on a Keras without the method
        _build_training_state(model, (12, 1))
        assert model.optimizer.built


@pytest.mark.parametrize("fast_attention", [True, False])
def test_seeded_fit_pickle_cross_validation_and_parallel_search(
    series_data, fast_attention
):
    """The estimator contract on whatever backend runs the tests."""
    X, y = series_data
    params = {**TINY, "fast_attention": fast_attention, "random_state": 0}
    clf = TransformerTimeSeriesClassifier(**params).fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(
        TransformerTimeSeriesClassifier(**params).fit(X, y).predict_proba(X), proba
    )
    np.testing.assert_allclose(
        pickle.loads(pickle.dumps(clf)).predict_proba(X), proba, rtol=1e-6
    )
    if not fast_attention:
        return  # (Nothing below depends on the attention.)
    scores = cross_val_score(TransformerTimeSeriesClassifier(**params), X, y, cv=2)
    assert scores.shape == (2,)
    # Worker processes (loky) give the serial results, fold by fold.
    np.testing.assert_allclose(
        cross_val_score(
            TransformerTimeSeriesClassifier(**params), X, y, cv=2, n_jobs=2
        ),
        scores,
    )
    grid = {"num_heads": [1, 2]}
    serial = GridSearchCV(TransformerTimeSeriesClassifier(**params), grid, cv=2)
    parallel = GridSearchCV(
        TransformerTimeSeriesClassifier(**params), grid, cv=2, n_jobs=2
    )
    serial.fit(X, y), parallel.fit(X, y)
    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        np.testing.assert_allclose(parallel.cv_results_[key], serial.cv_results_[key])
    assert parallel.best_params_ == serial.best_params_


def test_a_warm_fit_refuses_changes_to_the_network_and_names_them(series_data):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(
        **TINY_TOKENISED, epochs=1, warm_start=True, random_state=0
    ).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(embed_dim=16, dropout=0.5)
    with pytest.raises(ValueError, match=r"built with dropout=0\.25, embed_dim=8"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    # Back to the network's own options (or "auto" where a rule gave them),
    # and training goes on; a fresh fit may change them.
    clf.set_params(embed_dim=8, dropout=0.25, stem_filters="auto").fit(X, y)
    clf.set_params(embed_dim=16, warm_start=False).fit(X, y)
    assert clf.resolved_params_["embed_dim"] == 16


def test_a_failed_warm_fit_keeps_the_fitted_network(series_data):
    X, y = series_data
    clf = _fit(X, y, warm_start=True, random_state=0)
    proba = clf.predict_proba(X)
    with pytest.raises(ValueError, match="not among the classes"):
        clf.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match="sample_weight_val.shape"):
        clf.fit(X, y, validation_data=(X, y, np.ones(3)))
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


def test_partial_fit_trains_one_epoch_per_call_at_a_constant_rate(series_data):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(
        **TINY, lr_schedule="cosine", warmup_epochs=1, random_state=0
    )
    clf.partial_fit(X[:30], y[:30], classes=[0, 1]).partial_fit(X[30:], y[30:])
    assert len(clf.history_["loss"]) == 2
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(
        TINY["learning_rate"]
    )


@pytest.mark.parametrize(
    "labels",
    [np.array(["a", 1] * 30, dtype=object), np.array([None, 1] * 30, dtype=object)],
    ids=["str and int", "None and int"],
)
def test_mixed_label_types_are_a_clear_error(series_data, labels):
    X, _ = series_data
    with pytest.raises(ValueError, match="all strings or all numbers|Unknown label"):
        _fit(X, labels)


@pytest.mark.parametrize("dtype", ["datetime64[D]", "timedelta64[s]"])
def test_dates_and_durations_are_not_numbers(series_data, dtype):
    X, y = series_data
    dates = np.arange(X[:, :, 0].size).reshape(X.shape[:2]).astype(dtype)
    with pytest.raises(ValueError, match="dates or durations"):
        _fit(dates, y)


@pytest.mark.parametrize(
    "class_weight, weights, message",
    [
        ({0: -1.0, 1: 1.0}, None, "finite, non-negative"),
        ({0: np.nan, 1: 1.0}, None, "finite, non-negative"),
        ({0: 0, 1: 0}, None, "only zeros"),
        ({0: 0.0, 1: 1.0}, "class 0 only", "only zeros"),
        (None, 1e300, "infinity"),
        (None, 1e-300, "only zeros"),
    ],
)
def test_weights_are_checked_as_the_network_sees_them(
    series_data, class_weight, weights, message
):
    X, y = series_data
    if isinstance(weights, float):
        weights = np.full(len(y), weights)
    elif weights == "class 0 only":
        weights = (y == 0).astype(float)
    # The error alone: no NumPy overflow warning before it.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=message):
            _fit(X, y, class_weight=class_weight).fit(X, y, sample_weight=weights)


def test_partial_fit_refuses_other_classes_later(series_data):
    X, y = series_data
    clf = _fit(X, y).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize("params", [TINY, {**TINY, **TINY_TOKENISED}])
def test_an_eager_fit_agrees_with_a_compiled_one(series_data, params):
    # run_eagerly trades the compilation for slower steps, nothing else: the
    # same seeded fit gives the same network to float rounding, and the mode
    # may be switched after fit for prediction and for a warm fit.
    X, y = series_data
    # One epoch: eager steps are slow (op by op; most of all on JAX), and
    # four of them already go through dropout, augmentation and the optimizer.
    params = {**params, "dropout": 0.1, "augmentation": ("shift", "jitter")}
    params["epochs"] = 1
    compiled = _fit(X, y, **params, random_state=0)
    eager = _fit(X, y, **params, random_state=0, run_eagerly=True)
    np.testing.assert_allclose(
        eager.predict_proba(X), compiled.predict_proba(X), rtol=0, atol=1e-5
    )
    eager.set_params(run_eagerly=False)
    np.testing.assert_allclose(
        eager.predict_proba(X), compiled.predict_proba(X), rtol=0, atol=1e-5
    )
    compiled.set_params(run_eagerly=True).partial_fit(X, y)
    assert len(compiled.history_["loss"]) == params["epochs"] + 1
    with pytest.raises(ValueError, match="run_eagerly"):
        compiled.set_params(run_eagerly="yes").predict(X)


def test_bytes_labels_are_refused_as_bytes_not_as_a_mix(series_data):
    X, _ = series_data
    labels = np.array([b"a", b"b"] * 30, dtype=object)
    with pytest.raises(ValueError, match="Labels of type bytes cannot be classes"):
        _fit(X, labels)
