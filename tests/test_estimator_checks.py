"""scikit-learn's own estimator checks, on a tiny configuration."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sktransformer import TimeSeriesStandardScaler, TransformerTimeSeriesClassifier

from .conftest import TINY

CHECKS_CLASSIFIER = TransformerTimeSeriesClassifier(
    **{**TINY, "epochs": 30, "dropout": 0.0, "mlp_dropout": 0.0}, random_state=0
)

EXPECTED_FAILURES = {
    # Inherent to a network trained by minibatch SGD: repeating a sample k times
    # changes the minibatches and the number of steps, so it cannot equal
    # weighting it by k.
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch SGD: repeated samples change batches and steps, unlike weights"
    ),
    # float32 network: a series predicted in a batch of another size goes
    # through another kernel and may round differently, here by 2e-7 relative
    # where the check allows 1e-7 (it passed before stop 33 by luck of the
    # weights). Invariance at float32 precision, and of the predicted classes,
    # is tested in test_classifier.py.
    "check_methods_sample_order_invariance": (
        "float32 rounding differs with the batch a series is predicted in"
    ),
    # The two below come from scikeras' class hierarchy, which a subclass cannot
    # change (see README, "Known limitations"); tags are repaired by our own
    # __sklearn_tags__, tested in test_classifier.py.
    "check_estimator_tags_renamed": (
        "scikeras.wrappers.BaseWrapper, a parent, defines _more_tags only"
    ),
    "check_mixin_order": (
        "scikeras' KerasClassifier puts BaseEstimator before ClassifierMixin"
    ),
}


def _expected_failed_checks(estimator):
    if isinstance(estimator, TransformerTimeSeriesClassifier):
        return EXPECTED_FAILURES
    return {}


@parametrize_with_checks(
    [CHECKS_CLASSIFIER, TimeSeriesStandardScaler()],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
