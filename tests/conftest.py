"""Shared fixtures: tiny networks and short series keep the suite fast."""

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

_SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if "SKTRANSFORMER_DATA" not in os.environ and _SHARED_DATA.is_dir():
    os.environ["SKTRANSFORMER_DATA"] = str(_SHARED_DATA)

#: Where the FordA files are expected (CI points SKTRANSFORMER_DATA at ../shared/data).
FORDA = Path(os.environ.get("SKTRANSFORMER_DATA", "")) / "UCR" / "FordA"

#: Skip marker for tests that read the real FordA files.
requires_forda = pytest.mark.skipif(
    not (FORDA / "FordA_TRAIN.tsv").is_file(),
    reason="FordA is not in $SKTRANSFORMER_DATA (CI sets it to ../shared/data)",
)

#: A network small enough to fit in about a second, with the seed's structure.
TINY = dict(
    head_size=4,
    num_heads=2,
    ff_dim=2,
    num_transformer_blocks=1,
    mlp_units=(8,),
    dropout=0.1,
    mlp_dropout=0.1,
    learning_rate=1e-2,
    batch_size=16,
    epochs=3,
    validation_split=0.0,
    early_stopping=False,
)

#: A tiny network of the recommended kind: a conv stem, tokens, one block.
TINY_TOKENISED = dict(
    tokenizer="conv",
    stem_filters=(8,),
    embed_dim=8,
    head_size=4,
    num_heads=1,
    ff_dim=8,
    num_transformer_blocks=1,
    pooling="tokens",
    mlp_units=(),
    mlp_dropout=0.0,
)


@pytest.fixture
def tiny_params():
    return dict(TINY)


@pytest.fixture
def series_data():
    """60 univariate series of length 12; the class is the sign of the mean."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 12, 1)).astype(np.float32)
    shift = np.where(np.arange(60) % 2 == 0, 1.0, -1.0)
    X += shift[:, None, None]
    y = (shift > 0).astype(int)
    return X, y


def op_determinism_enabled():
    """Whether TensorFlow's op determinism is on (False on other backends).

    TensorFlow has no public getter; the tests read its private one, which is
    what ``tf.config.experimental.enable_op_determinism`` sets.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        return False
    from tensorflow.python.framework import config

    return bool(config.is_op_determinism_enabled())


def assert_pickles_and_saves(clf, X, tmp_path):
    """Check that a pickle of fitted ``clf`` predicts as it does; save its network.

    Returns the network reloaded from a ``.keras`` file, for the caller's checks.
    """
    import keras  # (after TF_CPP_MIN_LOG_LEVEL above)

    expected = clf.predict_proba(X)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(clf)).predict_proba(X), expected
    )
    path = tmp_path / "model.keras"
    clf.model_.save(path)
    return keras.models.load_model(path)
