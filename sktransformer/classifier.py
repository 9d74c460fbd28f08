"""The scikit-learn estimator: :class:`TransformerTimeSeriesClassifier`.

It subclasses scikeras' :class:`~scikeras.wrappers.KerasClassifier` and uses its
hooks (``_keras_build_fn``, ``_validate_data``, ``target_encoder``,
``_fit_keras_model``) for what differs from a tabular Keras model: 3D series
input, the seed network built from the fitted shape, a stratified validation
split with early stopping, and the repairs scikeras 0.13 needs under
scikit-learn >= 1.6 (estimator tags, global state left behind by a seeded fit).
"""

from __future__ import annotations

import contextlib
import numbers
import os
import uuid
import warnings
from collections import defaultdict
from numbers import Integral, Real
from pathlib import Path

import keras
import numpy as np
from scikeras.utils.random_state import tensorflow_random_state
from scikeras.utils.transformers import ClassifierLabelEncoder
from scikeras.wrappers import BaseWrapper, KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._tags import ClassifierTags
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    assert_all_finite,
    check_consistent_length,
    check_is_fitted,
)

from ._batches import SeriesBatches
from ._global_state import preserved_global_state
from ._threads import configure_threads
from ._validation import check_series, check_series_shape
from .callbacks import AtomicModelCheckpoint, WarmupCosineDecay
from .layers import AUGMENTATIONS
from .losses import SmoothedSparseCategoricalCrossentropy
from .network import build_transformer_classifier, reseed

__all__ = ["TransformerTimeSeriesClassifier"]


class TransformerTimeSeriesClassifier(KerasClassifier):
    """Transformer classifier for time series, as a scikit-learn estimator.

    The network is the Transformer encoder of the Keras example "Timeseries
    classification with a Transformer model" (pre-norm blocks of multi-head
    self-attention and a position-wise feed-forward layer, global average
    pooling, an MLP head). It is built at ``fit`` from the shape of the series,
    and every default below reproduces the example's recipe.

    Parameters
    ----------
    head_size : int, default=256
        Size of each attention head (``key_dim`` of ``MultiHeadAttention``).
    num_heads : int, default=4
        Number of attention heads.
    ff_dim : int, default=4
        Filters of the feed-forward (1x1 convolution) layer of each block.
    num_transformer_blocks : int, default=4
        Number of encoder blocks.
    mlp_units : tuple of int, default=(128,)
        Widths of the ReLU layers of the classification head.
    dropout : float, default=0.25
        Dropout inside the encoder blocks, in [0, 1).
    mlp_dropout : float, default=0.4
        Dropout in the classification head, in [0, 1).
    learning_rate : float, default=1e-4
        Learning rate of the Adam optimizer.
    batch_size : int, default=64
        Series per gradient step (also used for prediction).
    epochs : int, default=200
        Maximum number of passes over the training series.
    validation_split : float, default=0.2
        Fraction of the training series held out, stratified by class, to
        monitor ``val_loss`` for early stopping. 0 disables the hold-out (early
        stopping then monitors the training loss).
    early_stopping : bool, default=True
        Stop when the monitored loss has not improved for ``patience`` epochs
        and restore the weights of the best epoch.
    patience : int, default=10
        Epochs without improvement before early stopping.
    callbacks : list of keras.callbacks.Callback, default=None
        Extra Keras callbacks for ``fit``.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in scikit-learn.
    warm_start : bool, default=False
        If True, ``fit`` continues training the already fitted network.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, the validation split and
        shuffling. An integer gives reproducible fits; the process' global
        random state is left untouched either way.
    verbose : int, default=0
        Keras' verbosity during ``fit`` and ``predict``.
    data_format : {"channels_last", "channels_first"}, default="channels_last"
        Layout of 3D input: ``(n_series, n_timepoints, n_channels)`` (Keras'
        layout) or ``(n_series, n_channels, n_timepoints)`` (sktime's and
        aeon's). 2D input is always ``(n_series, n_timepoints)``.
    fast_attention : bool, default=True
        For univariate series (the seed's attention reads a width-1 stream),
        compute attention with :class:`~sktransformer.attention.ScalarSelfAttention`:
        exactly MultiHeadAttention's weights and function in closed form, several
        times faster. ``False`` uses Keras' ``MultiHeadAttention``, for comparison.
    augmentation : sequence of {"roll", "reverse", "negate"} or None, \
            default=None
        Random transforms of the training series, drawn afresh every batch
        (never at prediction): ``"roll"`` shifts each series circularly by a
        random offset, ``"reverse"`` reverses time and ``"negate"`` flips the
        sign of a random half of the series. Use only those that keep the
        class of your series.
    tokenizer : {"none", "patch", "conv"}, default="none"
        How series become tokens: every time step (the seed), windows of
        ``patch_size`` steps linearly embedded, or a convolutional stem (one
        stride-2 Conv1D + BatchNorm + GELU per entry of ``stem_filters``).
    embed_dim : int or None, default=None
        Token width (the residual stream). None: the raw channels for
        ``tokenizer="none"``, 64 otherwise.
    patch_size : int, default=16
        Window length of ``tokenizer="patch"``.
    patch_stride : int or None, default=None
        Step between patches (None: ``patch_size // 2``).
    stem_filters : tuple of int, default=(32, 64, 128)
        Filters of the stem's stages for ``tokenizer="conv"``; each stage
        halves the number of tokens.
    stem_kernel_size : int, default=7
        Kernel length of the stem's convolutions.
    position_embedding : {"none", "learned", "sinusoidal"}, default="none"
        Position embedding added to the tokens.
    attention_dropout : float or None, default=None
        Dropout on the attention probabilities (None: ``dropout``).
    norm_first : bool, default=True
        Pre-norm blocks (the seed) or post-norm blocks.
    ff_activation : {"relu", "gelu", "silu"}, default="relu"
        Activation of the blocks' feed-forward layers.
    drop_path : float, default=0.0
        Stochastic depth: probability, growing linearly to this value in the
        last block, of skipping a residual branch for a series while training.
    final_norm : bool, default=False
        LayerNorm after the last block.
    pooling : {"channels", "tokens"}, default="channels"
        Average the encoder's output over its channel axis, one feature per
        token (the seed), or over its tokens, one feature per channel.
    weight_decay : float, default=0.0
        Decoupled weight decay of the optimizer (Adam becomes AdamW).
    clipnorm : float or None, default=None
        Clip each gradient to this norm.
    lr_schedule : {"constant", "cosine"}, default="constant"
        Learning rate over training: constant, or a per-step cosine decay to
        1% of ``learning_rate`` over ``epochs``.
    warmup_epochs : float, default=0
        Epochs of linear warm-up from 0 to ``learning_rate`` (either schedule).
    label_smoothing : float, default=0.0
        Label smoothing of the cross-entropy loss, in [0, 1).
    ema_momentum : float or None, default=None
        If set, the optimizer keeps an exponential moving average of the
        weights with this momentum, and the fitted network holds the average.
    n_threads : int or None, default=None
        Threads of TensorFlow's pools in the fitting process. None: the
        process' share announced by the environment (``OMP_NUM_THREADS``,
        which joblib sets to ``cores // n_jobs`` in its workers, so that a
        parallel search does not oversubscribe the cores), else TensorFlow's
        default (all cores). TensorFlow fixes its pools when it starts: this
        applies when the fit is the process' first TensorFlow work (as in a
        worker), and warns otherwise.
    checkpoint_dir : str, path-like or None, default=None
        If set, the best model so far (by the early-stopping quantity) is
        saved after each improving epoch to a ``.keras`` file unique to the
        fit in this folder (``checkpoint_path_``), atomically: parallel
        workers never share a file and a killed process leaves no partial one.

    Attributes
    ----------
    model_ : keras.Model
        The fitted network.
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    n_classes_ : int
        Number of classes.
    n_timepoints_in_ : int
        Length of the series seen during ``fit``.
    n_channels_in_ : int
        Number of channels of the series seen during ``fit``.
    n_features_in_ : int
        Same as ``n_timepoints_in_`` (scikit-learn counts ``X.shape[1]``).
    history_ : dict of str to list of float
        Per-epoch training (and validation) loss and accuracy.
    checkpoint_path_ : str
        The fit's checkpoint file (only with ``checkpoint_dir``).

    Notes
    -----
    If ``fit`` raises an exception (bad input, a failing callback...), the
    estimator is left unfitted. If training is interrupted by
    ``KeyboardInterrupt`` (Ctrl-C), the interrupt is re-raised but the
    estimator stays usable: the network keeps the best weights seen so far
    (by the early-stopping quantity, else the last ones) and ``history_`` the
    completed epochs. Either way the process' global random and determinism
    state is restored.

    See Also
    --------
    sktransformer.network.build_transformer_classifier : The Keras network.
    sktransformer.preprocessing.TimeSeriesStandardScaler : Per-series scaling.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransformer import TransformerTimeSeriesClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 16, 1))
    >>> y = np.where(X[:, :8, 0].mean(axis=1) > 0, "up", "down")
    >>> clf = TransformerTimeSeriesClassifier(
    ...     head_size=8, num_heads=2, num_transformer_blocks=1, mlp_units=(8,),
    ...     epochs=2, random_state=0)
    >>> clf.fit(X, y).predict_proba(X[:3]).shape
    (3, 2)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    """

    _parameter_constraints: dict = {
        "head_size": [Interval(Integral, 1, None, closed="left")],
        "num_heads": [Interval(Integral, 1, None, closed="left")],
        "ff_dim": [Interval(Integral, 1, None, closed="left")],
        "num_transformer_blocks": [Interval(Integral, 0, None, closed="left")],
        "mlp_units": [list, tuple],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "mlp_dropout": [Interval(Real, 0, 1, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "callbacks": [list, tuple, keras.callbacks.Callback, None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "data_format": [StrOptions({"channels_last", "channels_first"})],
        "fast_attention": ["boolean"],
        "augmentation": [list, tuple, None],
        "tokenizer": [StrOptions({"none", "patch", "conv"})],
        "embed_dim": [Interval(Integral, 1, None, closed="left"), None],
        "patch_size": [Interval(Integral, 1, None, closed="left")],
        "patch_stride": [Interval(Integral, 1, None, closed="left"), None],
        "stem_filters": [list, tuple],
        "stem_kernel_size": [Interval(Integral, 1, None, closed="left")],
        "position_embedding": [StrOptions({"none", "learned", "sinusoidal"})],
        "attention_dropout": [Interval(Real, 0, 1, closed="left"), None],
        "norm_first": ["boolean"],
        "ff_activation": [StrOptions({"relu", "gelu", "silu"})],
        "drop_path": [Interval(Real, 0, 1, closed="left")],
        "final_norm": ["boolean"],
        "pooling": [StrOptions({"channels", "tokens"})],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "clipnorm": [Interval(Real, 0, None, closed="neither"), None],
        "lr_schedule": [StrOptions({"constant", "cosine"})],
        "warmup_epochs": [Interval(Real, 0, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "ema_momentum": [Interval(Real, 0, 1, closed="neither"), None],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "checkpoint_dir": [str, os.PathLike, None],
    }

    def __init__(
        self,
        *,
        head_size=256,
        num_heads=4,
        ff_dim=4,
        num_transformer_blocks=4,
        mlp_units=(128,),
        dropout=0.25,
        mlp_dropout=0.4,
        learning_rate=1e-4,
        batch_size=64,
        epochs=200,
        validation_split=0.2,
        early_stopping=True,
        patience=10,
        callbacks=None,
        class_weight=None,
        warm_start=False,
        random_state=None,
        verbose=0,
        data_format="channels_last",
        fast_attention=True,
        augmentation=None,
        tokenizer="none",
        embed_dim=None,
        patch_size=16,
        patch_stride=None,
        stem_filters=(32, 64, 128),
        stem_kernel_size=7,
        position_embedding="none",
        attention_dropout=None,
        norm_first=True,
        ff_activation="relu",
        drop_path=0.0,
        final_norm=False,
        pooling="channels",
        weight_decay=0.0,
        clipnorm=None,
        lr_schedule="constant",
        warmup_epochs=0,
        label_smoothing=0.0,
        ema_momentum=None,
        n_threads=None,
        checkpoint_dir=None,
    ):
        # Stored untouched, as scikit-learn requires; validated in ``fit``.
        # (scikeras' own __init__ is not called: it would add parameters such as
        # ``model``, ``optimizer`` and ``loss`` that this estimator fixes.)
        self.head_size = head_size
        self.num_heads = num_heads
        self.ff_dim = ff_dim
        self.num_transformer_blocks = num_transformer_blocks
        self.mlp_units = mlp_units
        self.dropout = dropout
        self.mlp_dropout = mlp_dropout
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.callbacks = callbacks
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.data_format = data_format
        self.fast_attention = fast_attention
        self.augmentation = augmentation
        self.tokenizer = tokenizer
        self.embed_dim = embed_dim
        self.patch_size = patch_size
        self.patch_stride = patch_stride
        self.stem_filters = stem_filters
        self.stem_kernel_size = stem_kernel_size
        self.position_embedding = position_embedding
        self.attention_dropout = attention_dropout
        self.norm_first = norm_first
        self.ff_activation = ff_activation
        self.drop_path = drop_path
        self.final_norm = final_norm
        self.pooling = pooling
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.lr_schedule = lr_schedule
        self.warmup_epochs = warmup_epochs
        self.label_smoothing = label_smoothing
        self.ema_momentum = ema_momentum
        self.n_threads = n_threads
        self.checkpoint_dir = checkpoint_dir

    # ------------------------------------------------------------------ #
    # scikit-learn contract repairs
    # ------------------------------------------------------------------ #
    def __sklearn_tags__(self):
        # scikeras 0.13 declares its tags through the pre-1.6 ``_more_tags`` and
        # inherits ``BaseEstimator`` before ``ClassifierMixin``, so under
        # scikit-learn >= 1.6 it reports no estimator type at all.
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(multi_class=True, multi_label=False)
        tags.regressor_tags = None
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = False
        return tags

    def __repr__(self, N_CHAR_MAX=700):
        # scikit-learn's compact repr (only non-default parameters) instead of
        # scikeras' one-line-per-parameter listing.
        return BaseEstimator.__repr__(self, N_CHAR_MAX=N_CHAR_MAX)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    # ------------------------------------------------------------------ #
    # Validation
    # ------------------------------------------------------------------ #
    def _validate_hyperparameters(self):
        self._validate_params()
        name = type(self).__name__
        for param in ("mlp_units", "stem_filters"):
            units = getattr(self, param)
            if not all(
                isinstance(u, numbers.Integral) and not isinstance(u, bool) and u >= 1
                for u in units
            ):
                raise ValueError(
                    f"The {param!r} parameter of {name} must be a tuple of "
                    f"positive ints. Got {units!r} instead."
                )
        augmentation = self.augmentation or ()
        unknown = [a for a in augmentation if a not in AUGMENTATIONS]
        if unknown:
            raise ValueError(
                f"The 'augmentation' parameter of {name} must be None or a tuple "
                f"of names from {AUGMENTATIONS}. Got {self.augmentation!r} instead."
            )

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        """scikeras hook: validate series and labels, record or check shapes."""
        if X is not None:
            X, input_ndim = check_series(X, return_input_ndim=True)
            if input_ndim == 3 and self.data_format == "channels_first":
                X = X.transpose(0, 2, 1)
            if reset:
                _warn_if_layout_looks_transposed(self, X, input_ndim)
                self.n_timepoints_in_, self.n_channels_in_ = X.shape[1:]
                self.n_features_in_ = X.shape[1]
                self.X_dtype_ = X.dtype
            else:
                check_series_shape(
                    X,
                    (self.n_timepoints_in_, self.n_channels_in_),
                    type(self).__name__,
                )
        if y is not None:
            y = column_or_1d(y, warn=True)
            if y.dtype.kind in "fc":
                assert_all_finite(y, input_name="y")
            check_classification_targets(y)
            if X is not None:
                check_consistent_length(X, y)
            if reset:
                known = getattr(self, "classes_", None)
                n_classes = len(np.unique(y)) if known is None else len(known)
                if n_classes < 2:
                    raise ValueError(
                        f"{type(self).__name__} needs samples of at least 2 classes "
                        f"in the data, but the data contains only one class: "
                        f"{np.unique(y)[0]!r}."
                    )
        return X, y

    @property
    def target_encoder(self):
        """scikeras hook: labels -> ordinal codes for the softmax output."""
        categories = "auto" if self.classes_ is None else [self.classes_]
        return ClassifierLabelEncoder(
            loss="sparse_categorical_crossentropy", categories=categories
        )

    # ------------------------------------------------------------------ #
    # Network
    # ------------------------------------------------------------------ #
    def _check_model_param(self):
        # scikeras hook: this estimator always builds its own network.
        return self._keras_build_fn

    def _keras_build_fn(self, meta):
        model = build_transformer_classifier(
            (meta["n_timepoints_in_"], meta["n_channels_in_"]),
            n_classes=meta["n_classes_"],
            head_size=self.head_size,
            num_heads=self.num_heads,
            ff_dim=self.ff_dim,
            num_transformer_blocks=self.num_transformer_blocks,
            mlp_units=tuple(self.mlp_units),
            dropout=self.dropout,
            mlp_dropout=self.mlp_dropout,
            fast_attention=self.fast_attention,
            augmentation=tuple(self.augmentation or ()),
            tokenizer=self.tokenizer,
            embed_dim=self.embed_dim,
            patch_size=self.patch_size,
            patch_stride=self.patch_stride,
            stem_filters=tuple(self.stem_filters),
            stem_kernel_size=self.stem_kernel_size,
            position_embedding=self.position_embedding,
            attention_dropout=self.attention_dropout,
            norm_first=self.norm_first,
            ff_activation=self.ff_activation,
            drop_path=self.drop_path,
            final_norm=self.final_norm,
            pooling=self.pooling,
        )
        seed = getattr(self, "_random_state", None)
        if seed is not None:
            # Seeds from random_state alone, not from Python's global `random`
            # (which other threads, e.g. a Dask worker's, advance meanwhile).
            reseed(model, seed)
        if self.label_smoothing > 0:
            loss = SmoothedSparseCategoricalCrossentropy(self.label_smoothing)
        else:
            loss = keras.losses.SparseCategoricalCrossentropy()
        # Keras' AdamW is Adam with decoupled weight decay.
        optimizer_class = (
            keras.optimizers.AdamW if self.weight_decay > 0 else keras.optimizers.Adam
        )
        model.compile(
            optimizer=optimizer_class(
                learning_rate=self.learning_rate,
                weight_decay=self.weight_decay or None,
                clipnorm=self.clipnorm,
                use_ema=self.ema_momentum is not None,
                ema_momentum=self.ema_momentum or 0.99,
            ),
            loss=loss,
            metrics=["accuracy"],
        )
        _build_training_state(model, meta)
        return model

    # ------------------------------------------------------------------ #
    # Training
    # ------------------------------------------------------------------ #
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build the network for the series' shape and train it.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timepoints, n_channels) or \
                (n_series, n_timepoints)
            Training series; 2D input is taken as univariate.
        y : array-like of shape (n_series,)
            Class labels of any kind (ints, strings...).
        sample_weight : array-like of shape (n_series,), default=None
            Per-series weights in the loss.
        **kwargs : dict
            Passed to ``keras.Model.fit`` (prefer the estimator's parameters).

        Returns
        -------
        self : TransformerTimeSeriesClassifier
            The fitted estimator.
        """
        self._validate_hyperparameters()
        _require_y(self, y)
        configure_threads(self.n_threads)
        # KerasClassifier.fit is bypassed: it multiplies the caller's
        # sample_weight array in place by the class weights. Class weights are
        # applied in ``_fit_keras_model`` instead, on a copy.
        self.classes_ = None
        try:
            return BaseWrapper.fit(self, X, y, sample_weight=sample_weight, **kwargs)
        except Exception:
            self._forget_fit()
            raise

    def _forget_fit(self):
        """Leave the estimator unfitted: drop every fitted attribute."""
        for name in [n for n in vars(self) if n.endswith("_") and n[:1] != "_"]:
            delattr(self, name)

    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train for one epoch, building the network on the first call.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timepoints[, n_channels])
        y : array-like of shape (n_series,)
        classes : array-like of shape (n_classes,), default=None
            All classes; needed on the first call if ``y`` lacks some.
        sample_weight : array-like of shape (n_series,), default=None
        **kwargs : dict
            Passed to ``keras.Model.fit``.

        Returns
        -------
        self : TransformerTimeSeriesClassifier
        """
        self._validate_hyperparameters()
        _require_y(self, y)
        configure_threads(self.n_threads)
        self.classes_ = (
            np.asarray(classes)
            if classes is not None
            else getattr(self, "classes_", None)
        )
        return BaseWrapper.partial_fit(
            self, X, y, sample_weight=sample_weight, **kwargs
        )

    def _fit(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        # With a seed, scikeras seeds the global generators around building and
        # fitting; this block puts the caller's global random and determinism
        # state back afterwards. Without a seed nothing is seeded, and the global
        # generators simply advance, as with any unseeded estimator.
        with self._global_state_guard():
            super()._fit(
                X,
                y,
                sample_weight=sample_weight,
                warm_start=warm_start,
                epochs=epochs,
                initial_epoch=initial_epoch,
                **kwargs,
            )

    def initialize(self, X, y):
        """Build the network without training it (see scikeras)."""
        self._validate_hyperparameters()
        configure_threads(self.n_threads)
        with self._global_state_guard():
            self.classes_ = None
            BaseWrapper.initialize(self, X, y)
        return self

    def _global_state_guard(self):
        if self.random_state is None:
            return contextlib.nullcontext()
        return preserved_global_state()

    def _fit_keras_model(
        self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
    ):
        """scikeras hook: stratified hold-out, batches, callbacks, Keras' fit.

        Replaces scikeras' version, which hands whole arrays to Keras (copied
        by TensorFlow, and once more by a hold-out split): batches are
        gathered from the caller's array by index instead.
        """
        if self.class_weight is not None:
            weights = self._class_sample_weight(y)
            sample_weight = (
                weights if sample_weight is None else sample_weight * weights
            )
        seed = self._random_state
        rng = np.random.default_rng(seed)
        monitor = "loss"
        train_index = np.arange(len(y))
        if self.validation_split > 0 and "validation_data" not in kwargs:
            train_index, val_index = self._holdout(y, rng)
            kwargs["validation_data"] = SeriesBatches(
                X, y, sample_weight, val_index, self.batch_size
            )
            monitor = "val_loss"
        train = SeriesBatches(X, y, sample_weight, train_index, self.batch_size, rng)

        callbacks = list(self._fit_callbacks)
        if self.lr_schedule != "constant" or self.warmup_epochs > 0:
            callbacks.append(
                WarmupCosineDecay(
                    self.learning_rate,
                    warmup_epochs=self.warmup_epochs,
                    final_ratio=1.0 if self.lr_schedule == "constant" else 0.01,
                )
            )
        stopper = None
        if self.early_stopping:
            stopper = keras.callbacks.EarlyStopping(
                monitor=monitor, patience=self.patience, restore_best_weights=True
            )
            callbacks.append(stopper)
        if self.checkpoint_dir is not None:
            unique = f"{type(self).__name__}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
            self.checkpoint_path_ = str(Path(self.checkpoint_dir) / f"{unique}.keras")
            callbacks.append(AtomicModelCheckpoint(self.checkpoint_path_, monitor))

        for name in ("batch_size", "shuffle", "validation_split", "sample_weight"):
            kwargs.pop(name, None)  # the batches carry all of these
        fit_args = {
            "epochs": initial_epoch + epochs,
            "initial_epoch": initial_epoch,
            "verbose": self.verbose,
            "callbacks": callbacks,
            # The batches reshuffle themselves, from the seed; Keras' own
            # shuffling of their order would use Python's global random.
            "shuffle": False,
            **kwargs,
        }
        # As scikeras does: with a seed, TensorFlow's global seed and op
        # determinism are set for the fit (and put back by our guard).
        seeded = (
            contextlib.nullcontext() if seed is None else tensorflow_random_state(seed)
        )
        try:
            with seeded:
                history = self.model_.fit(train, **fit_args)
        except KeyboardInterrupt:
            if stopper is not None and stopper.best_weights is not None:
                self.model_.set_weights(stopper.best_weights)
            self._record_history(self.model_.history, warm_start, initial_epoch)
            raise
        self._record_history(history, warm_start, initial_epoch)

    def _record_history(self, history, warm_start, initial_epoch):
        """Append the epochs of a Keras ``History`` to ``history_``."""
        if not warm_start or not hasattr(self, "history_") or initial_epoch == 0:
            self.history_ = defaultdict(list)
        for key, values in getattr(history, "history", {}).items():
            self.history_[key] += list(values)

    def _class_sample_weight(self, y_codes):
        """Per-series weights from ``class_weight`` (y is encoded as codes)."""
        class_weight = self.class_weight
        if isinstance(class_weight, dict):
            unknown = set(class_weight) - set(self.classes_.tolist())
            if unknown:
                raise ValueError(
                    f"class_weight names classes {sorted(unknown, key=str)} that are "
                    f"not in the training labels {self.classes_.tolist()}."
                )
            class_weight = {
                code: class_weight.get(label, 1.0)
                for code, label in enumerate(self.classes_.tolist())
            }
        return compute_sample_weight(class_weight, y_codes).astype(np.float32)

    def _holdout(self, y, rng):
        """Row indices of a stratified ``validation_split`` hold-out."""
        try:
            return train_test_split(
                np.arange(len(y)),
                test_size=self.validation_split,
                stratify=y,
                random_state=np.random.RandomState(rng.integers(2**31)),
            )
        except ValueError as exc:
            counts = dict(zip(*np.unique(y, return_counts=True), strict=True))
            raise ValueError(
                f"validation_split={self.validation_split} cannot hold out a "
                f"stratified validation set from {len(y)} series with class "
                f"counts {counts} (codes in classes_ order): every class needs "
                "at least 2 series and the validation set at least one series "
                "per class. Use more data, a larger validation_split, or "
                f"validation_split=0 to train without a hold-out. ({exc})"
            ) from None

    # ------------------------------------------------------------------ #
    # Prediction
    # ------------------------------------------------------------------ #
    def predict_proba(self, X, **kwargs):
        """Class probabilities of each series.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timepoints[, n_channels])
            Series of the shape seen during ``fit``.
        **kwargs : dict
            Passed to ``keras.Model.predict``.

        Returns
        -------
        ndarray of shape (n_series, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        X, _ = self._validate_data(X)
        X = self.feature_encoder_.transform(X)
        # Batches gathered from X: Keras would copy a whole array first.
        batches = SeriesBatches(X, None, None, np.arange(len(X)), self.batch_size)
        kwargs = {"verbose": self.verbose, **kwargs}
        kwargs.pop("batch_size", None)
        proba = self.model_.predict(batches, **kwargs)
        return np.asarray(proba).reshape(-1, self.n_classes_)

    def predict(self, X, **kwargs):
        """Most probable class of each series.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timepoints[, n_channels])
            Series of the shape seen during ``fit``.
        **kwargs : dict
            Passed to ``keras.Model.predict``.

        Returns
        -------
        ndarray of shape (n_series,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X, **kwargs)
        return self.classes_[np.argmax(proba, axis=1)]


def _build_training_state(model, meta):
    """Create the optimizer's and metrics' variables now, outside any trace.

    Left to the first training step, TensorFlow creates them inside the traced
    step, and those traces (about 20 MB a fit) outlive the model, even
    ``keras.backend.clear_session()``. Keras builds eagerly this way itself
    under a distribution strategy (``Trainer._symbolic_build``, from symbolic
    shapes only); without that method, the optimizer alone is built.
    """
    symbolic_build = getattr(model, "_symbolic_build", None)
    if symbolic_build is None:
        model.optimizer.build(model.trainable_variables)
        return
    x = np.zeros((1, meta["n_timepoints_in_"], meta["n_channels_in_"]), np.float32)
    y = np.zeros((1,), np.float32)
    symbolic_build(data_batch=(x, y, None))


def _require_y(estimator, y):
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y "
            "is None."
        )


def _warn_if_layout_looks_transposed(estimator, X, input_ndim):
    n_timepoints, n_channels = X.shape[1:]
    if input_ndim == 3 and n_channels > n_timepoints:
        layouts = {
            "channels_last": "(n_series, n_timepoints, n_channels)",
            "channels_first": "(n_series, n_channels, n_timepoints)",
        }
        other = (
            "channels_first"
            if estimator.data_format == "channels_last"
            else "channels_last"
        )
        warnings.warn(
            f"X is read as {layouts[estimator.data_format]} "
            f"(data_format={estimator.data_format!r}): {n_channels} channels of "
            f"{n_timepoints} time points. If X is laid out as {layouts[other]}, "
            f"pass data_format={other!r}.",
            UserWarning,
            stacklevel=4,
        )
