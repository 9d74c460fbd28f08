"""Transformer time-series classifier for UCR FordA (backend-neutral Keras 3).

Model code uses only keras.layers / keras.ops / keras.random / keras.optimizers.
Augmentation is a numpy-side per-epoch transform (keras.utils.PyDataset), so it is
only active during training.
"""
import math
import numpy as np
import keras
from keras import layers, ops

DEFAULTS = dict(
    # tokenizer
    tokenizer="conv",          # "conv" (conv stem) or "patch" (strided Conv1D patch embedding)
    patch_size=16, stride=8,   # for tokenizer="patch"
    stem_filters=(32, 64),     # for tokenizer="conv": one Conv1D+BN+GELU per entry, each stride stem_stride
    stem_kernel=7, stem_stride=2, stem_pool=2,  # final MaxPool1D over the stem output (1 = none)
    embed_dim=64,
    positional="learned",      # "learned", "sinusoidal", "none"
    # transformer
    num_blocks=3, num_heads=4, head_size=16, ff_dim=128,
    dropout=0.1, attn_dropout=0.0, drop_path=0.1,
    pooling="mean",            # "mean", "cls", "attn"
    head_dropout=0.2,
    # training
    epochs=60, batch_size=64, lr=1e-3, weight_decay=0.05,
    warmup_epochs=3, schedule="cosine", min_lr_ratio=0.01,
    label_smoothing=0.1,
    jit_compile="auto",
    stem_norm="bn",            # "bn" (BatchNorm, momentum 0.9) or "ln"
    # augmentation (numpy-side, per epoch, per sample)
    aug_shift=0.0,     # prob of a circular roll by a random offset
    aug_flip=0.0,      # prob of time reversal
    aug_neg=0.0,       # prob of sign flip (x -> -x)
    aug_scale=0.0,     # std of log-normal amplitude scaling (0 = off)
    aug_jitter=0.0,    # std of additive gaussian noise
    aug_crop=0,        # random crop length then resize back (0 = off); crop length = T - aug_crop at min
    mixup=0.0,         # mixup alpha (0 = off)
    cutmix=0.0,        # prob of cutmix per batch
)


class DropPath(layers.Layer):
    """Stochastic depth: drops the whole residual branch per sample during training."""

    def __init__(self, rate=0.0, seed=None, **kw):
        super().__init__(**kw)
        self.rate = rate
        self.seed_gen = keras.random.SeedGenerator(seed)

    def call(self, x, training=None):
        if not training or self.rate == 0.0:
            return x
        keep = 1.0 - self.rate
        shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
        mask = ops.floor(keep + keras.random.uniform(shape, seed=self.seed_gen))
        return x * mask / keep

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class AddPosition(layers.Layer):
    def __init__(self, kind="learned", **kw):
        super().__init__(**kw)
        self.kind = kind

    def build(self, input_shape):
        n, d = input_shape[1], input_shape[2]
        if self.kind == "learned":
            self.pos = self.add_weight(shape=(1, n, d), initializer=keras.initializers.TruncatedNormal(stddev=0.02), name="pos")
        elif self.kind == "sinusoidal":
            pos = np.arange(n)[:, None]
            i = np.arange(d)[None, :]
            angle = pos / np.power(10000.0, (2 * (i // 2)) / d)
            pe = np.where(i % 2 == 0, np.sin(angle), np.cos(angle)).astype("float32")
            self.pe = pe[None]

    def call(self, x):
        if self.kind == "learned":
            return x + self.pos
        if self.kind == "sinusoidal":
            return x + ops.convert_to_tensor(self.pe)
        return x

    def get_config(self):
        return {**super().get_config(), "kind": self.kind}


class ClassToken(layers.Layer):
    def build(self, input_shape):
        self.cls = self.add_weight(shape=(1, 1, input_shape[-1]), initializer="zeros", name="cls")

    def call(self, x):
        b = ops.shape(x)[0]
        return ops.concatenate([ops.broadcast_to(self.cls, (b, 1, x.shape[-1])), x], axis=1)


class AttentionPool(layers.Layer):
    """Softmax-weighted average over tokens, weights from a learned scoring vector."""

    def build(self, input_shape):
        self.score = layers.Dense(1)
        self.score.build(input_shape)

    def call(self, x):
        w = ops.softmax(self.score(x), axis=1)
        return ops.sum(w * x, axis=1)


def build_model(input_len, n_classes, cfg, seed=0):
    c = {**DEFAULTS, **cfg}
    d = c["embed_dim"]
    inp = keras.Input((input_len, 1))
    x = inp
    if c["tokenizer"] == "patch":
        x = layers.Conv1D(d, c["patch_size"], strides=c["stride"], padding="valid")(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    else:
        for f in c["stem_filters"]:
            x = layers.Conv1D(f, c["stem_kernel"], strides=c["stem_stride"], padding="same", use_bias=False)(x)
            if c["stem_norm"] == "bn":
                x = layers.BatchNormalization(momentum=0.9)(x)
            else:
                x = layers.LayerNormalization(epsilon=1e-6)(x)
            x = layers.Activation("gelu")(x)
        if c["stem_pool"] > 1:
            x = layers.MaxPooling1D(c["stem_pool"])(x)
        x = layers.Dense(d)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    if c["pooling"] == "cls":
        x = ClassToken()(x)
    x = AddPosition(c["positional"])(x)
    x = layers.Dropout(c["dropout"])(x)
    nb = c["num_blocks"]
    for i in range(nb):
        dp = c["drop_path"] * (i + 1) / nb
        h = layers.LayerNormalization(epsilon=1e-6)(x)
        h = layers.MultiHeadAttention(c["num_heads"], c["head_size"], dropout=c["attn_dropout"])(h, h)
        h = layers.Dropout(c["dropout"])(h)
        x = layers.Add()([x, DropPath(dp, seed=seed + 10 * i)(h)])
        h = layers.LayerNormalization(epsilon=1e-6)(x)
        h = layers.Dense(c["ff_dim"], activation="gelu")(h)
        h = layers.Dropout(c["dropout"])(h)
        h = layers.Dense(d)(h)
        h = layers.Dropout(c["dropout"])(h)
        x = layers.Add()([x, DropPath(dp, seed=seed + 10 * i + 5)(h)])
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    if c["pooling"] == "cls":
        x = x[:, 0]
    elif c["pooling"] == "attn":
        x = AttentionPool()(x)
    else:
        x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(c["head_dropout"])(x)
    out = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inp, out)


class AugmentedSeries(keras.utils.PyDataset):
    """Per-epoch numpy augmentation of (N, T, 1) series with one-hot labels."""

    def __init__(self, X, Y, cfg, seed=0, **kw):
        super().__init__(**kw)
        self.X, self.Y, self.c = X, Y, {**DEFAULTS, **cfg}
        self.bs = self.c["batch_size"]
        self.rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(len(self.X) / self.bs)

    def on_epoch_end(self):
        self.perm = self.rng.permutation(len(self.X))

    def __getitem__(self, idx):
        c, rng = self.c, self.rng
        ix = self.perm[idx * self.bs:(idx + 1) * self.bs]
        x = self.X[ix].copy()
        y = self.Y[ix].copy()
        n, T = x.shape[0], x.shape[1]
        if c["aug_crop"] > 0:
            for i in range(n):
                L = rng.integers(T - c["aug_crop"], T + 1)
                s = rng.integers(0, T - L + 1)
                seg = x[i, s:s + L, 0]
                x[i, :, 0] = np.interp(np.linspace(0, L - 1, T), np.arange(L), seg)
        if c["aug_shift"] > 0:
            for i in np.nonzero(rng.random(n) < c["aug_shift"])[0]:
                x[i] = np.roll(x[i], rng.integers(0, T), axis=0)
        if c["aug_flip"] > 0:
            m = rng.random(n) < c["aug_flip"]
            x[m] = x[m, ::-1]
        if c["aug_neg"] > 0:
            m = rng.random(n) < c["aug_neg"]
            x[m] = -x[m]
        if c["aug_scale"] > 0:
            x *= np.exp(rng.normal(0, c["aug_scale"], (n, 1, 1))).astype("float32")
        if c["aug_jitter"] > 0:
            x += rng.normal(0, c["aug_jitter"], x.shape).astype("float32")
        if c["mixup"] > 0:
            lam = rng.beta(c["mixup"], c["mixup"], (n, 1, 1)).astype("float32")
            j = rng.permutation(n)
            x = lam * x + (1 - lam) * x[j]
            y = lam[:, :, 0] * y + (1 - lam[:, :, 0]) * y[j]
        if c["cutmix"] > 0 and rng.random() < c["cutmix"]:
            j = rng.permutation(n)
            for i in range(n):
                L = rng.integers(T // 8, T // 2)
                s = rng.integers(0, T - L + 1)
                x[i, s:s + L] = x[j[i], s:s + L]
                lam = L / T
                y[i] = (1 - lam) * y[i] + lam * self.Y[ix][j[i]]
        return x.astype("float32"), y.astype("float32")


def make_optimizer(cfg, steps_per_epoch):
    c = {**DEFAULTS, **cfg}
    total = c["epochs"] * steps_per_epoch
    warm = c["warmup_epochs"] * steps_per_epoch
    if c["schedule"] == "cosine":
        lr = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=c["lr"] * 0.01 if warm else c["lr"],
            decay_steps=max(1, total - warm), alpha=c["min_lr_ratio"],
            warmup_target=c["lr"] if warm else None, warmup_steps=warm)
    else:
        lr = c["lr"]
    return keras.optimizers.AdamW(learning_rate=lr, weight_decay=c["weight_decay"], clipnorm=1.0)


def fit_classifier(Xtr, ytr, cfg, seed=0, Xval=None, yval=None, verbose=0, callbacks=()):
    """Xtr: (N, T) array; ytr: integer labels 0..K-1. Returns (model, history)."""
    c = {**DEFAULTS, **cfg}
    keras.utils.set_random_seed(seed)
    K = int(ytr.max()) + 1
    Xtr3 = Xtr[..., None].astype("float32")
    Ytr = keras.utils.to_categorical(ytr, K)
    model = build_model(Xtr.shape[1], K, c, seed=seed)
    ds = AugmentedSeries(Xtr3, Ytr, c, seed=seed)
    model.compile(optimizer=make_optimizer(c, len(ds)),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=c["label_smoothing"]),
                  metrics=["accuracy"], jit_compile=c["jit_compile"])
    vd = None
    if Xval is not None:
        vd = (Xval[..., None].astype("float32"), keras.utils.to_categorical(yval, K))
    hist = model.fit(ds, epochs=c["epochs"], validation_data=vd, verbose=verbose, callbacks=list(callbacks))
    return model, hist


def predict_proba(model, X, tta=()):
    """X: (N, T). tta: subset of {"flip", "neg"}; averages softmax over the identity and
    the listed transforms (and their combination when both are given)."""
    X3 = X[..., None].astype("float32")
    views = [X3]
    if "flip" in tta:
        views.append(X3[:, ::-1])
    if "neg" in tta:
        views.append(-X3)
    if "flip" in tta and "neg" in tta:
        views.append(-X3[:, ::-1])
    return np.mean([model.predict(v, verbose=0, batch_size=256) for v in views], axis=0)
