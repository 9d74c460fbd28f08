"""Minibatches gathered from the caller's arrays, for ``keras.Model.fit``.

Handing numpy arrays to Keras makes TensorFlow copy them whole (and the
hold-out split copies them once more); on 100,000 series of length 500 that
is several times the data's size. :class:`SeriesBatches` instead keeps the
caller's array and a vector of row indices, and gathers one minibatch at a
time, reshuffled every epoch by its own seeded generator. Series of unequal
lengths are grouped by length, so batches carry little padding.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from ._validation import series_lengths

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
        Most rows per batch. Training batches (with ``rng``) share the rows
        evenly (:attr:`EVEN_SIZES`); others are full but the last.
    rng : numpy.random.Generator or None
        Shuffles the rows before every epoch; None keeps their order.
    lengths : ndarray of int, optional
        Length of each series of a NaN-padded ``X``: batches then gather series
        of similar lengths and are cut to their longest series (rounded up to
        ``granule`` steps, which bounds the number of batch shapes), so little
        of what the network processes is padding. Rows are then served in
        :attr:`order` (by length, with some randomness while training).
    granule : int, default=1
        Batch lengths are multiples of it (or ``X``'s full length).
    n_classes : int, optional
        Serve the targets as class probabilities (one-hot rows of this many
        classes, float32) rather than codes: the form mixup needs, for its
        batches and for the validation batches alike.
    mixup : float, optional
        With ``rng`` and ``n_classes``: each training series is mixed with
        another of its batch, ``lam * x + (1 - lam) * x_other`` and the same
        for their class probabilities, ``lam`` drawn per series from
        ``Beta(mixup, mixup)`` and folded to at least 0.5 (the series keeps
        most of itself, and its length: where the other series is shorter,
        it is left unmixed). Sample weights are the series' own.
    shift : float, default=0.0
        Serve every series moved in time by this fraction of its length
        (rounded to whole steps), the value at the edge it leaves repeated:
        the transform of the ``"shift"`` augmentation, for prediction on
        shifted copies of the series (test-time augmentation). Padding stays
        padding.

    Attributes
    ----------
    order : ndarray of int
        The rows in the order the batches serve them (this epoch).
    padding_fraction : float
        With ``lengths``: the fraction of the time steps in the batches planned
        so far (one plan per epoch) that are padding.
    """

    #: Spread of the random factor on the lengths by which training batches
    #: are grouped: series of similar lengths, in a new grouping every epoch.
    LENGTH_NOISE = 0.1
    #: Training batches of near-equal sizes (``n`` rows in ``ceil(n /
    #: batch_size)`` batches differing by at most one row) rather than full
    #: batches and a remainder: 20 series in batches of 16 give 10 and 10, not
    #: 16 and a batch of 4 whose BatchNorm statistics and gradient are noisy.
    #: Chosen inside the training splits (``benchmarks/panel_study``, stop 33);
    #: False restores the former batches, for that study's comparisons.
    EVEN_SIZES = True

    def __init__(
        self,
        X,
        y,
        sample_weight,
        index,
        batch_size,
        rng=None,
        lengths=None,
        granule=1,
        n_classes=None,
        mixup=None,
        shift=0.0,
    ):
        super().__init__()
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.index = np.asarray(index)
        self.batch_size = int(batch_size)
        self.rng = rng
        self.lengths = lengths
        self.granule = max(int(granule), 1)
        self.n_classes = n_classes
        self.mixup = mixup
        self.shift = float(shift)
        # Its own stream, so that a fit without mixup shuffles as before.
        self._mix_rng = None
        if mixup is not None and rng is not None and n_classes is not None:
            self._mix_rng = np.random.default_rng(rng.integers(2**63))
        self._planned = [0, 0]  # padding steps, all steps
        self._plans = 0
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(len(self.index) / self.batch_size)

    @property
    def padding_fraction(self):
        padding, total = self._planned
        return padding / total if total else 0.0

    def on_epoch_end(self):
        if self.lengths is not None:
            self.batches = self._batches_by_length()
        else:
            order = self.index if self.rng is None else self.rng.permutation(self.index)
            self.batches = self._split(order)
        self.order = np.concatenate(self.batches) if self.batches else self.index
        self._plans += 1

    def _batches_by_length(self):
        """Batches of series of similar lengths.

        The first plan (and every plan without ``rng``) sorts by the true
        lengths and serves the shortest batch first and the longest second:
        Keras reads the shape of the data from the first two batches, and a
        time axis of one fixed length there would refuse every other length.
        Later training plans sort by randomly perturbed lengths and serve the
        batches in a random order.
        """
        key = self.lengths[self.index].astype(float)
        noisy = self.rng is not None and self._plans > 0
        if noisy:
            key = key * np.exp(self.rng.uniform(-1, 1, len(key)) * self.LENGTH_NOISE)
        order = self.index[np.argsort(key, kind="stable")]
        batches = self._split(order)
        sizes = [self._batch_length(rows) for rows in batches]
        steps = sum(len(rows) * size for rows, size in zip(batches, sizes, strict=True))
        if noisy:
            batches = [batches[i] for i in self.rng.permutation(len(batches))]
        elif len(batches) > 2:
            # Sorted by length, the last batch is the longest (or ties with
            # it: when every batch rounds to one length, argmax would pick
            # the first and serve it twice).
            rest = batches[1:-1]
            if self.rng is not None:
                rest = [rest[i] for i in self.rng.permutation(len(rest))]
            batches = [batches[0], batches[-1], *rest]
        self._planned[0] += steps - int(self.lengths[self.index].sum())
        self._planned[1] += steps
        return batches

    def _split(self, order):
        """``order`` cut into ``len(self)`` batches of consecutive rows."""
        if self.EVEN_SIZES and self.rng is not None and len(order):
            return np.array_split(order, len(self))
        if self.lengths is not None:
            # The smaller batch (if any) first: it may hold the shortest series.
            first = len(order) - (len(self) - 1) * self.batch_size
            return np.split(order, list(range(first, len(order), self.batch_size)))
        return [
            order[start : start + self.batch_size]
            for start in range(0, len(order), self.batch_size)
        ]

    def __getitem__(self, i):
        rows = self.batches[i]
        if self.rng is not None:
            # Sorted rows read the big array in memory order; the order
            # within a training batch does not matter to the loss.
            rows = np.sort(rows)
        x = self.X[rows]
        if self.lengths is not None:
            x = x[:, : self._batch_length(rows)]
        if self.shift:
            x = self._shifted(x, rows)
        if self.y is None:
            return (x,)
        y = self.y[rows]
        if self.n_classes is not None:
            y = np.eye(self.n_classes, dtype=np.float32)[y]
            if self._mix_rng is not None and len(rows) > 1:
                x, y = self._mix(x, y)
        batch = (x, y)
        if self.sample_weight is not None:
            batch += (self.sample_weight[rows],)
        return batch

    def _mix(self, x, y):
        """Mixup of a batch: each series with a random other of the batch."""
        lam = self._mix_rng.beta(self.mixup, self.mixup, len(x)).astype(np.float32)
        lam = np.maximum(lam, 1.0 - lam)
        other = self._mix_rng.permutation(len(x))
        x_other = x[other]
        # NaN of the other series (its padding) leave the series unmixed
        # there; the series' own padding stays NaN.
        x_other = np.where(np.isnan(x_other), x, x_other)
        x = lam[:, None, None] * x + (1.0 - lam)[:, None, None] * x_other
        y = lam[:, None] * y + (1.0 - lam)[:, None] * y[other]
        return x.astype(np.float32, copy=False), y

    def _shifted(self, x, rows):
        """``x`` (the series ``rows``), each moved by ``shift`` of its length."""
        steps = x.shape[1]
        if self.lengths is not None:
            length = np.minimum(self.lengths[rows], steps)
        else:
            # Batches of the full padded length (networks that take only the
            # fitted length): each series still moves within its own length.
            length = series_lengths(x)
        length = length[:, None]
        t = np.arange(steps)[None, :]
        moved = np.clip(t + np.rint(self.shift * length).astype(int), 0, length - 1)
        index = np.where(t < length, moved, t)
        return np.take_along_axis(x, index[:, :, None], axis=1)

    def _batch_length(self, rows):
        longest = int(self.lengths[rows].max())
        return min(-(-longest // self.granule) * self.granule, self.X.shape[1])
