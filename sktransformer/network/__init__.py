"""The pure-Keras network: no scikit-learn here, any Keras 3 backend.

- :mod:`~sktransformer.network.builder`: :func:`build_transformer_classifier`,
  the seed's Transformer encoder classifier and its options.
- :mod:`~sktransformer.network.attention`: :class:`ScalarSelfAttention`, the
  closed-form attention for width-1 streams.
- :mod:`~sktransformer.network.layers`: augmentation, positions, stochastic depth.
- :mod:`~sktransformer.network.losses`: the label-smoothed sparse cross-entropy.
- :mod:`~sktransformer.network.callbacks`: the atomic checkpoint.

The estimator (:mod:`sktransformer.classifier`) builds, compiles and trains
what this package defines.
"""

from .attention import ScalarSelfAttention
from .builder import (
    AUGMENTATIONS,
    NETWORK_OPTIONS,
    POOLINGS,
    POSITION_EMBEDDINGS,
    TOKEN_POOLINGS,
    TOKENIZERS,
    adapt_network,
    build_transformer_classifier,
    iter_layers,
    tokenize,
    transformer_encoder,
)

__all__ = [
    "AUGMENTATIONS",
    "NETWORK_OPTIONS",
    "POOLINGS",
    "POSITION_EMBEDDINGS",
    "TOKEN_POOLINGS",
    "TOKENIZERS",
    "ScalarSelfAttention",
    "adapt_network",
    "build_transformer_classifier",
    "iter_layers",
    "tokenize",
    "transformer_encoder",
]
