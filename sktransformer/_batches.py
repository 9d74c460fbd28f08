"""Minibatches gathered from the caller's arrays, for ``keras.Model.fit``.

Handing numpy arrays to Keras makes TensorFlow copy them whole (and the
hold-out split copies them once more); on 100,000 series of length 500 that
is several times the data's size. :class:`SeriesBatches` instead keeps the
caller's array and a vector of row indices, and gathers one minibatch at a
time, reshuffled every epoch by its own seeded generator.
"""

from __future__ import annotations

import math

import keras
import numpy as np

__all__ = ["SeriesBatches"]


class SeriesBatches(keras.utils.PyDataset):
    """The rows ``index`` of ``(X, y[, sample_weight])``, in minibatches.

    Parameters
    ----------
    X : ndarray
        Series; never copied whole.
    y : ndarray or None
        Encoded targets, rows aligned with ``X``; None for prediction, where
        batches hold the series only.
    sample_weight : ndarray or None
        Per-series weights, or None.
    index : ndarray of int
        The rows to serve.
    batch_size : int
        Rows per batch (the last one may be smaller).
    rng : numpy.random.Generator or None
        Shuffles the rows before every epoch; None keeps their order.
    """

    def __init__(self, X, y, sample_weight, index, batch_size, rng=None):
        super().__init__()
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.index = np.asarray(index)
        self.batch_size = int(batch_size)
        self.rng = rng
        self.order = self.index
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(len(self.index) / self.batch_size)

    def on_epoch_end(self):
        if self.rng is not None:
            self.order = self.rng.permutation(self.index)

    def __getitem__(self, i):
        rows = self.order[i * self.batch_size : (i + 1) * self.batch_size]
        if self.rng is not None:
            # Sorted rows read the big array in memory order; the order
            # within a training batch does not matter to the loss.
            rows = np.sort(rows)
        if self.y is None:
            return (self.X[rows],)
        batch = (self.X[rows], self.y[rows])
        if self.sample_weight is not None:
            batch += (self.sample_weight[rows],)
        return batch
