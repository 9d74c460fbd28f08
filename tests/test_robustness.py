"""Holding up where deep classifiers usually break: parallel searches, repeated
fits in one process, interruptions, checkpoints and untrusted files."""

import os
import random
import warnings
from pathlib import Path

import joblib
import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer._threads import threads_from_environment

from .conftest import TINY, TINY_TOKENISED, op_determinism_enabled

# --------------------------------------------------------------------------- #
# Parallel search
# --------------------------------------------------------------------------- #


# (Serial and parallel searches agree: the contract test in test_fit_contract.py.)


def _fit_and_report_threads(X, y):
    import tensorflow as tf

    TransformerTimeSeriesClassifier(**TINY, random_state=0).fit(X, y)
    return (
        os.environ.get("OMP_NUM_THREADS"),
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TF pools only")
def test_parallel_workers_share_the_cores(series_data):
    """Each of n_jobs workers sizes TensorFlow's pools to its share of cores."""
    X, y = series_data
    results = joblib.Parallel(n_jobs=2)(
        joblib.delayed(_fit_and_report_threads)(X, y) for _ in range(2)
    )
    share = max(joblib.cpu_count() // 2, 1)
    for omp, intra, inter in results:
        assert omp == str(share)  # what joblib announces to each worker
        assert (intra, inter) == (share, share)


def test_threads_from_environment(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads_from_environment() == 3
    for value in ("", "zero", "0"):
        monkeypatch.setenv("OMP_NUM_THREADS", value)
        assert threads_from_environment() is None
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert threads_from_environment() is None


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TF pools only")
def test_explicit_threads_after_tensorflow_started_warn(series_data):
    import tensorflow as tf

    X, y = series_data
    keras.ops.convert_to_numpy(keras.ops.ones(2) + 1)  # TensorFlow has started
    current = tf.config.threading.get_intra_op_parallelism_threads()
    clf = TransformerTimeSeriesClassifier(**TINY, n_threads=current + 7)
    with pytest.warns(RuntimeWarning, match=f"n_threads={current + 7} cannot"):
        clf.fit(X, y)
    assert clf.score(X, y) >= 0  # and the fit went on
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.set_params(n_threads=None).fit(X, y)  # derived: never a warning


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="Linux /proc")
def test_memory_is_released_between_fits():
    """16 fits in one fresh process: each leaves at most 2 MB behind.

    TensorFlow keeps every traced custom gradient (Keras' all-reduce of the
    gradients, the fast attention's closed-form gradients) in a global registry
    with its graph: about 13 MB a fit before ``sktransformer._tf_memory``
    released them, 1.5 MB after. The measure is the benchmark's
    (``benchmarks/memory_growth.py``: a fresh process, slope of resident memory
    over fits 4-16, 13 points: enough to tell 13 MB from 2), on the backend
    running the tests.
    """
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "memory_growth.py"
    spec = importlib.util.spec_from_file_location("memory_growth", path)
    memory_growth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(memory_growth)
    growth_per_fit, sizes = memory_growth.measure(keras.backend.backend(), "fast", 16)
    assert growth_per_fit <= 2.0, [round(s) for s in sizes]


def test_custom_gradient_registrations_are_released(series_data, monkeypatch):
    from sktransformer import _tf_memory

    registry = _tf_memory._gradient_registry()
    if registry is None:
        pytest.skip("TensorFlow's gradient registry exists on the TensorFlow backend")
    X, y = series_data
    before = {k for k in registry if k.startswith("CustomGradient-")}
    clf = TransformerTimeSeriesClassifier(**TINY, random_state=0).fit(X, y)
    clf.predict(X)
    assert {k for k in registry if k.startswith("CustomGradient-")} <= before
    # Warm starts retrace nothing they need back.
    clf.set_params(warm_start=True).fit(X, y)
    # Without the registry (another TensorFlow, another backend) fits still work.
    monkeypatch.setattr(_tf_memory, "_gradient_registry", lambda: None)
    TransformerTimeSeriesClassifier(**TINY, random_state=0).fit(X, y).predict(X)


# --------------------------------------------------------------------------- #
# Interruption
# --------------------------------------------------------------------------- #


class _RaiseAtEpoch(keras.callbacks.Callback):
    """Raise ``error`` as epoch ``epoch`` begins (epochs before it complete)."""

    def __init__(self, epoch, error):
        super().__init__()
        self.epoch, self.error = epoch, error

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise self.error


def _global_state():
    return (
        random.getstate(),
        np.random.get_state()[1].tobytes(),
        op_determinism_enabled(),
        os.environ.get("TF_DETERMINISTIC_OPS"),
    )


@pytest.mark.parametrize("previously_fitted", [False, True])
def test_failing_callback_leaves_the_estimator_unfitted(series_data, previously_fitted):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**{**TINY, "epochs": 6}, random_state=0)
    if previously_fitted:
        clf.fit(X, y)
    before = _global_state()
    clf.set_params(callbacks=[_RaiseAtEpoch(2, RuntimeError("disk full"))])
    with pytest.raises(RuntimeError, match="disk full"):
        clf.fit(X, y)
    assert _global_state() == before
    with pytest.raises(NotFittedError):
        clf.predict(X)
    assert not [name for name in vars(clf) if name.endswith("_") and name[0] != "_"]
    # And it fits again as usual.
    clf.set_params(callbacks=None).fit(X, y)
    assert clf.predict(X).shape == (len(X),)


def test_keyboard_interrupt_keeps_the_best_weights_so_far(series_data):
    X, y = series_data
    best = {}

    class RememberBest(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs["val_loss"] < best.get("loss", np.inf):
                best.update(loss=logs["val_loss"], weights=self.model.get_weights())

    clf = TransformerTimeSeriesClassifier(
        **{**TINY, "epochs": 20, "validation_split": 0.25, "early_stopping": True},
        patience=20,
        callbacks=[RememberBest(), _RaiseAtEpoch(5, KeyboardInterrupt())],
        random_state=0,
    )
    before = _global_state()
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert _global_state() == before
    assert len(clf.history_["loss"]) == 5  # epochs 0-4 completed
    assert len(clf.history_["val_loss"]) == 5
    for kept, expected in zip(clf.model_.get_weights(), best["weights"], strict=True):
        np.testing.assert_array_equal(kept, expected)
    assert clf.predict_proba(X).shape == (len(X), 2)
    # A complete estimator: every fitted attribute is there.
    assert 0.0 <= clf.padding_fraction_ < 1.0


def test_an_interrupted_warm_fit_on_longer_series_records_their_length():
    from .test_unequal_lengths import ragged

    X, y = ragged(lengths=(6, 12))
    clf = TransformerTimeSeriesClassifier(
        **TINY_TOKENISED, epochs=1, batch_size=8, warm_start=True, random_state=0
    ).fit(X, y)
    longer, _ = ragged(lengths=(20, 24), seed=1)
    clf.set_params(epochs=3, callbacks=[_RaiseAtEpoch(2, KeyboardInterrupt())])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(longer, y)
    assert clf.n_timepoints_in_ == max(len(s) for s in longer)
    assert hasattr(clf, "padding_fraction_")


def test_a_fresh_fit_drops_the_attributes_of_the_previous_one(series_data, tmp_path):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**TINY, checkpoint_dir=tmp_path).fit(X, y)
    assert os.path.isfile(clf.checkpoint_path_)
    clf.set_params(checkpoint_dir=None).fit(X, y)
    # (It would point at the first fit's model file.)
    assert not hasattr(clf, "checkpoint_path_")


# --------------------------------------------------------------------------- #
# Checkpoints and warm start
# --------------------------------------------------------------------------- #


def test_checkpoints_are_unique_per_fit_and_complete(series_data, tmp_path):
    X, y = series_data
    params = dict(
        **{**TINY, "validation_split": 0.25, "early_stopping": True},
        patience=100,
        checkpoint_dir=tmp_path,
    )
    a = TransformerTimeSeriesClassifier(**params, random_state=0).fit(X, y)
    b = TransformerTimeSeriesClassifier(**params, random_state=1).fit(X, y)
    assert a.checkpoint_path_ != b.checkpoint_path_
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        os.path.basename(p) for p in (a.checkpoint_path_, b.checkpoint_path_)
    )  # and no partial files
    # The checkpoint holds the best epoch's network, which early stopping
    # also restored at the end.
    reloaded = keras.models.load_model(a.checkpoint_path_, safe_mode=True)
    for saved, fitted in zip(
        reloaded.get_weights(), a.model_.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(saved, fitted)


def test_checkpoint_survives_a_failed_save(series_data, tmp_path, monkeypatch):
    """A save that dies half-way leaves the previous checkpoint intact."""
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(
        **TINY, checkpoint_dir=tmp_path, random_state=0
    ).fit(X, y)
    path = clf.checkpoint_path_
    good = open(path, "rb").read()

    def die_half_way(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(b"PK\x03\x04 half a zip")
        raise OSError("killed")

    monkeypatch.setattr(keras.Model, "save", die_half_way)
    from sktransformer.network.callbacks import AtomicModelCheckpoint

    checkpoint = AtomicModelCheckpoint(path, monitor="loss")
    checkpoint.set_model(clf.model_)
    with pytest.raises(OSError, match="killed"):
        checkpoint.on_epoch_end(0, {"loss": 0.1})
    assert open(path, "rb").read() == good
    assert os.listdir(tmp_path) == [os.path.basename(path)]


def test_parallel_workers_write_their_own_checkpoints(series_data, tmp_path):
    X, y = series_data
    search = GridSearchCV(
        TransformerTimeSeriesClassifier(
            **TINY, checkpoint_dir=tmp_path, random_state=0
        ),
        {"num_heads": [1, 2]},
        cv=2,
        n_jobs=2,
    ).fit(X, y)
    files = sorted(os.listdir(tmp_path))
    # 2 candidates x 2 folds in the workers, plus the refit.
    assert len(files) == 5 and len(set(files)) == 5
    assert all(name.endswith(".keras") and "partial" not in name for name in files)
    assert os.path.basename(search.best_estimator_.checkpoint_path_) in files


# --------------------------------------------------------------------------- #
# Untrusted files
# --------------------------------------------------------------------------- #


def test_saved_networks_load_in_safe_mode(series_data, tmp_path):
    from sktransformer.recommended import RECOMMENDED_PARAMS

    X, y = series_data
    params = {**RECOMMENDED_PARAMS, **TINY, "stem_filters": (4,), "embed_dim": 8}
    for extra in ({}, params):
        clf = TransformerTimeSeriesClassifier(**{**TINY, **extra}, random_state=0)
        clf.fit(X, y)
        path = tmp_path / "shared.keras"
        clf.model_.save(path)
        # safe_mode=True refuses to run code embedded in a file (lambdas).
        loaded = keras.models.load_model(path, safe_mode=True)
        # The file holds the network; test-time shifts are the estimator's.
        one_pass = clf.set_params(test_time_shifts=1).predict_proba(X)
        np.testing.assert_allclose(
            loaded.predict(X, verbose=0), one_pass, rtol=1e-5, atol=1e-6
        )


def test_seeded_fits_agree_while_another_thread_draws_random_numbers(series_data):
    """Python's global ``random`` is shared by all threads; a seeded fit must
    not depend on it (Dask workers' event loops draw from it all the time)."""
    import threading

    X, y = series_data
    expected = TransformerTimeSeriesClassifier(**TINY, random_state=3).fit(X, y)
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            random.random()

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    try:
        again = TransformerTimeSeriesClassifier(**TINY, random_state=3).fit(X, y)
    finally:
        stop.set()
        thread.join()
    np.testing.assert_array_equal(again.predict_proba(X), expected.predict_proba(X))
