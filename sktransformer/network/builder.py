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

Every option beyond the seed defaults to the seed's behaviour: random
augmentation of the series during training, a tokeniser (patches, or a
convolutional stem) with its own embedding width, position embeddings,
post-norm blocks, GELU feed-forward layers, stochastic depth, a final
LayerNorm and pooling over tokens instead of channels.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from numbers import Integral

import keras
from keras import layers

from .attention import ScalarSelfAttention
from .layers import (
    AUGMENTATIONS,
    DropPath,
    MemberAverage,
    PositionEmbedding,
    SeriesAugmentation,
    SeriesDifferences,
    SeriesStandardization,
)
from .masking import (
    ApplyMask,
    AttentionMask,
    MaskedAveragePooling,
    MaskedMaxPooling,
    PaddingMask,
    PadToLength,
    StepMask,
    TokenLengths,
)
from .relative import RelativeSelfAttention

__all__ = [
    "build_transformer_classifier",
    "adapt_network",
    "iter_layers",
    "transformer_encoder",
    "tokenize",
    "NETWORK_OPTIONS",
    "AUGMENTATIONS",
    "TOKENIZERS",
    "POOLINGS",
    "TOKEN_POOLINGS",
    "POSITION_EMBEDDINGS",
    "FF_ACTIVATIONS",
    "INPUT_NORMS",
]

LAYER_NORM_EPSILON = 1e-6
#: The allowed values of the string options (the estimator's constraints use them).
TOKENIZERS = ("none", "patch", "conv")
POOLINGS = ("channels", "tokens", "tokens-max")
#: The poolings over tokens (one feature per channel, any number of tokens).
TOKEN_POOLINGS = ("tokens", "tokens-max")
#: "relative": no table added to the tokens, a learned bias per head and
#: offset between tokens in every attention layer (:mod:`.relative`).
POSITION_EMBEDDINGS = ("none", "learned", "sinusoidal", "relative")
FF_ACTIVATIONS = ("relu", "gelu", "silu")
INPUT_NORMS = ("none", "series", "series+asinh")


def transformer_encoder(
    inputs,
    *,
    head_size: int,
    num_heads: int,
    ff_dim: int,
    dropout: float = 0.0,
    attention_dropout: float | None = None,
    fast_attention: bool = False,
    norm_first: bool = True,
    ff_activation: str = "relu",
    drop_path: float = 0.0,
    name: str | None = None,
    attention_mask=None,
    max_distance: int | None = None,
):
    """Apply one Transformer encoder block to a symbolic tensor.

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
        Dropout rate after the attention and inside the feed-forward part.
    attention_dropout : float, optional
        Dropout rate on the attention probabilities; None: ``dropout``.
    fast_attention : bool, default=False
        When the residual stream has width 1, use
        :class:`~sktransformer.network.attention.ScalarSelfAttention`: the same weights
        and the same function as ``MultiHeadAttention``, computed in closed
        form (several times faster). Ignored for wider streams.
    norm_first : bool, default=True
        Pre-norm (LayerNorm before each sub-layer, the seed's) or post-norm
        (LayerNorm after each residual sum, as in "Attention is all you need").
    ff_activation : str, default="relu"
        Activation of the first feed-forward layer.
    drop_path : float, default=0.0
        Stochastic depth rate of both residual branches.
    name : str, optional
        Prefix of the block's layer names.
    attention_mask : KerasTensor of shape (batch, tokens, tokens), optional
        Which keys each query may attend to (padding masked out, see
        :class:`~sktransformer.network.masking.AttentionMask`); always
        ``MultiHeadAttention`` then.
    max_distance : int, optional
        Attend with
        :class:`~sktransformer.network.relative.RelativeSelfAttention`, a
        learned bias per head and offset between tokens up to this distance,
        instead of ``MultiHeadAttention`` (and ``fast_attention``).

    Returns
    -------
    KerasTensor
        Output of the same shape as ``inputs``.
    """
    channels = inputs.shape[-1]

    def _name(suffix):
        return None if name is None else f"{name}_{suffix}"

    if attention_dropout is None:
        attention_dropout = dropout

    def _norm(x, suffix):
        return layers.LayerNormalization(
            epsilon=LAYER_NORM_EPSILON, name=_name(suffix)
        )(x)

    def _branch(x, suffix):
        if drop_path > 0:
            x = DropPath(drop_path, name=_name(f"{suffix}_drop_path"))(x)
        return x

    x = _norm(inputs, "norm1") if norm_first else inputs
    if max_distance is not None:
        x = RelativeSelfAttention(
            num_heads=num_heads,
            key_dim=head_size,
            max_distance=max_distance,
            dropout=attention_dropout,
            name=_name("attn"),
        )(x, attention_mask=attention_mask)
    elif fast_attention and channels == 1 and attention_mask is None:
        x = ScalarSelfAttention(
            num_heads=num_heads,
            key_dim=head_size,
            dropout=attention_dropout,
            name=_name("attn"),
        )(x)
    else:
        x = layers.MultiHeadAttention(
            key_dim=head_size,
            num_heads=num_heads,
            dropout=attention_dropout,
            name=_name("attn"),
        )(x, x, attention_mask=attention_mask)
    x = layers.Dropout(dropout, name=_name("attn_dropout"))(x)
    res = layers.Add(name=_name("attn_residual"))([_branch(x, "attn"), inputs])
    if not norm_first:
        res = _norm(res, "norm1")

    x = _norm(res, "norm2") if norm_first else res
    x = layers.Conv1D(
        filters=ff_dim, kernel_size=1, activation=ff_activation, name=_name("ff_in")
    )(x)
    x = layers.Dropout(dropout, name=_name("ff_dropout"))(x)
    x = layers.Conv1D(filters=channels, kernel_size=1, name=_name("ff_out"))(x)
    out = layers.Add(name=_name("ff_residual"))([_branch(x, "ff"), res])
    return out if norm_first else _norm(out, "norm2")


def tokenize(
    inputs,
    *,
    tokenizer: str = "none",
    embed_dim: int | None = None,
    patch_size: int = 16,
    patch_stride: int | None = None,
    stem_filters: Sequence[int] = (32, 64, 128),
    stem_kernel_size: int = 7,
    stem_stride: int = 2,
    lengths=None,
):
    """Turn a ``(batch, timepoints, channels)`` series into a token sequence.

    Parameters
    ----------
    inputs : KerasTensor of shape (batch, timepoints, channels)
    tokenizer : {"none", "patch", "conv"}, default="none"
        ``"none"``: every time step is a token (the seed), projected to
        ``embed_dim`` by a Dense layer when ``embed_dim`` is given.
        ``"patch"``: windows of ``patch_size`` steps every ``patch_stride``
        steps, linearly embedded (a strided Conv1D) and layer-normalised.
        ``"conv"``: a convolutional stem, one Conv1D (stride ``stem_stride``,
        kernel ``stem_kernel_size``) + BatchNorm + GELU per entry of
        ``stem_filters``, then a Dense embedding and LayerNorm; each stage
        divides the length by its stride (halves it by default).
    embed_dim : int, optional
        Token width; None keeps the channels (``"none"``) or means 64.
    patch_size, patch_stride : int
        Window and step of ``"patch"`` (stride None: ``patch_size // 2``).
    stem_filters : sequence of int, default=(32, 64, 128)
        Filters of the stem's stages for ``"conv"``.
    stem_kernel_size : int, default=7
        Kernel of the stem's convolutions.
    stem_stride : int, default=2
        Stride of each of the stem's convolutions (1: one token per time step,
        for series too short to halve).
    lengths : KerasTensor of shape (batch,), optional
        Length of each series in a zero-padded batch (from
        :class:`~sktransformer.network.masking.PaddingMask`). Padded tokens are
        then zeroed and left out of the stem's batch statistics, and the
        tokens' lengths are returned too; a token depends only on the steps of
        its series, however much padding follows.

    Returns
    -------
    KerasTensor of shape (batch, tokens, width)
        Or, with ``lengths``, ``(tokens, token_lengths)``.
    """
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"tokenizer must be one of {TOKENIZERS}, got {tokenizer!r}.")
    x = inputs
    padded = lengths is not None

    def _out(tokens):
        return (tokens, lengths) if padded else tokens

    if tokenizer == "none":
        if embed_dim is None:
            return _out(x)
        return _out(layers.Dense(embed_dim, name="embedding")(x))
    width = 64 if embed_dim is None else embed_dim
    if tokenizer == "patch":
        stride = max(patch_size // 2, 1) if patch_stride is None else patch_stride
        if padded:
            # A batch of short series still gets one window.
            x = PadToLength(patch_size, name="patch_pad")(x)
        elif patch_size > inputs.shape[1]:
            raise ValueError(
                f"patch_size={patch_size} is longer than the series "
                f"({inputs.shape[1]} time points)."
            )
        x = layers.Conv1D(width, patch_size, strides=stride, name="patch_embedding")(x)
        if padded:
            lengths = TokenLengths("patch", stride, patch_size, name="patch_lengths")(
                lengths
            )
            x = ApplyMask(name="patch_mask")(x, lengths)
    else:
        for i, filters in enumerate(stem_filters):
            x, lengths = _stem_stage(
                x, lengths, filters, stem_kernel_size, stem_stride, f"stem{i}"
            )
        x = layers.Dense(width, name="embedding")(x)
    return _out(
        layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, name="embedding_norm")(x)
    )


def _stem_stage(x, lengths, filters, kernel_size, stride, name):
    """Conv1D (stride ``stride``) + BatchNorm + GELU; returns ``(x, lengths)``.

    With ``lengths``: zero-padded series are convolved with explicit zero
    padding (``"same"`` would centre the windows by the parity of the batch's
    length), the batch statistics leave the padding out, padded steps are
    zeroed again and the new lengths returned.
    """
    if lengths is None:
        x = layers.Conv1D(
            filters,
            kernel_size,
            strides=stride,
            padding="same",
            use_bias=False,
            name=f"{name}_conv",
        )(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"{name}_norm")(x)
        return layers.Activation("gelu", name=f"{name}_gelu")(x), None
    left = (kernel_size - 1) // 2
    x = layers.ZeroPadding1D((left, kernel_size - 1 - left), name=f"{name}_pad")(x)
    x = layers.Conv1D(
        filters, kernel_size, strides=stride, use_bias=False, name=f"{name}_conv"
    )(x)
    lengths = TokenLengths("conv", stride, name=f"{name}_lengths")(lengths)
    mask = StepMask(name=f"{name}_steps")(x, lengths)
    x = layers.BatchNormalization(momentum=0.9, name=f"{name}_norm")(x, mask=mask)
    x = layers.Activation("gelu", name=f"{name}_gelu")(x)
    return ApplyMask(name=f"{name}_mask")(x, lengths), lengths


def _token_count(steps, tokenizer, patch_size, patch_stride, stem_filters, stem_stride):
    """Number of tokens of a series of ``steps`` time points."""
    if tokenizer == "patch":
        stride = max(patch_size // 2, 1) if patch_stride is None else patch_stride
        return max((steps - patch_size) // stride + 1, 1)
    if tokenizer == "conv":
        for _ in stem_filters:
            steps = -(-steps // stem_stride)
    return steps


def build_transformer_classifier(
    input_shape: Sequence[int],
    n_classes: int,
    unequal_lengths: bool = False,
    *,
    head_size: int = 256,
    num_heads: int = 4,
    ff_dim: int = 4,
    num_transformer_blocks: int = 4,
    mlp_units: Sequence[int] = (128,),
    dropout: float = 0.25,
    mlp_dropout: float = 0.4,
    fast_attention: bool = True,
    augmentation: Sequence[str] | None = None,
    differences: bool = False,
    input_norm: str = "none",
    tokenizer: str = "none",
    embed_dim: int | None = None,
    patch_size: int = 16,
    patch_stride: int | None = None,
    stem_filters: Sequence[int] = (32, 64, 128),
    stem_kernel_size: int = 7,
    stem_stride: int = 2,
    position_embedding: str = "none",
    attention_dropout: float | None = None,
    norm_first: bool = True,
    ff_activation: str = "relu",
    drop_path: float = 0.0,
    final_norm: bool = False,
    pooling: str = "channels",
    n_members: int = 1,
) -> keras.Model:
    """Build the seed's Transformer classifier (uncompiled).

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_timepoints, n_channels)`` of one series.
    n_classes : int
        Number of output classes (softmax units); 2 for binary problems.
    unequal_lengths : bool, default=False
        Series may be shorter than ``input_shape[0]``, padded with trailing
        NaN (as the UCR and UEA archives store them). The network then masks
        the padding in the augmentation, the tokeniser, attention (always
        ``MultiHeadAttention``: ``fast_attention`` has no mask) and pooling,
        so a series' output does not depend on its padding. With
        ``pooling="tokens"`` (or ``"tokens-max"``) the network takes batches
        of any length up to
        ``input_shape[0]`` (longer with ``position_embedding`` other than
        ``"learned"``); with ``"channels"`` (the seed), whose head has one
        input per time step, batches of exactly that length.
    head_size, num_heads, ff_dim, num_transformer_blocks : int
        Encoder hyperparameters, see :func:`transformer_encoder`.
    mlp_units : sequence of int, default=(128,)
        Widths of the ReLU layers of the classification head.
    dropout : float, default=0.25
        Dropout inside the encoder blocks.
    mlp_dropout : float, default=0.4
        Dropout after each layer of the classification head; with no head
        layers (``mlp_units=()``), dropout on the pooled features.
    fast_attention : bool, default=True
        Closed-form attention for width-1 streams (exactly
        ``MultiHeadAttention``'s weights and function, see
        :func:`transformer_encoder`); wider streams (multivariate series, or
        an ``embed_dim``) always use ``MultiHeadAttention``.
    augmentation : sequence of {"shift", "warp", "scale", "jitter", "roll", \
"reverse", "negate"} or None, default=None
        Random transforms of the series during training, see
        :class:`~sktransformer.network.layers.SeriesAugmentation`.
    differences : bool, default=False
        After augmentation and ``input_norm``, add the first difference (the
        slope) of each of the series' channels as a channel, see
        :class:`~sktransformer.network.layers.SeriesDifferences`.
    input_norm : {"none", "series", "series+asinh"}, default="none"
        ``"series"``: after augmentation, each series is centred per channel
        and divided by its standard deviation (one, pooled over its channels,
        over its own steps); its level (``asinh`` of each channel's mean) and
        scale (``log`` of the standard deviation) are added as constant
        channels (``C`` channels become ``2C + 1``), see
        :class:`~sktransformer.network.layers.SeriesStandardization`. For
        problems whose series differ in scale by orders of magnitude.
        ``"series+asinh"``: the same, plus each series at its own amplitude,
        log-compressed (``asinh=True`` of that layer; ``3C + 1`` channels).
    tokenizer, embed_dim, patch_size, patch_stride, stem_filters, \
stem_kernel_size, stem_stride
        How series become tokens, see :func:`tokenize`.
    position_embedding : {"none", "learned", "sinusoidal", "relative"}, \
default="none"
        Position embedding added to the tokens, or ``"relative"``: a learned
        bias per attention head and offset between tokens in every block (see
        :mod:`sktransformer.network.relative`), which sees series of any
        length the same way.
    attention_dropout, norm_first, ff_activation, drop_path
        Encoder options, see :func:`transformer_encoder`. Stochastic depth
        grows linearly with depth up to ``drop_path`` in the last block.
    final_norm : bool, default=False
        LayerNorm after the last block (usual with pre-norm and token pooling).
    pooling : {"channels", "tokens", "tokens-max"}, default="channels"
        ``"channels"``: average over the channel axis, one feature per token
        (the seed). ``"tokens"``: average over tokens, one feature per channel.
        ``"tokens-max"``: the average and the maximum over tokens,
        concatenated (two features per channel): whether a pattern occurs
        anywhere, not only how much of the series holds it.
    n_members : int, default=1
        Number of independent networks of these options (own weights, own
        augmentation draws), each a nested model named ``member{k}``, whose
        class probabilities are averaged, see
        :class:`~sktransformer.network.layers.MemberAverage`. Trained with
        :class:`~sktransformer.network.losses.SmoothedSparseCategoricalCrossentropy`
        (``normalize=False``), each member minimises its own cross-entropy.
        1 builds the single network, exactly as without this option.

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
    options = {
        name: value
        for name, value in locals().items()
        if name in NETWORK_OPTIONS and name != "n_members"
    }
    if isinstance(n_members, bool) or not isinstance(n_members, Integral):
        raise ValueError(f"n_members must be a positive int, got {n_members!r}.")
    if n_members < 1:
        raise ValueError(f"n_members must be a positive int, got {n_members!r}.")
    if n_members == 1:
        return _single_network(input_shape, n_classes, unequal_lengths, **options)
    steps, channels = input_shape
    any_length = unequal_lengths and options["pooling"] in TOKEN_POOLINGS
    inputs = keras.Input(shape=(None if any_length else steps, channels), name="series")
    members = [
        _single_network(
            input_shape, n_classes, unequal_lengths, name=f"member{k}", **options
        )(inputs)
        for k in range(n_members)
    ]
    outputs = MemberAverage(name="probabilities")(members)
    return keras.Model(inputs, outputs, name="transformer_ensemble")


def _single_network(
    input_shape,
    n_classes,
    unequal_lengths,
    *,
    name="transformer_classifier",
    head_size,
    num_heads,
    ff_dim,
    num_transformer_blocks,
    mlp_units,
    dropout,
    mlp_dropout,
    fast_attention,
    augmentation,
    differences,
    input_norm,
    tokenizer,
    embed_dim,
    patch_size,
    patch_stride,
    stem_filters,
    stem_kernel_size,
    stem_stride,
    position_embedding,
    attention_dropout,
    norm_first,
    ff_activation,
    drop_path,
    final_norm,
    pooling,
):
    """One network of :func:`build_transformer_classifier`'s options."""
    for name_, value, options in (
        ("pooling", pooling, POOLINGS),
        ("position_embedding", position_embedding, POSITION_EMBEDDINGS),
        ("input_norm", input_norm, INPUT_NORMS),
    ):
        if value not in options:
            raise ValueError(f"{name_} must be one of {options}, got {value!r}.")
    steps, channels = input_shape
    any_length = unequal_lengths and pooling in TOKEN_POOLINGS
    inputs = keras.Input(shape=(None if any_length else steps, channels), name="series")
    x, lengths, attention_mask = inputs, None, None
    if unequal_lengths:
        x, lengths = PaddingMask(name="padding_mask")(x)
    if augmentation:
        x = SeriesAugmentation(augmentation, name="augmentation")(x, lengths=lengths)
    if input_norm != "none":
        x = SeriesStandardization(
            asinh=input_norm == "series+asinh", name="input_norm"
        )(x, lengths=lengths)
    if differences:
        # The slope of the series' own channels (standardised, if they are).
        x = SeriesDifferences(channels, name="differences")(x, lengths=lengths)
    tokens = tokenize(
        x,
        tokenizer=tokenizer,
        embed_dim=embed_dim,
        patch_size=patch_size,
        patch_stride=patch_stride,
        stem_filters=stem_filters,
        stem_kernel_size=stem_kernel_size,
        stem_stride=stem_stride,
        lengths=lengths,
    )
    if unequal_lengths:
        x, lengths = tokens
        attention_mask = AttentionMask(name="attention_mask")(x, lengths)
    else:
        x = tokens
    max_tokens = None
    if any_length or position_embedding == "relative":
        max_tokens = _token_count(
            steps, tokenizer, patch_size, patch_stride, stem_filters, stem_stride
        )
    if position_embedding in ("learned", "sinusoidal"):
        x = PositionEmbedding(
            position_embedding,
            max_tokens=max_tokens if any_length else None,
            name="position_embedding",
        )(x)
    for block in range(num_transformer_blocks):
        x = transformer_encoder(
            x,
            head_size=head_size,
            num_heads=num_heads,
            ff_dim=ff_dim,
            dropout=dropout,
            attention_dropout=attention_dropout,
            fast_attention=fast_attention,
            norm_first=norm_first,
            ff_activation=ff_activation,
            drop_path=drop_path * (block + 1) / num_transformer_blocks,
            name=f"block{block}",
            attention_mask=attention_mask,
            # Every offset between the tokens of the longest training series.
            max_distance=max_tokens - 1 if position_embedding == "relative" else None,
        )
    if final_norm:
        x = layers.LayerNormalization(epsilon=LAYER_NORM_EPSILON, name="final_norm")(x)
    # The seed averages over the channel axis: one feature per time step.
    x = _pool(x, pooling, lengths)
    for i, units in enumerate(mlp_units):
        x = layers.Dense(units, activation="relu", name=f"mlp{i}")(x)
        x = layers.Dropout(mlp_dropout, name=f"mlp{i}_dropout")(x)
    if not mlp_units and mlp_dropout > 0:
        x = layers.Dropout(mlp_dropout, name="pool_dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def _pool(x, pooling, lengths):
    """The features of the head from the encoder's ``(batch, tokens, width)``."""
    if pooling == "channels":
        x = layers.GlobalAveragePooling1D(data_format="channels_first", name="pool")(x)
        if lengths is not None:  # one feature per time step: padded steps give 0
            x = ApplyMask(name="pool_mask")(x, lengths)
        return x
    average = _over_tokens(x, lengths, "average", name="pool")
    if pooling == "tokens":
        return average
    largest = _over_tokens(x, lengths, "max", name="pool_max")
    return layers.Concatenate(name="pool_concat")([average, largest])


#: The masked (unequal lengths) and plain layers of each statistic over tokens.
_TOKEN_POOLS = {
    "average": (MaskedAveragePooling, layers.GlobalAveragePooling1D),
    "max": (MaskedMaxPooling, layers.GlobalMaxPooling1D),
}


def _over_tokens(x, lengths, statistic, name):
    """``statistic`` of ``x`` over its real tokens (all of them without lengths)."""
    masked, plain = _TOKEN_POOLS[statistic]
    if lengths is not None:
        return masked(name=name)(x, lengths)
    return plain(data_format="channels_last", name=name)(x)


def adapt_network(model, series, lengths=None):
    """Set the state of ``model``'s layers that comes from the training series.

    Today the level and scale channels of ``input_norm="series"`` (see
    :meth:`SeriesStandardization.adapt
    <sktransformer.network.layers.SeriesStandardization.adapt>`), in every
    member of an ensemble. A network without such layers is left as it is.

    Parameters
    ----------
    model : keras.Model
        A network from :func:`build_transformer_classifier`.
    series : array-like of shape (n_series, n_timepoints, n_channels)
        The training series (NaN or zeros beyond each series' length).
    lengths : array-like of shape (n_series,), optional
        Real steps of each series (all of them when omitted).
    """
    for layer in iter_layers(model):
        if isinstance(layer, SeriesStandardization):
            layer.adapt(series, lengths)


#: Public properties through which attention layers expose their projections
#: (Keras' ``MultiHeadAttention`` and our ``ScalarSelfAttention``).
_SUBLAYER_PROPERTIES = ("query_dense", "key_dense", "value_dense", "output_dense")


def iter_layers(model):
    """Every layer of ``model``, once each, nested ones included.

    The layers of nested models (the members of an ensemble) and the
    projections of attention layers (their public ``query_dense``,
    ``key_dense``, ``value_dense`` and ``output_dense``).

    Examples
    --------
    >>> from sktransformer.network import build_transformer_classifier, iter_layers
    >>> model = build_transformer_classifier((16, 1), 2, n_members=2)
    >>> sum(layer.name.startswith("member") for layer in iter_layers(model))
    2
    """
    stack = list(model.layers)
    seen = set()
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        yield layer
        if isinstance(layer, keras.Model):
            stack.extend(layer.layers)
        for name in _SUBLAYER_PROPERTIES:
            child = getattr(layer, name, None)
            if isinstance(child, keras.layers.Layer):
                stack.append(child)


def _network_options():
    parameters = inspect.signature(build_transformer_classifier).parameters
    return {
        name: parameter.default
        for name, parameter in parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }


#: Every option of :func:`build_transformer_classifier` and its default: the
#: estimator passes exactly these of its parameters to the builder.
NETWORK_OPTIONS: dict = _network_options()
