"""Padding masks: series of unequal lengths in one batch (pure Keras).

A batch of series of unequal lengths is one array padded with trailing NaN,
as the UCR and UEA archives store such problems. :class:`PaddingMask` turns
the NaN into zeros and gives each series' length; from there on every layer
that mixes time steps is told the lengths, so that padding never reaches a
real step:

- the tokenisers map lengths to token counts (:class:`TokenLengths`) and
  zero the padded tokens (:class:`ApplyMask`);
- attention ignores padded keys (:class:`AttentionMask`);
- pooling averages (and takes the maximum of) real tokens only
  (:class:`MaskedAveragePooling`, :class:`MaskedMaxPooling`).

A series therefore gets the same output however much padding surrounds it.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = [
    "PaddingMask",
    "TokenLengths",
    "ApplyMask",
    "AttentionMask",
    "StepMask",
    "MaskedAveragePooling",
    "MaskedMaxPooling",
    "PadToLength",
    "step_mask",
]


def step_mask(lengths, steps, dtype="float32"):
    """``(batch, steps)``: 1 where the step is inside its series, else 0."""
    position = ops.arange(steps, dtype="int32")[None, :]
    return ops.cast(position < ops.cast(lengths, "int32")[:, None], dtype)


@keras.saving.register_keras_serializable(package="sktransformer")
class PaddingMask(keras.layers.Layer):
    """NaN-padded series -> (series with zeros for NaN, length of each series).

    A series ends at its last time step with a value in any channel; the NaN
    steps after it are padding. NaN before that point are read as 0 (the
    estimator fills such gaps by interpolation before the network sees them).
    """

    def call(self, inputs):
        observed = ops.logical_not(ops.all(ops.isnan(inputs), axis=-1))
        steps = ops.shape(inputs)[1]
        position = ops.arange(1, steps + 1, dtype="int32")[None, :]
        lengths = ops.max(ops.where(observed, position, 0), axis=1)
        filled = ops.where(ops.isnan(inputs), ops.zeros_like(inputs), inputs)
        return filled, lengths

    def compute_output_spec(self, inputs):
        return (
            keras.KerasTensor(inputs.shape, dtype=inputs.dtype),
            keras.KerasTensor((inputs.shape[0],), dtype="int32"),
        )


@keras.saving.register_keras_serializable(package="sktransformer")
class TokenLengths(keras.layers.Layer):
    """Lengths after a strided tokeniser stage.

    Parameters
    ----------
    kind : {"conv", "patch"}
        ``"conv"``: a stride-``stride`` convolution padded to keep
        ``ceil(length / stride)`` steps (the convolutional stem);
        ``"patch"``: windows of ``size`` steps every ``stride`` steps that fit
        inside the series (at least one).
    stride : int
    size : int, default=1
    """

    def __init__(self, kind, stride, size=1, **kw):
        super().__init__(**kw)
        if kind not in ("conv", "patch"):
            raise ValueError(f"kind must be 'conv' or 'patch', got {kind!r}.")
        self.kind, self.stride, self.size = kind, int(stride), int(size)

    def call(self, lengths):
        if self.kind == "conv":
            return (lengths + self.stride - 1) // self.stride
        return ops.maximum((lengths - self.size) // self.stride + 1, 1)

    def compute_output_spec(self, lengths):
        return keras.KerasTensor(lengths.shape, dtype=lengths.dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "kind": self.kind,
            "stride": self.stride,
            "size": self.size,
        }


@keras.saving.register_keras_serializable(package="sktransformer")
class ApplyMask(keras.layers.Layer):
    """Zero the steps of ``(batch, steps[, width])`` beyond each length."""

    def __init__(self, **kw):
        super().__init__(**kw)
        # Takes the place of a Keras mask (BatchNormalization's) and ends it.
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return None

    def call(self, inputs, lengths):
        mask = step_mask(lengths, ops.shape(inputs)[1], inputs.dtype)
        if len(inputs.shape) == 3:
            mask = mask[:, :, None]
        return inputs * mask

    def compute_output_spec(self, inputs, lengths):
        return keras.KerasTensor(inputs.shape, dtype=inputs.dtype)


@keras.saving.register_keras_serializable(package="sktransformer")
class StepMask(keras.layers.Layer):
    """``(batch, steps)`` boolean mask of the steps inside each length."""

    def call(self, inputs, lengths):
        return step_mask(lengths, ops.shape(inputs)[1], "bool")

    def compute_output_spec(self, inputs, lengths):
        return keras.KerasTensor(inputs.shape[:2], dtype="bool")


@keras.saving.register_keras_serializable(package="sktransformer")
class AttentionMask(keras.layers.Layer):
    """``(batch, steps, steps)`` boolean mask: every query sees the real keys."""

    def call(self, inputs, lengths):
        steps = ops.shape(inputs)[1]
        keys = step_mask(lengths, steps, "bool")[:, None, :]
        return ops.broadcast_to(keys, (ops.shape(inputs)[0], steps, steps))

    def compute_output_spec(self, inputs, lengths):
        steps = inputs.shape[1]
        return keras.KerasTensor((inputs.shape[0], steps, steps), dtype="bool")


@keras.saving.register_keras_serializable(package="sktransformer")
class MaskedAveragePooling(keras.layers.Layer):
    """Average of ``(batch, steps, width)`` over the steps inside each length."""

    def call(self, inputs, lengths):
        mask = step_mask(lengths, ops.shape(inputs)[1], inputs.dtype)[:, :, None]
        total = ops.sum(inputs * mask, axis=1)
        return total / ops.maximum(ops.sum(mask, axis=1), 1.0)

    def compute_output_spec(self, inputs, lengths):
        return keras.KerasTensor((inputs.shape[0], inputs.shape[2]), dtype=inputs.dtype)


@keras.saving.register_keras_serializable(package="sktransformer")
class MaskedMaxPooling(keras.layers.Layer):
    """Maximum of ``(batch, steps, width)`` over the steps inside each length."""

    def call(self, inputs, lengths):
        mask = step_mask(lengths, ops.shape(inputs)[1], "bool")[:, :, None]
        lowest = ops.convert_to_tensor(float("-inf"), dtype=inputs.dtype)
        largest = ops.max(ops.where(mask, inputs, lowest), axis=1)
        # A series of no tokens (never from the estimator) pools to zeros.
        return ops.where(ops.isfinite(largest), largest, ops.zeros_like(largest))

    def compute_output_spec(self, inputs, lengths):
        return keras.KerasTensor((inputs.shape[0], inputs.shape[2]), dtype=inputs.dtype)


@keras.saving.register_keras_serializable(package="sktransformer")
class PadToLength(keras.layers.Layer):
    """Pad ``(batch, steps, channels)`` with zeros at the end to ``length`` steps.

    Shorter batches only; longer ones pass unchanged. Lets a window tokeniser
    take batches of series shorter than its window.

    Parameters
    ----------
    length : int
    """

    def __init__(self, length, **kw):
        super().__init__(**kw)
        self.length = int(length)

    def call(self, inputs):
        steps = ops.shape(inputs)[1]
        if isinstance(steps, int):  # static (JAX, eager): pad widths as ints
            missing = max(self.length - steps, 0)
        else:
            missing = ops.maximum(self.length - steps, 0)
        return ops.pad(inputs, [[0, 0], [0, missing], [0, 0]])

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        steps = None if steps is None else max(steps, self.length)
        return (input_shape[0], steps, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "length": self.length}
