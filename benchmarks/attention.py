"""Benchmark: the seed network with Keras MultiHeadAttention vs ScalarSelfAttention.

Runs, side by side on the same FordA batch and the seed configuration
(head_size=256, num_heads=4, ff_dim=4, 4 blocks, mlp_units=(128,), dropout=0.25,
mlp_dropout=0.4):

* ``mha``: the seed network, Keras ``MultiHeadAttention``;
* ``fast``: the same network with
  :class:`sktransformer.network.attention.ScalarSelfAttention`.

Each variant runs in its own subprocess (separate peak memory), compiled as the
estimator compiles it (Adam, sparse categorical cross-entropy, accuracy;
``jit_compile="auto"``, which TensorFlow resolves to no XLA on a CPU-only
machine). Reported per variant: milliseconds per series of a training step
(``model.train_on_batch`` on a batch of 64) and of prediction
(``model.predict_on_batch`` on the same batch), median of ``--repeats`` runs after
one warm-up, the process CPU time of the same runs, and the peak RSS of the
subprocess. A check subprocess builds both networks with the same weights and
compares their predictions and gradients.

Usage::

    python benchmarks/attention.py                 # full run, appends to RESULTS.md
    python benchmarks/attention.py --batch 16 --repeats 3 --no-append   # quick

Parts: ``--parts train,predict`` (default) selects what each variant times. To
add a part (e.g. the estimator's ``fit`` overhead against a raw ``model.fit``),
write a function ``part_<name>(model, X, y, args) -> dict`` returning
``{"ms_per_series": ..., "cpu_ms_per_series": ...}`` (see :func:`part_train`),
register it in :data:`PARTS`, and pass ``--parts train,predict,<name>``.

To benchmark the network built by :mod:`sktransformer.network` instead of the
local builder, :func:`build_network` calls
``build_transformer_classifier(..., fast_attention=...)`` as soon as that
function accepts a ``fast_attention`` argument.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
VARIANTS = ("mha", "fast")

SEED_CONFIG = dict(
    head_size=256,
    num_heads=4,
    ff_dim=4,
    num_transformer_blocks=4,
    mlp_units=(128,),
    dropout=0.25,
    mlp_dropout=0.4,
)


# ---------------------------------------------------------------------- #
# Networks
# ---------------------------------------------------------------------- #
def build_network(variant, input_shape=(500, 1), n_classes=2, config=None):
    """Uncompiled seed network; ``variant`` is ``"mha"`` or ``"fast"``."""
    from sktransformer.network import build_transformer_classifier

    config = dict(SEED_CONFIG if config is None else config)
    return build_transformer_classifier(
        input_shape, n_classes, fast_attention=variant == "fast", **config
    )


def compile_like_estimator(model, jit_compile="auto"):
    """Compile as :class:`sktransformer.TransformerTimeSeriesClassifier` does."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-4),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    return model


def load_batch(args):
    """The first ``args.batch`` FordA training series, labels mapped to 0/1."""
    import numpy as np

    from sktransformer.datasets import load_ucr

    X, y = load_ucr("FordA", data_home=args.data_home)
    X = np.asarray(X, dtype="float32").reshape(len(X), -1, 1)
    y = (np.asarray(y).astype(int) == 1).astype("int32")
    return X[: args.batch], y[: args.batch]


# ---------------------------------------------------------------------- #
# Parts (timed inside a worker subprocess)
# ---------------------------------------------------------------------- #
def _timed(fn, repeats):
    fn()  # warm-up: traces and compiles
    walls, cpus = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), walls


def part_train(model, X, y, args):
    """One optimizer step on the batch (``model.train_on_batch``)."""
    wall, cpu, walls = _timed(lambda: model.train_on_batch(X, y), args.repeats)
    n = len(X)
    return {
        "ms_per_series": 1000 * wall / n,
        "cpu_ms_per_series": 1000 * cpu / n,
        "runs_s": [round(w, 4) for w in walls],
    }


def part_predict(model, X, y, args):
    """Class probabilities of the batch (compiled ``model.predict_on_batch``)."""
    wall, cpu, walls = _timed(lambda: model.predict_on_batch(X), args.repeats)
    n = len(X)
    return {
        "ms_per_series": 1000 * wall / n,
        "cpu_ms_per_series": 1000 * cpu / n,
        "runs_s": [round(w, 4) for w in walls],
    }


#: name -> function(model, X, y, args) -> dict with "ms_per_series".
PARTS = {"train": part_train, "predict": part_predict}


def worker(args):
    """Time one variant (runs in its own process); prints one JSON line."""
    import keras

    keras.utils.set_random_seed(0)
    X, y = load_batch(args)
    model = compile_like_estimator(
        build_network(args.worker), jit_compile=_jit_value(args.jit_compile)
    )
    out = {"variant": args.worker, "parts": {}}
    for part in args.parts:
        out["parts"][part] = PARTS[part](model, X, y, args)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["jit_compile"] = bool(model.jit_compile)
    print("RESULT " + json.dumps(out), flush=True)


def check(args):
    """Same weights, same results: the two networks, and one attention layer.

    Network: both seed networks with the same weights (random nonzero biases)
    on the first ``--check-batch`` FordA series, inference mode: largest
    difference of the class probabilities (relative) and of the gradients of
    the loss with respect to the input and every weight (relative to the
    largest gradient). In the seed network every attention layer reads the
    output of a LayerNormalization over a single channel, a constant series,
    so this mostly checks the plumbing. Layer: one seed-size attention layer
    applied to the FordA series themselves, both float32 layers against
    MultiHeadAttention computed in float64 (gradient errors relative to the
    largest gradient: some weights' gradients are small sums of large terms
    that cancel, where both float32 layers lose relative accuracy alike).
    """
    import keras
    import numpy as np
    import tensorflow as tf  # the benchmark runs on the TensorFlow backend

    from sktransformer.network.attention import ScalarSelfAttention

    keras.utils.set_random_seed(0)
    X, y = load_batch(args)
    X, y = X[: args.check_batch], y[: args.check_batch]
    rng = np.random.default_rng(0)

    def grads_of(fn, variables, inputs):
        x = tf.convert_to_tensor(inputs)
        with tf.GradientTape() as tape:
            tape.watch(x)
            value, loss = fn(x)
        grads = tape.gradient(loss, [x] + list(variables))
        return np.asarray(value), [np.asarray(g, dtype="float64") for g in grads]

    def errors(ref, other, names, per_weight=True):
        """Relative output error and worst relative gradient error (by name).

        Gradient errors are relative to each gradient's largest entry floored
        at 1e-6 of the largest gradient of all (``per_weight``), or to the
        largest gradient of all.
        """
        (v0, g0), (v1, g1) = ref, other
        scale = max(float(np.max(np.abs(a))) for a in g0)
        grad = {
            name: float(np.max(np.abs(a - b)))
            / (max(float(np.max(np.abs(a))), 1e-6 * scale) if per_weight else scale)
            for name, a, b in zip(names, g0, g1, strict=True)
        }
        worst = max(grad, key=grad.get)
        out = float(np.max(np.abs(v0 - v1)) / np.max(np.abs(v0)))
        return out, grad[worst], worst

    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    results = {"n_series": len(X)}

    # Network level: float32 MultiHeadAttention vs ScalarSelfAttention.
    nets = {"mha": build_network("mha"), "fast": build_network("fast")}
    weights = [
        w + 0.1 * rng.standard_normal(w.shape).astype(w.dtype)
        for w in nets["mha"].get_weights()
    ]
    for net in nets.values():
        net.set_weights(weights)

    def net_fn(model):
        def fn(x):
            p = model(x, training=False)
            return p, loss_fn(y, p)

        return fn

    runs = {
        name: grads_of(net_fn(net), net.trainable_weights, X)
        for name, net in nets.items()
    }
    names = ["input"] + [w.path for w in nets["mha"].trainable_weights]
    results["network"] = errors(runs["mha"], runs["fast"], names, per_weight=False)

    # Layer level, on the series themselves.
    cfg = SEED_CONFIG
    kwargs = dict(num_heads=cfg["num_heads"], key_dim=cfg["head_size"])
    layers_ = {
        "ref": keras.layers.MultiHeadAttention(dtype="float64", **kwargs),
        "mha": keras.layers.MultiHeadAttention(**kwargs),
        "fast": ScalarSelfAttention(**kwargs),
    }
    calls = {
        "ref": lambda v: layers_["ref"](v, v),
        "mha": lambda v: layers_["mha"](v, v),
        "fast": lambda v: layers_["fast"](v),
    }
    for name, call in calls.items():
        call(X.astype(layers_[name].compute_dtype))
    weights = [
        w + 0.1 * rng.standard_normal(w.shape).astype(w.dtype)
        for w in layers_["mha"].get_weights()
    ]
    w_out = np.cos(np.arange(X.size)).reshape(X.shape)

    def layer_fn(name):
        def fn(x):
            out = calls[name](x)
            return out, tf.reduce_sum(out * w_out.astype(x.dtype.name))

        return fn

    runs = {}
    for name, layer in layers_.items():
        layer.set_weights([w.astype(layer.compute_dtype) for w in weights])
        runs[name] = grads_of(
            layer_fn(name), layer.trainable_weights, X.astype(layer.compute_dtype)
        )
    names = ["input"] + [
        w.path.split("/", 1)[1] for w in layers_["fast"].trainable_weights
    ]
    for name in ("mha", "fast"):
        results[f"layer_{name}"] = errors(
            runs["ref"], runs[name], names, per_weight=False
        )
    print("RESULT " + json.dumps(results), flush=True)


def profile(args):
    """Stage-by-stage cost of one ScalarSelfAttention layer (seed size).

    Times, on random inputs of shape ``(batch, 500, 1)``, the stages of the
    layer's training step with dropout (the scores and their exponential, the
    dropout noise and mask, the dropout product, the forward row sums, the
    backward contractions) and the whole layer (inference forward, training
    forward, training forward + backward), each compiled with ``tf.function``
    like Keras does without XLA. Prints one JSON line.
    """
    import keras
    import numpy as np
    import tensorflow as tf  # the benchmark runs on the TensorFlow backend
    from keras import ops

    from sktransformer.network import attention as attn

    cfg = SEED_CONFIG
    batch, timepoints, heads = args.batch, 500, cfg["num_heads"]
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((batch, timepoints, 1)).astype("float32"))
    layer = attn.ScalarSelfAttention(
        num_heads=heads, key_dim=cfg["head_size"], dropout=cfg["dropout"], seed=0
    )
    layer(x)
    s = tf.constant(rng.standard_normal((batch, heads, timepoints)).astype("float32"))
    xc = tf.constant(rng.standard_normal((batch, timepoints)).astype("float32"))
    e, lo, hi = attn._exp_scores(s, xc)
    keep = layer._keep_mask(batch, timepoints)
    coefs = tf.constant(
        rng.standard_normal((batch, 4, heads, timepoints)).astype("float32")
    )

    def train_step(v):
        with tf.GradientTape() as tape:
            tape.watch(v)
            loss = ops.sum(layer(v, training=True) ** 2)
        return tape.gradient(loss, [v] + layer.trainable_weights)

    stages = {
        "scores: exp(s_i x_j - m_i)": (lambda: attn._exp_scores(s, xc)[0]),
        "dropout random words (randint)": (
            lambda: keras.random.randint(
                (batch, 1, timepoints, 1, timepoints // 2),
                0,
                2**30,
                dtype="int32",
                seed=layer.seed_generator,
            )
        ),
        "dropout words + keep mask": (lambda: layer._keep_mask(batch, timepoints)),
        "kept = minimum(e, keep codes)": (lambda: ops.minimum(e, keep)),
        "row sums e @ moments (4 columns)": (
            lambda: ops.matmul(e, attn._moments(xc, lo, hi, 1))
        ),
        "row sums kept @ moments (7 columns)": (
            lambda: ops.matmul(e, attn._moments(xc, lo, hi, 2))
        ),
        "backward contraction, one of two (4 rows)": (
            lambda: attn._contract_rows(e, coefs)
        ),
        "layer: inference forward": (lambda: layer(x, training=False)),
        "layer: training forward": (lambda: layer(x, training=True)),
        "layer: training forward + backward": (lambda: train_step(x)),
    }
    out = {}
    for name, fn in stages.items():
        compiled = tf.function(fn)
        wall, cpu, _ = _timed(
            lambda c=compiled: [np.asarray(t) for t in tf.nest.flatten(c())],
            args.repeats,
        )
        out[name] = {"wall_ms": 1000 * wall, "cpu_ms": 1000 * cpu}
    print("RESULT " + json.dumps({"batch": batch, "stages": out}), flush=True)


# ---------------------------------------------------------------------- #
# Driver
# ---------------------------------------------------------------------- #
def _jit_value(text):
    return {"auto": "auto", "true": True, "false": False}[text.lower()]


def _run_subprocess(extra, args):
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        *extra,
        "--batch",
        str(args.batch),
        "--repeats",
        str(args.repeats),
        "--parts",
        ",".join(args.parts),
        "--jit-compile",
        args.jit_compile,
        "--check-batch",
        str(args.check_batch),
    ]
    if args.data_home:
        cmd += ["--data-home", args.data_home]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(
        f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    )


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info():
    import keras
    import numpy as np

    info = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
    }
    try:
        import tensorflow as tf

        info["tensorflow"] = tf.__version__
    except ImportError:  # pragma: no cover - other backends
        info["tensorflow"] = "not installed"
    return info


def _load():
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help="comma-separated subset of: mha, fast",
    )
    parser.add_argument(
        "--parts",
        default="train,predict",
        help=f"comma-separated subset of: {', '.join(PARTS)}",
    )
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--check-batch",
        type=int,
        default=16,
        help="series in the prediction/gradient equality check",
    )
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument(
        "--jit-compile", default="auto", help="auto (estimator default), true or false"
    )
    parser.add_argument(
        "--data-home",
        default=None,
        help="folder holding UCR/FordA (default: SKTRANSFORMER_DATA, else the cache)",
    )
    parser.add_argument(
        "--no-append",
        action="store_true",
        help=f"do not append the table to {RESULTS.name}",
    )
    parser.add_argument("--worker", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also time the stages of one ScalarSelfAttention layer",
    )
    parser.add_argument("--profile-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.parts = [p for p in args.parts.split(",") if p]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {sorted(unknown)}")
    if args.worker:
        return worker(args)
    if args.check:
        return check(args)
    if args.profile_worker:
        return profile(args)

    variants = [v for v in args.variants.split(",") if v]
    command = "python benchmarks/attention.py " + " ".join(
        a for a in (argv if argv is not None else sys.argv[1:])
    )
    info = machine_info()
    load_before = _load()
    started = time.perf_counter()
    results = {}
    for variant in variants:
        print(f"[{variant}] running...", flush=True)
        results[variant] = _run_subprocess(["--worker", variant], args)
        print(f"[{variant}] {json.dumps(results[variant])}", flush=True)
    checked = None
    if not args.no_check:
        print("[check] running...", flush=True)
        checked = _run_subprocess(["--check"], args)
        print(f"[check] {json.dumps(checked)}", flush=True)
    profiled = None
    if args.profile:
        print("[profile] running...", flush=True)
        profiled = _run_subprocess(["--profile-worker"], args)
        print(f"[profile] {json.dumps(profiled)}", flush=True)
    load_after = _load()
    elapsed = time.perf_counter() - started
    table = render(
        results,
        checked,
        info,
        args,
        command.strip(),
        load_before,
        load_after,
        elapsed,
        profiled,
    )
    print()
    print(table)
    if not args.no_append:
        from sktransformer.benchmark.report import append_to_results

        append_to_results(RESULTS, table)
        print(f"\nappended to {RESULTS}")


def render(
    results,
    checked,
    info,
    args,
    command,
    load_before,
    load_after,
    elapsed,
    profiled=None,
):
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines = [
        f"## {now}: seed network, MultiHeadAttention vs ScalarSelfAttention",
        "",
        f"Command: `{command or 'python benchmarks/attention.py'}` "
        f"({elapsed:.0f} s in all)",
        "",
        f"Machine: {info['cores']} cores, {info['cpu']}; backend {info['backend']}; "
        f"python {info['python']}, numpy {info['numpy']}, keras {info['keras']}, "
        f"tensorflow {info['tensorflow']}. Load average (1/5/15 min) before: "
        f"{load_before}, after: {load_after}.",
        "",
        f"FordA, first {args.batch} training series, seed configuration; "
        f"median of {args.repeats} runs after a warm-up; jit_compile="
        f"{args.jit_compile} (resolved: "
        + ", ".join(f"{v}={r.get('jit_compile')}" for v, r in results.items())
        + "). CPU = process CPU time (all threads).",
        "",
        "| part | variant | ms/series (wall) | ms/series (CPU) | speed-up (wall) "
        "| speed-up (CPU) | peak RSS (MiB) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    base = results.get("mha")
    for part in args.parts:
        for variant, res in results.items():
            r = res["parts"][part]
            if base is not None and variant != "mha":
                b = base["parts"][part]
                up = f"{b['ms_per_series'] / r['ms_per_series']:.1f}x"
                up_cpu = f"{b['cpu_ms_per_series'] / r['cpu_ms_per_series']:.1f}x"
            else:
                up = up_cpu = "1.0x" if variant == "mha" else "-"
            lines.append(
                f"| {part} | {variant} | {r['ms_per_series']:.2f} | "
                f"{r['cpu_ms_per_series']:.2f} | {up} | {up_cpu} | "
                f"{res['peak_rss_mib']:.0f} |"
            )
    if checked is not None:
        c = checked
        net, lm, lf = c["network"], c["layer_mha"], c["layer_fast"]
        lines += [
            "",
            f"Same results (same weights, random biases, {c['n_series']} FordA "
            "series, inference mode). Whole network, ScalarSelfAttention vs "
            f"MultiHeadAttention: max relative probability difference {net[0]:.1e},"
            f" max gradient difference {net[1]:.1e} of the largest gradient "
            f"({net[2]}). One seed-size attention layer on the series, error "
            "against MultiHeadAttention in float64 (relative output error / "
            "worst gradient error relative to the largest gradient): "
            f"MultiHeadAttention {lm[0]:.1e} / {lm[1]:.1e} ({lm[2]}), "
            f"ScalarSelfAttention {lf[0]:.1e} / {lf[1]:.1e} ({lf[2]}).",
        ]
    if profiled is not None:
        lines += [
            "",
            f"Profile of one ScalarSelfAttention layer (batch {profiled['batch']}, "
            "T=500, 4 heads, dropout 0.25; each stage compiled alone, median of "
            f"{args.repeats}):",
            "",
            "| stage | wall ms | CPU ms |",
            "|---|---:|---:|",
        ]
        for name, r in profiled["stages"].items():
            lines.append(f"| {name} | {r['wall_ms']:.1f} | {r['cpu_ms']:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
