"""The sktime and aeon adapters: their frameworks' own checks, and real use."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from sktransformer.recommended import STEM_STAGE_FILTERS


def test_the_core_never_imports_sktime_or_aeon():
    code = (
        "import sys, sktransformer, sktransformer.recommended, "
        "sktransformer.benchmark, sktransformer._adapters; "
        "print(sorted({'sktime', 'aeon'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_sktime_check_estimator_passes_completely():
    pytest.importorskip("sktime", reason='the sktime adapter needs ".[sktime]"')
    from sktime.utils.estimator_checks import check_estimator

    from sktransformer.sktime import TransformerClassifier

    # One instance, the recommended configuration (a network that masks
    # padding, which sktime's unequal-length scenarios exercise): the class
    # would run every check once per test configuration, twice the CI time.
    # The seed configuration is checked by scikit-learn's suite.
    params = TransformerClassifier.get_test_params()[1]
    assert params["configuration"] == "recommended"
    # Its checks call predict and predict_proba hundreds of times: one pass
    # each rather than the recommended five shifted ones (the shifts are the
    # estimator's, tested in test_test_time_shifts.py; aeon's suite below
    # runs the adapter with them).
    params = {**params, "params": {**params["params"], "test_time_shifts": 1}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(TransformerClassifier(**params), verbose=False)
    failed = {name: str(err)[:200] for name, err in results.items() if err != "PASSED"}
    assert failed == {}
    assert any("UnequalLength" in name for name in results)
    assert len(results) > 120


def test_aeon_check_estimator_passes_completely():
    pytest.importorskip("aeon", reason='the aeon adapter needs ".[aeon]"')
    from aeon.testing.estimator_checking import check_estimator

    from sktransformer.aeon import TransformerClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(TransformerClassifier)
    failed = {name: str(err)[:200] for name, err in results.items() if err != "PASSED"}
    assert failed == {}
    assert any("check_classifier_output" in name for name in results)


@pytest.mark.parametrize("framework", ["sktime", "aeon"])
def test_configurations_are_reached_by_name(framework, series_data):
    module = pytest.importorskip(f"sktransformer.{framework}")
    X, y = series_data
    X = X.transpose(0, 2, 1)  # the frameworks' (n, channels, timepoints)
    small = {
        "epochs": 1,
        "head_size": 4,
        "num_transformer_blocks": 1,
        "run_eagerly": True,
    }
    seed = module.TransformerClassifier("seed", params=small, random_state=0)
    recommended = module.TransformerClassifier(
        "recommended", params={**small, "embed_dim": 8}, random_state=0
    )
    assert seed.fit(X, y).estimator_.resolved_params_["tokenizer"] == "none"
    fitted = recommended.fit(X, y).estimator_.resolved_params_
    assert (
        fitted["tokenizer"] == "conv"
        and fitted["stem_filters"] == STEM_STAGE_FILTERS[:1]
    )
    with pytest.raises(ValueError, match="Unknown configuration 'FordA'"):
        module.TransformerClassifier("FordA").fit(X, y)
    # params is a dict of the estimator's parameters, said so when it is not.
    with pytest.raises(TypeError, match="params must be a dict"):
        module.TransformerClassifier("seed", params=[("epochs", 1)]).fit(X, y)


def test_used_in_sktime_evaluate_next_to_minirocket():
    pytest.importorskip("sktime", reason='the sktime adapter needs ".[sktime]"')
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import KFold
    from sktime.classification.kernel_based import RocketClassifier
    from sktime.classification.model_evaluation import evaluate
    from sktime.datasets import load_unit_test

    from sktransformer.sktime import TransformerClassifier

    X, y = load_unit_test(return_type="numpy3D")
    cv = KFold(n_splits=2, shuffle=True, random_state=0)  # evaluate splits X only
    scores = {}
    for name, clf in {
        "transformer": TransformerClassifier(
            params={"epochs": 30, "embed_dim": 16, "n_members": 1}, random_state=0
        ),
        "minirocket": RocketClassifier(rocket_transform="minirocket", random_state=0),
    }.items():
        result = evaluate(clf, cv=cv, X=X, y=y, scoring=accuracy_score)
        scores[name] = result["test_accuracy_score"].to_numpy()
    table = pd.DataFrame(scores)
    assert table.shape == (2, 2)
    assert table.to_numpy().min() >= 0.0 and table["transformer"].mean() > 0.6


def test_used_next_to_aeon_minirocket():
    pytest.importorskip("aeon", reason='the aeon adapter needs ".[aeon]"')
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.datasets import load_unit_test
    from sklearn.model_selection import cross_val_score

    from sktransformer.aeon import TransformerClassifier

    X, y = load_unit_test()
    ours = cross_val_score(
        TransformerClassifier(
            params={"epochs": 30, "embed_dim": 16, "n_members": 1}, random_state=0
        ),
        X,
        y,
        cv=2,
    )
    theirs = cross_val_score(MiniRocketClassifier(random_state=0), X, y, cv=2)
    assert ours.shape == theirs.shape == (2,)
    assert np.mean(ours) > 0.6
