"""The recommended configuration for univariate problems such as FordA.

A convolutional stem turns the series into 63 tokens of width 64 (for length
500), three pre-norm blocks attend over them, and the tokens are averaged.
Training uses random roll / time reversal / sign flip of the series, AdamW with
a warm-up and cosine decay, label smoothing and 60 epochs on all the training
series (no hold-out). Chosen on a stratified 20% validation split of FordA's
training set only (``benchmarks/forda_study``, ``benchmarks/forda_validation.py``:
60 epochs scored 0.9556 / 0.9584 there against 0.9515 / 0.9556 for 40, seeds
0 / 1); its test accuracy is measured by ``python -m sktransformer.benchmark``
and recorded in ``benchmarks/RESULTS.md``.

>>> from sktransformer import TransformerTimeSeriesClassifier
>>> from sktransformer.recommended import RECOMMENDED_PARAMS
>>> clf = TransformerTimeSeriesClassifier(**RECOMMENDED_PARAMS)
"""

__all__ = ["RECOMMENDED_PARAMS"]

#: Copy-paste parameter set (also in the README).
RECOMMENDED_PARAMS: dict = {
    "tokenizer": "conv",
    "stem_filters": (32, 64, 128),
    "embed_dim": 64,
    "position_embedding": "learned",
    "num_transformer_blocks": 3,
    "num_heads": 4,
    "head_size": 16,
    "ff_dim": 128,
    "ff_activation": "gelu",
    "dropout": 0.1,
    "attention_dropout": 0.0,
    "drop_path": 0.1,
    "final_norm": True,
    "pooling": "tokens",
    "mlp_units": (),
    "mlp_dropout": 0.2,
    "augmentation": ("roll", "reverse", "negate"),
    "learning_rate": 1e-3,
    "weight_decay": 0.05,
    "clipnorm": 1.0,
    "lr_schedule": "cosine",
    "warmup_epochs": 3,
    "label_smoothing": 0.1,
    "batch_size": 64,
    "epochs": 60,
    "validation_split": 0.0,
    "early_stopping": False,
}
