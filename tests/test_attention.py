"""ScalarSelfAttention: same weights and same function as Keras MultiHeadAttention."""

import pickle

import keras
import numpy as np
import pytest
from keras import ops

from sktransformer.network.attention import ScalarSelfAttention, _dropout_plan

RTOL = 1e-5


@pytest.fixture(autouse=True)
def _seeded():
    """Deterministic weights (Keras initializers) and dropout masks."""
    keras.utils.set_random_seed(1234)


def _backend_gradients(fn, inputs, variables):
    """Gradients of ``fn(inputs)`` (a scalar) w.r.t. ``[inputs] + variables``."""
    backend = keras.backend.backend()
    if backend != "tensorflow":  # pragma: no cover - CI runs TensorFlow
        pytest.skip(f"gradient helper not written for the {backend} backend")
    import tensorflow as tf

    x = tf.convert_to_tensor(inputs)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = fn(x)
    grads = tape.gradient(loss, [x] + list(variables))
    return [None if g is None else np.asarray(g) for g in grads]


def _pair(num_heads, key_dim, dropout=0.0, timepoints=8, seed=0):
    """A MultiHeadAttention and a ScalarSelfAttention with the same weights."""
    rng = np.random.default_rng(seed)
    probe = np.zeros((1, timepoints, 1), "float32")
    mha = keras.layers.MultiHeadAttention(
        num_heads=num_heads, key_dim=key_dim, dropout=dropout
    )
    fast = ScalarSelfAttention(num_heads=num_heads, key_dim=key_dim, dropout=dropout)
    mha(probe, probe)
    fast(probe)
    # Biases are zero at initialisation: randomise everything.
    weights = [
        w + 0.5 * rng.standard_normal(w.shape).astype("float32")
        for w in mha.get_weights()
    ]
    mha.set_weights(weights)
    fast.set_weights(weights)
    return mha, fast


def _series(batch, timepoints, seed=1, scale=1.0, shift=0.3):
    rng = np.random.default_rng(seed)
    x = shift + scale * rng.standard_normal((batch, timepoints, 1))
    return x.astype("float32")


def _assert_close(actual, desired, what, scale=None):
    """``rtol=1e-5`` with ``atol`` 1e-5 of the tensor's largest entry (or of
    10 % of ``scale``, the largest gradient of all weights, when larger: an
    exactly-zero gradient is compared with float32 rounding noise)."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    floor = 1e-3 if scale is None else 0.1 * scale
    atol = 1e-5 * max(float(np.max(np.abs(desired))), floor)
    np.testing.assert_allclose(actual, desired, rtol=RTOL, atol=atol, err_msg=what)


class _Reference:
    """MultiHeadAttention's math written out with ``keras.ops`` in float64.

    Full query/key/value projections, scaled dot products, softmax, optional
    dropout on the probabilities with a given mask, output projection: the
    exact function both layers should compute, free of float32 rounding.
    (Keras' own MultiHeadAttention with ``dtype="float64"`` is not accurate
    to float64 precision on TensorFlow, so it cannot serve here.)
    """

    def __init__(self, mha):
        self.trainable_weights = [
            keras.Variable(w.astype("float64")) for w in mha.get_weights()
        ]
        self.key_dim = mha.get_config()["key_dim"]
        self.rate = mha.get_config()["dropout"]
        self.keep = None

    def __call__(self, query, value, training=None):
        wq, bq, wk, bk, wv, bv, wo, bo = self.trainable_weights
        x = ops.cast(query, "float64")
        q = ops.einsum("btc,chd->bthd", x, wq) + bq
        k = ops.einsum("btc,chd->bthd", x, wk) + bk
        v = ops.einsum("btc,chd->bthd", x, wv) + bv
        scores = ops.einsum("bihd,bjhd->bhij", q, k) / np.sqrt(self.key_dim)
        p = ops.softmax(scores, axis=-1)
        if training and self.keep is not None:
            p = p * ops.cast(self.keep, "float64") / (1.0 - self.rate)
        out = ops.einsum("bhij,bjhd->bihd", p, v)
        return ops.einsum("bihd,hdc->bic", out, wo) + bo


def _outputs_and_gradients(call, layer, x, weights_for_loss):
    out = np.asarray(call(x))
    grads = _backend_gradients(
        lambda v: ops.sum(call(v) * weights_for_loss.astype(x.dtype)),
        x,
        layer.trainable_weights,
    )
    return out, grads


def _compare(mha, fast, x, training, weights_for_loss, float32_too=True, keep=None):
    """Outputs and gradients (input and every weight) of ScalarSelfAttention
    against the float64 reference (the exact function) and, when
    ``float32_too``, against Keras' MultiHeadAttention in float32. ``keep``:
    the dropout mask both use in training."""
    ref = _Reference(mha)
    ref.keep = keep
    references = [("float64 reference", ref, x.astype("float64"))]
    if float32_too:
        references.append(("float32 MultiHeadAttention", mha, x))
    out_fast, g_fast = _outputs_and_gradients(
        lambda v: fast(v, training=training), fast, x, weights_for_loss
    )
    names = ["input"] + [w.path for w in fast.trainable_weights]
    for label, layer, xr in references:
        out_ref, g_ref = _outputs_and_gradients(
            lambda v, layer=layer: layer(v, v, training=training),
            layer,
            xr,
            weights_for_loss,
        )
        _assert_close(out_fast, out_ref, f"outputs vs {label}")
        scale = max(float(np.max(np.abs(g))) for g in g_ref if g is not None)
        for name, gr, gf in zip(names, g_ref, g_fast, strict=True):
            assert gf is not None, f"no gradient for {name}"
            if name.endswith("key/bias"):
                # Exactly zero in theory (a per-row constant of the scores);
                # MHA returns rounding noise.
                np.testing.assert_array_equal(gf, 0.0)
                np.testing.assert_allclose(gr, 0.0, atol=1e-5 * scale)
                continue
            _assert_close(gf, gr, f"gradient of {name} vs {label}", scale)


# ---------------------------------------------------------------------- #
# Weights
# ---------------------------------------------------------------------- #
def test_weights_have_mha_names_shapes_and_order():
    mha, fast = _pair(num_heads=3, key_dim=5)
    mha_paths = [w.path.split("/", 1)[1] for w in mha.weights]
    fast_paths = [w.path.split("/", 1)[1] for w in fast.weights]
    assert (
        fast_paths
        == mha_paths
        == [
            "query/kernel",
            "query/bias",
            "key/kernel",
            "key/bias",
            "value/kernel",
            "value/bias",
            "attention_output/kernel",
            "attention_output/bias",
        ]
    )
    assert [tuple(w.shape) for w in fast.weights] == [
        tuple(w.shape) for w in mha.weights
    ]
    assert len(fast.trainable_weights) == 8
    # Copying works in both directions.
    mha.set_weights(fast.get_weights())
    for a, b in zip(mha.get_weights(), fast.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_float64_layer_matches_the_reference_exactly():
    mha, _ = _pair(num_heads=3, key_dim=6, timepoints=11)
    ref = _Reference(mha)
    fast = ScalarSelfAttention(num_heads=3, key_dim=6, dtype="float64")
    x = _series(2, 11).astype("float64")
    fast(x)
    fast.set_weights([np.asarray(w) for w in ref.trainable_weights])
    np.testing.assert_allclose(fast(x), ref(x, x), rtol=1e-12, atol=1e-13)


def test_value_dim():
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, value_dim=6)
    fast = ScalarSelfAttention(num_heads=2, key_dim=4, value_dim=6)
    x = _series(2, 9)
    mha(x, x)
    fast(x)
    weights = [w + 0.3 for w in mha.get_weights()]
    mha.set_weights(weights)
    fast.set_weights(weights)
    _assert_close(fast(x), mha(x, x), "value_dim outputs")


# ---------------------------------------------------------------------- #
# Same function, same gradients
# ---------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "batch, timepoints, num_heads, key_dim",
    [(2, 7, 1, 4), (3, 16, 2, 8), (2, 33, 4, 16), (1, 50, 3, 5)],
)
@pytest.mark.parametrize("training", [False, True])
def test_matches_mha_without_dropout(batch, timepoints, num_heads, key_dim, training):
    mha, fast = _pair(num_heads, key_dim, timepoints=timepoints)
    x = _series(batch, timepoints)
    w = np.cos(np.arange(batch * timepoints)).reshape(batch, timepoints, 1)
    _compare(mha, fast, x, training, w.astype("float32"))


@pytest.mark.parametrize("scale", [0.01, 4.0])
def test_matches_mha_flat_and_peaked_attention(scale):
    # Small scale: nearly uniform attention; large: nearly one-hot rows.
    mha, fast = _pair(num_heads=2, key_dim=8, timepoints=20)
    x = _series(2, 20, scale=scale, shift=1.0)
    w = np.sin(np.arange(40)).reshape(2, 20, 1).astype("float32")
    # With nearly flat attention, float32 MultiHeadAttention itself loses
    # ~3 digits on the query/key gradients (its scores carry a large
    # per-row constant): compare with the float64 function only.
    _compare(mha, fast, x, False, w, float32_too=scale > 1)


def test_constant_series():
    # The seed network's LayerNorm over one channel feeds a constant series.
    mha, fast = _pair(num_heads=2, key_dim=8, timepoints=12)
    x = np.full((2, 12, 1), 0.7, "float32")
    w = np.cos(np.arange(24)).reshape(2, 12, 1).astype("float32")
    _compare(mha, fast, x, False, w)


def test_dropout_with_the_same_mask_matches_mha():
    rate, batch, timepoints, heads = 0.25, 2, 15, 3
    mha, fast = _pair(heads, 6, dropout=rate, timepoints=timepoints)
    keep = (
        np.random.default_rng(5).random((batch, heads, timepoints, timepoints)) >= rate
    ).astype("float32")
    if not hasattr(mha, "_dropout_layer"):  # pragma: no cover - Keras internals
        pytest.skip("MultiHeadAttention has no _dropout_layer in this Keras")
    # Same keep mask in both layers: MHA scales the kept probabilities by
    # 1 / (1 - rate), as keras.layers.Dropout does.
    mha._dropout_layer = lambda p, training=None: p * keep / (1.0 - rate)
    fast._keep_mask = lambda batch_size, timepoints: ops.convert_to_tensor(keep)
    x = _series(batch, timepoints)
    w = np.cos(np.arange(batch * timepoints)).reshape(batch, timepoints, 1)
    _compare(mha, fast, x, True, w.astype("float32"), keep=keep)


@pytest.mark.parametrize("seed", range(8))
def test_random_configurations_match_reference(seed):
    # Random shapes, input scales and offsets, with and without dropout (same
    # mask): outputs and gradients within 1e-5 of the float64 reference,
    # relative to their largest entry (float32 MultiHeadAttention's own
    # error on these cases reaches ~3e-5 on gradients).
    rng = np.random.default_rng(100 + seed)
    batch, timepoints = int(rng.integers(1, 4)), int(rng.integers(5, 40))
    heads, key_dim = int(rng.integers(1, 5)), int(rng.integers(2, 20))
    rate = 0.25 if seed % 2 else 0.0
    mha, fast = _pair(heads, key_dim, dropout=rate, timepoints=timepoints, seed=seed)
    keep = None
    if rate:
        keep = (rng.random((batch, heads, timepoints, timepoints)) >= rate).astype(
            "float32"
        )
        fast._keep_mask = lambda batch_size, timepoints: ops.convert_to_tensor(keep)
    x = _series(
        batch,
        timepoints,
        seed=seed,
        scale=float(10 ** rng.uniform(-2, 0.8)),
        shift=float(3 * rng.standard_normal()),
    )
    w = np.cos(np.arange(batch * timepoints)).reshape(batch, timepoints, 1)
    w = w.astype("float32")
    ref = _Reference(mha)
    ref.keep = keep
    training = bool(rate)
    out_ref, g_ref = _outputs_and_gradients(
        lambda v: ref(v, v, training=training), ref, x.astype("float64"), w
    )
    out, g = _outputs_and_gradients(lambda v: fast(v, training=training), fast, x, w)
    assert np.max(np.abs(out - out_ref)) <= 1e-5 * np.max(np.abs(out_ref))
    scale = max(float(np.max(np.abs(a))) for a in g_ref)
    for a, b in zip(g_ref, g, strict=True):
        assert np.max(np.abs(a - b)) <= 1e-5 * scale


def test_non_dyadic_dropout_draws_the_masks_of_mha_with_the_same_seed():
    # Rates that are not k / 2**b draw one uniform per probability and keep it
    # iff >= rate, as keras.layers.Dropout does, from a SeedGenerator seeded
    # alike: on TensorFlow both layers draw the very same masks.
    if keras.backend.backend() != "tensorflow":  # pragma: no cover
        pytest.skip("random streams are backend-specific")
    x = _series(3, 11)
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.1, seed=7)
    fast = ScalarSelfAttention(num_heads=2, key_dim=4, dropout=0.1, seed=7)
    mha(x, x)
    fast(x)
    fast.set_weights([w + 0.3 for w in mha.get_weights()])
    mha.set_weights(fast.get_weights())
    for _ in range(2):
        _assert_close(fast(x, training=True), mha(x, x, training=True), "outputs")


def test_dropout_only_in_training():
    mha, fast = _pair(num_heads=2, key_dim=4, dropout=0.5, timepoints=10)
    x = _series(3, 10)
    inference = np.asarray(fast(x, training=False))
    _assert_close(inference, mha(x, x, training=False), "inference outputs")
    _assert_close(fast(x), inference, "default call is inference")
    first = np.asarray(fast(x, training=True))
    second = np.asarray(fast(x, training=True))
    assert not np.allclose(first, inference)
    assert not np.allclose(first, second)  # a fresh mask at every call


def test_no_dropout_training_equals_inference():
    _, fast = _pair(num_heads=2, key_dim=4, dropout=0.0, timepoints=10)
    x = _series(3, 10)
    np.testing.assert_array_equal(fast(x, training=True), fast(x, training=False))


@pytest.mark.parametrize("rate", [0.25, 0.1])
def test_dropout_is_unbiased(rate):
    # E[dropped probabilities] = probabilities and the output is linear in
    # them, so the training output averages to the inference output.
    _, fast = _pair(num_heads=2, key_dim=4, dropout=rate, timepoints=6)
    x = np.repeat(_series(1, 6), 2000, axis=0)
    train = np.asarray(fast(x, training=True))
    mean = train.mean(axis=0)
    stderr = train.std(axis=0) / np.sqrt(len(train))
    inference = np.asarray(fast(x[:1], training=False))[0]
    assert np.all(np.abs(mean - inference) < 5 * stderr + 1e-6)


@pytest.mark.parametrize(
    "heads, timepoints, rate",
    [
        (4, 24, 0.25),  # 15 fields a word: (head, column block) pairs
        (4, 23, 0.25),  # T prime: one column block
        (16, 6, 0.25),  # more heads than fields: heads in groups
        (3, 16, 0.5),
        (2, 12, 0.375),
        (2, 12, 0.1),  # not dyadic: one uniform sample per probability
    ],
)
def test_keep_mask_statistics(heads, timepoints, rate):
    layer = ScalarSelfAttention(num_heads=heads, key_dim=4, dropout=rate, seed=3)
    layer(np.zeros((1, timepoints, 1), "float32"))
    n = 400
    codes = np.asarray(layer._keep_mask(n, timepoints))
    assert codes.shape == (n, heads, timepoints, timepoints)
    # Keep codes: 0 (drop) or >= 1 (keep).
    assert np.all((codes == 0) | (codes >= 1))
    mask = (codes >= 1).astype("float64")
    # Keep rate 1 - rate.
    assert abs(mask.mean() - (1 - rate)) < 5 * np.sqrt(rate * (1 - rate) / mask.size)
    # Entries that may share a uniform sample (same series and row; any head
    # and column) are uncorrelated.
    cols = mask.transpose(1, 3, 0, 2).reshape(heads * timepoints, -1)
    corr = np.corrcoef(cols)
    np.fill_diagonal(corr, 0.0)
    assert np.abs(corr).max() < 6 / np.sqrt(cols.shape[1])


def test_dropout_plan():
    assert _dropout_plan(0.25) == (2, 15)
    assert _dropout_plan(0.5) == (1, 30)
    assert _dropout_plan(0.375) == (3, 10)
    assert _dropout_plan(0.1) == (None, 1)
    assert _dropout_plan(1 / 3) == (None, 1)


# ---------------------------------------------------------------------- #
# In a model: training, saving, pickling
# ---------------------------------------------------------------------- #
def _model(timepoints=12, dropout=0.25):
    inputs = keras.Input((timepoints, 1))
    x = keras.layers.LayerNormalization(axis=1)(inputs)
    x = ScalarSelfAttention(num_heads=2, key_dim=8, dropout=dropout, seed=4)(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_trains_in_a_compiled_model():
    keras.utils.set_random_seed(0)
    model = _model()
    x = _series(16, 12)
    y = (np.arange(16) % 2).astype("int32")
    before = [w.copy() for w in model.get_weights()]
    losses = [float(model.train_on_batch(x, y)) for _ in range(3)]
    assert all(np.isfinite(losses))
    changed = [
        not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True)
    ]
    assert sum(changed) >= len(changed) - 1  # all but the key bias


def test_trains_under_xla():
    if keras.backend.backend() != "tensorflow":  # pragma: no cover
        pytest.skip("jit_compile on TensorFlow only")
    model = _model()
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=True
    )
    x = _series(8, 12)
    y = (np.arange(8) % 2).astype("int32")
    assert np.isfinite(float(model.train_on_batch(x, y)))
    eager = keras.Model.from_config(model.get_config())
    eager.set_weights(model.get_weights())
    np.testing.assert_allclose(
        model.predict_on_batch(x), eager.predict_on_batch(x), rtol=1e-5, atol=1e-6
    )


def test_keras_file_round_trip(tmp_path):
    keras.utils.set_random_seed(0)
    model = _model()
    x = _series(4, 12)
    model.train_on_batch(x, np.array([0, 1, 0, 1]))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    layer = next(lay for lay in loaded.layers if isinstance(lay, ScalarSelfAttention))
    assert layer.get_config()["dropout"] == 0.25
    assert layer.get_config()["seed"] == 4
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )


def test_from_config_round_trip():
    layer = ScalarSelfAttention(
        num_heads=3, key_dim=7, dropout=0.125, seed=9, value_dim=5, name="attn"
    )
    clone = ScalarSelfAttention.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_pickle_round_trip():
    pytest.importorskip("scikeras")
    import scikeras  # noqa: F401  (makes Keras models picklable)

    keras.utils.set_random_seed(0)
    model = _model()
    x = _series(4, 12)
    model.train_on_batch(x, np.array([0, 1, 0, 1]))
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )


# ---------------------------------------------------------------------- #
# Errors
# ---------------------------------------------------------------------- #
def test_rejects_wider_inputs():
    with pytest.raises(ValueError, match=r"\(batch, timepoints, 1\)"):
        ScalarSelfAttention(num_heads=2, key_dim=4)(np.zeros((1, 5, 2), "float32"))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(num_heads=0, key_dim=4),
        dict(num_heads=2, key_dim=2.0),
        dict(num_heads=2, key_dim=4, dropout=1.0),
        dict(num_heads=2, key_dim=4, value_dim=-1),
    ],
)
def test_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        ScalarSelfAttention(**kwargs)
