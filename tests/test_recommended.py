"""The recommended configuration: "auto" parameters resolved from the data."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sktransformer import TransformerTimeSeriesClassifier
from sktransformer.network import NETWORK_OPTIONS
from sktransformer.recommended import (
    AUTO_PARAMETERS,
    STEM_STAGE_FILTERS,
    TrainingSet,
    recommended_params,
    resolve_auto,
)

from .conftest import TINY

# The recommended network, shrunk so that a fit takes a second.
SMALL_RECOMMENDED = {
    **recommended_params(),
    "embed_dim": 8,
    "num_transformer_blocks": 1,
    "num_heads": 1,
    "head_size": 4,
    "ff_dim": 8,
    "epochs": 2,
    # One network: the tests below look at its layers (test_small_training_
    # sets_get_an_ensemble checks n_members="auto").
    "n_members": 1,
    # These tests are of the rules, not of training: two epochs run faster
    # than Keras compiles their steps.
    "run_eagerly": True,
}


@pytest.mark.parametrize(
    ("n_series", "batch_size", "epochs"),
    [
        (16, 16, 1500),  # tiny: the whole set per step, epochs capped
        (30, 16, 1500),
        (390, 32, 231),  # about 3,000 optimizer steps
        (3601, 64, 60),  # large: at least 60 epochs
    ],
)
def test_batch_size_and_epochs_follow_the_number_of_series(
    n_series, batch_size, epochs
):
    data = TrainingSet(n_series, 128, 1, 3)
    resolved = resolve_auto(
        {"batch_size": "auto", "epochs": "auto", "warmup_epochs": "auto"}, data
    )
    assert (resolved["batch_size"], resolved["epochs"]) == (batch_size, epochs)
    assert resolved["warmup_epochs"] == pytest.approx(0.05 * epochs)
    # The members of an ensemble share the same budget of optimizer steps.
    shared = resolve_auto({"batch_size": 16, "n_members": 3, "epochs": "auto"}, data)
    steps_per_epoch = -(-n_series // 16)
    assert shared["epochs"] == min(max(-(-1000 // steps_per_epoch), 60), 1500)


@pytest.mark.parametrize(
    ("n_series", "n_members", "epochs"),
    [(16, 3, 1000), (100, 3, 143), (101, 1, 429), (390, 1, 231)],
)
def test_small_training_sets_get_an_ensemble(n_series, n_members, epochs):
    data = TrainingSet(n_series, 128, 1, 3)
    resolved = resolve_auto(
        {"n_members": "auto", "batch_size": "auto", "epochs": "auto"}, data
    )
    # The members share the budget of one network.
    assert (resolved["n_members"], resolved["epochs"]) == (n_members, epochs)
    assert resolve_auto({"n_members": 5}, data)["n_members"] == 5


def test_the_recommended_ensemble_is_built_and_recorded(series_data):
    X, y = series_data  # 60 series
    params = {**SMALL_RECOMMENDED, "n_members": "auto"}
    clf = TransformerTimeSeriesClassifier(**params, random_state=0).fit(X, y)
    assert clf.get_params()["n_members"] == "auto"
    assert clf.resolved_params_["n_members"] == 3
    names = [layer.name for layer in clf.model_.layers]
    assert {"member0", "member1", "member2"} <= set(names)
    assert clf.predict_proba(X).shape == (60, 2)


def test_a_warm_fit_keeps_the_ensemble_and_its_share_of_the_budget(series_data):
    X, y = series_data
    params = {**SMALL_RECOMMENDED, "n_members": "auto", "epochs": "auto"}
    clf = TransformerTimeSeriesClassifier(**params, random_state=0)
    clf.partial_fit(X, y)  # 60 series: three networks
    # 120 series alone would resolve to one network and 375 epochs; the warm
    # fit trains the fitted ensemble, whose members share the steps.
    clf.partial_fit(np.concatenate([X, X]), np.concatenate([y, y]))
    assert clf.resolved_params_["n_members"] == 3
    assert clf.resolved_params_["epochs"] == 125  # 1,000 steps of 8 batches


def test_an_ensemble_shares_the_recommended_budget(series_data):
    X, y = series_data
    params = {**SMALL_RECOMMENDED, "n_members": 3, "epochs": "auto"}
    clf = TransformerTimeSeriesClassifier(**params, random_state=0)
    clf.initialize(X, y)
    # 60 series in batches of 16: 4 steps an epoch, 1,000 steps per member.
    assert clf.resolved_params_["n_members"] == 3
    assert clf.resolved_params_["epochs"] == 250
    names = [layer.name for layer in clf.model_.layers]
    assert {"member0", "member1", "member2"} <= set(names)


@pytest.mark.parametrize(
    ("decades", "input_norm"),
    [(0, "none"), (1, "none"), (5, "series")],
)
def test_series_are_scaled_one_by_one_when_their_scales_span_decades(
    decades, input_norm
):
    rng = np.random.default_rng(0)
    scales = 10.0 ** rng.uniform(0, decades, size=(40, 1, 1))
    X = rng.normal(size=(40, 32, 2)) * scales
    X[0] = 7.0  # a constant series does not count
    X[1, 20:] = np.nan  # nor does padding
    data = TrainingSet.from_series(X, 32, 2)
    assert data.scale_spread == pytest.approx(
        np.percentile(scales[2:], 90) / np.percentile(scales[2:], 10), rel=0.5
    )
    assert resolve_auto({"input_norm": "auto"}, data)["input_norm"] == input_norm
    y = np.arange(40) % 2
    clf = TransformerTimeSeriesClassifier(**SMALL_RECOMMENDED, random_state=0)
    clf.initialize(X, y)
    assert clf.resolved_params_["input_norm"] == input_norm
    assert ("input_norm" in [layer.name for layer in clf.model_.layers]) == (
        input_norm == "series"
    )


@pytest.mark.parametrize(
    ("length", "tokens"),
    [
        (9, 9),
        (15, 15),
        (16, 8),
        (24, 12),
        (80, 10),
        (128, 8),
        (300, 19),
        (500, 32),
        (1250, 79),
    ],
)
def test_tokens_follow_the_length(length, tokens):
    clf = TransformerTimeSeriesClassifier(**SMALL_RECOMMENDED, random_state=0)
    X = np.random.default_rng(0).normal(size=(4, length, 1))
    clf.initialize(X, np.array([0, 1, 0, 1]))
    assert clf.model_.get_layer("embedding").output.shape[1] == tokens
    stages = {9: 1, 15: 1, 16: 1, 24: 1, 80: 3, 128: 4, 300: 4, 500: 4, 1250: 4}
    assert len(clf.resolved_params_["stem_filters"]) == stages[length]
    # Too short to halve once and keep 8 tokens: one stage at stride 1.
    assert clf.resolved_params_["stem_stride"] == (1 if length < 16 else 2)


def test_resolved_values_are_recorded_and_the_parameters_stay_auto(series_data):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**SMALL_RECOMMENDED, random_state=0)
    clf.fit(X, y)
    assert clf.get_params()["batch_size"] == "auto"
    assert clone(clf).get_params()["stem_filters"] == "auto"
    resolved = clf.resolved_params_
    assert set(resolved) == set(clf.get_params())
    expected = resolve_auto(clf.get_params(), TrainingSet(60, 12, 1, 2))
    assert {k: resolved[k] for k in AUTO_PARAMETERS} == {
        k: expected[k] for k in AUTO_PARAMETERS
    }
    assert resolved["dropout"] == clf.dropout
    assert (
        resolved["batch_size"] == 16
        and resolved["stem_filters"] == STEM_STAGE_FILTERS[:1]
    )
    assert len(clf.history_["loss"]) == 2
    # Prediction uses the resolved batch size.
    assert clf.predict_proba(X).shape == (60, 2)


def test_explicit_values_override_auto_and_can_be_searched(series_data):
    X, y = series_data
    # Both "auto" against both explicit (a list of grids: two candidates).
    search = GridSearchCV(
        TransformerTimeSeriesClassifier(**SMALL_RECOMMENDED, random_state=0),
        [
            {"batch_size": ["auto"], "stem_filters": ["auto"]},
            {"batch_size": [8], "stem_filters": [(4, 4)]},
        ],
        cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    best = search.best_estimator_
    for name in ("batch_size", "stem_filters"):
        chosen = search.best_params_[name]
        if chosen != "auto":
            assert best.resolved_params_[name] == chosen


def test_the_seed_defaults_have_no_auto():
    params = TransformerTimeSeriesClassifier().get_params()
    assert "auto" not in [v for v in params.values() if isinstance(v, str)]
    assert set(AUTO_PARAMETERS) <= set(params)


@pytest.mark.parametrize("name", ["head_size", "learning_rate", "mlp_units"])
def test_auto_is_refused_where_no_rule_exists(series_data, name):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(**{**TINY, name: "auto"})
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        clf.fit(X, y)


def test_a_warm_fit_on_other_data_keeps_the_network(series_data):
    X, y = series_data
    clf = TransformerTimeSeriesClassifier(
        **SMALL_RECOMMENDED, warm_start=True, random_state=0
    ).fit(X, y)
    weights = clf.model_.count_params()
    clf.fit(X[:20], y[:20])  # fewer series: another batch size, same network
    assert clf.model_.count_params() == weights
    assert clf.resolved_params_["batch_size"] == 16
    assert {k: clf.resolved_params_[k] for k in NETWORK_OPTIONS}[
        "stem_filters"
    ] == STEM_STAGE_FILTERS[:1]


def test_recommended_params_is_a_fresh_copy():
    params = recommended_params()
    params["epochs"] = 1
    assert recommended_params()["epochs"] == "auto"
