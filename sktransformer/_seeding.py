"""Seeding: the one place that turns ``random_state`` into reproducible fits.

A fit is reproducible when everything random in it comes from the estimator's
``random_state`` and from nothing the process shares:

- :func:`resolve_seed` turns ``random_state`` (None, an int, a NumPy integer or
  a ``RandomState``) into one integer, as scikit-learn estimators do;
- :func:`seed_network` redraws a built network's random initial weights and
  restarts its random generators (dropout, stochastic depth, augmentation)
  from that integer, through public Keras attributes only;
- :func:`isolated_build` builds a network without leaving a trace in
  Python's global ``random`` module, from which Keras draws default seeds.

The minibatch order and the validation hold-out come from NumPy generators
made from the same integer (see the estimator). Nothing else is seeded: no
global seed is set, TensorFlow's op determinism is never switched on, so
seeded fits in several threads of one process neither disturb each other nor
leave anything behind.
"""

from __future__ import annotations

import contextlib
import random
import threading

import keras
import numpy as np
from sklearn.utils import check_random_state

from .network import iter_layers

__all__ = [
    "resolve_seed",
    "seed_network",
    "isolated_build",
    "generator_states",
    "restore_generator_states",
    "MAX_SEED",
]

#: Seeds are drawn in [0, MAX_SEED).
MAX_SEED = 2**31 - 1

#: (initializer attribute, weight attribute) pairs that :func:`seed_network`
#: redraws, on every layer that has them.
_RANDOM_WEIGHTS = (
    ("kernel_initializer", "kernel"),
    ("bias_initializer", "bias"),
    ("embedding_initializer", "embedding"),
)

_BUILD_LOCK = threading.Lock()

#: The name of a random generator's state variable (Keras' ``SeedGenerator``).
_GENERATOR_STATE = "seed_generator_state"


def resolve_seed(random_state) -> int:
    """One integer seed from a scikit-learn ``random_state``.

    An int (or NumPy integer) is the seed itself; a ``RandomState`` instance
    gives the next integer it draws (so two fits with one instance differ, as
    in scikit-learn); None draws from NumPy's global generator.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer._seeding import resolve_seed
    >>> resolve_seed(np.int64(3))
    3
    >>> rs = np.random.RandomState(0)
    >>> resolve_seed(rs) != resolve_seed(rs)
    True
    """
    if isinstance(random_state, (int, np.integer)) and not isinstance(
        random_state, (bool, np.bool_)
    ):
        return int(random_state)
    return int(check_random_state(random_state).randint(MAX_SEED))


@contextlib.contextmanager
def isolated_build():
    """Build Keras layers without changing Python's global ``random`` state.

    Keras draws a default seed from Python's ``random`` for every initializer
    and random generator created without one; :func:`seed_network` replaces
    all of them afterwards, so the draws only matter as a side effect on the
    caller's ``random``, which this restores. Builds are serialised by a lock
    so that concurrent fits in threads restore each other's state correctly;
    draws another thread makes from ``random`` during a build are undone too.
    """
    with _BUILD_LOCK:
        state = random.getstate()
        try:
            yield
        finally:
            random.setstate(state)


def seed_network(model: keras.Model, seed: int) -> keras.Model:
    """Redraw a model's random initial weights and generators from ``seed``.

    Every randomly initialised weight is drawn again with its own initializer
    and a seed derived from ``seed``, and every random generator (its
    ``seed_generator_state`` variable) restarts from a derived seed: the same
    ``seed`` then gives the same network in any process and thread, whatever
    seeds Keras drew while building it.

    Parameters
    ----------
    model : keras.Model
        A built model; changed in place.
    seed : int
        Non-negative integer.

    Returns
    -------
    keras.Model
        ``model``.
    """
    seeds = np.random.default_rng(seed)

    def next_seed():
        return int(seeds.integers(1, MAX_SEED))

    for layer in iter_layers(model):
        for initializer_name, weight_name in _RANDOM_WEIGHTS:
            initializer = getattr(layer, initializer_name, None)
            weight = getattr(layer, weight_name, None)
            if initializer is None or not isinstance(weight, keras.Variable):
                continue
            config = initializer.get_config()
            if "seed" not in config:  # constant initializers: nothing to redraw
                continue
            seeded = initializer.__class__.from_config({**config, "seed": next_seed()})
            weight.assign(seeded(weight.shape, dtype=weight.dtype))
    for variable in _generator_variables(model):
        dtype = keras.backend.standardize_dtype(variable.dtype)
        variable.assign(np.array([next_seed(), 0]).astype(dtype))
    return model


def _generator_variables(model):
    return [
        v for v in model.non_trainable_variables if v.path.endswith(_GENERATOR_STATE)
    ]


def generator_states(model) -> list:
    """The state of every random generator of ``model``, in the model's order.

    Keras' saving (and so a pickled estimator's network) keeps the weights but
    not where the generators of dropout, stochastic depth and augmentation
    are; a warm fit after unpickling drew other numbers than the same warm
    fit of the original. The estimator's pickle carries these states. (By
    position: the generators' variable paths are numbered per process.)
    """
    return [np.array(v.numpy()) for v in _generator_variables(model)]


def restore_generator_states(model, states) -> None:
    """Put back the states :func:`generator_states` gave, if the model has as many."""
    variables = _generator_variables(model)
    if len(variables) != len(states):
        return
    for variable, state in zip(variables, states, strict=True):
        variable.assign(np.asarray(state).astype(variable.dtype))
