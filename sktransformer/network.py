"""The Keras network: the seed's Transformer encoder classifier.

Pure Keras 3 (``keras.layers`` and ``keras.ops`` only): nothing here imports
scikit-learn or a backend directly, so the same code runs on TensorFlow, JAX or
PyTorch (``KERAS_BACKEND``). The scikit-learn estimator in
:mod:`sktransformer.classifier` calls :func:`build_transformer_classifier`.

The structure is the one of the Keras example "Timeseries classification with a
Transformer model" (its printed summary): every encoder block is *pre-norm*::

    x -> LayerNorm -> MultiHeadAttention -> Dropout -> + x
      -> LayerNorm -> Conv1D(ff_dim, 1, relu) -> Dropout -> Conv1D(C, 1) -> + (...)

followed by a global average over the channel axis (``channels_first`` pooling,
giving one value per time step), an MLP head and a softmax. With the seed's
defaults on ``(500, 1)`` input and two classes it has 93,130 parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from .attention import ScalarSelfAttention

__all__ = ["build_transformer_classifier", "transformer_encoder"]

LAYER_NORM_EPSILON = 1e-6


def transformer_encoder(
    inputs,
    *,
    head_size: int,
    num_heads: int,
    ff_dim: int,
    dropout: float = 0.0,
    fast_attention: bool = False,
    name: str | None = None,
):
    """Apply one pre-norm Transformer encoder block to a symbolic tensor.

    Parameters
    ----------
    inputs : KerasTensor of shape (batch, timepoints, channels)
        The residual stream.
    head_size : int
        Size of each attention head's query, key and value (``key_dim``).
    num_heads : int
        Number of attention heads.
    ff_dim : int
        Number of filters of the position-wise feed-forward layer.
    dropout : float, default=0.0
        Dropout rate on the attention probabilities, after the attention and
        inside the feed-forward part.
    fast_attention : bool, default=False
        When the residual stream has width 1, use
        :class:`~sktransformer.attention.ScalarSelfAttention`: the same weights
        and the same function as ``MultiHeadAttention``, computed in closed
        form (several times faster). Ignored for wider streams.
    name : str, optional
        Prefix of the block's layer names.

    Returns
    -------
    KerasTensor
        Output of the same shape as ``inputs``.
    """
    channels = inputs.shape[-1]

    def _name(suffix):
        return None if name is None else f"{name}_{suffix}"

    x = layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, name=_name("norm1"))(
        inputs
    )
    if fast_attention and channels == 1:
        x = ScalarSelfAttention(
            num_heads=num_heads, key_dim=head_size, dropout=dropout, name=_name("attn")
        )(x)
    else:
        x = layers.MultiHeadAttention(
            key_dim=head_size, num_heads=num_heads, dropout=dropout, name=_name("attn")
        )(x, x)
    x = layers.Dropout(dropout, name=_name("attn_dropout"))(x)
    res = layers.Add(name=_name("attn_residual"))([x, inputs])

    x = layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, name=_name("norm2"))(res)
    x = layers.Conv1D(
        filters=ff_dim, kernel_size=1, activation="relu", name=_name("ff_in")
    )(x)
    x = layers.Dropout(dropout, name=_name("ff_dropout"))(x)
    x = layers.Conv1D(filters=channels, kernel_size=1, name=_name("ff_out"))(x)
    return layers.Add(name=_name("ff_residual"))([x, res])


def build_transformer_classifier(
    input_shape: Sequence[int],
    n_classes: int,
    *,
    head_size: int = 256,
    num_heads: int = 4,
    ff_dim: int = 4,
    num_transformer_blocks: int = 4,
    mlp_units: Sequence[int] = (128,),
    dropout: float = 0.25,
    mlp_dropout: float = 0.4,
    fast_attention: bool = False,
) -> keras.Model:
    """Build the seed's Transformer classifier (uncompiled).

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_timepoints, n_channels)`` of one series.
    n_classes : int
        Number of output classes (softmax units); 2 for binary problems.
    head_size, num_heads, ff_dim, num_transformer_blocks : int
        Encoder hyperparameters, see :func:`transformer_encoder`.
    mlp_units : sequence of int, default=(128,)
        Widths of the ReLU layers of the classification head.
    dropout : float, default=0.25
        Dropout inside the encoder blocks.
    mlp_dropout : float, default=0.4
        Dropout after each layer of the classification head.
    fast_attention : bool, default=False
        Closed-form attention for width-1 streams, see
        :func:`transformer_encoder`.

    Returns
    -------
    keras.Model
        A functional model mapping ``(batch, *input_shape)`` to class
        probabilities ``(batch, n_classes)``.

    Examples
    --------
    >>> from sktransformer.network import build_transformer_classifier
    >>> model = build_transformer_classifier((500, 1), n_classes=2)
    >>> model.count_params()
    93130
    """
    inputs = keras.Input(shape=tuple(input_shape), name="series")
    x = inputs
    for block in range(num_transformer_blocks):
        x = transformer_encoder(
            x,
            head_size=head_size,
            num_heads=num_heads,
            ff_dim=ff_dim,
            dropout=dropout,
            fast_attention=fast_attention,
            name=f"block{block}",
        )
    # Average over the channel axis: one feature per time step, as in the seed.
    x = layers.GlobalAveragePooling1D(data_format="channels_first", name="pool")(x)
    for i, units in enumerate(mlp_units):
        x = layers.Dense(units, activation="relu", name=f"mlp{i}")(x)
        x = layers.Dropout(mlp_dropout, name=f"mlp{i}_dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="transformer_classifier")
