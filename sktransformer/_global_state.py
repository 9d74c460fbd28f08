"""Snapshot and restore of the process-wide random and determinism state.

scikeras 0.13 seeds Python's, NumPy's and TensorFlow's global generators while it
builds and fits a model with an integer ``random_state`` and restores them after,
but it also switches TensorFlow's op determinism on and, under TensorFlow >= 2.9,
never switches it off again: it sets ``TF_DETERMINISTIC_OPS=1`` *before* asking
whether determinism was enabled, and TensorFlow answers "yes" because of that very
variable. Every later TensorFlow computation in the user's process then runs with
determinism enforced (slower, and some ops refuse to run).

:func:`preserved_global_state` wraps every fit of our estimator so that, whatever
scikeras does inside, the caller's process is left exactly as it was: Python's and
NumPy's global random state, TensorFlow's global seed, Keras' global seed and seed
generator, TensorFlow's op determinism and the ``TF_DETERMINISTIC_OPS`` variable.
"""

from __future__ import annotations

import contextlib
import os
import random

import numpy as np
from keras.src.backend.common import global_state as _keras_global_state

__all__ = ["preserved_global_state", "op_determinism_enabled"]

_KERAS_GLOBAL_ATTRIBUTES = ("global_random_seed", "global_seed_generator")
_DETERMINISM_ENV = "TF_DETERMINISTIC_OPS"


def _tensorflow():
    """TensorFlow's private config/context modules, or None without TensorFlow."""
    try:
        from tensorflow.python.eager import context
        from tensorflow.python.framework import config, ops
    except ImportError:  # e.g. KERAS_BACKEND=jax on a machine without TensorFlow
        return None
    return context, config, ops


def op_determinism_enabled() -> bool:
    """Whether TensorFlow op determinism is switched on (False without TF).

    The ``TF_DETERMINISTIC_OPS`` environment variable also counts, as it does
    for TensorFlow itself.
    """
    tf = _tensorflow()
    if tf is None:
        return False
    return bool(tf[1].is_op_determinism_enabled())


def _tf_global_seed(tf):
    context, _, ops = tf
    if context.executing_eagerly():
        return context.global_seed()
    return ops.get_default_graph().seed


@contextlib.contextmanager
def preserved_global_state():
    """Restore all global random/determinism state on exit, even on error.

    Examples
    --------
    >>> import random
    >>> from sktransformer._global_state import preserved_global_state
    >>> before = random.getstate()
    >>> with preserved_global_state():
    ...     random.seed(0)
    >>> random.getstate() == before
    True
    """
    python_state = random.getstate()
    numpy_state = np.random.get_state()  # noqa: NPY002 (the legacy global)
    keras_attrs = {
        name: _keras_global_state.get_global_attribute(name)
        for name in _KERAS_GLOBAL_ATTRIBUTES
    }
    tf = _tensorflow()
    env_value = os.environ.get(_DETERMINISM_ENV)
    if tf is not None:
        tf_seed = _tf_global_seed(tf)
        # Read the flag with the environment variable out of the way: TensorFlow
        # reports the variable as "enabled", which is the very bug we repair.
        os.environ.pop(_DETERMINISM_ENV, None)
        determinism_was_on = bool(tf[1].is_op_determinism_enabled())
        if env_value is not None:
            os.environ[_DETERMINISM_ENV] = env_value
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)  # noqa: NPY002
        for name, value in keras_attrs.items():
            _keras_global_state.set_global_attribute(name, value)
        if env_value is None:
            os.environ.pop(_DETERMINISM_ENV, None)
        else:
            os.environ[_DETERMINISM_ENV] = env_value
        if tf is not None:
            context, config, _ = tf
            if _tf_global_seed(tf) != tf_seed:
                import tensorflow

                tensorflow.random.set_seed(tf_seed)
            if not determinism_was_on:
                config.disable_op_determinism()
