"""Keras callbacks the estimator adds to ``fit`` (pure Keras, no scikit-learn).

:class:`AtomicModelCheckpoint` saves the best model so far to one ``.keras``
file, atomically (Keras' ``ModelCheckpoint`` writes in place, so a process
killed mid-save leaves a truncated file). :func:`ema_weights_callbacks` make
the callbacks of a fit see the optimizer's moving average of the weights. The
learning-rate schedule is Keras' own ``CosineDecay`` (with its linear warm-up),
built by the estimator once the number of steps is known.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import keras
import numpy as np

__all__ = ["AtomicModelCheckpoint", "ema_weights_callbacks"]


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


def ema_weights_callbacks():
    """Callbacks that give the others the averaged weights of an EMA optimizer.

    With ``use_ema=True`` the optimizer keeps a moving average of the weights,
    and Keras writes it into the model when ``fit`` ends; but validation, and
    every callback that reads or restores weights (``EarlyStopping`` with
    ``restore_best_weights``, checkpoints), sees the raw weights. The first
    callback returned is Keras' ``SwapEMAWeights(swap_on_epoch=True)``: the
    average is in the model for validation and at the end of every epoch. It
    goes before all others; the second goes after all others and, when a
    callback stops training early, keeps the average for the end of ``fit``
    (Keras would write the raw weights back).

    Returns
    -------
    list of keras.callbacks.Callback
        ``[first, last]``.
    """
    swap = keras.callbacks.SwapEMAWeights(swap_on_epoch=True)
    return [swap, _KeepAverageWhenStopped(swap)]


class _KeepAverageWhenStopped(keras.callbacks.Callback):
    def __init__(self, swap):
        super().__init__()
        self.swap = swap

    def on_epoch_end(self, epoch, logs=None):
        # The swap only does this at the last planned epoch.
        if self.model.stop_training and self.swap._ema_weights_in_model:
            self.swap._finalize_ema_values()
