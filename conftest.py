"""Collection of the package's doctests: the optional adapters need their framework.

``sktransformer/sktime.py`` and ``sktransformer/aeon.py`` import sktime and aeon (the
``[sktime]`` and ``[aeon]`` extras); without them installed, their doctests are not
collected rather than failing to import.
"""

import importlib.util

collect_ignore = [
    f"sktransformer/{framework}.py"
    for framework in ("sktime", "aeon")
    if importlib.util.find_spec(framework) is None
]
