"""Keras callbacks the estimator adds to ``fit`` (pure Keras, no scikit-learn).

- :class:`WarmupCosineDecay`: the learning-rate schedule. A callback rather than
  a ``LearningRateSchedule`` because the number of steps is only known once
  ``fit`` has its data (after the validation hold-out): it reads it from
  ``self.params`` and sets the optimizer's learning rate before every batch.
- :class:`AtomicModelCheckpoint`: saves the best model so far to one ``.keras``
  file, atomically (Keras' ``ModelCheckpoint`` writes in place, so a process
  killed mid-save leaves a truncated file).
"""

from __future__ import annotations

import math
import os
import uuid
from pathlib import Path

import keras
import numpy as np

__all__ = ["AtomicModelCheckpoint", "WarmupCosineDecay", "warmup_cosine"]

#: The cosine ends at this fraction of the peak learning rate.
FINAL_RATIO = 0.01


def warmup_cosine(progress, warmup, learning_rate, final_ratio=FINAL_RATIO):
    """Learning rate at ``progress`` (in [0, 1]) of training.

    Linear warm-up from 0 to ``learning_rate`` over the first ``warmup``
    fraction, then a half cosine down to ``final_ratio * learning_rate``.

    Examples
    --------
    >>> from sktransformer.callbacks import warmup_cosine
    >>> warmup_cosine(0.05, warmup=0.1, learning_rate=1.0)
    0.5
    >>> warmup_cosine(1.0, warmup=0.1, learning_rate=1.0)
    0.01
    """
    progress = min(max(progress, 0.0), 1.0)
    if progress < warmup:
        return learning_rate * progress / warmup
    span = 1.0 - warmup
    decayed = 0.0 if span <= 0 else (progress - warmup) / span
    cosine = 0.5 * (1.0 + math.cos(math.pi * decayed))
    return learning_rate * (final_ratio + (1.0 - final_ratio) * cosine)


class WarmupCosineDecay(keras.callbacks.Callback):
    """Per-step linear warm-up then cosine decay of the learning rate.

    Parameters
    ----------
    learning_rate : float
        Peak learning rate, reached at the end of the warm-up.
    warmup_epochs : float, default=0
        Length of the linear warm-up, in epochs.
    final_ratio : float, default=0.01
        The learning rate at the end of training, as a fraction of the peak.
    """

    def __init__(self, learning_rate, warmup_epochs=0, final_ratio=FINAL_RATIO):
        super().__init__()
        self.learning_rate = float(learning_rate)
        self.warmup_epochs = warmup_epochs
        self.final_ratio = final_ratio
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        epochs = self.params.get("epochs") or 1
        steps = self.params.get("steps") or 1
        progress = (self._epoch * steps + min(batch, steps - 1) + 1) / (epochs * steps)
        warmup = min(self.warmup_epochs / epochs, 1.0)
        self.model.optimizer.learning_rate = warmup_cosine(
            progress, warmup, self.learning_rate, self.final_ratio
        )


class AtomicModelCheckpoint(keras.callbacks.Callback):
    """Save the model whenever ``monitor`` improves, atomically.

    The model is written to a temporary file in the same folder and renamed
    over ``filepath`` (``os.replace``), so ``filepath`` always holds a complete
    model, even if the process is killed while saving.

    Parameters
    ----------
    filepath : str or path-like
        Where to keep the model; must end in ``.keras``.
    monitor : str, default="val_loss"
        Quantity to minimise; without it in the logs, every epoch is saved.
    """

    def __init__(self, filepath, monitor="val_loss"):
        super().__init__()
        self.filepath = Path(filepath)
        if self.filepath.suffix != ".keras":
            raise ValueError(f"filepath must end in .keras, got {str(filepath)!r}.")
        self.monitor = monitor
        self.best = np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is not None:
            if not current < self.best:
                return
            self.best = current
        self._save()

    def _save(self):
        folder = self.filepath.parent
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{self.filepath.stem}.{uuid.uuid4().hex}.partial.keras"
        try:
            self.model.save(tmp)
            os.replace(tmp, self.filepath)
        finally:
            if tmp.exists():
                tmp.unlink()
