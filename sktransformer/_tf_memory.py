"""Releasing what TensorFlow keeps of every traced training step.

In graph mode, every ``tf.custom_gradient`` registers its gradient function in
TensorFlow's process-wide gradient registry under a unique name
(``CustomGradient-<uid>``) and never removes it; the function's closure holds
the traced graph. Keras' TensorFlow optimizer all-reduces the gradients of
every step (through ``tf.custom_gradient``, even with one replica), and the
fast attention has closed-form gradients: so each fit's traced training step
stayed in memory for the life of the process (about 13 MB a fit on a tiny
network, ``benchmarks/memory_growth.py``).

A registered gradient is only looked up while the step that uses it is being
traced (Keras computes the gradients inside the traced step); afterwards the
entry serves nothing. :func:`released_gradient_registrations` wraps training
and, when the last of the fits running in this process finishes, removes the
entries registered since the first of them began. The registry is a private
TensorFlow attribute: without it (another backend, another TensorFlow),
nothing is done (tested both ways).
"""

from __future__ import annotations

import contextlib
import threading

import keras

__all__ = ["released_gradient_registrations"]

_PREFIX = "CustomGradient-"
_LOCK = threading.Lock()
_state = {"active": 0, "before": frozenset()}


def _gradient_registry():
    """TensorFlow's gradient registry dict, or None where there is none."""
    if keras.backend.backend() != "tensorflow":
        return None
    try:
        from tensorflow.python.framework import ops
    except ImportError:  # pragma: no cover - TensorFlow backend without TF
        return None
    registry = getattr(getattr(ops, "gradient_registry", None), "_registry", None)
    return registry if isinstance(registry, dict) else None


@contextlib.contextmanager
def released_gradient_registrations():
    """Drop the custom-gradient registrations made while the block ran.

    Concurrent fits in threads share one window: entries are removed only when
    no fit of this package is running, so no trace in progress loses its
    gradient. (TensorFlow code outside this package that traces custom
    gradients in another thread at that very moment could; none of ours does.)
    """
    registry = _gradient_registry()
    if registry is None:
        yield
        return
    with _LOCK:
        if _state["active"] == 0:
            _state["before"] = frozenset(registry)
        _state["active"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _state["active"] -= 1
            if _state["active"] == 0:
                stale = [
                    name
                    for name in list(registry)
                    if name.startswith(_PREFIX) and name not in _state["before"]
                ]
                for name in stale:
                    registry.pop(name, None)
