"""Exact, fast self-attention for a residual stream of width one.

In the seed network every encoder block applies
``keras.layers.MultiHeadAttention(key_dim=256, num_heads=4)(x, x)`` to a tensor
of shape ``(batch, timepoints, 1)``. With a single input channel the
query/key/value projections are affine in one scalar per time step, so the
layer collapses, *exactly*, to scalar arithmetic per head:

* query and key: ``q_i = x_i wq + bq`` and ``k_j = x_j wk + bk`` (vectors of
  ``key_dim``), so the score ``q_i . k_j / sqrt(key_dim)`` equals
  ``s_i x_j`` plus terms that do not depend on ``j`` (which the softmax
  cancels), with ``s_i = a x_i + c``, ``a = wq . wk / sqrt(key_dim)`` and
  ``c = bq . wk / sqrt(key_dim)``;
* value and output: ``out_i = bo + sum_h (wv.wo)_h E_hi + (bv.wo)_h R_hi`` with
  ``E_hi = sum_j p_hij x_j`` and ``R_hi = sum_j p_hij`` (``R = 1`` without
  attention dropout).

:class:`ScalarSelfAttention` holds exactly the weights of the equivalent
``MultiHeadAttention`` (same shapes, names, paths and order, so
``layer.set_weights(mha.get_weights())`` works both ways) and computes the same
function, attention-probability dropout included, with ``O(T^2)`` scalar work
per head instead of ``O(T^2 key_dim)``. Its gradients are closed-form
(:func:`keras.ops.custom_gradient`), so no ``T x T`` Jacobian is formed.

Pure Keras 3 (``keras.ops``/``keras.random``/``keras.layers``): no backend is
imported here. Closed-form gradients need a backend with
:func:`keras.ops.custom_gradient` (TensorFlow, JAX).
"""

from __future__ import annotations

import math
from fractions import Fraction

import keras
from keras import ops

__all__ = ["ScalarSelfAttention"]

# Random bits a float32 ``keras.random.uniform`` sample carries (23 mantissa
# bits on TensorFlow and JAX, 24 on PyTorch): several attention heads can
# share one sample when the dropout rate is a dyadic fraction (see
# ``_dropout_plan``).
_UNIFORM_BITS = 23
# Largest number of bits one Bernoulli draw may use in the packed scheme.
_MAX_BITS_PER_DRAW = 8


def _dropout_plan(rate, num_heads):
    """How to draw the attention-dropout mask.

    Parameters
    ----------
    rate : float
        Drop probability, in ``(0, 1)``.
    num_heads : int
        Number of attention heads.

    Returns
    -------
    bits : int or None
        ``k`` such that ``rate * 2**k`` is an integer (``k <= 8``), or None when
        ``rate`` is not such a dyadic fraction.
    heads_per_sample : int
        Number of heads whose keep/drop decisions come from one uniform sample
        (disjoint groups of ``bits`` bits of it); 1 when ``bits`` is None.
    """
    frac = Fraction(rate).limit_denominator(2**_MAX_BITS_PER_DRAW)
    denominator = frac.denominator
    if float(frac) != float(rate) or denominator & (denominator - 1):
        return None, 1
    bits = max(1, denominator.bit_length() - 1)
    return bits, max(1, min(num_heads, _UNIFORM_BITS // bits))


def _row_max(s, lo, hi):
    """``max_j s_i x_j`` in closed form (``lo``/``hi``: min/max of ``x``)."""
    return ops.where(s >= 0, s * hi, s * lo)


def _exp_scores(s, xc):
    """Unnormalised attention weights ``exp(s_i x_j - max_j s_i x_j)``.

    Parameters
    ----------
    s : tensor of shape (batch, heads, T)
        Query-side slope of the scores.
    xc : tensor of shape (batch, T)
        Key-side values (centred series).

    Returns
    -------
    e : tensor of shape (batch, heads, T, T)
        Entries in ``(0, 1]``; every row holds a 1.
    """
    lo = ops.min(xc, axis=-1)[:, None, None]
    hi = ops.max(xc, axis=-1)[:, None, None]
    m = _row_max(s, lo, hi)
    ones = ops.ones_like(xc)
    # One broadcast matmul with inner size 2 forms s_i * x_j - m_i.
    lhs = ops.stack([s, -m], axis=-1)  # (B, H, T, 2)
    rhs = ops.stack([xc, ones], axis=-2)[:, None]  # (B, 1, 2, T)
    return ops.exp(ops.matmul(lhs, rhs))


def _moments(xc, order):
    """``[1, x, x^2, ...]`` up to ``order`` as a (batch, 1, T, order + 1) tensor."""
    cols = [ops.ones_like(xc), xc]
    if order >= 2:
        cols.append(xc * xc)
    return ops.stack(cols[: order + 1], axis=-1)[:, None]


def _contract_rows(weights, vectors):
    """``sum_{h, i} weights[b, h, i, j] * vectors[b, h, i, k]`` -> (B, T, k)."""
    return ops.einsum("bhij,bhik->bjk", weights, vectors)


@ops.custom_gradient
def _attend(s, xc):
    """Centred attention mean ``E_c[b, h, i] = sum_j p_hij xc_j`` (no dropout).

    ``p_hi = softmax_j(s_hi * xc_j)``. Closed-form gradients::

        dE_i/ds_i = Var_{p_i}(x),  dE_i/dx_j = p_ij (1 + s_i (x_j - E_i)).
    """
    e = _exp_scores(s, xc)
    stats = ops.matmul(e, _moments(xc, 2))  # (B, H, T, 3)
    z = stats[..., 0]
    inv_z = 1.0 / z
    mean = stats[..., 1] * inv_z

    def grad(*args, upstream=None):
        g = args[0] if upstream is None else upstream
        var = stats[..., 2] * inv_z - mean * mean
        gz = g * inv_z
        coefs = ops.stack([gz * (1.0 - s * mean), gz * s], axis=-1)
        acc = _contract_rows(e, coefs)  # (B, T, 2)
        return g * var, acc[..., 0] + xc * acc[..., 1]

    return mean, grad


@ops.custom_gradient
def _attend_dropout(s, xc, keep, keep_scale):
    """Attention with dropout on the probabilities: ``(E_c, R)``.

    ``p~_hij = p_hij * keep_hij * keep_scale`` with ``p_hi`` as in
    :func:`_attend`; ``E_c = sum_j p~_ij xc_j`` and ``R = sum_j p~_ij``.
    ``keep`` (0/1) and ``keep_scale`` (``1 / (1 - rate)``) get no gradient.
    """
    e = _exp_scores(s, xc)
    kept = e * keep
    full = ops.matmul(e, _moments(xc, 1))  # (B, H, T, 2)
    part = ops.matmul(kept, _moments(xc, 2))  # (B, H, T, 3)
    inv_z = 1.0 / full[..., 0]
    mean_full = full[..., 1] * inv_z
    scaled_inv_z = keep_scale * inv_z
    r = part[..., 0] * scaled_inv_z
    mean = part[..., 1] * scaled_inv_z

    def grad(*args, upstream=None):
        g_mean, g_r = args if upstream is None else upstream
        second = part[..., 2] * scaled_inv_z
        g_s = g_mean * (second - mean * mean_full) + g_r * (mean - r * mean_full)
        coefs = ops.stack(
            [scaled_inv_z * (g_mean + s * g_r), scaled_inv_z * s * g_mean], axis=-1
        )
        acc = _contract_rows(kept, coefs)  # (B, T, 2)
        correction = s * inv_z * (g_mean * mean + g_r * r)
        acc_full = _contract_rows(e, correction[..., None])[..., 0]  # (B, T)
        g_xc = acc[..., 0] + xc * acc[..., 1] - acc_full
        return g_s, g_xc, ops.zeros_like(keep), ops.zeros_like(keep_scale)

    return (mean, r), grad


class _ProjectionWeights(keras.layers.Layer):
    """Holds one projection's kernel and bias (named like ``EinsumDense``'s).

    Never called: :class:`ScalarSelfAttention` reads the variables directly.
    It exists so that the weight paths are ``<layer>/<name>/kernel`` and
    ``<layer>/<name>/bias``, as in ``MultiHeadAttention``.
    """

    def __init__(
        self,
        kernel_shape,
        bias_shape,
        *,
        kernel_initializer,
        bias_initializer,
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.kernel = self.add_weight(
            name="kernel",
            shape=tuple(kernel_shape),
            initializer=kernel_initializer,
            regularizer=kernel_regularizer,
            constraint=kernel_constraint,
        )
        self.bias = self.add_weight(
            name="bias",
            shape=tuple(bias_shape),
            initializer=bias_initializer,
            regularizer=bias_regularizer,
            constraint=bias_constraint,
        )


@keras.saving.register_keras_serializable(package="sktransformer")
class ScalarSelfAttention(keras.layers.Layer):
    """Multi-head self-attention on a width-1 series, computed in closed form.

    Same weights and same function as
    ``keras.layers.MultiHeadAttention(num_heads, key_dim, dropout=dropout)(x, x)``
    on ``x`` of shape ``(batch, T, 1)``, attention-probability dropout included,
    but each head costs ``O(T^2)`` scalar operations instead of
    ``O(T^2 * key_dim)``, with closed-form gradients. See the module docstring
    for the algebra.

    Parameters
    ----------
    num_heads : int
        Number of attention heads.
    key_dim : int
        Size of each head's query and key projections.
    dropout : float, default=0.0
        Drop probability applied, in training, to the ``T x T`` attention
        probabilities (as ``MultiHeadAttention`` does). For dyadic rates
        (``k / 2**b`` with ``b <= 8``, e.g. 0.25 or 0.5) the keep/drop bits of
        several heads are cut from one uniform sample (same Bernoulli
        distribution, cheaper); other rates use one sample per probability.
    seed : int, optional
        Seed of the dropout noise.
    value_dim : int, optional
        Size of each head's value projection; defaults to ``key_dim``.
    kernel_initializer, bias_initializer : str or keras.initializers.Initializer
        Initializers of the projection kernels and biases (defaults as in
        ``MultiHeadAttention``: Glorot-uniform kernels, zero biases).
    kernel_regularizer, bias_regularizer : optional
        Regularizers of the projection kernels and biases.
    kernel_constraint, bias_constraint : optional
        Constraints on the projection kernels and biases.
    **kwargs : dict
        Base :class:`keras.layers.Layer` arguments (``name``, ``dtype``...).

    Attributes
    ----------
    query_dense, key_dense, value_dense, output_dense : keras.layers.Layer
        Holders of the projection variables, named ``query``, ``key``,
        ``value`` and ``attention_output``. Their ``kernel``/``bias`` have the
        shapes of ``MultiHeadAttention``'s: ``(1, num_heads, key_dim)`` and
        ``(num_heads, key_dim)`` for query and key, ``(1, num_heads,
        value_dim)`` and ``(num_heads, value_dim)`` for value,
        ``(num_heads, value_dim, 1)`` and ``(1,)`` for the output.

    Notes
    -----
    Called as ``layer(x, training=None)`` on ``x`` of shape
    ``(batch, T, 1)``; returns the same shape. Keras masks are not supported.

    The weights (``layer.weights``) come in ``MultiHeadAttention``'s order::

        query/kernel, query/bias, key/kernel, key/bias,
        value/kernel, value/bias, attention_output/kernel, attention_output/bias

    so ``layer.set_weights(mha.get_weights())`` copies a trained
    ``MultiHeadAttention`` in (and back).

    Examples
    --------
    >>> import numpy as np, keras
    >>> from sktransformer.attention import ScalarSelfAttention
    >>> x = np.random.default_rng(0).normal(size=(2, 16, 1)).astype("float32")
    >>> mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)
    >>> fast = ScalarSelfAttention(num_heads=2, key_dim=8)
    >>> _ = mha(x, x), fast(x)
    >>> fast.set_weights(mha.get_weights())
    >>> bool(np.allclose(fast(x), mha(x, x), rtol=1e-5, atol=1e-6))
    True
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        dropout=0.0,
        seed=None,
        *,
        value_dim=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"`{arg}` must be a positive integer, got {value!r}.")
        if value_dim is not None and (
            not isinstance(value_dim, int)
            or isinstance(value_dim, bool)
            or value_dim <= 0
        ):
            raise ValueError(
                f"`value_dim` must be a positive integer or None, got {value_dim!r}."
            )
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"`dropout` must be in [0, 1), got {dropout!r}.")
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim if value_dim else key_dim
        self.dropout = float(dropout)
        self.seed = seed
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self._dropout_bits, self._heads_per_sample = (
            _dropout_plan(self.dropout, num_heads) if self.dropout > 0 else (None, 1)
        )
        if self.dropout > 0:
            self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = False

    # ------------------------------------------------------------------ #
    # Weights
    # ------------------------------------------------------------------ #
    def _projection(self, name, kernel_shape, bias_shape):
        # Fresh initializer instances per projection, as MultiHeadAttention
        # does, so that seeded initializers do not repeat values.
        def clone(initializer):
            return initializer.__class__.from_config(initializer.get_config())

        return _ProjectionWeights(
            kernel_shape,
            bias_shape,
            kernel_initializer=clone(self.kernel_initializer),
            bias_initializer=clone(self.bias_initializer),
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy,
            name=name,
        )

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] != 1:
            raise ValueError(
                "ScalarSelfAttention expects inputs of shape (batch, timepoints, 1),"
                f" got {tuple(input_shape)}."
            )
        heads, kdim, vdim = self.num_heads, self.key_dim, self.value_dim
        # Same creation order as MultiHeadAttention: query, key, value, output.
        self._query_dense = self._projection("query", (1, heads, kdim), (heads, kdim))
        self._key_dense = self._projection("key", (1, heads, kdim), (heads, kdim))
        self._value_dense = self._projection("value", (1, heads, vdim), (heads, vdim))
        self._output_dense = self._projection(
            "attention_output", (heads, vdim, 1), (1,)
        )

    @property
    def query_dense(self):
        return self._query_dense

    @property
    def key_dense(self):
        return self._key_dense

    @property
    def value_dense(self):
        return self._value_dense

    @property
    def output_dense(self):
        return self._output_dense

    def collapsed_parameters(self):
        """Per-head scalars the layer actually uses.

        Returns
        -------
        slope, offset : tensors of shape (num_heads,)
            ``a = wq . wk / sqrt(key_dim)`` and ``c = bq . wk / sqrt(key_dim)``:
            the score of query ``i`` against key ``j`` is ``(a x_i + c) x_j``
            up to terms constant in ``j``.
        value_gain, value_offset : tensors of shape (num_heads,)
            ``wv . wo`` and ``bv . wo``.
        output_bias : scalar tensor
            The output projection's bias.
        """
        dtype = self.compute_dtype
        wq = ops.cast(self._query_dense.kernel[0], dtype)  # (H, d)
        wk = ops.cast(self._key_dense.kernel[0], dtype)
        bq = ops.cast(self._query_dense.bias, dtype)
        # The key bias only adds terms constant along each softmax row: it
        # does not change the output and its gradient is exactly zero (as in
        # MultiHeadAttention, up to rounding). Keep it in the graph so that
        # optimizers see a zero gradient rather than None.
        bk_zero = ops.sum(ops.cast(self._key_dense.bias, dtype)) * 0.0
        wv = ops.cast(self._value_dense.kernel[0], dtype)  # (H, dv)
        bv = ops.cast(self._value_dense.bias, dtype)
        wo = ops.cast(self._output_dense.kernel[..., 0], dtype)  # (H, dv)
        bo = ops.cast(self._output_dense.bias[0], dtype)
        scale = 1.0 / math.sqrt(float(self.key_dim))
        slope = ops.sum(wq * wk, axis=-1) * scale
        offset = ops.sum(bq * wk, axis=-1) * scale + bk_zero
        return slope, offset, ops.sum(wv * wo, axis=-1), ops.sum(bv * wo, axis=-1), bo

    # ------------------------------------------------------------------ #
    # Forward pass
    # ------------------------------------------------------------------ #
    def _keep_mask(self, batch_size, timepoints):
        """Sample the 0/1 keep mask of the attention probabilities.

        Parameters
        ----------
        batch_size, timepoints : int or scalar tensor

        Returns
        -------
        tensor of shape (batch_size, num_heads, timepoints, timepoints)
            Independent Bernoulli(``1 - dropout``) entries, as 0.0/1.0.
        """
        heads, dtype = self.num_heads, self.compute_dtype
        if self._dropout_bits is None:
            noise = keras.random.uniform(
                (batch_size, heads, timepoints, timepoints),
                dtype="float32",
                seed=self.seed_generator,
            )
            return ops.cast(noise >= self.dropout, dtype)
        # Dyadic rate r = t / 2**k: head g of a group reads bits
        # [k g, k (g + 1)) of one 23-bit uniform u, and keeps its entry iff
        # frac(u * 2**(k g)) >= r, i.e. iff those k bits, as an integer, are
        # >= t: a Bernoulli(1 - r) draw, independent across heads.
        per = self._heads_per_sample
        groups = -(-heads // per)
        noise = keras.random.uniform(
            (batch_size, groups, 1, timepoints, timepoints),
            dtype="float32",
            seed=self.seed_generator,
        )
        shifts = ops.convert_to_tensor(
            [float(2 ** (self._dropout_bits * g)) for g in range(per)], "float32"
        )
        shifted = noise * ops.reshape(shifts, (1, 1, per, 1, 1))
        keep = (shifted - ops.floor(shifted)) >= self.dropout
        keep = ops.reshape(
            ops.cast(keep, dtype), (batch_size, groups * per, timepoints, timepoints)
        )
        return keep if groups * per == heads else keep[:, :heads]

    def call(self, inputs, training=None):
        x = ops.cast(inputs, self.compute_dtype)[..., 0]  # (B, T)
        slope, offset, value_gain, value_offset, output_bias = (
            self.collapsed_parameters()
        )
        # Query side: s_hi = a_h x_i + c_h. Key side: the softmax over j is
        # invariant to shifting x_j, so keys (and values) are centred per
        # series for accuracy; the mean is added back through R.
        s = slope[None, :, None] * x[:, None, :] + offset[None, :, None]
        x_mean = ops.mean(x, axis=-1, keepdims=True)  # (B, 1)
        xc = x - x_mean
        if training and self.dropout > 0:
            shape = ops.shape(x)
            keep = self._keep_mask(shape[0], shape[1])
            keep_scale = ops.convert_to_tensor(
                1.0 / (1.0 - self.dropout), self.compute_dtype
            )
            mean_c, mass = _attend_dropout(s, xc, keep, keep_scale)
            # E = E_c + mean(x) R, out = sum_h gain_h E_h + offset_h R_h.
            mean = mean_c + x_mean[:, :, None] * mass
            out = ops.einsum("bht,h->bt", mean, value_gain) + ops.einsum(
                "bht,h->bt", mass, value_offset
            )
        else:
            mean_c = _attend(s, xc)
            out = ops.einsum("bht,h->bt", mean_c, value_gain) + (
                ops.sum(value_offset) + ops.sum(value_gain) * x_mean
            )
        return (out + output_bias)[..., None]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "key_dim": self.key_dim,
                "dropout": self.dropout,
                "seed": self.seed,
                "value_dim": self.value_dim,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(
                    self.kernel_regularizer
                ),
                "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": keras.constraints.serialize(
                    self.kernel_constraint
                ),
                "bias_constraint": keras.constraints.serialize(self.bias_constraint),
            }
        )
        return config
