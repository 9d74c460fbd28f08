"""The estimator's behaviour as a user relies on it."""

import os
import pickle
import random
import subprocess
import sys
import warnings

import joblib
import keras
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.utils._tags import get_tags

import sktransformer
from sktransformer import (
    InconsistentPickleWarning,
    TimeSeriesStandardScaler,
    TransformerTimeSeriesClassifier,
)

from .conftest import op_determinism_enabled

# --------------------------------------------------------------------------- #
# Defaults and parameters
# --------------------------------------------------------------------------- #


def test_defaults_are_the_seed_recipe():
    params = TransformerTimeSeriesClassifier().get_params()
    assert params == {
        "head_size": 256,
        "num_heads": 4,
        "ff_dim": 4,
        "num_transformer_blocks": 4,
        "mlp_units": (128,),
        "dropout": 0.25,
        "mlp_dropout": 0.4,
        "learning_rate": 1e-4,
        "batch_size": 64,
        "epochs": 200,
        "validation_split": 0.2,
        "early_stopping": True,
        "patience": 10,
        "callbacks": None,
        "class_weight": None,
        "warm_start": False,
        "random_state": None,
        "verbose": 0,
        "data_format": "channels_last",
        "fast_attention": True,
        # Beyond the seed: each default keeps the seed's network and training.
        "augmentation": None,
        "differences": False,
        "input_norm": "none",
        "tokenizer": "none",
        "embed_dim": None,
        "patch_size": 16,
        "patch_stride": None,
        "stem_filters": (32, 64, 128),
        "stem_kernel_size": 7,
        "stem_stride": 2,
        "position_embedding": "none",
        "attention_dropout": None,
        "norm_first": True,
        "ff_activation": "relu",
        "drop_path": 0.0,
        "final_norm": False,
        "pooling": "channels",
        "n_members": 1,
        "weight_decay": 0.0,
        "clipnorm": None,
        "lr_schedule": "constant",
        "warmup_epochs": 0,
        "label_smoothing": 0.0,
        "mixup": None,
        "ema_momentum": None,
        "test_time_shifts": 1,
        "n_threads": None,
        "run_eagerly": False,
        "checkpoint_dir": None,
    }


def test_network_options_are_estimator_parameters_with_the_same_defaults():
    from sktransformer.network import NETWORK_OPTIONS

    params = TransformerTimeSeriesClassifier().get_params()
    assert {name: params[name] for name in NETWORK_OPTIONS} == NETWORK_OPTIONS


def test_default_network_on_forda_shape_has_93130_parameters():
    clf = TransformerTimeSeriesClassifier(random_state=0)
    X = np.zeros((4, 500, 1), dtype=np.float32)
    clf.initialize(X, np.array([-1, 1, -1, 1]))
    assert clf.model_.count_params() == 93_130
    kinds = {type(layer).__name__ for layer in clf.model_.layers}
    assert "ScalarSelfAttention" in kinds and "MultiHeadAttention" not in kinds
    clf.set_params(fast_attention=False).initialize(X, np.array([-1, 1, -1, 1]))
    assert clf.model_.count_params() == 93_130
    kinds = {type(layer).__name__ for layer in clf.model_.layers}
    assert "MultiHeadAttention" in kinds and "ScalarSelfAttention" not in kinds
    optimizer = clf.model_.optimizer
    assert isinstance(optimizer, keras.optimizers.Adam)
    assert float(optimizer.learning_rate) == pytest.approx(1e-4)


def test_is_a_classifier_with_correct_tags():
    clf = TransformerTimeSeriesClassifier()
    assert is_classifier(clf)
    tags = get_tags(clf)
    assert tags.estimator_type == "classifier"
    assert tags.input_tags.three_d_array
    assert tags.target_tags.required


def test_cross_val_score_uses_stratified_folds(series_data, tiny_params):
    from sklearn.model_selection import check_cv

    X, y = series_data
    cv = check_cv(3, y, classifier=is_classifier(TransformerTimeSeriesClassifier()))
    assert isinstance(cv, StratifiedKFold)
    scores = cross_val_score(
        TransformerTimeSeriesClassifier(**tiny_params, random_state=0), X, y, cv=3
    )
    assert scores.shape == (3,)
    assert np.all((0 <= scores) & (scores <= 1))


def test_clone_get_set_params(tiny_params):
    clf = TransformerTimeSeriesClassifier(**tiny_params, random_state=3)
    cloned = clone(clf)
    assert cloned.get_params() == clf.get_params()
    assert cloned is not clf
    cloned.set_params(num_heads=7, mlp_units=(3, 2))
    assert cloned.num_heads == 7 and cloned.mlp_units == (3, 2)
    assert clf.num_heads == tiny_params["num_heads"]
    with pytest.raises(ValueError, match="Invalid parameter"):
        cloned.set_params(not_a_parameter=1)


def test_repr_and_html_repr():
    clf = TransformerTimeSeriesClassifier(num_heads=2)
    assert repr(clf) == "TransformerTimeSeriesClassifier(num_heads=2)"
    html = clf._repr_html_()
    assert "TransformerTimeSeriesClassifier" in html and "num_heads" in html


@pytest.mark.parametrize(
    "param, value, fragment",
    [
        ("num_heads", 0, "'num_heads' parameter"),
        ("head_size", -4, "'head_size' parameter"),
        ("ff_dim", 0, "'ff_dim' parameter"),
        ("num_transformer_blocks", -1, "'num_transformer_blocks' parameter"),
        ("dropout", 1.0, "'dropout' parameter"),
        ("dropout", -0.1, "'dropout' parameter"),
        ("mlp_dropout", 1.5, "'mlp_dropout' parameter"),
        ("learning_rate", 0.0, "'learning_rate' parameter"),
        ("batch_size", 0, "'batch_size' parameter"),
        ("epochs", 0, "'epochs' parameter"),
        ("validation_split", 1.0, "'validation_split' parameter"),
        ("patience", -1, "'patience' parameter"),
        ("mlp_units", (8, 0), "'mlp_units' parameter"),
        ("mlp_units", (8, -3), "'mlp_units' parameter"),
        ("mlp_units", 128, "'mlp_units' parameter"),
    ],
)
def test_invalid_hyperparameters_raise_clear_value_error_at_fit(
    series_data, tiny_params, param, value, fragment
):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**{**tiny_params, param: value})
    with pytest.raises(ValueError, match=fragment):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


# --------------------------------------------------------------------------- #
# Inputs
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("shape", [(30, 9, 1), (30, 5, 3), (30, 1, 2)])
def test_any_length_and_channels(shape, tiny_params):
    rng = np.random.default_rng(1)
    X = rng.normal(size=shape)
    y = np.arange(shape[0]) % 2
    clf = TransformerTimeSeriesClassifier(**tiny_params, random_state=0).fit(X, y)
    assert (clf.n_timepoints_in_, clf.n_channels_in_) == shape[1:]
    assert clf.n_features_in_ == shape[1]
    assert clf.model_.input_shape == (None, *shape[1:])
    assert clf.predict_proba(X).shape == (shape[0], 2)


def test_2d_input_is_univariate_and_lists_and_dtypes_are_accepted(
    series_data, tiny_params
):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**tiny_params, random_state=0)
    clf.fit(X[:, :, 0], y)
    assert clf.n_channels_in_ == 1
    reference = clf.predict_proba(X)
    for variant in (X[:, :, 0], X.astype(np.float64), X.astype(np.float16), X.tolist()):
        np.testing.assert_allclose(clf.predict_proba(variant), reference, atol=2e-3)
    clf.fit(X.tolist(), y.tolist())
    clf.fit(X.astype(np.float64), y)


def test_user_arrays_are_never_modified(series_data, tiny_params):
    X, y = series_data
    X = X.astype(np.float64)
    weights = np.linspace(0.5, 2.0, len(y))
    X_before, y_before, w_before = X.copy(), y.copy(), weights.copy()
    clf = TransformerTimeSeriesClassifier(
        **{**tiny_params, "validation_split": 0.2, "early_stopping": True},
        class_weight="balanced",
        random_state=0,
    )
    clf.fit(X, y, sample_weight=weights)
    clf.predict(X)
    clf.predict_proba(X)
    clf.score(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(weights, w_before)


@pytest.mark.parametrize(
    "bad, expected",
    [
        (
            lambda X: X[:, :-1, :],
            r"X has 11 features, .* expecting 12 .*\(12, 1\).*\(11, 1\)",
        ),
        (lambda X: np.concatenate([X, X], axis=2), r"2 channels.*\(12, 1\).*\(12, 2\)"),
    ],
)
def test_predict_with_other_length_or_channels_names_both_shapes(
    series_data, tiny_params, bad, expected
):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**tiny_params, random_state=0).fit(X, y)
    for method in (clf.predict, clf.predict_proba):
        with pytest.raises(ValueError, match=expected):
            method(bad(X))


@pytest.mark.parametrize("value, word", [(np.inf, "infinity"), (-np.inf, "infinity")])
def test_infinity_raises_value_error(series_data, tiny_params, value, word):
    # NaN is padding or a missing value (tests/test_unequal_lengths.py).
    X, y = series_data
    X = X.copy()
    X[3, 4, 0] = value
    clf = TransformerTimeSeriesClassifier(**tiny_params)
    with pytest.raises(ValueError, match=word):
        clf.fit(X, y)
    clf.fit(np.nan_to_num(X, posinf=0.0), y)
    with pytest.raises(ValueError, match=word):
        clf.predict(X)


# --------------------------------------------------------------------------- #
# Labels
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "labels",
    [
        np.array([-1, 1]),  # FordA
        np.array(["abnormal", "normal"]),
        np.array([3, 10, 42]),  # non-contiguous ints
        np.array([5.0, -7.0]),  # integral floats (non-integral ones are regression)
    ],
)
def test_labels_of_any_kind(series_data, tiny_params, labels):
    X, _ = series_data
    y = labels[np.arange(len(X)) % len(labels)]
    clf = TransformerTimeSeriesClassifier(**tiny_params, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.sort(labels))
    assert clf.n_classes_ == len(labels)
    pred = clf.predict(X)
    assert pred.shape == (len(X),)
    assert set(pred) <= set(labels)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(labels))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    # predict is the argmax of predict_proba in classes_ order.
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert clf.predict_proba(X[:1]).shape == (1, len(labels))


def test_proba_columns_follow_classes_order(tiny_params):
    # Class "b" is the one that is easy to recognise (large values).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 10, 1)).astype(np.float32)
    y = np.where(np.arange(80) % 2 == 0, "b", "a")
    X[y == "b"] += 3.0
    clf = TransformerTimeSeriesClassifier(
        **{**tiny_params, "epochs": 15}, random_state=0
    ).fit(X, y)
    proba = clf.predict_proba(X)
    assert list(clf.classes_) == ["a", "b"]
    assert proba[y == "b", 1].mean() > 0.8
    assert proba[y == "a", 0].mean() > 0.8
    assert clf.score(X, y) > 0.9


def test_single_class_is_rejected(series_data, tiny_params):
    X, _ = series_data
    with pytest.raises(ValueError, match="at least 2 classes"):
        TransformerTimeSeriesClassifier(**tiny_params).fit(X, np.ones(len(X)))


# --------------------------------------------------------------------------- #
# Reproducibility and global state
# --------------------------------------------------------------------------- #


def test_same_integer_random_state_gives_identical_probabilities(
    series_data, tiny_params
):
    X, y = series_data
    params = {**tiny_params, "validation_split": 0.25, "early_stopping": True}
    p1 = TransformerTimeSeriesClassifier(**params, random_state=7).fit(X, y)
    p2 = TransformerTimeSeriesClassifier(**params, random_state=7).fit(X, y)
    np.testing.assert_array_equal(p1.predict_proba(X), p2.predict_proba(X))
    p3 = TransformerTimeSeriesClassifier(**params, random_state=8).fit(X, y)
    assert not np.array_equal(p1.predict_proba(X), p3.predict_proba(X))


def test_fit_leaves_global_state_as_it_was(series_data, tiny_params):
    import tensorflow as tf
    from keras.src.backend.common import global_state

    X, y = series_data
    random.seed(123)
    np.random.seed(456)
    tf.random.set_seed(789)
    assert not op_determinism_enabled()
    assert "TF_DETERMINISTIC_OPS" not in os.environ
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    keras_seed = global_state.get_global_attribute("global_random_seed")

    TransformerTimeSeriesClassifier(**tiny_params, random_state=0).fit(X, y)

    assert random.getstate() == python_state
    restored = np.random.get_state()
    assert restored[0] == numpy_state[0]
    np.testing.assert_array_equal(restored[1], numpy_state[1])
    assert restored[2:] == numpy_state[2:]
    from tensorflow.python.eager import context

    assert context.global_seed() == 789
    assert global_state.get_global_attribute("global_random_seed") == keras_seed
    # scikeras 0.13 leaves op determinism switched on after a seeded fit.
    assert not op_determinism_enabled()
    assert "TF_DETERMINISTIC_OPS" not in os.environ


def test_user_enabled_determinism_is_kept(series_data, tiny_params):
    from tensorflow.python.framework import config

    X, y = series_data
    config.enable_op_determinism()
    try:
        TransformerTimeSeriesClassifier(**tiny_params, random_state=0).fit(X, y)
        assert op_determinism_enabled()
    finally:
        config.disable_op_determinism()


def test_unseeded_fits_differ(series_data, tiny_params):
    X, y = series_data
    p1 = TransformerTimeSeriesClassifier(**tiny_params).fit(X, y).predict_proba(X)
    p2 = TransformerTimeSeriesClassifier(**tiny_params).fit(X, y).predict_proba(X)
    assert not np.array_equal(p1, p2)


# --------------------------------------------------------------------------- #
# Training recipe
# --------------------------------------------------------------------------- #


def test_early_stopping_on_stratified_holdout(series_data, tiny_params):
    X, y = series_data
    # Classes sorted: Keras' own validation_split would hold out one class only.
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]
    clf = TransformerTimeSeriesClassifier(
        **{
            **tiny_params,
            "epochs": 40,
            "validation_split": 0.2,
            "early_stopping": True,
            "patience": 2,
            "learning_rate": 0.05,
        },
        random_state=0,
    ).fit(X, y)
    history = clf.history_
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(history)
    assert len(history["loss"]) < 40  # stopped early
    # restore_best_weights: the model scores the best validation loss seen.
    assert len(history["val_loss"]) == len(history["loss"])


def test_validation_split_that_cannot_stratify_is_a_clear_error(tiny_params):
    X = np.random.default_rng(0).normal(size=(11, 8, 1))
    y = np.array([0] * 10 + [1])
    clf = TransformerTimeSeriesClassifier(**{**tiny_params, "validation_split": 0.2})
    with pytest.raises(ValueError, match="validation_split=0.2 cannot hold out"):
        clf.fit(X, y)
    # The advice names the side that runs short.
    y = np.arange(24) % 2
    X = np.zeros((24, 8, 1))
    for split, advice in [(0.99, "a smaller validation_split"), (0.02, "a larger")]:
        clf.set_params(validation_split=split)
        with pytest.raises(ValueError, match=f"Use more data, {advice}"):
            clf.fit(X, y)


def test_user_callbacks_run(series_data, tiny_params):
    X, y = series_data
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(epoch)

    TransformerTimeSeriesClassifier(
        **tiny_params, callbacks=[Record()], random_state=0
    ).fit(X, y)
    assert seen == list(range(tiny_params["epochs"]))


def test_warm_start_continues_training(series_data, tiny_params):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(
        **tiny_params, warm_start=True, random_state=0
    )
    clf.fit(X, y)
    model = clf.model_
    weights = [w.copy() for w in model.get_weights()]
    first_losses = list(clf.history_["loss"])
    clf.fit(X, y)
    assert clf.model_ is model
    after = model.get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(weights, after, strict=True))
    # Training resumed from the fitted weights, not from a fresh initialisation,
    # and the history holds the epochs of both fits.
    epochs = tiny_params["epochs"]
    assert clf.history_["loss"][:epochs] == first_losses
    assert len(clf.history_["loss"]) == 2 * epochs
    assert clf.history_["loss"][epochs] < first_losses[0]


# --------------------------------------------------------------------------- #
# Where users put it
# --------------------------------------------------------------------------- #


def test_pipeline_with_per_series_scaler(series_data, tiny_params):
    X, y = series_data
    X = X * 5.0 + 2.0
    pipe = make_pipeline(
        TimeSeriesStandardScaler(),
        TransformerTimeSeriesClassifier(**tiny_params, random_state=0),
    )
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (len(X),)
    assert pipe.predict_proba(X).shape == (len(X), 2)
    assert is_classifier(pipe)


def test_grid_search(series_data, tiny_params):
    # Serial; parallel searches (n_jobs=2, a Dask cluster) are checked against
    # the serial one in test_robustness.py, test_fit_contract.py and test_dask.py.
    X, y = series_data
    search = GridSearchCV(
        TransformerTimeSeriesClassifier(**tiny_params, random_state=0),
        {"num_heads": [1, 2], "head_size": [2, 4]},
        cv=2,
    )
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["num_heads"] in (1, 2)
    assert search.predict(X).shape == (len(X),)
    assert search.best_estimator_.num_heads == search.best_params_["num_heads"]


def test_pickle_and_joblib_round_trips(series_data, tiny_params, tmp_path):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**tiny_params, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    path = tmp_path / "clf.joblib"
    joblib.dump(clf, path)
    np.testing.assert_array_equal(joblib.load(path).predict_proba(X), expected)
    # An unfitted estimator pickles too.
    assert pickle.loads(pickle.dumps(clone(clf))).get_params() == clf.get_params()


def test_an_estimator_with_a_csv_logger_pickles_and_clones_after_fit(
    series_data, tiny_params, tmp_path
):
    # Keras' CSVLogger keeps its closed file after fit; the estimator holding
    # it in ``callbacks`` could then be neither pickled nor cloned, which
    # broke cross-validation of a logged estimator.
    X, y = series_data
    log = tmp_path / "log.csv"
    logger = keras.callbacks.CSVLogger(str(log))
    clf = TransformerTimeSeriesClassifier(
        **tiny_params, callbacks=[logger], random_state=0
    ).fit(X, y)
    assert log.read_text().splitlines()[0].startswith("epoch")
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    scores = cross_val_score(clone(clf), X, y, cv=2)
    assert scores.shape == (2,)
    # The same logger, and its file, serve the next fit.
    clf.fit(X, y)
    assert len(log.read_text().splitlines()) == 1 + tiny_params["epochs"]


def test_callbacks_do_not_carry_the_fitted_network_into_clones(
    series_data, tiny_params
):
    # Keras leaves the model attached to each callback after fit; through the
    # callbacks parameter, clone() copied the fitted network into an unfitted
    # estimator (and a search shipped it to every worker).
    X, y = series_data
    history = keras.callbacks.History()
    clf = TransformerTimeSeriesClassifier(
        **tiny_params, callbacks=[history], random_state=0
    )
    unfitted_size = len(pickle.dumps(clone(clf)))
    clf.fit(X, y)
    assert len(history.history["loss"]) == tiny_params["epochs"]  # still the user's
    assert len(pickle.dumps(clone(clf))) < 2 * unfitted_size


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TF pools only")
def test_a_fitted_estimator_loaded_in_a_worker_sizes_its_threads_first(
    series_data, tiny_params, tmp_path
):
    # scikit-learn's default scorer ships the fitted estimator to every worker
    # of a cross-validation; loading its Keras model started TensorFlow with
    # all cores before the worker's fit could size the pools to its share.
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**tiny_params, random_state=0).fit(X, y)
    path = tmp_path / "clf.pkl"
    path.write_bytes(pickle.dumps(clf))
    code = (
        "import pickle, sys\n"
        "import tensorflow as tf\n"
        "pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "print(tf.config.threading.get_intra_op_parallelism_threads())\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split()[-1] == "1"


@pytest.mark.parametrize("method", ["warm_start", "partial_fit"])
def test_training_goes_on_after_a_pickle_as_it_would_have(
    series_data, tiny_params, method
):
    # Dropout draws from random generators whose state Keras' saving drops: a
    # warm fit after unpickling drew other numbers than the original's.
    X, y = series_data
    params = {**tiny_params, "random_state": 0, "warm_start": method == "warm_start"}
    clf = TransformerTimeSeriesClassifier(**params).fit(X, y)
    blob = pickle.dumps(clf)

    def more(estimator):
        if method == "partial_fit":
            return estimator.partial_fit(X, y)
        return estimator.fit(X, y)

    copies = [more(pickle.loads(blob)).predict_proba(X) for _ in range(2)]
    np.testing.assert_array_equal(copies[0], copies[1])
    np.testing.assert_array_equal(more(clf).predict_proba(X), copies[0])


def test_a_pickle_from_before_a_parameter_existed_loads_and_predicts(
    series_data, tiny_params, monkeypatch
):
    # A user upgrades and loads an estimator pickled by an older version,
    # which knew neither the newest parameter nor the version record.
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**tiny_params, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    current = TransformerTimeSeriesClassifier.__getstate__

    def older_getstate(self):
        state = current(self)
        del state["_sktransformer_version"], state["stem_stride"]
        state["resolved_params_"] = dict(state["resolved_params_"])
        del state["resolved_params_"]["stem_stride"]
        return state

    monkeypatch.setattr(TransformerTimeSeriesClassifier, "__getstate__", older_getstate)
    blob = pickle.dumps(clf)
    monkeypatch.undo()
    with pytest.warns(InconsistentPickleWarning, match=r"\(stem_stride\) take"):
        restored = pickle.loads(blob)
    assert restored.stem_stride == restored.resolved_params_["stem_stride"] == 2
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    assert clone(restored).get_params() == clf.get_params()
    assert "stem_stride" not in repr(restored)  # at its default

    # Same parameters, another version: said, nothing filled in.
    state = clf.__getstate__()
    assert state["_sktransformer_version"] == sktransformer.__version__
    state["_sktransformer_version"] = "0.0.1"
    loaded = TransformerTimeSeriesClassifier.__new__(TransformerTimeSeriesClassifier)
    with pytest.warns(InconsistentPickleWarning, match="by sktransformer 0.0.1"):
        loaded.__setstate__(state)
    assert "_sktransformer_version" not in vars(loaded)
    # The same version: silent (the round trip above warns on nothing).
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentPickleWarning)
        pickle.loads(pickle.dumps(clf))


def test_network_saves_in_native_keras_format(series_data, tiny_params, tmp_path):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**tiny_params, random_state=0).fit(X, y)
    path = tmp_path / "network.keras"
    clf.model_.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(
        loaded.predict(X, verbose=0), clf.predict_proba(X), rtol=1e-6, atol=1e-7
    )


def test_unfitted_estimator_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    clf = TransformerTimeSeriesClassifier()
    with pytest.raises(NotFittedError):
        clf.predict(np.zeros((2, 5, 1)))
    with pytest.raises(NotFittedError):
        clf.predict_proba(np.zeros((2, 5, 1)))


@pytest.mark.parametrize(
    "estimator", [TransformerTimeSeriesClassifier(), TimeSeriesStandardScaler()]
)
def test_every_parameter_is_constrained_and_documented(estimator):
    import inspect

    names = set(estimator.get_params())
    assert names == set(type(estimator)._parameter_constraints)
    doc = inspect.getdoc(type(estimator))
    section = doc.split("Parameters\n----------\n")[1].split("\n\n")[0]
    documented = {
        line.split(" : ")[0] for line in section.splitlines() if " : " in line
    }
    assert names == documented


def test_predictions_do_not_depend_on_the_order_of_the_series():
    # scikit-learn's check_methods_sample_order_invariance at float32 precision
    # (the check itself allows 1e-7 relative, below float32 rounding).
    from .test_estimator_checks import CHECKS_CLASSIFIER

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 12, 1)).astype("float32")
    y = np.arange(20) % 3
    X[y == 1, 3:6] += 2.0
    clf = clone(CHECKS_CLASSIFIER).fit(X, y)
    order = rng.permutation(len(X))
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(clf.predict_proba(X[order]), proba[order], rtol=1e-5)
    np.testing.assert_array_equal(clf.predict(X[order]), clf.predict(X)[order])
