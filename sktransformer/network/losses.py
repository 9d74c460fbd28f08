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

    Parameters
    ----------
    label_smoothing : float, default=0.0
        In [0, 1); 0 is the plain sparse categorical cross-entropy.

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
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        codes = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        one_hot = ops.one_hot(codes, ops.shape(y_pred)[-1], dtype=y_pred.dtype)
        return keras.losses.categorical_crossentropy(
            one_hot, y_pred, label_smoothing=self.label_smoothing
        )

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}
