"""Self-attention with a learned bias for each head and relative position.

Attention scores of ``keras.layers.MultiHeadAttention`` plus a trainable scalar
per head and per offset between query and key:

``score_hij = q_hi . k_hj / sqrt(key_dim) + b_h[clip(j - i, -M, M)]``

as in T5's relative position bias and ConvTran's eRPE (Foumani et al., 2023,
"Improving position encoding of transformers for multivariate time series
classification"). Where in a series a pattern occurs then matters to attention
only through its distance to the other tokens: a network fitted to few series
does not have to learn a table of absolute positions from them, and the
output of a series does not depend on how much padding follows it. Offsets
beyond ``M`` share the bias of ``+-M``, so sequences longer than any seen at
fit are attended as well.

Pure Keras 3 (``keras.ops``, ``keras.layers``).
"""

from __future__ import annotations

import math
from numbers import Integral

import keras
from keras import layers, ops

from .attention import AttentionProjections

__all__ = ["RelativeSelfAttention"]

# Score of a masked key: exp() of it is 0 next to any real score.
_MASKED_SCORE = -1e9


@keras.saving.register_keras_serializable(package="sktransformer")
class RelativeSelfAttention(AttentionProjections, keras.layers.Layer):
    """Multi-head self-attention with a relative position bias.

    Parameters
    ----------
    num_heads : int
        Number of attention heads.
    key_dim : int
        Size of each head's query, key and value.
    max_distance : int
        Largest offset ``M`` between query and key with a bias of its own;
        farther pairs share the bias of ``+-M``.
    dropout : float, default=0.0
        Dropout rate on the attention probabilities.
    **kwargs
        Passed to :class:`keras.layers.Layer`.

    Notes
    -----
    Call it as ``layer(x, attention_mask=mask)`` with ``x`` of shape ``(batch,
    tokens, width)`` and ``mask`` (optional) a boolean ``(batch, tokens,
    tokens)`` tensor of the keys each query may attend to (as for
    ``MultiHeadAttention``). The projections have ``MultiHeadAttention``'s
    shapes and initialisation; the bias starts at zero, where the layer is
    ``MultiHeadAttention`` without position information.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer.network.relative import RelativeSelfAttention
    >>> layer = RelativeSelfAttention(num_heads=2, key_dim=4, max_distance=3)
    >>> tuple(layer(np.zeros((1, 5, 8), "float32")).shape)
    (1, 5, 8)
    """

    def __init__(self, num_heads, key_dim, max_distance, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        for name, value, least in (
            ("num_heads", num_heads, 1),
            ("key_dim", key_dim, 1),
            ("max_distance", max_distance, 0),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, Integral)
                or value < least
            ):
                raise ValueError(
                    f"{name} must be an int of at least {least}, got {value!r}."
                )
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.max_distance = int(max_distance)
        self.dropout = dropout
        self._dropout_layer = layers.Dropout(dropout, name="attention_dropout")

    def build(self, input_shape):
        width = input_shape[-1]
        heads = (self.num_heads, self.key_dim)

        def projection(name):
            dense = layers.EinsumDense(
                "btc,chd->bthd",
                output_shape=(None, *heads),
                bias_axes="hd",
                kernel_initializer="glorot_uniform",
                name=name,
            )
            dense.build(input_shape)
            return dense

        self._query_dense = projection("query")
        self._key_dense = projection("key")
        self._value_dense = projection("value")
        self._output_dense = layers.EinsumDense(
            "bthd,hdc->btc",
            output_shape=(None, width),
            bias_axes="c",
            kernel_initializer="glorot_uniform",
            name="attention_output",
        )
        self._output_dense.build((*input_shape[:-1], *heads))
        self.relative_bias = self.add_weight(
            shape=(self.num_heads, 2 * self.max_distance + 1),
            initializer="zeros",
            name="relative_bias",
        )

    def position_bias(self, tokens):
        """The ``(num_heads, tokens, tokens)`` bias added to the scores."""
        positions = ops.arange(tokens, dtype="int32")
        offsets = positions[None, :] - positions[:, None]  # key minus query
        rows = ops.clip(offsets, -self.max_distance, self.max_distance)
        return ops.take(self.relative_bias, rows + self.max_distance, axis=1)

    def call(self, inputs, attention_mask=None, training=None):
        query = self._query_dense(inputs) * (1.0 / math.sqrt(self.key_dim))
        key = self._key_dense(inputs)
        value = self._value_dense(inputs)
        scores = ops.einsum("bqhd,bkhd->bhqk", query, key)
        bias = self.position_bias(ops.shape(inputs)[1])
        scores = scores + ops.cast(bias, scores.dtype)[None]
        if attention_mask is not None:
            keep = ops.cast(attention_mask, "bool")[:, None]
            scores = ops.where(keep, scores, ops.cast(_MASKED_SCORE, scores.dtype))
        weights = ops.softmax(scores, axis=-1)
        weights = self._dropout_layer(weights, training=training)
        return self._output_dense(ops.einsum("bhqk,bkhd->bqhd", weights, value))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "max_distance": self.max_distance,
            "dropout": self.dropout,
        }
