"""The scikit-learn estimator: :class:`TransformerTimeSeriesClassifier`.

``fit`` reads top to bottom in this module: check the parameters and the
series, encode the labels, build and compile the network
(:mod:`sktransformer.network`), train it on minibatches gathered by index
(:mod:`sktransformer._batches`), record the history. The class subclasses
scikeras' :class:`~scikeras.wrappers.KerasClassifier` (the project's design):
pickling of the fitted Keras model is scikeras'; scikeras' routed parameters
(``optimizer__``, ``fit__``...) and its fit path are not used, because this
estimator builds, compiles and trains one fixed network from its own
parameters. Setting a routed parameter is refused with a clear error.
"""

from __future__ import annotations

import inspect
import math
import os
import uuid
import warnings
from numbers import Integral, Real
from pathlib import Path

import keras
import numpy as np
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import ClassifierTags, check_array, column_or_1d
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
)
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    assert_all_finite,
    check_consistent_length,
    check_is_fitted,
)

from ._batches import SeriesBatches
from ._seeding import (
    generator_states,
    isolated_build,
    resolve_seed,
    restore_generator_states,
    seed_network,
)
from ._tf_memory import released_gradient_registrations
from ._threads import configure_threads
from ._validation import (
    DATA_FORMATS,
    check_params,
    check_series,
    check_series_shape,
    fill_gaps,
    series_lengths,
    to_python,
)
from .network import (
    AUGMENTATIONS,
    NETWORK_OPTIONS,
    POOLINGS,
    POSITION_EMBEDDINGS,
    TOKEN_POOLINGS,
    TOKENIZERS,
    adapt_network,
    build_transformer_classifier,
)
from .network.builder import FF_ACTIVATIONS, INPUT_NORMS
from .network.callbacks import AtomicModelCheckpoint, ema_weights_callbacks
from .network.layers import MAX_SHIFT
from .network.losses import SmoothedSparseCategoricalCrossentropy
from .recommended import AUTO, TrainingSet, resolve_auto

__all__ = ["TransformerTimeSeriesClassifier", "InconsistentPickleWarning"]


class InconsistentPickleWarning(UserWarning):
    """An estimator was unpickled from another version of sktransformer.

    Like scikit-learn's ``InconsistentVersionWarning``: the estimator works,
    with any parameter added since its pickle at its default (which keeps the
    older behaviour); refit it with the current version to be sure.
    """


#: Where ``__getstate__`` records the version of the package that pickled.
_VERSION_KEY = "_sktransformer_version"
#: Where the network's random generators stand, in a pickle (see __getstate__).
_GENERATORS_KEY = "_sktransformer_generator_states"

#: Keyword arguments of ``fit`` that are estimator parameters: refused in
#: ``fit`` with a pointer to ``set_params`` (scikit-learn's convention: fit
#: takes data, the constructor takes settings).
_FIT_KWARGS_THAT_ARE_PARAMETERS = (
    "batch_size",
    "epochs",
    "validation_split",
    "callbacks",
    "class_weight",
    "verbose",
    "shuffle",
    "initial_epoch",
    "steps_per_epoch",
    "validation_steps",
    "validation_freq",
)

#: The prefixes of scikeras' routed parameters (``optimizer__learning_rate``...).
_ROUTED_PREFIXES = (
    "model",
    "fit",
    "predict",
    "compile",
    "optimizer",
    "loss",
    "metrics",
    "callbacks",
)

#: The cosine schedule ends at this fraction of ``learning_rate``.
FINAL_LEARNING_RATE_RATIO = 0.01


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
    batch_size : int or "auto", default=64
        Most series per gradient step (also used for prediction). An epoch's
        ``ceil(n / batch_size)`` steps share the ``n`` training series evenly:
        30 series in batches of 16 train as 15 and 15, not 16 and 14.
        ``"auto"``: from the number of training series, see
        :mod:`sktransformer.recommended`.
    epochs : int or "auto", default=200
        Maximum number of passes over the training series. ``"auto"``: enough
        for a fixed number of optimizer steps, see
        :mod:`sktransformer.recommended`.
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
        If True, ``fit`` continues training the already fitted network. The
        options that shape the network (those of
        :func:`~sktransformer.network.build_transformer_classifier`) and the
        optimizer and loss (``TRAINING_OPTIONS``) cannot change in such a fit:
        it raises a ``ValueError`` naming them. Only ``learning_rate`` may,
        where the optimizer has no schedule. A warm fit that fails puts back
        the model as it was before it.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, augmentation, the validation
        split and shuffling. An integer gives reproducible fits, in any thread
        or process, and leaves the process' global random state (Python's,
        NumPy's, TensorFlow's) untouched. A ``RandomState`` instance is drawn
        from (two fits differ); None draws the seed from NumPy's global
        generator.
    verbose : int, default=0
        Keras' verbosity during ``fit`` and ``predict``.
    data_format : {"channels_last", "channels_first"}, default="channels_last"
        Layout of 3D input: ``(n_series, n_timepoints, n_channels)`` (Keras'
        layout) or ``(n_series, n_channels, n_timepoints)`` (sktime's and
        aeon's). 2D input is always ``(n_series, n_timepoints)``.
    fast_attention : bool, default=True
        For univariate series (the seed's attention reads a width-1 stream),
        compute attention with
        :class:`~sktransformer.network.ScalarSelfAttention`: exactly
        MultiHeadAttention's weights and function in closed form, several
        times faster. Wider streams (multivariate series, or an ``embed_dim``)
        use Keras' ``MultiHeadAttention`` whatever this says. ``False`` uses
        ``MultiHeadAttention`` everywhere, for comparison.
    augmentation : sequence of {"shift", "warp", "scale", "jitter", "roll", \
"reverse", "negate"} or None, default=None
        Random transforms of the training series, drawn afresh every batch
        (never at prediction). ``"shift"`` (up to 10% of the length),
        ``"warp"`` (a stretch or squeeze of time within 10%),
        ``"scale"`` (amplitude, about 20%) and ``"jitter"`` (noise at 5% of each
        series' spread) keep the class of almost any problem; ``"roll"``
        shifts each series circularly by a random offset, ``"reverse"``
        reverses time and ``"negate"`` flips the sign of a random half of the
        series: use these only where they keep the class of your series. See
        :class:`~sktransformer.network.SeriesAugmentation`.
    differences : bool, default=False
        Give the network each channel's first difference (the slope of the
        series) as an extra channel, after augmentation and ``input_norm``
        (the slope of the standardised series, then): a second view of
        the series, as MultiRocket adds to MiniRocket. A network without
        ``embed_dim`` then sees several channels (and uses
        ``MultiHeadAttention``).
    input_norm : {"none", "series", "series+asinh", "auto"}, default="none"
        ``"series"``: the network centres each series per channel and divides
        it by its standard deviation (pooled over its channels, over its own
        time steps, after augmentation), and adds its level and scale as
        constant channels, so series of very different amplitudes all reach
        the network at unit scale without losing their amplitude.
        ``"series+asinh"``: the same, plus each series at its own amplitude,
        log-compressed, as more channels (shape, amplitude and level
        together).
        ``"none"``: the series as given (the seed). ``"auto"``: ``"series"``
        when the training series' scales span orders of magnitude, see
        :mod:`sktransformer.recommended`. See
        :class:`~sktransformer.network.layers.SeriesStandardization`.
    tokenizer : {"none", "patch", "conv"}, default="none"
        How series become tokens: every time step (the seed), windows of
        ``patch_size`` steps linearly embedded, or a convolutional stem (one
        strided Conv1D + BatchNorm + GELU per entry of ``stem_filters``).
    embed_dim : int or None, default=None
        Token width (the residual stream). None: the raw channels for
        ``tokenizer="none"``, 64 otherwise.
    patch_size : int, default=16
        Window length of ``tokenizer="patch"``.
    patch_stride : int or None, default=None
        Step between patches (None: ``patch_size // 2``).
    stem_filters : tuple of int or "auto", default=(32, 64, 128)
        Filters of the stem's stages for ``tokenizer="conv"``; each stage
        divides the number of tokens by ``stem_stride``. ``"auto"``: as many
        stages as keep 8 tokens or more (at least one), see
        :mod:`sktransformer.recommended`.
    stem_kernel_size : int, default=7
        Kernel length of the stem's convolutions.
    stem_stride : int or "auto", default=2
        Stride of each of the stem's convolutions: 2 halves the length at
        every stage, 1 keeps one token per time step. ``"auto"``: 1 for series
        too short to halve once and keep 8 tokens, else 2.
    position_embedding : {"none", "learned", "sinusoidal", "relative"}, \
default="none"
        Position embedding added to the tokens, or ``"relative"``: a learned
        bias per attention head and offset between tokens in every encoder
        block, and no table added to the tokens.
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
    pooling : {"channels", "tokens", "tokens-max"}, default="channels"
        Average the encoder's output over its channel axis, one feature per
        token (the seed), or over its tokens, one feature per channel;
        ``"tokens-max"`` adds the maximum over tokens to the average (two
        features per channel).
    n_members : int or "auto", default=1
        Train this many independent networks (own initial weights, own
        augmentation draws) in one Keras model and average their class
        probabilities: an ensemble, each member minimising its own loss. Fit
        and predict cost grow about linearly with it. ``batch_size`` and
        ``epochs`` apply to every member; ``epochs="auto"`` shares its
        optimizer steps among them, so the fit time stays about the same.
        ``"auto"``: an ensemble of a few networks for small training sets,
        see :mod:`sktransformer.recommended`.
    weight_decay : float, default=0.0
        Decoupled weight decay of the optimizer (Adam becomes AdamW).
    clipnorm : float or None, default=None
        Clip each gradient to this norm.
    lr_schedule : {"constant", "cosine"}, default="constant"
        Learning rate over training: constant, or a per-step cosine decay to
        1% of ``learning_rate`` over ``epochs`` (Keras' ``CosineDecay``). A
        network built by ``initialize`` or first trained by ``partial_fit``
        has a constant rate, which later warm fits keep.
    warmup_epochs : float or "auto", default=0
        Epochs of linear warm-up from 0 to ``learning_rate`` (either schedule;
        Keras' ``CosineDecay`` warm-up). With ``warm_start``, a second ``fit``
        continues the schedule where the first ended. ``"auto"``: 5% of the
        epochs.
    label_smoothing : float, default=0.0
        Label smoothing of the cross-entropy loss, in [0, 1).
    mixup : float or None, default=None
        If set, mixup during training (Zhang et al., 2018): every series of a
        batch is mixed with another series of the batch, ``lam * x + (1 -
        lam) * x_other``, and trained on the same mixture of their classes;
        ``lam`` is drawn per series from ``Beta(mixup, mixup)`` and folded
        to at least 0.5 (0.2 to 0.4 is usual). With unequal lengths a series
        keeps its own length and is left unmixed where the other is shorter.
        A warm fit may change its value but not switch it on or off.
    ema_momentum : float or None, default=None
        If set, the optimizer keeps an exponential moving average of the
        weights with this momentum, and the fitted network holds the average;
        validation, early stopping and ``checkpoint_dir`` see the average too.
    test_time_shifts : int, default=1
        Test-time augmentation: ``predict_proba`` averages the probabilities
        of this many copies of each series, moved in time by evenly spaced
        fractions of its length from -10% to +10% (the range of the
        ``"shift"`` augmentation, with its edge handling; an odd number
        includes the series as given). 1 predicts on the series as given.
        It costs that many forward passes, and suits networks trained with
        ``"shift"``. Used at prediction only: it may be changed after ``fit``.
    n_threads : int or None, default=None
        Threads of TensorFlow's pools in the fitting process. None: the
        process' share announced by the environment (``OMP_NUM_THREADS``,
        which joblib sets to ``cores // n_jobs`` in its workers, so that a
        parallel search does not oversubscribe the cores), else TensorFlow's
        default (all cores). TensorFlow fixes its pools when it starts: this
        applies when the fit is the process' first TensorFlow work (as in a
        worker), and warns otherwise.
    run_eagerly : bool, default=False
        Run the network's training and prediction steps eagerly (Keras'
        ``run_eagerly``: op by op, no compiled graph or ``jit``). Each step is
        slower, but no compilation is paid for and the network's Python code
        can be stepped through in a debugger; for tiny networks trained for a
        few steps (tests, smoke runs) it is the faster mode. The results agree
        with a compiled run's to float rounding. Read at each fit and
        prediction: it may be changed after ``fit``.
    checkpoint_dir : str, path-like or None, default=None
        If set, the best model so far (by the early-stopping quantity) is
        saved after each improving epoch to a ``.keras`` file unique to the
        fit in this folder (``checkpoint_path_``), atomically: parallel
        workers never share a file and a killed process leaves no partial one.
        The folder is created at ``fit``, before training, if missing.

    Attributes
    ----------
    model_ : keras.Model
        The fitted network.
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    n_classes_ : int
        Number of classes.
    n_timepoints_in_ : int
        Length of the (longest) series seen during ``fit``.
    n_channels_in_ : int
        Number of channels of the series seen during ``fit``.
    n_features_in_ : int
        Same as ``n_timepoints_in_`` (scikit-learn counts ``X.shape[1]``).
    unequal_lengths_ : bool
        Whether the training series had unequal lengths: the network then
        masks padding and takes series of other lengths at predict time.
    padding_fraction_ : float
        Fraction of the time steps processed during ``fit`` that were padding
        (0 for equal lengths); batches group series of similar lengths.
    history_ : dict of str to list of float
        Per-epoch training (and validation) loss and accuracy.
    resolved_params_ : dict
        The parameters the fit used: ``get_params()`` with every ``"auto"``
        resolved from the training set (:mod:`sktransformer.recommended`).
    checkpoint_path_ : str
        The fit's checkpoint file (only with ``checkpoint_dir``).

    Notes
    -----
    Series may have unequal lengths (a list of arrays, or NaN-padded at the
    end) and missing values (NaN inside a series, filled by linear
    interpolation at fit and predict alike). With a pooling over tokens a
    network fit on unequal lengths predicts series of any length; with
    ``"channels"`` (the seed) up to the longest seen. Padding is masked
    in every layer (Keras' attention is used then, not ``fast_attention``).

    ``fit`` takes the data only (``X``, ``y``, ``sample_weight`` and
    ``validation_data``); training settings are parameters. scikeras' routed
    parameters (``optimizer__...``, ``fit__...``) are refused by
    ``set_params``.

    A fit whose loss becomes NaN or infinite (unscaled series of huge
    magnitude, too high a learning rate) stops and raises ``ValueError``; a
    prediction whose output is not finite raises too.

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
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({AUTO})],
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({AUTO})],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "callbacks": [list, tuple, keras.callbacks.Callback, None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "data_format": [StrOptions(set(DATA_FORMATS))],
        "fast_attention": ["boolean"],
        "augmentation": [list, tuple, None],
        "differences": ["boolean"],
        "input_norm": [StrOptions(set(INPUT_NORMS) | {AUTO})],
        "tokenizer": [StrOptions(set(TOKENIZERS))],
        "embed_dim": [Interval(Integral, 1, None, closed="left"), None],
        "patch_size": [Interval(Integral, 1, None, closed="left")],
        "patch_stride": [Interval(Integral, 1, None, closed="left"), None],
        "stem_filters": [list, tuple, StrOptions({AUTO})],
        "stem_kernel_size": [Interval(Integral, 1, None, closed="left")],
        "stem_stride": [Interval(Integral, 1, None, closed="left"), StrOptions({AUTO})],
        "position_embedding": [StrOptions(set(POSITION_EMBEDDINGS))],
        "attention_dropout": [Interval(Real, 0, 1, closed="left"), None],
        "norm_first": ["boolean"],
        "ff_activation": [StrOptions(set(FF_ACTIVATIONS))],
        "drop_path": [Interval(Real, 0, 1, closed="left")],
        "final_norm": ["boolean"],
        "pooling": [StrOptions(set(POOLINGS))],
        "n_members": [Interval(Integral, 1, None, closed="left"), StrOptions({AUTO})],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "clipnorm": [Interval(Real, 0, None, closed="neither"), None],
        "lr_schedule": [StrOptions({"constant", "cosine"})],
        "warmup_epochs": [Interval(Real, 0, None, closed="left"), StrOptions({AUTO})],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "mixup": [Interval(Real, 0, None, closed="neither"), None],
        "ema_momentum": [Interval(Real, 0, 1, closed="neither"), None],
        "test_time_shifts": [Interval(Integral, 1, None, closed="left")],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "run_eagerly": ["boolean"],
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
        differences=False,
        input_norm="none",
        tokenizer="none",
        embed_dim=None,
        patch_size=16,
        patch_stride=None,
        stem_filters=(32, 64, 128),
        stem_kernel_size=7,
        stem_stride=2,
        position_embedding="none",
        attention_dropout=None,
        norm_first=True,
        ff_activation="relu",
        drop_path=0.0,
        final_norm=False,
        pooling="channels",
        n_members=1,
        weight_decay=0.0,
        clipnorm=None,
        lr_schedule="constant",
        warmup_epochs=0,
        label_smoothing=0.0,
        mixup=None,
        ema_momentum=None,
        test_time_shifts=1,
        n_threads=None,
        run_eagerly=False,
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
        self.differences = differences
        self.input_norm = input_norm
        self.tokenizer = tokenizer
        self.embed_dim = embed_dim
        self.patch_size = patch_size
        self.patch_stride = patch_stride
        self.stem_filters = stem_filters
        self.stem_kernel_size = stem_kernel_size
        self.stem_stride = stem_stride
        self.position_embedding = position_embedding
        self.attention_dropout = attention_dropout
        self.norm_first = norm_first
        self.ff_activation = ff_activation
        self.drop_path = drop_path
        self.final_norm = final_norm
        self.pooling = pooling
        self.n_members = n_members
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.lr_schedule = lr_schedule
        self.warmup_epochs = warmup_epochs
        self.label_smoothing = label_smoothing
        self.mixup = mixup
        self.ema_momentum = ema_momentum
        self.test_time_shifts = test_time_shifts
        self.n_threads = n_threads
        self.run_eagerly = run_eagerly
        self.checkpoint_dir = checkpoint_dir

    # ------------------------------------------------------------------ #
    # scikit-learn plumbing
    # ------------------------------------------------------------------ #
    @classmethod
    def _get_param_names(cls):
        """The parameters of ``__init__``, as scikit-learn lists them.

        scikeras overrides this hook to list every public attribute (its routed
        parameters included); this puts scikit-learn's rule back.
        """
        signature = inspect.signature(cls.__init__)
        return sorted(name for name in signature.parameters if name != "self")

    def set_params(self, **params):
        """Set parameters of this estimator (those of ``__init__``).

        scikeras' routed parameters (``optimizer__learning_rate``,
        ``fit__epochs``...) are refused: this estimator builds its own
        optimizer, loss and training loop from its parameters.

        Returns
        -------
        self : TransformerTimeSeriesClassifier
        """
        routed = sorted(
            key for key in params if key.split("__", 1)[0] in _ROUTED_PREFIXES
        )
        if any("__" in key for key in routed):
            raise ValueError(
                f"{type(self).__name__} does not support scikeras' routed "
                f"parameters ({', '.join(routed)}): it builds its optimizer, loss "
                "and training loop itself. Set its own parameters instead, e.g. "
                "learning_rate, weight_decay, clipnorm, epochs, batch_size; "
                "valid parameters are listed by get_params()."
            )
        return BaseEstimator.set_params(self, **params)

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
        # NaN: padding of unequal-length series, or missing values (filled).
        tags.input_tags.allow_nan = True
        return tags

    def __repr__(self, N_CHAR_MAX=700):
        # scikit-learn's compact repr (only non-default parameters) instead of
        # scikeras' one-line-per-parameter listing.
        return BaseEstimator.__repr__(self, N_CHAR_MAX=N_CHAR_MAX)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    def __reduce_ex__(self, protocol):
        # Unpickling a fitted estimator loads its Keras model, which starts
        # TensorFlow's runtime and fixes its thread pools. In a joblib or Dask
        # worker (scikit-learn's default scorer ships the fitted estimator to
        # every worker of a cross-validation) that came before the fit could
        # size them to the worker's share of the cores: the pools are sized
        # first, by the function that recreates the object.
        fitted = isinstance(self.__dict__.get("model_"), keras.Model)
        n_threads = self.__dict__.get("n_threads")
        return (_unpickled, (type(self), fitted, n_threads), self.__getstate__())

    def __getstate__(self):
        # The package version travels with the pickle, as scikit-learn's own
        # estimators record theirs, so that loading can say where it came from.
        from . import __version__

        state = {**super().__getstate__(), _VERSION_KEY: __version__}
        if isinstance(self.__dict__.get("model_"), keras.Model):
            # Where dropout and augmentation draw next: Keras' saving drops it.
            state[_GENERATORS_KEY] = generator_states(self.model_)
        return state

    def __setstate__(self, state):
        """Restore a pickle, also one made before some parameters existed.

        Every parameter added to this estimator defaults to the behaviour it
        had before (``stem_stride=2`` is the stem of older versions, for
        example), so a parameter missing from the pickle takes its default,
        in the parameters and in ``resolved_params_``, and the estimator
        predicts as it did when it was pickled. A warning names what was
        filled in, and the versions when they differ.
        """
        from . import __version__

        state = dict(state)
        pickled_by = state.pop(_VERSION_KEY, None)
        generators = state.pop(_GENERATORS_KEY, None)
        defaults = {
            name: param.default
            for name, param in inspect.signature(type(self).__init__).parameters.items()
            if name != "self"
        }
        missing = sorted(set(defaults) - set(state))
        state.update({name: defaults[name] for name in missing})
        if missing and isinstance(state.get("resolved_params_"), dict):
            filled = {name: defaults[name] for name in missing}
            state["resolved_params_"] = {**filled, **state["resolved_params_"]}
        self.__dict__.update(state)
        if generators and isinstance(self.__dict__.get("model_"), keras.Model):
            restore_generator_states(self.model_, generators)
        if missing or (pickled_by is not None and pickled_by != __version__):
            source = "an unknown version" if pickled_by is None else pickled_by
            message = (
                f"This {type(self).__name__} was pickled by sktransformer "
                f"{source} and is loaded by {__version__}."
            )
            if missing:
                message += (
                    f" The parameters added since ({', '.join(missing)}) take "
                    "their defaults, which keep the behaviour of older versions."
                )
            warnings.warn(message, InconsistentPickleWarning, stacklevel=2)

    # scikeras' encoder hooks: this estimator never calls them, so overriding
    # them would silently change nothing (and scikeras' target_encoder failed
    # on a missing ``loss``). They are refused with what to use instead.
    @property
    def target_encoder(self):
        raise AttributeError(
            f"{type(self).__name__} does not use scikeras' target_encoder: labels "
            "of any kind become int codes into classes_ (classes_[code] is the "
            "label), and predict_proba's columns follow classes_."
        )

    @property
    def feature_encoder(self):
        raise AttributeError(
            f"{type(self).__name__} does not use scikeras' feature_encoder: to "
            "transform the series before the network, put a transformer before "
            "it in a Pipeline (e.g. sktransformer.TimeSeriesStandardScaler)."
        )

    # ------------------------------------------------------------------ #
    # Training
    # ------------------------------------------------------------------ #
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Build the network for the series' shape and train it.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timepoints, n_channels) or \
                (n_series, n_timepoints)
            Training series (``(n_series, n_channels, n_timepoints)`` with
            ``data_format="channels_first"``); 2D input is univariate. Or a
            list of ``(n_timepoints_i, n_channels)`` (``(n_timepoints_i,)``)
            arrays of unequal lengths, or an array padded with trailing NaN;
            NaN inside a series are missing values.
        y : array-like of shape (n_series,)
            Class labels of any kind (ints, strings...).
        sample_weight : array-like of shape (n_series,), default=None
            Non-negative per-series weights in the loss.
        **fit_params : dict
            Only ``validation_data=(X_val, y_val)`` or ``(X_val, y_val,
            sample_weight_val)``: series checked and laid out like ``X``,
            labels from ``y``'s classes. It replaces the ``validation_split``
            hold-out for early stopping and the history's ``val_`` entries.
            Training settings (``epochs``, ``batch_size``...) are estimator
            parameters: a ``fit`` argument of that name raises ``TypeError``.

        Returns
        -------
        self : TransformerTimeSeriesClassifier
            The fitted estimator.
        """
        warm = bool(self.warm_start) and self.__sklearn_is_fitted__()
        return self._fit(X, y, sample_weight, fit_params, warm=warm)

    def partial_fit(self, X, y, classes=None, sample_weight=None, **fit_params):
        """Train for one epoch, building the network on the first call.

        No hold-out, early stopping or learning-rate schedule: each call is one
        pass over ``X`` at ``learning_rate``.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timepoints[, n_channels])
        y : array-like of shape (n_series,)
        classes : array-like of shape (n_classes,), default=None
            All classes; needed on the first call if ``y`` lacks some.
        sample_weight : array-like of shape (n_series,), default=None
        **fit_params : dict
            ``validation_data`` only, as in :meth:`fit`.

        Returns
        -------
        self : TransformerTimeSeriesClassifier
        """
        warm = self.__sklearn_is_fitted__()
        return self._fit(
            X, y, sample_weight, fit_params, warm=warm, classes=classes, epochs=1
        )

    def initialize(self, X, y):
        """Build the network for ``X`` and ``y`` without training it.

        Returns
        -------
        self : TransformerTimeSeriesClassifier
        """
        return self._fit(X, y, None, {}, warm=False, epochs=0)

    def _fit(self, X, y, sample_weight, fit_params, *, warm, classes=None, epochs=None):
        """The one fit path: fit, partial_fit and initialize all come here."""
        params = self._checked_params()
        incremental = epochs is not None
        validation_data = _validation_data_from(fit_params, type(self).__name__)
        configure_threads(params["n_threads"])
        # A warm fit that fails (diverges, bad input) leaves the fitted model
        # as it was before it.
        before = _FittedState(self) if warm else None
        train = None
        try:
            if not warm:
                # Nothing of an earlier fit outlives a fresh one (a
                # checkpoint_path_ of another model, for one).
                self._forget_fit()
            X, lengths = self._check_series(X, reset=not warm)
            if not warm:
                self.classes_ = _classes_of(y, classes, type(self).__name__)
                self.n_classes_ = len(self.classes_)
            elif classes is not None:
                given = _classes_of(None, classes, type(self).__name__)
                if not np.array_equal(given, self.classes_):
                    raise ValueError(
                        f"classes={given.tolist()} differs from the classes of the "
                        f"first partial_fit call, {self.classes_.tolist()}."
                    )
            params = self._resolve_auto(params, X, lengths, warm, incremental)
            if params["input_norm"] == "none":
                _warn_if_unscaled(X)
            epochs = params["epochs"] if epochs is None else epochs
            y = self._encode(y, X)
            sample_weight = self._sample_weight(sample_weight, X, y, params)
            if validation_data is not None:
                validation_data = self._check_validation_data(validation_data, params)
            seed = resolve_seed(params["random_state"])
            rng = np.random.default_rng(seed)
            train, validation = self._batches(
                X, lengths, y, sample_weight, validation_data, rng, params, incremental
            )
            # Building and training trace TensorFlow graphs: release what
            # TensorFlow would keep of them for the life of the process.
            with released_gradient_registrations():
                if not warm:
                    # partial_fit does not know the total number of steps: no
                    # schedule, a constant learning_rate.
                    steps = None if incremental else len(train) * epochs
                    self.model_ = self._build_network(seed, steps, params)
                    adapt_network(self.model_, X, lengths)
                    self.history_ = {}
                if epochs > 0:
                    # Checked against the optimizer built: before any training.
                    _check_learning_rate_callbacks(params, self.model_)
                    self._make_checkpoint_dir(params)
                    self._train(train, validation, epochs, params, incremental)
            self._record_served(X, lengths, train, warm)
        except BaseException as exc:
            # A failed fresh fit leaves the estimator unfitted; a failed warm
            # fit (warm_start, partial_fit) puts back the fitted model as it
            # was; Ctrl-C keeps what was trained so far, a complete estimator.
            if isinstance(exc, KeyboardInterrupt) and hasattr(self, "history_"):
                if train is not None:
                    self._record_served(X, lengths, train, warm)
                raise
            if before is not None:
                before.restore()
            else:
                self._forget_fit()
            raise
        return self

    def _record_served(self, X, lengths, train, warm):
        """The fitted attributes that describe the series training was served."""
        if warm and X.shape[1] > self.n_timepoints_in_:
            # (Only a network that takes any length gets here.)
            self.n_timepoints_in_ = self.n_features_in_ = X.shape[1]
        self.padding_fraction_ = train.padding_fraction
        if train.lengths is None:  # every batch at the full length
            served = lengths[train.index]
            self.padding_fraction_ = float(1 - served.mean() / X.shape[1])

    def _checked_params(self):
        """Validate the parameters; return them as Python values."""
        check_params(self)
        params = {name: to_python(value) for name, value in self.get_params().items()}
        params["learning_rate"] = float(params["learning_rate"])  # (Keras: no int)
        name = type(self).__name__
        for param in ("mlp_units", "stem_filters"):
            units = params[param]
            if units == AUTO:
                continue
            if not all(
                isinstance(u, int) and not isinstance(u, bool) and u >= 1 for u in units
            ):
                raise ValueError(
                    f"The {param!r} parameter of {name} must be a tuple of "
                    f"positive ints. Got {getattr(self, param)!r} instead."
                )
            params[param] = tuple(units)
        augmentation = tuple(params["augmentation"] or ())
        if any(a not in AUGMENTATIONS for a in augmentation):
            raise ValueError(
                f"The 'augmentation' parameter of {name} must be None or a tuple "
                f"of names from {AUGMENTATIONS}. Got {self.augmentation!r} instead."
            )
        params["augmentation"] = augmentation
        callbacks = params["callbacks"]
        if isinstance(callbacks, keras.callbacks.Callback):
            callbacks = [callbacks]
        callbacks = list(callbacks or ())
        bad = [c for c in callbacks if not isinstance(c, keras.callbacks.Callback)]
        if bad:
            raise ValueError(
                f"The 'callbacks' parameter of {name} must hold keras.callbacks."
                f"Callback instances. Got {bad[0]!r} instead."
            )
        params["callbacks"] = callbacks
        return params

    def _make_checkpoint_dir(self, params):
        """Create ``checkpoint_dir`` before training, or say why it cannot be."""
        folder = params["checkpoint_dir"]
        if folder is None:
            return
        if os.path.exists(folder) and not os.path.isdir(folder):
            raise ValueError(
                f"checkpoint_dir={str(folder)!r} exists and is not a folder: pass "
                "a folder (it is created if missing)."
            )
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
        except (OSError, ValueError) as exc:
            raise ValueError(
                f"checkpoint_dir={str(folder)!r} cannot be created ({exc}): pass "
                "a folder this process can write to."
            ) from None

    def _resolve_auto(self, params, X, lengths, warm, incremental):
        """Resolve ``"auto"`` parameters from the training set; record them."""
        # Unequal lengths: the rules see the median length.
        length = int(np.median(lengths))
        data = TrainingSet.from_series(X, length, self.n_classes_)
        if warm:
            # A warm fit trains the fitted network: its shape stays, and the
            # rules that depend on it (epochs on n_members) see it.
            params = {**params, **self._fitted_network_params(params)}
            self._check_training_options(params, incremental)
        resolved = resolve_auto(params, data)
        self.resolved_params_ = {name: resolved[name] for name in self.get_params()}
        return resolved

    def _fitted_network_params(self, params):
        """The fitted network's options, for a warm fit; refuse changes to them.

        Mixup's value may change, not whether it is on: the network is
        compiled for codes or for class probabilities as targets.
        """
        fitted = {
            name: self.resolved_params_.get(name, default)
            for name, default in NETWORK_OPTIONS.items()
        }
        fitted["mixup"] = self.resolved_params_.get("mixup")
        changed = _changed_options(NETWORK_OPTIONS, params, fitted)
        if (params["mixup"] is None) != (fitted["mixup"] is None):
            changed.append("mixup")
        _refuse_warm_changes(
            self, changed, params, fitted, "continues training the fitted network"
        )
        if params["mixup"] is not None:
            fitted["mixup"] = params["mixup"]
        return fitted

    def _check_training_options(self, params, incremental):
        """Refuse, in a warm fit, changes the fitted optimizer or loss would ignore.

        A warm fit continues with the optimizer and loss compiled at the first
        fit (its state, and a learning-rate schedule where it ended; a network
        first trained by ``partial_fit`` or built by ``initialize`` has a
        constant rate). Only ``learning_rate`` may change, where the optimizer
        has no schedule: it is applied to the next steps. ``partial_fit``
        never follows a schedule, so the schedule's options do not matter to it.
        """
        fitted = dict(self.resolved_params_)
        scheduled = _has_schedule(self.model_)
        if not scheduled:
            fitted.update(lr_schedule="constant", warmup_epochs=0)
        names = [
            name
            for name in TRAINING_OPTIONS
            if not (incremental and name in ("lr_schedule", "warmup_epochs"))
        ]
        changed = _changed_options(names, params, fitted)
        if "learning_rate" in changed and not scheduled:
            changed.remove("learning_rate")
            self.model_.optimizer.learning_rate = params["learning_rate"]
        what = (
            "continues with the optimizer and loss of the first fit, and its "
            "learning-rate schedule"
        )
        if not scheduled and {"lr_schedule", "warmup_epochs"} & set(changed):
            what += (
                " (a network built by initialize() or first trained by "
                "partial_fit has a constant rate: a schedule needs the steps of "
                "a whole fit, so call fit for one)"
            )
        _refuse_warm_changes(self, changed, params, fitted, what)

    def _check_series(self, X, *, reset, input_name="X"):
        """Series as a NaN-padded ``channels_last`` float32 array, and their lengths.

        Trailing NaN are padding (:func:`series_lengths`); NaN inside a series
        are filled by interpolation (:func:`fill_gaps`, a copy). At fit the
        shape is recorded, later it is checked (and padded to the fitted
        length for networks of one input length).
        """
        data_format = self.data_format
        if not reset:
            # The layout the network was fitted on: a data_format changed by
            # set_params since would read (T, C) series as (C, T), silently
            # when T == C.
            data_format = self.resolved_params_["data_format"]
            if self.data_format != data_format:
                raise ValueError(
                    f"data_format is {self.data_format!r} but the estimator was "
                    f"fitted with {data_format!r}: set it back, or fit again."
                )
        X = check_series(
            X,
            data_format=data_format,
            warn_layout=reset,
            input_name=input_name,
            allow_nan=True,
        )
        lengths = series_lengths(X, input_name)
        padded = X.shape[1] > lengths.max()
        X = fill_gaps(X[:, : lengths.max()], lengths)
        if reset:
            self.n_timepoints_in_, self.n_channels_in_ = X.shape[1:]
            self.n_features_in_ = X.shape[1]
            self.unequal_lengths_ = bool(lengths.min() < X.shape[1])
            return X, lengths
        return self._fitted_layout(X, lengths, input_name, padded), lengths

    def _fitted_layout(self, X, lengths, input_name, padded=False):
        """``X`` checked against the fitted series (padded to them if needed).

        ``padded``: the caller's array had trailing NaN in every series (cut off
        in ``X``).
        """
        name = type(self).__name__
        longest = self.n_timepoints_in_
        if self.unequal_lengths_ and X.shape[2] != self.n_channels_in_:
            raise ValueError(
                f"{input_name} has {X.shape[2]} channels, but {name} is expecting "
                f"{self.n_channels_in_} channels as input (it was fit on series "
                f"of unequal lengths, up to {longest} time points)."
            )
        if X.shape[2] != self.n_channels_in_ or not self.unequal_lengths_:
            shorter = lengths.min() < X.shape[1] or (padded and X.shape[1] < longest)
            if X.shape[2] == self.n_channels_in_ and shorter:
                raise ValueError(
                    f"{name} was fit on series of one length ({longest}); "
                    f"{input_name} holds series of lengths {lengths.min()} to "
                    f"{lengths.max()}. Its network masks no padding: fit it on "
                    "series of unequal lengths (a list of arrays, or NaN-padded) "
                    "to predict series of any length up to the longest seen."
                )
            check_series_shape(X, (longest, self.n_channels_in_), name, input_name)
            return X
        if self._takes_any_length():
            return X
        if X.shape[1] > longest:
            raise ValueError(
                f"{input_name} holds series of up to {X.shape[1]} time points, "
                f"longer than the longest seen at fit ({longest}); this network "
                "(pooling='channels') has one head input per time point seen. "
                f"Truncate or resample them to at most {longest} time points, or "
                "use pooling='tokens' (or 'tokens-max'), which takes series of "
                "any length."
            )
        if X.shape[1] < longest:
            pad = ((0, 0), (0, longest - X.shape[1]), (0, 0))
            X = np.pad(X, pad, constant_values=np.nan)
        return X

    def _takes_any_length(self, params=None):
        """Whether the network takes batches of any length (else: the fitted one)."""
        pooling = (params or self.resolved_params_)["pooling"]
        return self.unequal_lengths_ and pooling in TOKEN_POOLINGS

    def _encode(self, y, X, input_name="y"):
        """Labels -> int32 codes into ``classes_``; unknown labels raise."""
        y = _check_labels(y, type(self).__name__, input_name)
        check_consistent_length(X, y)
        codes = np.searchsorted(self.classes_, y)
        codes = np.minimum(codes, self.n_classes_ - 1)
        unknown = self.classes_[codes] != y
        if np.any(unknown):
            raise ValueError(
                f"{input_name} holds labels {np.unique(y[unknown]).tolist()} that are "
                f"not among the classes seen at fit, {self.classes_.tolist()}."
            )
        return codes.astype(np.int32)

    def _sample_weight(self, sample_weight, X, y, params, input_name="sample_weight"):
        """Per-series weights (``class_weight`` included), or None; a new array."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, len(X), input_name)
        class_weight = params["class_weight"]
        if class_weight is not None:
            weights = compute_sample_weight(self._class_weight_by_code(class_weight), y)
            sample_weight = (
                weights if sample_weight is None else sample_weight * weights
            )
            input_name = f"{input_name} (with class_weight)"
        if sample_weight is None:
            return None
        # Checked again as the network sees them: float32, where 1e300
        # overflows (an error, not also NumPy's overflow warning) and 1e-300
        # vanishes.
        with np.errstate(over="ignore"):
            sample_weight = sample_weight.astype(np.float32)
        return _check_sample_weight(sample_weight, len(X), input_name)

    def _class_weight_by_code(self, class_weight):
        if not isinstance(class_weight, dict):
            return class_weight
        classes = self.classes_.tolist()
        bad = {k: v for k, v in class_weight.items() if not _non_negative_number(v)}
        if bad:
            raise ValueError(
                f"class_weight values must be finite, non-negative numbers; got {bad}."
            )
        unknown = [label for label in class_weight if label not in classes]
        if unknown:
            raise ValueError(
                f"class_weight names classes {sorted(unknown, key=str)} that are "
                f"not in the training labels {classes}."
            )
        return {
            code: float(class_weight.get(label, 1.0))
            for code, label in enumerate(classes)
        }

    def _check_validation_data(self, validation_data, params):
        X_val, y_val, *rest = validation_data
        X_val, lengths_val = self._check_series(X_val, reset=False, input_name="X_val")
        y_val = self._encode(y_val, X_val, input_name="y_val")
        weight = rest[0] if rest else None
        weight = self._sample_weight(
            weight,
            X_val,
            y_val,
            {**params, "class_weight": None},
            input_name="sample_weight_val",
        )
        return X_val, lengths_val, y_val, weight

    def _batches(
        self, X, lengths, y, sample_weight, validation_data, rng, params, incremental
    ):
        """Training and validation minibatches (a stratified hold-out if asked).

        For a network that takes any length, batches group series of similar
        lengths (:class:`~sktransformer._batches.SeriesBatches`).
        """
        batch_size = params["batch_size"]
        batching = {}
        if self._takes_any_length(params):
            batching = {"granule": self._granule()}
        if params["mixup"] is not None:
            # Mixed targets are class probabilities; validation's are one-hot.
            batching["n_classes"] = self.n_classes_
        train_index = np.arange(len(y))
        validation = None
        if validation_data is not None:
            X_val, lengths_val, y_val, w_val = validation_data
            validation = SeriesBatches(
                X_val,
                y_val,
                w_val,
                np.arange(len(y_val)),
                batch_size,
                lengths=lengths_val if "granule" in batching else None,
                **batching,
            )
        elif params["validation_split"] > 0 and not incremental:
            train_index, val_index = _holdout(y, params["validation_split"], rng)
            validation = SeriesBatches(
                X,
                y,
                sample_weight,
                val_index,
                batch_size,
                lengths=lengths if "granule" in batching else None,
                **batching,
            )
        train = SeriesBatches(
            X,
            y,
            sample_weight,
            train_index,
            batch_size,
            rng,
            lengths=lengths if "granule" in batching else None,
            mixup=params["mixup"],
            **batching,
        )
        return train, validation

    def _granule(self):
        """Batch lengths are multiples of this: at most ~64 batch shapes to trace."""
        return max(MIN_GRANULE, -(-self.n_timepoints_in_ // MAX_BATCH_SHAPES))

    def _build_network(self, seed, total_steps, params):
        """The seed network for the fitted shape, seeded and compiled."""
        options = {name: params[name] for name in NETWORK_OPTIONS}
        with isolated_build():
            model = build_transformer_classifier(
                (self.n_timepoints_in_, self.n_channels_in_),
                n_classes=self.n_classes_,
                unequal_lengths=self.unequal_lengths_,
                **options,
            )
        seed_network(model, seed)
        if params["n_members"] > 1:
            # Each member's own cross-entropy (see MemberAverage).
            loss = SmoothedSparseCategoricalCrossentropy(
                params["label_smoothing"], normalize=False
            )
        elif params["label_smoothing"] > 0 or params["mixup"] is not None:
            # (Also takes mixup's targets, class probabilities.)
            loss = SmoothedSparseCategoricalCrossentropy(params["label_smoothing"])
        else:
            loss = keras.losses.SparseCategoricalCrossentropy()
        # Keras' AdamW is Adam with decoupled weight decay.
        weight_decay = params["weight_decay"]
        optimizer = (
            keras.optimizers.AdamW if weight_decay > 0 else keras.optimizers.Adam
        )(
            learning_rate=(
                params["learning_rate"]
                if total_steps is None
                else _learning_rate(params, total_steps)
            ),
            weight_decay=weight_decay or None,
            clipnorm=params["clipnorm"],
            use_ema=params["ema_momentum"] is not None,
            ema_momentum=params["ema_momentum"] or 0.99,
        )
        model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
        _build_training_state(
            model,
            (self.n_timepoints_in_, self.n_channels_in_),
            None if params["mixup"] is None else self.n_classes_,
        )
        return model

    def _train(self, train, validation, epochs, params, incremental):
        """Keras' fit over the minibatches; the history is appended to ``history_``."""
        monitor = "loss" if validation is None else "val_loss"
        callbacks = [*params["callbacks"], keras.callbacks.TerminateOnNaN()]
        ema = []
        if params["ema_momentum"] is not None:
            # Validation, early stopping and checkpoints see the average.
            ema = ema_weights_callbacks()
            callbacks.insert(0, ema[0])
        stopper = None
        if params["early_stopping"] and not incremental:
            stopper = keras.callbacks.EarlyStopping(
                monitor=monitor, patience=params["patience"], restore_best_weights=True
            )
            callbacks.append(stopper)
        if params["checkpoint_dir"] is not None:
            unique = f"{type(self).__name__}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
            self.checkpoint_path_ = str(
                Path(params["checkpoint_dir"]) / f"{unique}.keras"
            )
            callbacks.append(AtomicModelCheckpoint(self.checkpoint_path_, monitor))
        callbacks += ema[1:]
        initial_epoch = len(self.history_.get("loss", ()))
        history = keras.callbacks.History()
        _set_run_eagerly(self.model_, params["run_eagerly"])
        try:
            self.model_.fit(
                train,
                validation_data=validation,
                epochs=initial_epoch + epochs,
                initial_epoch=initial_epoch,
                verbose=params["verbose"],
                callbacks=[history, *callbacks],
                # The batches reshuffle themselves from the seed.
                shuffle=False,
            )
        except KeyboardInterrupt:
            # Ctrl-C: keep the best weights so far and the completed epochs.
            if stopper is not None and stopper.best_weights is not None:
                self.model_.set_weights(stopper.best_weights)
            self._record_history(history)
            raise
        finally:
            _detach_callbacks(params["callbacks"])
        self._record_history(history)
        losses = np.asarray(self.history_.get("loss", [0.0]), dtype=float)
        if not np.all(np.isfinite(losses)):
            raise ValueError(
                f"Training diverged: the loss became {losses[~np.isfinite(losses)][0]}"
                f" at epoch {int(np.argmin(np.isfinite(losses))) + 1}. The series "
                f"reach magnitude {_magnitude(train.X):.3g}: scale them (for "
                "example with sktransformer.TimeSeriesStandardScaler) or lower "
                "learning_rate."
            )

    def _record_history(self, history):
        for key, values in history.history.items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)

    def _forget_fit(self):
        """Leave the estimator unfitted: drop every fitted attribute."""
        for name in [n for n in vars(self) if n.endswith("_") and n[:1] != "_"]:
            delattr(self, name)

    # ------------------------------------------------------------------ #
    # Prediction
    # ------------------------------------------------------------------ #
    def predict_proba(self, X):
        """Class probabilities of each series.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timepoints[, n_channels])
            Series with the channels seen during ``fit``: of its length, or
            (after a fit on unequal lengths) a list or NaN-padded array of
            series of other lengths (see the class' Notes).

        Returns
        -------
        ndarray of shape (n_series, n_classes), dtype float64
            Probabilities, columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        # Read at prediction (set_params may change them after fit): checked here.
        check_params(self, ["test_time_shifts", "run_eagerly"])
        X, lengths = self._check_series(X, reset=False)
        # Batches gathered from X: Keras would copy a whole array first.
        batch_size = self.resolved_params_["batch_size"]
        by_length = {}
        if self._takes_any_length():
            by_length = {"lengths": lengths, "granule": self._granule()}
        shifts = [0.0]
        if self.test_time_shifts > 1:
            shifts = np.linspace(-MAX_SHIFT, MAX_SHIFT, int(self.test_time_shifts))
        proba = np.zeros((len(X), self.n_classes_), dtype=np.float64)
        _set_run_eagerly(self.model_, self.run_eagerly)
        for shift in shifts:
            batches = SeriesBatches(
                X, None, None, np.arange(len(X)), batch_size, shift=shift, **by_length
            )
            with released_gradient_registrations():
                served = self.model_.predict(batches, verbose=self.verbose)
            # Batches serve the rows in ``order`` (by length for any-length
            # networks).
            proba[batches.order] += np.asarray(served, dtype=np.float64).reshape(
                -1, self.n_classes_
            )
        if not np.all(np.isfinite(proba)):
            rows = np.flatnonzero(~np.isfinite(proba).all(axis=1))
            raise ValueError(
                f"The network's output is not finite for {len(rows)} series (first: "
                f"row {rows[0]}); X reaches magnitude {_magnitude(X):.3g}. Scale the "
                "series as at fit (for example with TimeSeriesStandardScaler)."
            )
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class of each series.

        Parameters
        ----------
        X : array-like of shape (n_series, n_timepoints[, n_channels])
            Series with the channels seen during ``fit``: of its length, or
            (after a fit on unequal lengths) a list or NaN-padded array of
            series of other lengths (see the class' Notes).

        Returns
        -------
        ndarray of shape (n_series,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on ``X`` and ``y`` (weighted by ``sample_weight``).

        Parameters
        ----------
        X : array-like of shape (n_series, n_timepoints[, n_channels])
        y : array-like of shape (n_series,)
        sample_weight : array-like of shape (n_series,), default=None

        Returns
        -------
        float
        """
        return float(accuracy_score(y, self.predict(X), sample_weight=sample_weight))


#: Options compiled into the optimizer and loss at the first fit.
TRAINING_OPTIONS = (
    "learning_rate",
    "lr_schedule",
    "warmup_epochs",
    "weight_decay",
    "clipnorm",
    "ema_momentum",
    "label_smoothing",
)


def _changed_options(names, params, fitted):
    """The options among ``names`` given other values than the fitted ones."""
    return [
        name
        for name in names
        if not (isinstance(params[name], str) and params[name] == AUTO)
        and not _same(params[name], fitted[name])
    ]


def _same(a, b):
    """Equal options; numbers up to float32 rounding (0.01 and np.float32(0.01))."""
    numbers = (Integral, Real)
    if isinstance(a, numbers) and isinstance(b, numbers):
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=0.0)
    return a == b


def _refuse_warm_changes(estimator, changed, params, fitted, what):
    """Raise ``ValueError`` naming the ``changed`` options of a warm fit, if any."""
    if not changed:
        return
    given = ", ".join(f"{name}={params[name]!r}" for name in changed)
    built = ", ".join(f"{name}={fitted[name]!r}" for name in changed)
    raise ValueError(
        f"{type(estimator).__name__}: a warm fit (warm_start=True or partial_fit) "
        f"{what}, built with {built}; got {given}. Set them back, or refit from "
        "scratch (warm_start=False, or fit rather than partial_fit)."
    )


def _has_schedule(model):
    """Whether ``model``'s optimizer follows a learning-rate schedule."""
    # (A schedule is serialised as a dict, a constant rate as a number.)
    return isinstance(model.optimizer.get_config()["learning_rate"], dict)


def _check_learning_rate_callbacks(params, model):
    """Refuse callbacks that set the learning rate when a schedule sets it."""
    setters = (
        keras.callbacks.ReduceLROnPlateau,
        keras.callbacks.LearningRateScheduler,
    )
    found = [type(c).__name__ for c in params["callbacks"] if isinstance(c, setters)]
    if found and _has_schedule(model):
        raise ValueError(
            f"The callback {found[0]} sets the learning rate, which the "
            f"optimizer's schedule (lr_schedule={params['lr_schedule']!r}, "
            f"warmup_epochs={params['warmup_epochs']!r}) already sets every step. "
            'Use it with lr_schedule="constant" and warmup_epochs=0, or drop it.'
        )


class _FittedState:
    """A fitted estimator's attributes and weights, to put back after a failure."""

    def __init__(self, estimator):
        self.estimator = estimator
        # history_ grows in place (its lists); the others are replaced.
        self.attributes = {
            name: (
                {k: list(v) for k, v in value.items()} if name == "history_" else value
            )
            for name, value in vars(estimator).items()
            if name.endswith("_") and not name.startswith("_") and name != "model_"
        }
        model = estimator.model_
        self.weights = [v.numpy() for v in model.weights]
        self.optimizer = [v.numpy() for v in model.optimizer.variables]

    def restore(self):
        estimator, model = self.estimator, self.estimator.model_
        for name in [n for n in vars(estimator) if n.endswith("_") and n[:1] != "_"]:
            if name != "model_" and name not in self.attributes:
                delattr(estimator, name)
        vars(estimator).update(self.attributes)
        for variable, value in zip(model.weights, self.weights, strict=True):
            variable.assign(value)
        for variable, value in zip(
            model.optimizer.variables, self.optimizer, strict=True
        ):
            variable.assign(value)


def _learning_rate(params, total_steps):
    """The optimizer's learning rate: a float, or Keras' ``CosineDecay``.

    ``lr_schedule="cosine"`` decays to 1% of ``learning_rate`` over the fit's
    steps; ``warmup_epochs`` adds Keras' linear warm-up from 0 (either schedule).
    """
    learning_rate = params["learning_rate"]
    cosine = params["lr_schedule"] == "cosine"
    steps_per_epoch = total_steps / max(params["epochs"], 1)
    warmup_steps = round(params["warmup_epochs"] * steps_per_epoch)
    if not cosine and warmup_steps == 0:
        return learning_rate
    warmup_steps = min(warmup_steps, max(total_steps - 1, 0))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0 if warmup_steps else learning_rate,
        decay_steps=max(total_steps - warmup_steps, 1),
        alpha=FINAL_LEARNING_RATE_RATIO if cosine else 1.0,
        warmup_target=learning_rate if warmup_steps else None,
        warmup_steps=warmup_steps,
    )


def _build_training_state(model, input_shape, n_classes=None):
    """Create the optimizer's and metrics' variables now, outside any trace.

    Left to the first training step, TensorFlow creates them inside the traced
    step, and those traces (about 20 MB a fit) outlive the model, even
    ``keras.backend.clear_session()``. Keras builds eagerly this way itself
    under a distribution strategy, with its private ``Trainer._symbolic_build``
    (from symbolic shapes only); where a Keras version lacks that method, the
    optimizer alone is built, with public API (tested both ways). With
    ``n_classes``, the targets are class probabilities (mixup), not codes:
    Keras resolves ``"accuracy"`` from their shape.
    """
    symbolic_build = getattr(model, "_symbolic_build", None)
    if symbolic_build is None:
        model.optimizer.build(model.trainable_variables)
        return
    x = np.zeros((1, *input_shape), np.float32)
    y = np.zeros((1,) if n_classes is None else (1, n_classes), np.float32)
    symbolic_build(data_batch=(x, y, None))


def _unpickled(cls, fitted, n_threads):
    """An empty ``cls`` for pickle to fill; first, TensorFlow's thread pools.

    For a fitted estimator, before its Keras model is loaded: the pools are
    sized as ``fit`` would size them (``n_threads``, else the worker's share
    announced by the environment), while they still can be. Nothing is said
    when they cannot (TensorFlow already runs): ``fit`` says it if it matters.
    """
    valid = n_threads is None or (
        isinstance(n_threads, Integral)
        and not isinstance(n_threads, bool)
        and n_threads >= 1
    )
    if fitted and valid:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            configure_threads(None if n_threads is None else int(n_threads))
    return cls.__new__(cls)


def _detach_callbacks(callbacks):
    """Detach the user's callbacks from the training that just ended.

    The estimator hands the callbacks of its ``callbacks`` parameter to Keras,
    which attaches the model to each and leaves it there, and a callback that
    writes a file (Keras' ``CSVLogger``) keeps its closed file object. Through
    the parameter, ``clone`` then copied the fitted network into an unfitted
    estimator (and into every worker of a search), and pickling or cloning
    failed on the file. After ``fit`` each callback's model reference and
    closed files are set to None (a callback gets the model again, and opens a
    new file, when training starts); the rest of its state is the user's to
    read.
    """
    for callback in callbacks:
        if getattr(callback, "_model", None) is not None:
            callback._model = None
        for name, value in list(getattr(callback, "__dict__", {}).items()):
            if getattr(value, "closed", False) is True and callable(
                getattr(value, "close", None)
            ):
                setattr(callback, name, None)


def _set_run_eagerly(model, run_eagerly):
    """Keras' execution mode of ``model`` for its next fit or predict call."""
    if model.run_eagerly != run_eagerly:
        model.run_eagerly = run_eagerly
        # Keras reuses the step functions it made in the other mode.
        model.train_function = model.test_function = model.predict_function = None


def _validation_data_from(fit_params, name):
    """``validation_data`` from ``fit``'s keyword arguments; refuse the rest."""
    fit_params = dict(fit_params)
    validation_data = fit_params.pop("validation_data", None)
    if fit_params:
        settings = sorted(k for k in fit_params if k in _FIT_KWARGS_THAT_ARE_PARAMETERS)
        others = sorted(k for k in fit_params if k not in settings)
        hints = []
        if settings:
            hints.append(
                f"{', '.join(settings)} are estimator parameters: set them with "
                f"{name}({settings[0]}=...) or set_params({settings[0]}=...)"
            )
        if others:
            hints.append(f"{', '.join(others)} are not supported")
        raise TypeError(
            f"{name}.fit() got unexpected keyword arguments: {'; '.join(hints)}. "
            "fit accepts X, y, sample_weight and validation_data only."
        )
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (
        2,
        3,
    ):
        raise ValueError(
            "validation_data must be a tuple (X_val, y_val) or (X_val, y_val, "
            f"sample_weight_val); got {type(validation_data).__name__}"
            + (
                f" of length {len(validation_data)}"
                if isinstance(validation_data, (tuple, list))
                else ""
            )
            + "."
        )
    return tuple(validation_data)


def _check_labels(y, name, input_name="y"):
    """Labels as a 1D array of a classification target type."""
    if y is None:
        raise ValueError(
            f"{name} requires y to be passed, but the target {input_name} is None."
        )
    y = column_or_1d(y, warn=True)
    if y.dtype.kind in "fc":
        assert_all_finite(y, input_name=input_name)
    try:
        check_classification_targets(y)
    except TypeError:  # NumPy cannot sort a mix of strings and numbers
        raise ValueError(_labels_error(y)) from None
    return y


def _labels_error(y):
    """Why labels NumPy cannot sort cannot be classes."""
    types = sorted({type(v).__name__ for v in y.tolist()})
    if len(types) == 1:  # bytes, or objects without an order
        return (
            f"Labels of type {types[0]} cannot be classes: use strings or numbers "
            "(for bytes, y.astype(str) or decode them)."
        )
    return f"Labels must be all strings or all numbers; got a mix of types: {types}."


def _classes_of(y, classes, name):
    """The sorted classes of ``y`` (or the given ``classes``); at least two."""
    labels = _check_labels(y if classes is None else classes, name)
    try:
        found = np.unique(labels)
    except TypeError:
        raise ValueError(_labels_error(labels)) from None
    if len(found) < 2:
        raise ValueError(
            f"{name} needs samples of at least 2 classes in the data, but the data "
            f"contains only one class: {to_python(found[0])!r}."
        )
    return found


def _holdout(y, validation_split, rng):
    """Row indices of a stratified ``validation_split`` hold-out."""
    try:
        return train_test_split(
            np.arange(len(y)),
            test_size=validation_split,
            stratify=y,
            random_state=int(rng.integers(2**31 - 1)),
        )
    except ValueError as exc:
        codes, counts = np.unique(y, return_counts=True)
        n_val = math.ceil(validation_split * len(y))
        if counts.min() < 2:
            advice = "Use more data"
        elif n_val < len(codes):
            advice = "Use more data, a larger validation_split"
        else:  # the training side is left with fewer series than classes
            advice = "Use more data, a smaller validation_split"
        counts = dict(zip(codes.tolist(), counts.tolist(), strict=True))
        raise ValueError(
            f"validation_split={validation_split} cannot hold out a "
            f"stratified validation set from {len(y)} series with class "
            f"counts {counts} (codes in classes_ order): every class needs "
            "at least 2 series, and the validation and training sets at least "
            f"one series per class each. {advice}, or validation_split=0 to "
            f"train without a hold-out. ({exc})"
        ) from None


def _check_sample_weight(sample_weight, n_series, input_name="sample_weight"):
    """Finite, non-negative float64 weights, one per series (a new array)."""
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n_series, sample_weight)
    sample_weight = check_array(
        sample_weight,
        ensure_2d=False,
        dtype=(np.float64, np.float32),
        input_name=input_name,
    )
    if sample_weight.shape != (n_series,):
        raise ValueError(
            f"{input_name}.shape == {sample_weight.shape}, expected ({n_series},)."
        )
    if np.any(sample_weight < 0):
        raise ValueError(f"{input_name} must be non-negative; it has negative values.")
    if not np.any(sample_weight > 0):
        raise ValueError(
            f"{input_name} holds only zeros: no series would weigh in the loss."
        )
    return np.array(sample_weight, copy=True)


#: Series beyond this magnitude get a warning at fit (unless ``input_norm``
#: brings each to unit scale): the network (LayerNorm, attention, Adam's
#: steps) is made for series of about unit scale.
UNSCALED_MAGNITUDE = 1e6
#: Batches of series of unequal lengths are cut to multiples of
#: ``max(MIN_GRANULE, longest / MAX_BATCH_SHAPES)`` time points.
MIN_GRANULE = 4
MAX_BATCH_SHAPES = 64


def _warn_if_unscaled(X):
    magnitude = _magnitude(X)
    if magnitude > UNSCALED_MAGNITUDE:
        warnings.warn(
            f"X reaches magnitude {magnitude:.3g}: the network trains on series of "
            "about unit scale and may learn nothing or diverge. Scale the series, "
            "for example with sktransformer.TimeSeriesStandardScaler in a pipeline.",
            UserWarning,
            stacklevel=4,
        )


def _non_negative_number(value):
    return (
        isinstance(value, Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _magnitude(X):
    return float(np.nanmax(np.abs(X))) if X.size else 0.0
