"""Keras layers for the configurations beyond the seed (pure, backend-neutral Keras).

- :class:`SeriesAugmentation`: random transforms of whole series (small time
  shifts, amplitude scaling and jitter, which keep the class of any problem;
  circular roll, time reversal and sign flip, which keep it only for some),
  active only while training (like Keras' ``RandomFlip``).
- :class:`SeriesDifferences`: each channel's first difference added as a
  channel (``differences=True``).
- :class:`SeriesStandardization`: each series brought to unit scale, its
  level and scale kept as extra channels (``input_norm="series"``).
- :class:`PositionEmbedding`: learned or sinusoidal positions added to tokens.
- :class:`DropPath`: stochastic depth on a residual branch.
- :class:`MemberAverage`: the probabilities of an ensemble of networks.

Nothing here imports scikit-learn; :mod:`sktransformer.network` assembles them.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from .masking import step_mask

__all__ = [
    "SeriesAugmentation",
    "SeriesDifferences",
    "SeriesStandardization",
    "PositionEmbedding",
    "DropPath",
    "MemberAverage",
    "AUGMENTATIONS",
    "SAFE_AUGMENTATIONS",
]

#: The augmentations :class:`SeriesAugmentation` knows.
AUGMENTATIONS = ("shift", "warp", "scale", "jitter", "roll", "reverse", "negate")
#: Those that keep the class of any problem (small, local changes).
SAFE_AUGMENTATIONS = ("shift", "scale", "jitter")
#: Largest ``"shift"``, as a fraction of the length.
MAX_SHIFT = 0.1
#: Largest ``"warp"`` of the time axis (a stretch or squeeze by up to 10%).
MAX_WARP = 0.1
#: Standard deviation of the log of the ``"scale"`` factor.
SCALE_SIGMA = 0.2
#: Standard deviation of ``"jitter"`` noise, relative to each series' own.
JITTER_SIGMA = 0.05
#: Percentile of the training series' standard deviations that the
#: compressed channels of ``SeriesStandardization(asinh=True)`` divide by:
#: series at this scale or below keep their shape, larger ones are
#: log-compressed.
ASINH_QUANTILE = 10


@keras.saving.register_keras_serializable(package="sktransformer")
class SeriesAugmentation(keras.layers.Layer):
    """Random transforms of whole series, during training only.

    Parameters
    ----------
    augmentations : sequence of {"shift", "warp", "scale", "jitter", "roll", \
"reverse", "negate"}
        ``"shift"`` moves every series in time by up to 10% of its length
        either way, repeating its first or last value at the edge;
        ``"warp"`` stretches or squeezes it in time about its centre by a
        random factor within 10% (linear interpolation; a stretch crops the
        ends, a squeeze repeats the edge values);
        ``"scale"`` multiplies it by a random factor (log-normal, 20%);
        ``"jitter"`` adds Gaussian noise of 5% of its own standard deviation.
        These four keep the class of any problem short of one decided by
        exact timing or amplitude. ``"roll"`` shifts every series circularly
        by a uniformly random number of steps (safe for periodic or phase-free
        series); ``"reverse"`` reverses time in a random half of the series;
        ``"negate"`` flips the sign of a random half (both swap the classes of
        problems told apart by direction or sign). Applied in that order.
    seed : int, optional
        Seed of the layer's random generator (else drawn from Keras' global
        seed, as for ``Dropout``).

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer.network.layers import SeriesAugmentation
    >>> x = np.arange(6, dtype="float32").reshape(1, 6, 1)
    >>> layer = SeriesAugmentation(["roll"], seed=0)
    >>> bool((np.asarray(layer(x, training=False)) == x).all())
    True
    >>> sorted(np.asarray(layer(x, training=True)).ravel().tolist())
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    """

    def __init__(self, augmentations=SAFE_AUGMENTATIONS, seed=None, **kw):
        super().__init__(**kw)
        if isinstance(augmentations, str):  # its letters would be read as names
            raise ValueError(
                f"augmentations must be a sequence of names, got the string "
                f"{augmentations!r}; write ({augmentations!r},) for one."
            )
        unknown = set(augmentations) - set(AUGMENTATIONS)
        if unknown:
            raise ValueError(
                f"Unknown augmentations {sorted(unknown)}; choose from {AUGMENTATIONS}."
            )
        self.augmentations = tuple(augmentations)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, lengths=None, training=None):
        if not training or not self.augmentations:
            return inputs
        if lengths is not None:
            return self._augment_padded(inputs, lengths)
        x = inputs
        batch, steps = ops.shape(x)[0], ops.shape(x)[1]
        if "shift" in self.augmentations:
            reach = max(int(MAX_SHIFT * x.shape[1]), 1)
            shift = keras.random.randint(
                (batch, 1), -reach, reach + 1, seed=self.seed_generator, dtype="int32"
            )
            index = ops.clip(
                ops.arange(steps, dtype="int32")[None, :] + shift, 0, steps - 1
            )
            index = ops.broadcast_to(index[:, :, None], ops.shape(x))
            x = ops.take_along_axis(x, index, axis=1)
        if "warp" in self.augmentations:
            x = self._warp(x, ops.full((batch, 1), steps, dtype="int32"))
        if "scale" in self.augmentations:
            log_factor = keras.random.normal(
                (batch, 1, 1), stddev=SCALE_SIGMA, seed=self.seed_generator
            )
            x = x * ops.cast(ops.exp(log_factor), x.dtype)
        if "jitter" in self.augmentations:
            spread = ops.std(x, axis=1, keepdims=True)
            noise = keras.random.normal(ops.shape(x), seed=self.seed_generator)
            x = x + ops.cast(noise, x.dtype) * JITTER_SIGMA * spread
        if "roll" in self.augmentations:
            shift = keras.random.randint(
                (batch, 1), 0, steps, seed=self.seed_generator, dtype="int32"
            )
            index = ops.mod(ops.arange(steps, dtype="int32")[None, :] + shift, steps)
            index = ops.broadcast_to(index[:, :, None], ops.shape(x))
            x = ops.take_along_axis(x, index, axis=1)
        if "reverse" in self.augmentations:
            flip = self._coin(batch, x.dtype)
            x = flip * ops.flip(x, axis=1) + (1.0 - flip) * x
        if "negate" in self.augmentations:
            x = x * (1.0 - 2.0 * self._coin(batch, x.dtype))
        return x

    def _augment_padded(self, x, lengths):
        """The same transforms, each series within its own length.

        ``x`` holds zeros beyond each series' length (``lengths``, shape
        ``(batch,)``); they stay zeros.
        """
        batch, steps = ops.shape(x)[0], ops.shape(x)[1]
        length = ops.cast(lengths, "int32")[:, None]
        t = ops.arange(steps, dtype="int32")[None, :]
        inside = t < length
        mask = ops.cast(inside, x.dtype)[:, :, None]

        def gather(index):
            index = ops.where(inside, index, t)
            index = ops.broadcast_to(index[:, :, None], ops.shape(x))
            return ops.take_along_axis(x, index, axis=1)

        def uniform():
            return keras.random.uniform((batch, 1), seed=self.seed_generator)

        if "shift" in self.augmentations:
            reach = ops.maximum(
                ops.cast(MAX_SHIFT * ops.cast(length, "float32"), "int32"), 1
            )
            span = ops.cast(2 * reach + 1, "float32")
            shift = ops.cast(ops.floor(uniform() * span), "int32") - reach
            x = gather(ops.clip(t + shift, 0, length - 1))
        if "warp" in self.augmentations:
            x = self._warp(x, length) * mask
        if "scale" in self.augmentations:
            log_factor = keras.random.normal(
                (batch, 1, 1), stddev=SCALE_SIGMA, seed=self.seed_generator
            )
            x = x * ops.cast(ops.exp(log_factor), x.dtype)
        if "jitter" in self.augmentations:
            count = ops.cast(length, x.dtype)[:, :, None]
            mean = ops.sum(x * mask, axis=1, keepdims=True) / count
            spread = ops.sqrt(
                ops.sum(ops.square((x - mean) * mask), axis=1, keepdims=True) / count
            )
            noise = keras.random.normal(ops.shape(x), seed=self.seed_generator)
            x = x + ops.cast(noise, x.dtype) * JITTER_SIGMA * spread * mask
        if "roll" in self.augmentations:
            shift = ops.cast(
                ops.floor(uniform() * ops.cast(length, "float32")), "int32"
            )
            x = gather(ops.mod(t + shift, length))
        if "reverse" in self.augmentations:
            flip = self._coin(batch, x.dtype)
            x = flip * gather(length - 1 - t) + (1.0 - flip) * x
        if "negate" in self.augmentations:
            x = x * (1.0 - 2.0 * self._coin(batch, x.dtype))
        return x

    def _warp(self, x, length):
        """Each series resampled at ``centre + (t - centre) / factor``.

        ``length`` (shape ``(batch, 1)``, int32) is each series' own length:
        the centre is its middle, the source positions stay within it, and
        time steps beyond it read themselves (padding stays padding).
        """
        batch, steps = ops.shape(x)[0], ops.shape(x)[1]
        factor = 1.0 + keras.random.uniform(
            (batch, 1), -MAX_WARP, MAX_WARP, seed=self.seed_generator
        )
        t = ops.arange(steps, dtype="int32")[None, :]
        last = ops.cast(length - 1, "float32")
        centre = 0.5 * last
        source = centre + (ops.cast(t, "float32") - centre) / factor
        source = ops.clip(source, 0.0, ops.maximum(last, 0.0))
        source = ops.where(t < length, source, ops.cast(t, "float32"))
        below = ops.floor(source)
        weight = ops.cast((source - below)[:, :, None], x.dtype)
        below = ops.cast(below, "int32")
        above = ops.where(t < length, ops.minimum(below + 1, length - 1), t)

        def take(index):
            index = ops.broadcast_to(index[:, :, None], ops.shape(x))
            return ops.take_along_axis(x, index, axis=1)

        return (1.0 - weight) * take(below) + weight * take(above)

    def _coin(self, batch, dtype):
        """1.0 for a random half of the series, else 0.0; shape (batch, 1, 1)."""
        draw = keras.random.uniform((batch, 1, 1), seed=self.seed_generator)
        return ops.cast(draw < 0.5, dtype)

    def compute_output_spec(self, inputs, lengths=None, training=None):
        return keras.KerasTensor(inputs.shape, dtype=inputs.dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "augmentations": list(self.augmentations),
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="sktransformer")
class SeriesDifferences(keras.layers.Layer):
    """The series with the first difference of its channels as extra channels.

    Step ``t`` of a difference channel is ``x[t] - x[t - 1]`` (0 at the
    first step): the slope of the series, a second view of it (as
    MultiRocket adds to MiniRocket). ``(batch, steps, C)`` becomes
    ``(batch, steps, C + channels)``, the differences last. With ``lengths``
    (series of unequal lengths, zeros beyond each length), the differences
    are 0 beyond each series' length too.

    Parameters
    ----------
    channels : int, optional
        Difference the first ``channels`` channels only (the series' own,
        ahead of the level and scale channels of
        :class:`SeriesStandardization`); all of them when omitted.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer.network.layers import SeriesDifferences
    >>> x = np.array([[[1.0], [3.0], [2.0]]], dtype="float32")
    >>> np.asarray(SeriesDifferences()(x))[0].tolist()
    [[1.0, 0.0], [3.0, 2.0], [2.0, -1.0]]
    """

    def __init__(self, channels=None, **kw):
        super().__init__(**kw)
        self.channels = channels
        self.supports_masking = True

    def call(self, inputs, lengths=None):
        x = inputs
        series = x if self.channels is None else x[:, :, : self.channels]
        steps_diff = series[:, 1:] - series[:, :-1]
        diff = ops.concatenate([ops.zeros_like(series[:, :1]), steps_diff], axis=1)
        if lengths is not None:
            diff = diff * step_mask(lengths, ops.shape(x)[1], x.dtype)[:, :, None]
        return ops.concatenate([x, diff], axis=-1)

    def compute_output_spec(self, inputs, lengths=None):
        channels = inputs.shape[2]
        added = channels if self.channels is None else self.channels
        return keras.KerasTensor(
            (inputs.shape[0], inputs.shape[1], channels + added), dtype=inputs.dtype
        )

    def get_config(self):
        return {**super().get_config(), "channels": self.channels}


@keras.saving.register_keras_serializable(package="sktransformer")
class SeriesStandardization(keras.layers.Layer):
    """Bring each series to unit scale; keep its level and scale as channels.

    Raw measurements can differ in scale by orders of magnitude between the
    series of one problem (currents of appliances, counts, accelerations). A
    convolution followed by batch normalisation then sees the small series as
    almost flat. This layer gives the network every series centred (each
    channel minus its mean) and divided by one standard deviation, pooled over
    its channels, so that a quiet channel stays quiet beside a busy one
    instead of having its noise blown up to unit scale. So that nothing is
    lost, the level and the scale come along as channels that are constant
    over the series: ``asinh`` of each channel's mean, and the ``log`` of the
    pooled standard deviation. ``(batch, steps, C)`` becomes
    ``(batch, steps, 2C + 1)``: the ``C`` centred and scaled channels, the
    ``C`` levels, the scale.

    The level and scale channels are standardised with the statistics of the
    training series, set by :meth:`adapt` before training (as Keras'
    ``Normalization.adapt``; the estimator does it at ``fit``). Raw, a
    log-scale of 7 (series of amplitude 1,000) swamps the unit-scale channels
    and stalls training. They are centred on the training mean and divided by
    the training standard deviation where it exceeds 1 (a factor ``e`` of
    scale), so that small differences are not blown up. Until adapted, the
    layer passes them raw.

    With ``asinh=True``, each series also comes at its own amplitude and
    level, log-compressed: ``C`` more channels, ``asinh`` of the series as
    given divided by a scale of the training set (the ``ASINH_QUANTILE``-th
    percentile of the training series' standard deviations, per channel),
    then by the channel's training root mean square. Small series keep their
    shape at about unit scale, large ones are compressed logarithmically, so
    the network sees shape, amplitude and level together, as a classifier of
    raw series would (``C`` channels become ``3C + 1``, the compressed ones
    after the scaled ones). Until adapted, the scale and the root mean square
    are 1.

    With ``lengths`` (series of unequal lengths, zeros beyond each length),
    the statistics use each series' real steps only and the output is zero
    beyond them. A constant series scales to zeros.

    Parameters
    ----------
    epsilon : float, default=1e-12
        Added to the variance of each series divided by its largest magnitude
        (so series of any amplitude, 1e-20 or 1e30, are brought to unit
        scale; a series whose variations are below float32's resolution of
        its level, about 1e-6 of it, is not blown up).
    asinh : bool, default=False
        Add the log-compressed series at their own amplitude (above).

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer.network.layers import SeriesStandardization
    >>> x = np.array([[[1.0], [3.0]], [[100.0], [300.0]]], dtype="float32")
    >>> layer = SeriesStandardization()
    >>> layer.adapt(x)
    >>> out = np.asarray(layer(x))
    >>> out.shape
    (2, 2, 3)
    >>> bool(np.allclose(out[0, :, 0], out[1, :, 0]))  # same shape, same input
    True
    >>> bool(np.allclose(out[:, 0, 1:].mean(axis=0), 0.0, atol=1e-6))  # centred
    True
    """

    #: Whether the compressed channels are of the centred series (each
    #: series' level is a channel of its own either way) rather than of the
    #: series as given; a switch for ``benchmarks/panel_study``'s comparisons
    #: (its ``norm-asinh`` rows were of centred series).
    ASINH_CENTRED = False

    def __init__(self, epsilon=1e-12, asinh=False, **kw):
        super().__init__(**kw)
        self.epsilon = float(epsilon)
        self.asinh = bool(asinh)

    def build(self, inputs_shape, lengths_shape=None):
        shape = (inputs_shape[-1] + 1,)
        self.statistics_mean = self.add_weight(
            shape=shape, initializer="zeros", trainable=False, name="statistics_mean"
        )
        self.statistics_scale = self.add_weight(
            shape=shape, initializer="ones", trainable=False, name="statistics_scale"
        )
        if self.asinh:
            channels = (inputs_shape[-1],)
            self.asinh_scale = self.add_weight(
                shape=channels, initializer="ones", trainable=False, name="asinh_scale"
            )
            self.asinh_rms = self.add_weight(
                shape=channels, initializer="ones", trainable=False, name="asinh_rms"
            )

    def _standardise(self, inputs, lengths):
        """The scaled series, the raw ``(batch, C + 1)`` statistics, the mask."""
        x = ops.cast(inputs, self.compute_dtype)
        if lengths is None:
            mask = ops.ones_like(x[..., :1])
        else:
            mask = step_mask(lengths, ops.shape(x)[1], x.dtype)[..., None]
        # Statistics of the series divided by its largest magnitude: squares
        # of values beyond about 1e19 would overflow float32, and the epsilon
        # is then relative to the series' own amplitude.
        peak = ops.max(ops.abs(x) * mask, axis=(1, 2), keepdims=True)
        peak = ops.where(peak > 0, peak, ops.ones_like(peak))
        x = x / peak
        count = ops.maximum(ops.sum(mask, axis=1, keepdims=True), 1.0)
        mean = ops.sum(x * mask, axis=1, keepdims=True) / count
        centred = (x - mean) * mask
        var = ops.sum(ops.square(centred), axis=(1, 2), keepdims=True)
        var = var / (count * ops.shape(x)[-1]) + self.epsilon
        scaled = centred * ops.rsqrt(var)
        if self.asinh:
            # The series (centred, with ASINH_CENTRED) over the training
            # scale, without overflowing float32 (asinh(1e30) is 69).
            ratio = ops.minimum(peak / self.asinh_scale, 1e30)
            view = centred if self.ASINH_CENTRED else x * mask
            scaled = ops.concatenate([scaled, ops.arcsinh(view * ratio)], axis=-1)
        statistics = ops.concatenate(
            [ops.arcsinh(mean * peak), 0.5 * ops.log(var) + ops.log(peak)], axis=-1
        )
        return scaled, statistics[:, 0, :], mask

    def adapt(self, series, lengths=None, batch_size=1024):
        """Set the level and scale channels' standardisation from training series.

        Parameters
        ----------
        series : array-like of shape (n_series, n_timepoints, n_channels)
            Finite values within each series' length (NaN or zeros beyond it).
        lengths : array-like of shape (n_series,), optional
            Real steps of each series (all of them when omitted).
        batch_size : int, default=1024
            Series standardised at a time.
        """
        series = np.asarray(series)
        if not self.built:
            self.build(series.shape)
        if self.asinh:
            self._adapt_asinh(series, lengths, batch_size)
        statistics = np.concatenate(
            [
                ops.convert_to_numpy(self._standardise(chunk, chunk_lengths)[1])
                for _, chunk, chunk_lengths in _chunks(series, lengths, batch_size)
            ]
        ).astype(np.float64)
        self.statistics_mean.assign(statistics.mean(axis=0))
        self.statistics_scale.assign(np.maximum(statistics.std(axis=0), 1.0))

    def _adapt_asinh(self, series, lengths, batch_size):
        """The compressed channels' scale, then their root mean square."""
        n, steps, channels = series.shape
        real = np.ones((n, steps), bool)
        if lengths is not None:
            real = np.arange(steps) < np.asarray(lengths)[:, None]
        std = np.empty((n, channels))
        for part, chunk, _ in _chunks(series, lengths, batch_size):
            chunk = np.where(real[part, :, None], chunk.astype(np.float64), np.nan)
            std[part] = np.nanstd(chunk, axis=1)
        self.asinh_scale.assign(
            [_quantile_of_positive(std[:, c], ASINH_QUANTILE) for c in range(channels)]
        )
        squares, count = np.zeros(channels), 0
        for part, chunk, chunk_lengths in _chunks(series, lengths, batch_size):
            scaled, _, _ = self._standardise(chunk, chunk_lengths)
            compressed = ops.convert_to_numpy(scaled)[..., channels:].astype(np.float64)
            squares += np.sum(np.square(compressed) * real[part, :, None], axis=(0, 1))
            count += int(real[part].sum())
        rms = np.sqrt(squares / max(count, 1))
        self.asinh_rms.assign(np.where(rms > 0, rms, 1.0))

    def call(self, inputs, lengths=None):
        scaled, statistics, mask = self._standardise(inputs, lengths)
        if self.asinh:
            channels = ops.shape(inputs)[-1]
            scaled = ops.concatenate(
                [scaled[..., :channels], scaled[..., channels:] / self.asinh_rms],
                axis=-1,
            )
        statistics = (statistics - self.statistics_mean) / self.statistics_scale
        return ops.concatenate([scaled, statistics[:, None, :] * mask], axis=-1)

    def compute_output_spec(self, inputs, lengths=None):
        per_channel = 3 if self.asinh else 2
        shape = (*inputs.shape[:-1], per_channel * inputs.shape[-1] + 1)
        return keras.KerasTensor(shape, dtype=self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon, "asinh": self.asinh}


def _chunks(series, lengths, batch_size):
    """``(rows, series with padding as zeros, lengths or None)``, a batch at a time."""
    for start in range(0, len(series), batch_size):
        part = slice(start, start + batch_size)
        chunk_lengths = None if lengths is None else np.asarray(lengths)[part]
        yield part, np.nan_to_num(series[part], nan=0.0), chunk_lengths


def _quantile_of_positive(values, q):
    """The ``q``-th percentile of the positive finite ``values``; 1 if none."""
    values = values[np.isfinite(values) & (values > 0)]
    return float(np.percentile(values, q)) if len(values) else 1.0


@keras.saving.register_keras_serializable(package="sktransformer")
class PositionEmbedding(keras.layers.Layer):
    """Add a position embedding to a ``(batch, tokens, width)`` sequence.

    Parameters
    ----------
    kind : {"learned", "sinusoidal"}, default="learned"
        A trainable ``(tokens, width)`` table (initialised with a truncated
        normal of standard deviation 0.02) or the fixed sinusoids of
        "Attention is all you need".
    max_tokens : int, optional
        Size of the table for sequences of any length (input shape
        ``(batch, None, width)``): token ``t`` takes row
        ``min(t, max_tokens - 1)``, so longer sequences repeat the last
        position.
    """

    def __init__(self, kind="learned", max_tokens=None, **kw):
        super().__init__(**kw)
        if kind not in ("learned", "sinusoidal"):
            raise ValueError(
                f"kind must be 'learned' or 'sinusoidal', got {kind!r} instead."
            )
        self.kind = kind
        self.max_tokens = max_tokens

    def build(self, input_shape):
        tokens, width = input_shape[-2], input_shape[-1]
        if tokens is None:
            if self.max_tokens is None:
                raise ValueError(
                    "A sequence of any length needs max_tokens: the size of the "
                    "position table."
                )
            tokens = self.max_tokens
        if self.kind == "learned":
            self.embedding_initializer = keras.initializers.TruncatedNormal(stddev=0.02)
            self.embedding = self.add_weight(
                shape=(tokens, width),
                initializer=self.embedding_initializer,
                name="embedding",
            )
        else:
            self.embedding = ops.convert_to_tensor(_sinusoids(tokens, width))

    def call(self, inputs):
        embedding = ops.cast(self.embedding, inputs.dtype)
        if self.max_tokens is not None:
            # Any length: token t takes row min(t, max_tokens - 1).
            rows = ops.minimum(
                ops.arange(ops.shape(inputs)[-2], dtype="int32"), self.max_tokens - 1
            )
            embedding = ops.take(embedding, rows, axis=0)
        return inputs + embedding[None]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "kind": self.kind,
            "max_tokens": self.max_tokens,
        }


def _sinusoids(tokens, width):
    position = np.arange(tokens)[:, None]
    dim = np.arange(width)[None, :]
    angle = position / np.power(10000.0, 2 * (dim // 2) / width)
    return np.where(dim % 2 == 0, np.sin(angle), np.cos(angle)).astype("float32")


@keras.saving.register_keras_serializable(package="sktransformer")
class DropPath(keras.layers.Layer):
    """Stochastic depth: drop a whole residual branch for random series.

    During training each series' branch output is zeroed with probability
    ``rate`` and scaled by ``1 / (1 - rate)`` otherwise; at inference it is the
    identity.

    Parameters
    ----------
    rate : float
        Probability of dropping the branch, in [0, 1).
    seed : int, optional
        Seed of the layer's random generator.
    """

    def __init__(self, rate=0.0, seed=None, **kw):
        super().__init__(**kw)
        if not 0.0 <= rate < 1.0 or math.isnan(rate):
            raise ValueError(f"rate must be in [0, 1), got {rate!r} instead.")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        keep = 1.0 - self.rate
        shape = (ops.shape(inputs)[0],) + (1,) * (len(inputs.shape) - 1)
        draw = keras.random.uniform(shape, seed=self.seed_generator)
        mask = ops.cast(draw < keep, inputs.dtype)
        return inputs * mask / keep

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


@keras.saving.register_keras_serializable(package="sktransformer")
class MemberAverage(keras.layers.Layer):
    """The class probabilities of an ensemble, from those of its members.

    At inference: the mean of the members' probabilities. During training:
    their *geometric* mean, not renormalised, ``exp(mean_k log p_k)``, whose
    cross-entropy ``-sum_c t_c log(.)`` is exactly the mean of the members'
    own cross-entropies. Each member then learns as if it were trained
    alone, while the ensemble is one Keras model (one ``fit``, one
    ``predict``). The training output does not sum to 1: it needs a loss that
    does not renormalise (``SmoothedSparseCategoricalCrossentropy(...,
    normalize=False)``); the inference output is a distribution.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer.network.layers import MemberAverage
    >>> p = [np.array([[0.9, 0.1]]), np.array([[0.5, 0.5]])]
    >>> np.asarray(MemberAverage()(p)).round(2)
    array([[0.7, 0.3]], dtype=float32)
    """

    def call(self, inputs, training=None):
        members = ops.stack(inputs, axis=0)
        if not training:
            return ops.mean(members, axis=0)
        tiny = keras.backend.epsilon()
        return ops.exp(ops.mean(ops.log(ops.clip(members, tiny, 1.0)), axis=0))

    def compute_output_shape(self, input_shape):
        return input_shape[0]
