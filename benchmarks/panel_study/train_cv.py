"""Score candidate configurations by cross-validation inside UCR *training* sets.

    python benchmarks/panel_study/train_cv.py --datasets ArrowHead BME \
        --configs rec60 steps --folds 3
    python benchmarks/panel_study/train_cv.py --summary

Every choice of the adaptive recommended configuration was made with this
script: stratified folds of each problem's TRAIN split (the TEST split is never
read). MiniRocket (sktime) is scored on the same folds as the reference. One
JSON line per (dataset, config, fold) is appended to ``results.jsonl`` beside
this file.
"""

import argparse
import json
import math
import os
import time
import warnings
from pathlib import Path

import keras
import numpy as np
from sklearn.model_selection import StratifiedKFold

import sktransformer.classifier as _classifier
import sktransformer.network.builder as _builder
from sktransformer import TransformerTimeSeriesClassifier
from sktransformer._batches import SeriesBatches
from sktransformer._validation import series_lengths
from sktransformer.benchmark.run import _bundled_ts, equal_length
from sktransformer.datasets import load_ucr, read_ts, ucr_path
from sktransformer.network.layers import SeriesStandardization
from sktransformer.recommended import (
    RECOMMENDED_PARAMS,
    TrainingSet,
    recommended_params,
    resolve_auto,
)

RESULTS = Path(__file__).parent / "results.jsonl"

# Prototype (config "ens-ms"): the members of an ensemble see the series at
# three scales, stems of one stride-2 stage fewer, the rule's, and one more
# (shifted down where the rule's is already the deepest).
_STAGES = (32, 64, 128, 128)
_build = _classifier.build_transformer_classifier


def _multiscale_build(input_shape, n_classes, unequal_lengths=False, **options):
    members = options.pop("n_members")
    if members == 1:
        return _build(input_shape, n_classes, unequal_lengths, **options)
    from sktransformer.network.builder import _single_network
    from sktransformer.network.layers import MemberAverage

    s = len(options.pop("stem_filters"))
    top = min(max(s + 1, 2), len(_STAGES))
    stems = [_STAGES[:d] for d in range(top - 2, top + 1)]
    steps, channels = input_shape
    any_length = unequal_lengths and options["pooling"] == "tokens"
    inputs = keras.Input(shape=(None if any_length else steps, channels), name="series")
    outs = [
        _single_network(
            input_shape,
            n_classes,
            unequal_lengths,
            name=f"member{k}",
            stem_filters=stem,
            **options,
        )(inputs)
        for k, stem in enumerate(stems[:members])
    ]
    return keras.Model(inputs, MemberAverage(name="probabilities")(outs))


# Prototype (config "stem-ln", stop 34): the stem's stages normalise each time
# step over its channels (LayerNormalization) instead of over the batch, so a
# series' tokens do not depend on the few others of its batch (small sets
# train on batches of 10 to 16 series).
_stem_stage = _builder._stem_stage


def _stem_stage_ln(x, lengths, filters, kernel_size, stride, name):
    from keras import layers

    from sktransformer.network.masking import ApplyMask, TokenLengths

    left = (kernel_size - 1) // 2
    if lengths is None:
        x = layers.Conv1D(
            filters, kernel_size, strides=stride, padding="same", name=f"{name}_conv"
        )(x)
    else:
        x = layers.ZeroPadding1D((left, kernel_size - 1 - left), name=f"{name}_pad")(x)
        x = layers.Conv1D(filters, kernel_size, strides=stride, name=f"{name}_conv")(x)
        lengths = TokenLengths("conv", stride, name=f"{name}_lengths")(lengths)
    x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm")(x)
    x = layers.Activation("gelu", name=f"{name}_gelu")(x)
    if lengths is None:
        return x, None
    return ApplyMask(name=f"{name}_mask")(x, lengths), lengths


def _with_length(X):
    """Prototype ("len-chan"): log of each series' length as one more channel.

    NaN where the series is padding, so the network's masks are unchanged.
    """
    lengths = series_lengths(X)
    channel = np.full(X.shape[:2] + (1,), np.nan, dtype=X.dtype)
    for i, length in enumerate(lengths):
        channel[i, :length] = np.log(length)
    return np.concatenate([X, channel], axis=2)


def _stages(T):
    return int(min(max(math.floor(math.log2(T / 32)), 1), 4))


def _steps_params(n, T, k, steps=1500, aug=("roll", "reverse", "negate"), tok=True):
    batch = int(min(64, max(8, 2 ** round(math.log2(max(n / 8, 1))))))
    per_epoch = math.ceil(n / batch)
    params = dict(REC60)
    params.update(
        batch_size=batch,
        epochs=max(1, math.ceil(steps / per_epoch)),
        warmup_epochs=max(1, math.ceil(steps / per_epoch)) * 0.05,
        augmentation=aug,
    )
    if tok:
        params["stem_filters"] = (32, 64, 128, 128)[: _stages(T)]
    return params


# The FordA-tuned recipe before the "auto" rules (issue 9's starting point).
REC60 = {
    **RECOMMENDED_PARAMS,
    "stem_filters": (32, 64, 128),
    "batch_size": 64,
    "epochs": 60,
    "warmup_epochs": 3,
    "augmentation": ("roll", "reverse", "negate"),
}


def _full_budget(n, T, k, members):
    """``members`` networks, each with the optimizer steps of one (members x cost)."""
    one = resolve_auto(
        {**recommended_params(), "n_members": 1}, TrainingSet(n, T, 1, k)
    )
    return {**recommended_params(), "n_members": members, "epochs": one["epochs"]}


def _more_steps(n, T, k, factor):
    """The recommended configuration with ``factor`` times its optimizer steps."""
    one = resolve_auto(recommended_params(), TrainingSet(n, T, 1, k))
    epochs = min(math.ceil(one["epochs"] * factor), 1500)
    return {**recommended_params(), "epochs": epochs}


def _train_split(dataset):
    """The TRAIN split alone, from the UCR TSVs or the .ts bundled with aeon/sktime."""
    if ucr_path(dataset, "train").is_file():
        return load_ucr(dataset, "train")
    return read_ts(_bundled_ts(dataset, "train"))


CONFIGS = {
    # The recommended configuration of the current code, and variations of it.
    "rec": lambda n, T, k: recommended_params(),
    # Ensembles sharing the recommended budget ("epochs='auto'"), and with the
    # budget of one network each.
    "ens3": lambda n, T, k: {**recommended_params(), "n_members": 3},
    "ens5": lambda n, T, k: {**recommended_params(), "n_members": 5},
    "ens3-full": lambda n, T, k: _full_budget(n, T, k, 3),
    # The same after n_members became "auto" (3 for small sets): "ens3-full"
    # then resolved one network's epochs with the ensemble's shared budget.
    "full3": lambda n, T, k: _full_budget(n, T, k, 3),
    # "ens3" after the stem rule went to 16 tokens (rows of "ens3" are of the
    # 32-token rule).
    "ens3-16": lambda n, T, k: {**recommended_params(), "n_members": 3},
    # Twice the recommended budget (6,000 steps), within the 1,500-epoch cap.
    "steps6k": lambda n, T, k: _more_steps(n, T, k, 2),
    # Stem stages that keep at least 64 tokens (the rule kept 32 then).
    "tok64": lambda n, T, k: {
        **recommended_params(),
        "stem_filters": (32, 64, 128, 128)[
            : int(min(max(math.floor(math.log2(T / 64)), 1), 4))
        ],
    },
    # ... and at least 16 (one stage more than the rule where the length allows).
    "tok16": lambda n, T, k: {
        **recommended_params(),
        "stem_filters": (32, 64, 128, 128)[
            : int(min(max(math.floor(math.log2(T / 16)), 1), 4))
        ],
    },
    # ... and at least 8, with a fifth stage (128 filters) where the length
    # allows; scored as given and shifted, like "notta".
    "tok8": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "stem_filters": (32, 64, 128, 128, 128)[
            : int(min(max(math.floor(math.log2(T / 8)), 1), 5))
        ],
    },
    # The recommended stem's stages at half the filters (16, 32, 64, 64): the
    # stem is most of the network's arithmetic on long series (a cheaper fit).
    # Adopted at stop 31: rows of "rec", "notta" etc. from then on have it.
    "stem-half": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "stem_filters": (16, 32, 64, 64)[
            : int(min(max(math.floor(math.log2(T / 8)), 1), 4))
        ],
    },
    # The stem before stop 31 (32, 64, 128, 128 filters), the reference for
    # "stem-half" once that became the recommended one.
    "stem-wide": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "stem_filters": (32, 64, 128, 128)[
            : int(min(max(math.floor(math.log2(T / 8)), 1), 4))
        ],
    },
    # Stronger regularisation (issue 9: "regularisation from the size of the
    # data"), tried on the small problems first: dropout and stochastic depth
    # at 0.3 instead of 0.1.
    "reg-strong": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "dropout": 0.3,
        "drop_path": 0.3,
    },
    # Fixed sinusoidal positions (ConvTran's kind) or none, instead of learned
    # ones: a learned table of positions is fitted from very few series on the
    # small problems.
    "pos-sin": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "position_embedding": "sinusoidal",
    },
    "pos-none": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "position_embedding": "none",
    },
    # Stop 35: a learned bias per head and offset between tokens in every
    # attention layer (T5, ConvTran's eRPE) instead of a table of absolute
    # positions: shift-equivariant attention for small training sets.
    "pos-rel": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "position_embedding": "relative",
    },
    # Stop 35: stem convolutions twice as long (15 time points at each
    # stage): the first stage sees twice as much of a cycle of PLAID's
    # currents, the tokens a receptive field twice as wide.
    "stem-k15": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "stem_kernel_size": 15,
    },
    # Training batches of near-equal sizes (SeriesBatches.EVEN_SIZES): a fold
    # of 20 series in batches of 16 trained on 16 and 4 series every epoch,
    # the 4 with noisy BatchNorm statistics and gradient. Adopted at stop 33;
    # "uneven-batches" is the former batching (full batches, then the rest),
    # the only configuration main() runs with EVEN_SIZES = False.
    "even-batches": lambda n, T, k: {**recommended_params(), "test_time_shifts": 1},
    "uneven-batches": lambda n, T, k: {**recommended_params(), "test_time_shifts": 1},
    # The maximum over tokens beside their average (ROCKET's max feature):
    # whether a pattern occurs anywhere, which an average of 8 to 80 tokens
    # dilutes (spectra's peaks, PLAID's current spikes).
    # Stop 34: the per-series scaled channels plus each series at its own
    # amplitude, log-compressed (MiniRocket's raw view of PLAID's currents).
    "norm-asinh": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "input_norm": "series+asinh",
    },
    # The same with the compressed channels of the series as given, level
    # included (SeriesStandardization.ASINH_CENTRED = False, the layer's
    # default since; "norm-asinh" sets it to True).
    "norm-asinh-level": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "input_norm": "series+asinh",
    },
    "stem-ln": lambda n, T, k: {**recommended_params(), "test_time_shifts": 1},
    "pool-max": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "pooling": "tokens-max",
    },
    # Stem stages from the 10th percentile of the lengths (not the median), and
    # none where even that is shorter than 32: short series of an
    # unequal-length set keep 16 tokens too (equal lengths: as "rec").
    "tok-p10": lambda n, T, k, T10=None: {
        **recommended_params(),
        "stem_filters": (32, 64, 128, 128)[
            : int(min(max(math.floor(math.log2((T10 or T) / 16)), 0), 4))
        ],
    },
    # The recommended network with every stage of the stem at stride 1 / 2.
    "stride1": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "stem_stride": 1,
    },
    "stride2": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "stem_stride": 2,
    },
    # The recommended network with the log-length as a channel (_with_length).
    "len-chan": lambda n, T, k: recommended_params(),
    # Members at three scales (see _multiscale_build).
    "ens-ms": lambda n, T, k: {**recommended_params(), "n_members": 3},
    # Without "shift": where a feature lies may carry the class (spectra).
    "rec-noshift": lambda n, T, k: {
        **recommended_params(),
        "augmentation": ("scale", "jitter"),
    },
    # Each channel's first difference as an extra channel (MultiRocket's
    # second representation).
    "diff": lambda n, T, k: {**recommended_params(), "differences": True},
    # Mixup (each training series mixed with another of its batch).
    "mixup": lambda n, T, k: {**recommended_params(), "mixup": 0.4},
    # The recommended network predicting on the series as given (the
    # recommended configuration before test_time_shifts=5); scored with
    # --test-time-shifts 1 5 9 as "notta", "notta+tta5", "notta+tta9".
    "notta": lambda n, T, k: {**recommended_params(), "test_time_shifts": 1},
    # An exponential moving average of the weights (Keras' optimizer EMA).
    "rec-ema": lambda n, T, k: {**recommended_params(), "ema_momentum": 0.99},
    # A network of half the width (LITE: small networks suffice).
    "rec-small": lambda n, T, k: {
        **recommended_params(),
        "embed_dim": 32,
        "head_size": 8,
        "ff_dim": 64,
    },
    # With time warping (a random stretch or squeeze within 10%).
    "warp": lambda n, T, k: {
        **recommended_params(),
        "augmentation": ("shift", "warp", "scale", "jitter"),
    },
    "rec-noscale": lambda n, T, k: {
        **recommended_params(),
        "augmentation": ("shift", "jitter"),
    },
    # Stop 36: under input_norm="series" the scaled channels do not change
    # when a series is multiplied by a factor, so the "scale" augmentation
    # only perturbs the level and scale channels, the amplitude that tells
    # PLAID's appliances apart. Without it.
    "noscale": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "augmentation": ("shift", "jitter"),
    },
    # Stop 36, a wider look at PLAID (537 series, the one problem of issue 10
    # behind MiniRocket inside TRAIN): one stem stage fewer than the rule
    # (twice the tokens); a learning rate three times higher.
    "stem-less": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "stem_filters": (16, 32, 64, 64)[
            : int(min(max(math.floor(math.log2(T / 8)), 1), 4)) - 1 or 1
        ],
    },
    "lr3e-3": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "learning_rate": 3e-3,
    },
    # The learning rate in proportion to the batch size (the linear scaling
    # rule, with the recommended 5% warm-up): 1e-3 at the smallest batches
    # (16, the small sets, unchanged), 2e-3 at 32, 4e-3 at 64.
    "lr-lin": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "learning_rate": 1e-3
        * resolve_auto(recommended_params(), TrainingSet(n, T, 1, k))["batch_size"]
        / 16,
    },
    # Without dropout and stochastic depth (stopped after one fold, scored
    # without the shifts).
    "drop0": lambda n, T, k: {
        **recommended_params(),
        "test_time_shifts": 1,
        "dropout": 0.0,
        "drop_path": 0.0,
    },
    "rec-norm": lambda n, T, k: {**recommended_params(), "input_norm": "series"},
    # The same after SeriesStandardization batch-normalised its level and
    # scale channels (commit 2d1c6b3), then standardised them with statistics
    # adapted to the training series (847435c). Rows of "rec-norm" are from
    # the layer before both.
    "norm-bn": lambda n, T, k: {**recommended_params(), "input_norm": "series"},
    "norm-adapt": lambda n, T, k: {**recommended_params(), "input_norm": "series"},
    "rec60": lambda n, T, k: dict(REC60),
    "steps": lambda n, T, k: _steps_params(n, T, k, tok=False),
    "steps-tok": lambda n, T, k: _steps_params(n, T, k),
    "steps-tok-noaug": lambda n, T, k: _steps_params(n, T, k, aug=None),
    "steps-tok-roll": lambda n, T, k: _steps_params(n, T, k, aug=("roll",)),
    "steps-tok-1block": lambda n, T, k: {
        **_steps_params(n, T, k),
        "num_transformer_blocks": 1,
    },
    "steps-tok-safe": lambda n, T, k: _steps_params(
        n, T, k, aug=("shift", "scale", "jitter")
    ),
    "steps-tok-safe-roll": lambda n, T, k: _steps_params(
        n, T, k, aug=("shift", "scale", "jitter", "roll")
    ),
    "safe-ema": lambda n, T, k: {
        **_steps_params(n, T, k, aug=("shift", "scale", "jitter")),
        "ema_momentum": 0.99,
    },
    "safe-3k": lambda n, T, k: _steps_params(
        n, T, k, steps=3000, aug=("shift", "scale", "jitter")
    ),
    "safe-small": lambda n, T, k: {
        **_steps_params(n, T, k, aug=("shift", "scale", "jitter")),
        "embed_dim": 32,
        "head_size": 8,
        "ff_dim": 64,
    },
    "steps-tok-ema": lambda n, T, k: {**_steps_params(n, T, k), "ema_momentum": 0.99},
    "small-noaug": lambda n, T, k: {
        **_steps_params(n, T, k, aug=None),
        "embed_dim": 32,
        "num_transformer_blocks": 2,
        "head_size": 8,
        "ff_dim": 64,
    },
}


def _minirocket(seed):
    from sktime.classification.kernel_based import RocketClassifier

    return RocketClassifier(rocket_transform="minirocket", random_state=seed)


def summary():
    """Mean validation accuracy per problem and configuration, as Markdown."""
    scores = _latest_scores()
    print("| problem | configuration | folds | mean validation accuracy | per fold |")
    print("|---|---|---|---|---|")
    for (dataset, config), folds in sorted(scores.items()):
        values = [folds[k] for k in sorted(folds)]
        print(
            f"| {dataset} | {config} | {len(values)} | {np.mean(values):.3f} "
            f"| {' '.join(f'{v:.3f}' for v in values)} |"
        )


def _latest_scores():
    """``{(dataset, config): {(fold, seed): val_acc}}``, the latest row of each."""
    scores = {}
    for line in RESULTS.read_text().splitlines():
        row = json.loads(line)
        scores.setdefault((row["dataset"], row["config"]), {})[
            (row["fold"], row["seed"])
        ] = row["val_acc"]
    return scores


def compare(reference, candidate):
    """Two configurations on the folds and seeds both were scored on, as Markdown.

    ``reference`` and ``candidate`` are lists of configuration names: a fold
    scored under several names takes the last name's score (for a
    configuration renamed between stops).
    """
    scores = _latest_scores()

    def folds(dataset, names):
        merged = {}
        for name in names:
            merged.update(scores.get((dataset, name), {}))
        return merged

    print("| problem | folds | reference | candidate | difference (points) |")
    print("|---|---|---|---|---|")
    differences = []
    for dataset in sorted({d for d, _ in scores}):
        ref, cand = folds(dataset, reference), folds(dataset, candidate)
        common = sorted(set(ref) & set(cand))
        if not common:
            continue
        a = np.mean([ref[k] for k in common])
        b = np.mean([cand[k] for k in common])
        differences.append(b - a)
        print(
            f"| {dataset} | {len(common)} | {a:.3f} | {b:.3f} | {100 * (b - a):+.1f} |"
        )
    if differences:
        d = np.asarray(differences)
        print(
            f"\n{len(d)} problems: mean difference {100 * d.mean():+.2f} points; "
            f"candidate better on {int((d > 1e-9).sum())}, worse on "
            f"{int((d < -1e-9).sum())}."
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--summary", action="store_true", help="print the table")
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("REFERENCE", "CANDIDATE"),
        help="compare two configurations on the folds both were scored on; "
        "each may be several names joined by commas (one configuration "
        "recorded under several names)",
    )
    parser.add_argument("--datasets", nargs="+", default=[])
    parser.add_argument("--configs", nargs="*", default=["steps-tok"])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--max-folds", type=int, default=None)
    parser.add_argument(
        "--only-folds", type=int, nargs="+", default=None, help="run these folds only"
    )
    parser.add_argument("--minirocket", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--test-time-shifts",
        type=int,
        nargs="+",
        default=None,
        help="score each fitted network with these test_time_shifts (one fit; "
        "default: the configuration's own); rows of k > 1 are named "
        "'<config>+tta<k>'",
    )
    parser.add_argument(
        "--n-threads", type=int, default=None, help="for two runs side by side"
    )
    args = parser.parse_args()
    if args.summary:
        return summary()
    if args.compare:
        return compare(*(names.split(",") for names in args.compare))
    warnings.simplefilter("ignore")
    for dataset in args.datasets:
        # The TRAIN split only (UCR TSVs, else the .ts bundled with aeon or
        # sktime): (n, timepoints, channels), unequal lengths NaN-padded.
        X, y = _train_split(dataset)
        folds = StratifiedKFold(args.folds, shuffle=True, random_state=0)
        splits = list(folds.split(X, y))[: args.max_folds]
        names = (["minirocket"] if args.minirocket else []) + list(args.configs)
        for name in names:
            for fold, (fit_i, val_i) in enumerate(splits):
                if args.only_folds is not None and fold not in args.only_folds:
                    continue
                # Unequal lengths: the rules see the median length, as in fit.
                n, T = len(fit_i), int(np.median(series_lengths(X[fit_i])))
                k = len(np.unique(y[fit_i]))
                if name == "minirocket":
                    clf = _minirocket(args.seed)
                    Xf = equal_length(X[fit_i].transpose(0, 2, 1))
                    Xv = equal_length(X[val_i].transpose(0, 2, 1))
                    cfg = {}
                else:
                    if name == "tok-p10":
                        lengths = series_lengths(X[fit_i])
                        cfg = CONFIGS[name](n, T, k, int(np.percentile(lengths, 10)))
                    else:
                        cfg = CONFIGS[name](n, T, k)
                    clf = TransformerTimeSeriesClassifier(
                        **cfg, random_state=args.seed, n_threads=args.n_threads
                    )
                    Xf, Xv = X[fit_i], X[val_i]
                    if name == "len-chan":
                        Xf, Xv = _with_length(Xf), _with_length(Xv)
                _classifier.build_transformer_classifier = (
                    _multiscale_build if name == "ens-ms" else _build
                )
                SeriesBatches.EVEN_SIZES = name != "uneven-batches"
                SeriesStandardization.ASINH_CENTRED = name == "norm-asinh"
                _builder._stem_stage = (
                    _stem_stage_ln if name == "stem-ln" else _stem_stage
                )
                tic = time.perf_counter()
                clf.fit(Xf, y[fit_i])
                fit_s = time.perf_counter() - tic
                resolved = getattr(clf, "resolved_params_", cfg)
                scorings = [None]
                if name != "minirocket" and args.test_time_shifts:
                    scorings = args.test_time_shifts
                for shifts in scorings:
                    if shifts is not None:
                        clf.set_params(test_time_shifts=shifts)
                    acc = float(np.mean(clf.predict(Xv) == y[val_i]))
                    label = name if shifts in (None, 1) else f"{name}+tta{shifts}"
                    row = {
                        "dataset": dataset,
                        "config": label,
                        "fold": fold,
                        "seed": args.seed,
                        "val_acc": round(acc, 4),
                        "fit_s": round(fit_s, 1),
                        "n_fit": int(n),
                        "epochs": resolved.get("epochs"),
                        "batch_size": resolved.get("batch_size"),
                        "load": round(os.getloadavg()[0], 2),
                    }
                    print(json.dumps(row), flush=True)
                    with open(RESULTS, "a", encoding="utf-8") as f:
                        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
