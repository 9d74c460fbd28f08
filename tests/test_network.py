"""The pure-Keras network: the seed's structure and parameter count."""

import ast
from collections import Counter

import keras
import numpy as np
import pytest

from sktransformer.network import build_transformer_classifier


def test_seed_network_has_the_seed_parameter_count_and_layers():
    # Keras' own attention, as in the seed's summary.
    model = build_transformer_classifier((500, 1), n_classes=2, fast_attention=False)
    assert model.count_params() == 93_130

    kinds = Counter(type(layer).__name__ for layer in model.layers)
    assert kinds == {
        "InputLayer": 1,
        "LayerNormalization": 8,
        "MultiHeadAttention": 4,
        "Dropout": 9,
        "Add": 8,
        "Conv1D": 8,
        "GlobalAveragePooling1D": 1,
        "Dense": 2,
    }
    # Per-layer parameters of the seed's printed summary.
    params = {
        "LayerNormalization": {2},
        "MultiHeadAttention": {7169},
        "Conv1D": {8, 5},
        "Dense": {64128, 258},
    }
    for layer in model.layers:
        expected = params.get(type(layer).__name__)
        if expected is not None:
            assert layer.count_params() in expected, layer.name
    assert model.get_layer("pool").output.shape == (None, 500)
    assert model.output.shape == (None, 2)


def test_blocks_are_pre_norm_in_the_seed_order():
    model = build_transformer_classifier(
        (20, 1),
        n_classes=2,
        head_size=4,
        num_heads=1,
        num_transformer_blocks=1,
        fast_attention=False,
    )
    names = [type(layer).__name__ for layer in model.layers]
    assert names == [
        "InputLayer",
        "LayerNormalization",
        "MultiHeadAttention",
        "Dropout",
        "Add",
        "LayerNormalization",
        "Conv1D",
        "Dropout",
        "Conv1D",
        "Add",
        "GlobalAveragePooling1D",
        "Dense",
        "Dropout",
        "Dense",
    ]


@pytest.mark.parametrize("shape, n_classes", [((7, 1), 3), ((30, 4), 2), ((1, 2), 5)])
def test_any_series_shape_and_class_count(shape, n_classes):
    model = build_transformer_classifier(
        shape,
        n_classes,
        head_size=4,
        num_heads=2,
        num_transformer_blocks=2,
        mlp_units=(6, 5),
    )
    proba = model.predict(np.zeros((3, *shape), dtype="float32"), verbose=0)
    assert proba.shape == (3, n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def _imported_modules(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_network_module_is_pure_keras():
    """No scikit-learn and no backend import: layers and builders only."""
    import sktransformer.network as network
    from sktransformer.network import attention, builder, callbacks, layers, losses

    for module in (network, builder, attention, layers, losses, callbacks):
        roots = {name.split(".")[0] for name in _imported_modules(module.__file__)}
        allowed = {
            "__future__",
            "collections",
            "fractions",
            "inspect",
            "keras",
            "math",
            "numbers",
            "numpy",
            "os",
            "pathlib",
            "uuid",
            "typing",
        }
        assert roots <= allowed, (module.__name__, roots)


def test_builder_returns_an_uncompiled_keras_model():
    model = build_transformer_classifier((5, 1), 2)
    assert isinstance(model, keras.Model)
    assert not model.compiled


def test_fast_attention_is_the_default_and_has_the_seed_parameter_count():
    model = build_transformer_classifier((500, 1), n_classes=2)
    kinds = Counter(type(layer).__name__ for layer in model.layers)
    assert kinds["ScalarSelfAttention"] == 4 and "MultiHeadAttention" not in kinds
    assert model.count_params() == 93_130


def test_wider_streams_use_keras_attention_whatever_fast_attention_says():
    model = build_transformer_classifier((20, 3), n_classes=2, head_size=4)
    kinds = Counter(type(layer).__name__ for layer in model.layers)
    assert kinds["MultiHeadAttention"] == 4 and "ScalarSelfAttention" not in kinds


def test_max_pooling_over_tokens_keeps_only_real_tokens():
    from sktransformer.network.masking import MaskedMaxPooling

    # Every real value negative: a padded (zeroed) token must not win the max.
    x = -np.arange(1, 13, dtype="float32").reshape(2, 3, 2)
    x[1, 2] = 0.0  # padding of the second series
    lengths = np.array([3, 2], dtype="int32")
    pooled = keras.ops.convert_to_numpy(MaskedMaxPooling()(x, lengths))
    np.testing.assert_array_equal(pooled, [[-1.0, -2.0], [-7.0, -8.0]])


@pytest.mark.parametrize("unequal_lengths", [False, True])
def test_tokens_max_pooling_gives_the_head_average_and_maximum(unequal_lengths):
    options = dict(head_size=4, num_heads=1, ff_dim=4, num_transformer_blocks=1)
    model = build_transformer_classifier(
        (40, 1),
        3,
        unequal_lengths=unequal_lengths,
        tokenizer="conv",
        stem_filters=(4,),
        embed_dim=8,
        pooling="tokens-max",
        **options,
    )
    # Two features per channel of the residual stream.
    assert model.get_layer("pool_concat").output.shape == (None, 16)
    average = keras.Model(model.inputs, model.get_layer("pool").output)
    largest = keras.Model(model.inputs, model.get_layer("pool_max").output)
    series = np.random.default_rng(0).normal(size=(2, 40, 1)).astype("float32")
    assert np.all(
        largest.predict(series, verbose=0) >= average.predict(series, verbose=0)
    )
