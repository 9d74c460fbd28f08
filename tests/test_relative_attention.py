"""``position_embedding="relative"``: attention with a learned bias per offset."""

import keras
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer.network import build_transformer_classifier
from sktransformer.network.relative import RelativeSelfAttention

from .conftest import assert_pickles_and_saves
from .test_configurations import SMALL


def _layer(max_distance=3, **kwargs):
    layer = RelativeSelfAttention(
        num_heads=2, key_dim=4, max_distance=max_distance, **kwargs
    )
    layer.build((None, None, 6))
    return layer


def _random_weights(layer, seed=0):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(size=w.shape) for w in layer.get_weights()])


def test_without_a_bias_it_is_keras_multi_head_attention():
    x = np.random.default_rng(0).normal(size=(3, 7, 6)).astype("float32")
    mask = np.tril(np.ones((7, 7), bool))[None].repeat(3, axis=0)
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    mha(x, x)
    relative = _layer()
    # The same projections, in the same order, after the bias (left at zero).
    relative.set_weights([np.zeros((2, 7)), *mha.get_weights()])
    for attention_mask in (None, mask):
        np.testing.assert_allclose(
            relative(x, attention_mask=attention_mask),
            mha(x, x, attention_mask=attention_mask),
            rtol=1e-5,
            atol=1e-5,
        )


def test_the_bias_depends_on_the_offset_only_and_is_shared_beyond_the_largest():
    layer = _layer(max_distance=2)
    table = np.arange(10, dtype="float32").reshape(2, 5)
    layer.relative_bias.assign(table)
    bias = np.asarray(layer.position_bias(6))
    assert bias.shape == (2, 6, 6)
    for i in range(6):
        for j in range(6):
            np.testing.assert_array_equal(
                bias[:, i, j], table[:, np.clip(j - i, -2, 2) + 2]
            )


def test_masked_tokens_before_a_series_do_not_change_its_tokens():
    # Relative positions: the same tokens give the same outputs wherever they
    # sit among masked ones (a table of absolute positions would not).
    layer = _layer()
    _random_weights(layer)
    x = np.random.default_rng(1).normal(size=(1, 5, 6)).astype("float32")
    shifted = np.concatenate([np.full((1, 3, 6), 9.0, "float32"), x], axis=1)
    keep = np.zeros((1, 8, 8), bool)
    keep[:, :, 3:] = True  # every query attends to the real tokens only
    alone = np.asarray(layer(x))
    among = np.asarray(layer(shifted, attention_mask=keep))[:, 3:]
    np.testing.assert_allclose(among, alone, rtol=1e-5, atol=1e-5)


def test_attention_dropout_applies_in_training_only():
    layer = _layer(dropout=0.5)
    _random_weights(layer)
    x = np.random.default_rng(2).normal(size=(2, 6, 6)).astype("float32")
    np.testing.assert_array_equal(layer(x), layer(x))
    assert not np.allclose(layer(x, training=True), layer(x))


@pytest.mark.parametrize("max_distance", [-1, 1.5, True])
def test_a_bad_max_distance_is_refused(max_distance):
    with pytest.raises(ValueError, match="max_distance"):
        RelativeSelfAttention(num_heads=1, key_dim=2, max_distance=max_distance)


def test_the_network_has_no_position_table_and_a_bias_in_every_block():
    model = build_transformer_classifier(
        (64, 1),
        2,
        tokenizer="conv",
        stem_filters=(4, 4),
        embed_dim=8,
        head_size=4,
        num_heads=2,
        num_transformer_blocks=2,
        pooling="tokens",
        position_embedding="relative",
    )
    names = [layer.name for layer in model.layers]
    assert "position_embedding" not in names
    for block in range(2):
        attention = model.get_layer(f"block{block}_attn")
        assert isinstance(attention, RelativeSelfAttention)
        # 64 steps, two stride-2 stages: 16 tokens, offsets -15..15.
        assert attention.max_distance == 15
        assert tuple(attention.relative_bias.shape) == (2, 31)


def _relative(**params):
    return TransformerTimeSeriesClassifier(
        **{
            **SMALL,
            "tokenizer": "conv",
            "stem_filters": (4,),
            "embed_dim": 8,
            "pooling": "tokens",
            "position_embedding": "relative",
            **params,
        }
    )


def test_seeded_fits_agree_and_seeds_draw_the_projections(series_data):
    X, y = series_data
    first = _relative(random_state=0).fit(X, y)
    again = _relative(random_state=0).fit(X, y)
    other = _relative(random_state=1).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))
    kernel = first.model_.get_layer("block0_attn").query_dense.kernel
    assert not np.allclose(
        kernel, other.model_.get_layer("block0_attn").query_dense.kernel
    )


def test_round_trips_through_pickle_and_keras_files(series_data, tmp_path):
    X, y = series_data
    clf = _relative(random_state=0, test_time_shifts=1).fit(X, y)
    reloaded = assert_pickles_and_saves(clf, X, tmp_path)
    np.testing.assert_allclose(
        reloaded.predict(X, verbose=0), clf.predict_proba(X), rtol=1e-5
    )


def test_grid_search_over_position_embeddings(series_data):
    X, y = series_data
    search = GridSearchCV(
        _relative(random_state=0),
        {"position_embedding": ["learned", "relative"]},
        cv=2,
    ).fit(X, y)
    assert search.best_params_["position_embedding"] in {"learned", "relative"}


def test_unknown_position_embedding_names_the_choices(series_data):
    X, y = series_data
    with pytest.raises(ValueError, match="relative"):
        _relative(position_embedding="relatve").fit(X, y)
