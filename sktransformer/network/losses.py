"""Loss for training (pure Keras, no scikit-learn)."""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["SmoothedSparseCategoricalCrossentropy"]


@keras.saving.register_keras_serializable(package="sktransformer")
class SmoothedSparseCategoricalCrossentropy(keras.losses.Loss):
    """Cross-entropy of integer class codes, with label smoothing.

    Keras' ``SparseCategoricalCrossentropy`` has no label smoothing and its
    ``CategoricalCrossentropy`` needs one-hot targets; this loss takes the
    estimator's integer codes and smooths their one-hot encoding:
    ``(1 - label_smoothing) * one_hot + label_smoothing / n_classes``.
    Targets given as class probabilities instead (rows of ``n_classes``
    values, as mixup's mixed targets) are smoothed the same way.

    Parameters
    ----------
    label_smoothing : float, default=0.0
        In [0, 1); 0 is the plain sparse categorical cross-entropy.
    normalize : bool, default=True
        Divide the predictions by their sum first, as Keras'
        ``categorical_crossentropy`` does. ``False``: take them as they are
        (clipped to ``[epsilon, 1]``), ``-sum_c t_c log(y_pred_c)``: the loss
        of an ensemble's training output
        (:class:`~sktransformer.network.layers.MemberAverage`), which is the
        mean of its members' cross-entropies.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer.network.losses import SmoothedSparseCategoricalCrossentropy
    >>> loss = SmoothedSparseCategoricalCrossentropy(label_smoothing=0.0)
    >>> round(float(loss(np.array([1]), np.array([[0.5, 0.5]]))), 4)
    0.6931
    """

    def __init__(
        self,
        label_smoothing=0.0,
        name="smoothed_sparse_categorical_crossentropy",
        reduction="sum_over_batch_size",
        dtype=None,
        normalize=True,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.label_smoothing = float(label_smoothing)
        self.normalize = bool(normalize)

    def call(self, y_true, y_pred):
        if _are_probabilities(y_true, y_pred):
            one_hot = ops.cast(y_true, y_pred.dtype)
        else:
            codes = ops.cast(ops.reshape(y_true, (-1,)), "int32")
            one_hot = ops.one_hot(codes, ops.shape(y_pred)[-1], dtype=y_pred.dtype)
        if self.normalize:
            return keras.losses.categorical_crossentropy(
                one_hot, y_pred, label_smoothing=self.label_smoothing
            )
        n_classes = ops.cast(ops.shape(y_pred)[-1], y_pred.dtype)
        smoothing = self.label_smoothing
        target = one_hot * (1.0 - smoothing) + smoothing / n_classes
        log_p = ops.log(ops.clip(y_pred, keras.backend.epsilon(), 1.0))
        return -ops.sum(target * log_p, axis=-1)

    def get_config(self):
        return {
            **super().get_config(),
            "label_smoothing": self.label_smoothing,
            "normalize": self.normalize,
        }


def _are_probabilities(y_true, y_pred):
    """Whether the targets are class probabilities (one row per series)."""
    classes = y_pred.shape[-1]
    return (
        len(y_true.shape) == len(y_pred.shape)
        and classes is not None
        and classes > 1
        and y_true.shape[-1] == classes
    )
