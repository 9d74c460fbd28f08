"""Distributed tuning: the same search on a Dask cluster through joblib.

A ``LocalCluster`` of 2 worker processes on the loopback interface stands in
for a real cluster; the search runs with joblib's ``dask`` backend, exactly as
the README shows, and must give the local run's results.
"""

import numpy as np
import pytest
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV

from sktransformer import TransformerTimeSeriesClassifier

from .conftest import TINY

distributed = pytest.importorskip(
    "dask.distributed",
    reason="dask.distributed is optional: pip install -e '.[dask]' (CI installs it)",
)


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _search():
    return GridSearchCV(
        TransformerTimeSeriesClassifier(**TINY, random_state=0),
        # Two candidates: what is tested is where the fits run, not the grid.
        {"learning_rate": [1e-2, 3e-2]},
        cv=2,
    )


def test_search_on_a_dask_cluster_matches_the_local_search(series_data, client):
    X, y = series_data
    local = _search().fit(X, y)
    with parallel_backend("dask"):
        remote = _search().fit(X, y)
    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
    # The fits ran on the cluster's workers, not in this process.
    assert len(client.scheduler_info()["workers"]) == 2
    np.testing.assert_array_equal(remote.predict_proba(X), local.predict_proba(X))
