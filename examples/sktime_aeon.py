"""The Transformer inside sktime and aeon, next to their MiniRocket.

    pip install -e ".[sktime,aeon]"
    python examples/sktime_aeon.py

Scores, by 2-fold cross-validation on the frameworks' bundled unit-test
problem (ItalyPowerDemand's 42-series unit-test subset, length 24), the
recommended configuration through each adapter (30 epochs: an example, not a
benchmark) and MiniRocket: with sktime's ``evaluate`` and with scikit-learn's
``cross_val_score`` on aeon estimators.
"""

import warnings

from aeon.classification.convolution_based import MiniRocketClassifier
from aeon.datasets import load_unit_test as aeon_unit_test
from sklearn.metrics import accuracy_score
from sklearn.model_selection import KFold, cross_val_score
from sktime.classification.kernel_based import RocketClassifier
from sktime.classification.model_evaluation import evaluate
from sktime.datasets import load_unit_test as sktime_unit_test

from sktransformer.aeon import TransformerClassifier as AeonTransformer
from sktransformer.sktime import TransformerClassifier as SktimeTransformer

warnings.simplefilter("ignore")
SHORT = {"epochs": 30}

X, y = sktime_unit_test(return_type="numpy3D")
cv = KFold(n_splits=2, shuffle=True, random_state=0)
for name, clf in [
    (
        "sktime: Transformer (recommended)",
        SktimeTransformer(params=SHORT, random_state=0),
    ),
    (
        "sktime: MiniRocket",
        RocketClassifier(rocket_transform="minirocket", random_state=0),
    ),
]:
    result = evaluate(clf, cv=cv, X=X, y=y, scoring=accuracy_score)
    print(
        f"{name:36s} accuracy {result['test_accuracy_score'].mean():.3f}, "
        f"fit {result['fit_time'].mean():.1f} s per fold"
    )

X, y = aeon_unit_test()
for name, clf in [
    ("aeon: Transformer (recommended)", AeonTransformer(params=SHORT, random_state=0)),
    ("aeon: MiniRocket", MiniRocketClassifier(random_state=0)),
]:
    scores = cross_val_score(clf, X, y, cv=cv)
    print(f"{name:36s} accuracy {scores.mean():.3f}")
