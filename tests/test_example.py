"""The main job: examples/forda.py trains the seed network on FordA."""

import runpy
import sys
from pathlib import Path

from .conftest import requires_forda

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "forda.py"


@requires_forda
def test_quick_run_prints_test_accuracy(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(
        sys,
        "argv",
        [
            str(EXAMPLE),
            "--epochs",
            "1",
            "--train-size",
            "100",
            "--test-size",
            "60",
            "--verbose",
            "0",
            "--plot",
            str(tmp_path / "curves.png"),
        ],
    )
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out
    assert "FordA: train (100, 500, 1), test (60, 500, 1)" in out
    assert "parameters: 93,130" in out
    accuracy = float(out.split("test accuracy:")[1].split()[0])
    assert 0.0 <= accuracy <= 1.0
    assert "fit seconds:" in out and "predict seconds:" in out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "training curves: not saved" in out
    else:
        assert (tmp_path / "curves.png").stat().st_size > 0
