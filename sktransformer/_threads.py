"""Sizing TensorFlow's thread pools so parallel workers share the cores.

TensorFlow starts one intra-op pool per process sized to *all* cores. Under
``GridSearchCV(n_jobs=k)`` every worker would then run ``k`` x cores threads on
the same cores. joblib's loky backend (and Dask's ``nthreads``-aware workers)
announce the share of each worker the standard way, by setting
``OMP_NUM_THREADS`` in the worker's environment (joblib: ``cpu_count // n_jobs``);
TensorFlow ignores that variable, so we read it and size TensorFlow's pools.

TensorFlow fixes its pools when its runtime starts (the first operation in the
process); after that they cannot change, and :func:`configure_threads` says so
when an explicit request cannot be honoured.
"""

from __future__ import annotations

import os
import warnings

import keras

__all__ = ["configure_threads", "threads_from_environment"]


def threads_from_environment() -> int | None:
    """The per-process thread budget announced by the environment, if any."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    try:
        n = int(value.split(",")[0])
    except ValueError:
        return None
    return n if n >= 1 else None


def configure_threads(n_threads: int | None) -> int | None:
    """Size TensorFlow's intra- and inter-op pools; return the size in effect.

    Parameters
    ----------
    n_threads : int or None
        Threads for this process; None derives them from the environment
        (:func:`threads_from_environment`), and leaves TensorFlow's default
        (all cores) when the environment says nothing.

    Returns
    -------
    int or None
        The intra-op pool size now configured (None: TensorFlow's default, or
        another Keras backend, where this does nothing).
    """
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    threading = tf.config.threading
    wanted = threads_from_environment() if n_threads is None else n_threads
    current = threading.get_intra_op_parallelism_threads() or None
    if wanted is None or wanted == current:
        return current
    try:
        threading.set_intra_op_parallelism_threads(wanted)
        threading.set_inter_op_parallelism_threads(wanted)
    except RuntimeError:
        # The runtime has started: its pools are fixed for this process.
        if n_threads is not None:
            warnings.warn(
                f"n_threads={n_threads} cannot take effect: TensorFlow already "
                "runs in this process with "
                f"{current or 'its default number of'} threads. It applies when the "
                "fit is the first TensorFlow work of a process, as in joblib's "
                "and Dask's worker processes.",
                RuntimeWarning,
                stacklevel=4,
            )
        return current
    return wanted
