"""Minibatches for fit and predict (``sktransformer._batches``)."""

import numpy as np
import pytest

from sktransformer._batches import SeriesBatches


@pytest.mark.parametrize("lengths", [None, np.arange(1, 21)])
def test_training_batches_share_the_series_evenly(lengths):
    # 20 series in batches of at most 16: 10 and 10, not 16 and a batch of 4
    # (noisy BatchNorm statistics and gradient every epoch).
    X, y = np.zeros((20, 20, 1), np.float32), np.arange(20) % 2
    rng = np.random.default_rng(0)
    train = SeriesBatches(X, y, None, np.arange(20), 16, rng, lengths=lengths)
    for _ in range(3):
        assert sorted(len(train[i][0]) for i in range(len(train))) == [10, 10]
        assert sorted(train.order.tolist()) == list(range(20))
        train.on_epoch_end()
    # Prediction batches (no rng) stay full but the last.
    served = SeriesBatches(X, None, None, np.arange(20), 16, lengths=lengths)
    assert sorted(len(served[i][0]) for i in range(len(served))) == [4, 16]
