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

__all__ = ["ScalarSelfAttention", "AttentionProjections"]

# Random bits drawn per integer sample for the dropout mask: one
# ``keras.random.randint(..., 0, 2**30)`` word holds the keep/drop bits of
# several attention probabilities when the dropout rate is a dyadic fraction
# (see ``_dropout_plan``).
_WORD_BITS = 30
# Largest number of bits one Bernoulli draw may use in the packed scheme.
_MAX_BITS_PER_DRAW = 8


def _dropout_plan(rate):
    """How to draw the attention-dropout mask.

    Parameters
    ----------
    rate : float
        Drop probability, in ``(0, 1)``.

    Returns
    -------
    bits : int or None
        Smallest ``k`` such that ``rate * 2**k`` is an integer (``k <= 8``), or
        None when ``rate`` is not such a dyadic fraction.
    slots : int
        Number of independent keep/drop decisions cut from one random word:
        ``30 // bits`` (disjoint groups of ``bits`` bits), 1 when ``bits`` is
        None.
    """
    frac = Fraction(rate).limit_denominator(2**_MAX_BITS_PER_DRAW)
    denominator = frac.denominator
    if float(frac) != float(rate) or denominator & (denominator - 1):
        return None, 1
    bits = max(1, denominator.bit_length() - 1)
    return bits, _WORD_BITS // bits


def _map_nested(fn, values):
    """Apply ``fn`` to the leaves of a list (of lists) of ints."""
    if isinstance(values, list):
        return [_map_nested(fn, v) for v in values]
    return fn(values)


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
        Entries in ``(0, 1]``; each row holds an exact 1, where ``x`` peaks
        (``hi`` for ``s_i >= 0``, else ``lo``).
    lo, hi : tensors of shape (batch, 1)
        The series' min and max.
    """
    lo = ops.min(xc, axis=-1, keepdims=True)
    hi = ops.max(xc, axis=-1, keepdims=True)
    # One broadcast matmul with inner size 2 forms s_i x_j - max_j s_i x_j
    # = max(s_i, 0) (x_j - hi) + min(s_i, 0) (x_j - lo) <= 0 (one term is 0).
    lhs = ops.stack([ops.maximum(s, 0.0), ops.minimum(s, 0.0)], axis=-1)
    rhs = ops.stack([xc - hi, xc - lo], axis=-2)[:, None]  # (B, 1, 2, T)
    return ops.exp(ops.matmul(lhs, rhs)), lo, hi


def _moments(xc, lo, hi, order):
    """Columns ``1`` and ``(x - c)^p``, ``p = 1..order``, for ``c = hi, 0, lo``.

    Returns a (batch, 1, T, 1 + 3 order) tensor, e.g. ``[1, x - hi,
    (x - hi)^2, x, x^2, x - lo, (x - lo)^2]`` for ``order=2``; see
    :class:`_Frame`.
    """
    cols = [ops.ones_like(xc)]
    for d in (xc - hi, xc, xc - lo):
        cols += [d, d * d][:order]
    return ops.stack(cols, axis=-1)[:, None]


class _Frame:
    """Per-row reference point for moments: the one of ``hi``, 0, ``lo``
    nearest to the row's attention mean ``mean``.

    Central moments computed as ``E[(x - c)^2] - E[x - c]^2`` lose accuracy
    when ``E[x] - c`` is large against the spread: taking ``c`` at the peak
    of a sharp row (``hi`` or ``lo``) or at the series mean (0, centred) for a
    flat one keeps the cancellation small in both regimes.
    """

    def __init__(self, mean, lo, hi):
        lo, hi = lo[:, :, None], hi[:, :, None]
        self.masks = (mean > 0.5 * hi, None, mean < 0.5 * lo)
        use_hi, _, use_lo = self.masks
        self.center = ops.where(use_hi, hi, ops.where(use_lo, lo, ops.zeros_like(mean)))

    def moment(self, stats, order, p):
        """``sum_j w_ij (x_j - c_i)^p`` from ``stats`` of :func:`_moments`."""
        use_hi, _, use_lo = self.masks
        hi_, mid, lo_ = (stats[..., 1 + r * order + p - 1] for r in range(3))
        return ops.where(use_hi, hi_, ops.where(use_lo, lo_, mid))

    def split(self, values):
        """``values`` masked to the rows of each reference (hi, 0, lo)."""
        use_hi, _, use_lo = self.masks
        zeros = ops.zeros_like(values)
        on_hi = ops.where(use_hi, values, zeros)
        on_lo = ops.where(use_lo, values, zeros)
        return [on_hi, values - on_hi - on_lo, on_lo]


def _contract_rows(weights, coefs):
    """``sum_{h, i} coefs[b, k, h, i] * weights[b, h, i, j]`` -> (B, k, T).

    A row-vector matmul ``(k, H T) @ (H T, T)`` per series: it streams through
    ``weights`` in memory order (much faster than contracting over the
    leading axes of ``weights`` with an einsum, which transposes it).
    """
    shape = ops.shape(weights)
    batch, heads, rows, cols = shape[0], shape[1], shape[2], shape[3]
    k = ops.shape(coefs)[1]
    return ops.matmul(
        ops.reshape(coefs, (batch, k, heads * rows)),
        ops.reshape(weights, (batch, heads * rows, cols)),
    )


def _combine(acc, xc, lo, hi):
    """``acc[0] + (x - hi) acc[1] + x acc[2] + (x - lo) acc[3]``."""
    return acc[:, 0] + (xc - hi) * acc[:, 1] + xc * acc[:, 2] + (xc - lo) * acc[:, 3]


@ops.custom_gradient
def _attend(s, xc):
    """Centred attention mean ``E_c[b, h, i] = sum_j p_hij xc_j`` (no dropout).

    ``p_hi = softmax_j(s_hi * xc_j)``. Closed-form gradients::

        dE_i/ds_i = Var_{p_i}(x),  dE_i/dx_j = p_ij (1 + s_i (x_j - E_i)),

    with moments about a per-row reference point (see :class:`_Frame`).
    """
    e, lo, hi = _exp_scores(s, xc)
    stats = ops.matmul(e, _moments(xc, lo, hi, 2))  # (B, H, T, 7)
    inv_z = 1.0 / stats[..., 0]
    mean = stats[..., 3] * inv_z

    def grad(*args, upstream=None):
        g = args[0] if upstream is None else upstream
        frame = _Frame(mean, lo, hi)
        d1 = frame.moment(stats, 2, 1) * inv_z  # E_i - c_i
        var = frame.moment(stats, 2, 2) * inv_z - d1 * d1
        gz = g * inv_z
        # 1 + s_i (x_j - E_i) = (1 - s_i d1_i) + s_i (x_j - c_i).
        coefs = ops.stack([gz * (1.0 - s * d1), *frame.split(gz * s)], axis=1)
        acc = _contract_rows(e, coefs)  # (B, 4, T)
        return g * var, _combine(acc, xc, lo, hi)

    return mean, grad


def _attend_dropout(s, xc, keep, keep_scale):
    """Attention with dropout on the probabilities: ``(E_c, R)``.

    ``p~_hij = p_hij * keep_hij * keep_scale`` with ``p_hi`` as in
    :func:`_attend`; ``E_c = sum_j p~_ij xc_j`` and ``R = sum_j p~_ij``.
    ``keep`` (keep codes, shape (B, H, T, T): 0 to drop, >= 1 to keep; see
    ``ScalarSelfAttention._keep_mask``) and ``keep_scale`` (``1 / (1 - rate)``,
    a Python float) are constants of the custom gradient (closed over, not
    arguments, so no gradient is formed for them and ``keep`` is freed once
    applied). With ``y_j = x_j - c_i`` (:class:`_Frame`) and
    ``P_i = sum_j p_ij y_j``::

        dR_i/ds_i = sum_j p~_ij (y_j - P_i)
        dE_i/ds_i = sum_j p~_ij y_j (y_j - P_i) + c_i dR_i/ds_i
        dE_i/dx_j = p~_ij (1 + s_i x_j) - s_i p_ij E_i
        dR_i/dx_j = s_i (p~_ij - p_ij R_i)
    """

    @ops.custom_gradient
    def attend(s, xc):
        e, lo, hi = _exp_scores(s, xc)
        # e <= 1 and keep is 0 or >= 1: the minimum is e where kept, else 0.
        kept = ops.minimum(e, keep)
        full = ops.matmul(e, _moments(xc, lo, hi, 1))  # (B, H, T, 4)
        part = ops.matmul(kept, _moments(xc, lo, hi, 2))  # (B, H, T, 7)
        inv_z = 1.0 / full[..., 0]
        scaled_inv_z = keep_scale * inv_z
        r = part[..., 0] * scaled_inv_z
        mean = part[..., 3] * scaled_inv_z

        def grad(*args, upstream=None):
            grads = args if upstream is None else upstream
            # TensorFlow passes one upstream gradient per output; JAX passes
            # a single tuple.
            g_mean, g_r = grads[0] if len(grads) == 1 else grads
            frame = _Frame(full[..., 2] * inv_z, lo, hi)
            c = frame.center
            y_full = frame.moment(full, 1, 1) * inv_z
            y1 = frame.moment(part, 2, 1) * scaled_inv_z
            y2 = frame.moment(part, 2, 2) * scaled_inv_z
            d_r = y1 - r * y_full
            g_s = g_mean * (y2 - y1 * y_full + c * d_r) + g_r * d_r
            base = scaled_inv_z * (g_mean * (1.0 + s * c) + s * g_r)
            coefs = ops.stack(
                [base, *frame.split(scaled_inv_z * s * g_mean)], axis=1
            )  # (B, 4, H, T)
            acc = _contract_rows(kept, coefs)  # (B, 4, T)
            correction = s * inv_z * (g_mean * mean + g_r * r)
            acc_full = _contract_rows(e, correction[:, None])  # (B, 1, T)
            return g_s, _combine(acc, xc, lo, hi) - acc_full[:, 0]

        return (mean, r), grad

    return attend(s, xc)


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
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
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


class AttentionProjections:
    """The public projections of an attention layer, as ``MultiHeadAttention``'s.

    ``query_dense``, ``key_dense``, ``value_dense`` and ``output_dense``: the
    layers :func:`~sktransformer.network.iter_layers` visits (so that
    :func:`~sktransformer._seeding.seed_network` redraws their weights). The
    layer sets ``_query_dense`` and the others in ``build``.
    """

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


@keras.saving.register_keras_serializable(package="sktransformer")
class ScalarSelfAttention(AttentionProjections, keras.layers.Layer):
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
        several probabilities are cut from one random 30-bit word (the same
        independent Bernoulli draws, fewer random numbers); other rates use one
        uniform sample per probability, compared with the rate as Keras'
        ``Dropout`` does (on TensorFlow, with the same ``seed``, these are the
        very masks ``MultiHeadAttention`` draws).
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
    >>> from sktransformer.network.attention import ScalarSelfAttention
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
        self._dropout_bits, self._dropout_slots = (
            _dropout_plan(self.dropout) if self.dropout > 0 else (None, 1)
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
        """Sample the keep/drop decisions of the attention probabilities.

        Parameters
        ----------
        batch_size, timepoints : int or scalar tensor

        Returns
        -------
        tensor of shape (batch_size, num_heads, timepoints, timepoints)
            Keep codes: 0 where the probability is dropped, a value >= 1
            where it is kept (independently, with probability
            ``1 - dropout``). The unnormalised weights are at most 1, so
            ``minimum(weights, codes)`` applies the mask.
        """
        heads, dtype, rate = self.num_heads, self.compute_dtype, self.dropout
        bits, slots = self._dropout_bits, self._dropout_slots
        if bits is None:
            noise = keras.random.uniform(
                (batch_size, heads, timepoints, timepoints),
                dtype="float32",
                seed=self.seed_generator,
            )
            return ops.cast(noise >= rate, dtype)
        # Dyadic rate r = t / 2**k: a uniform 30-bit random word holds
        # `slots` disjoint k-bit fields; field n is kept iff its bits, read as
        # an integer, are >= t (probability 1 - r, independently across
        # fields), i.e. iff (word & (2**k - 1) << k n) >= t << k n. Fields go
        # to (head, column block) pairs, or to heads in groups when there are
        # more heads than fields.
        field = 2**bits - 1
        threshold = int(round(rate * 2**bits))
        if slots >= heads and isinstance(timepoints, int):
            # Column blocks that divide T: no trimming copy afterwards.
            blocks = max(b for b in range(1, slots // heads + 1) if timepoints % b == 0)
            width = timepoints // blocks
            words = keras.random.randint(
                (batch_size, 1, timepoints, 1, width),
                0,
                2**_WORD_BITS,
                dtype="int32",
                seed=self.seed_generator,
            )
            offsets = [
                [bits * (h + heads * b) for b in range(blocks)] for h in range(heads)
            ]
            target = (1, heads, 1, blocks, 1)
            shape = (batch_size, heads, timepoints, timepoints)
        else:
            per = min(slots, heads)
            groups = -(-heads // per)
            words = keras.random.randint(
                (batch_size, groups, 1, timepoints, timepoints),
                0,
                2**_WORD_BITS,
                dtype="int32",
                seed=self.seed_generator,
            )
            offsets = [bits * n for n in range(per)]
            target = (1, 1, per, 1, 1)
            shape = (batch_size, groups * per, timepoints, timepoints)

        def table(values):
            return ops.reshape(ops.convert_to_tensor(values, "int32"), target)

        fields = ops.bitwise_and(
            words, table(_map_nested(lambda o: field << o, offsets))
        )
        if threshold == 1:
            # Keep iff the field is nonzero: the masked word itself is a keep
            # code (0, or >= 1), one comparison fewer.
            keep = ops.cast(fields, dtype)
        else:
            thresholds = table(_map_nested(lambda o: threshold << o, offsets))
            keep = ops.cast(fields >= thresholds, dtype)
        keep = ops.reshape(keep, shape)
        if shape[1] != heads:
            keep = keep[:, :heads]
        return keep

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
            mean_c, mass = _attend_dropout(s, xc, keep, 1.0 / (1.0 - self.dropout))
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
