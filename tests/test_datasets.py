"""UCR loading: the data home, the local FordA copy, download and checks."""

from pathlib import Path

import numpy as np
import pytest

from sktransformer import datasets
from sktransformer.datasets import get_data_home, load_ucr

from .conftest import FORDA as SHARED
from .conftest import requires_forda as needs_forda


def _write_ucr(folder, name, rows):
    folder = Path(folder) / "UCR" / name
    folder.mkdir(parents=True)
    for split in ("TRAIN", "TEST"):
        np.savetxt(folder / f"{name}_{split}.tsv", rows, delimiter="\t", fmt="%g")
    return folder


@needs_forda
@pytest.mark.parametrize("split, n", [("train", 3601), ("test", 1320)])
def test_forda_from_the_shared_copy(split, n):
    X, y = load_ucr("FordA", split)
    assert X.shape == (n, 500, 1)
    assert X.dtype == np.float32
    assert set(np.unique(y)) == {-1, 1}
    assert np.isfinite(X).all()


def test_data_home_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("SKTRANSFORMER_DATA", str(tmp_path / "env"))
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    assert get_data_home() == tmp_path / "env"
    monkeypatch.delenv("SKTRANSFORMER_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert get_data_home() == tmp_path / "cache" / "sktransformer"


def test_any_ucr_name_is_parsed(tmp_path):
    rows = np.array([[1, 0.5, 1.5, 2.5], [2, -1.0, 0.0, 1.0], [1, 3.0, 2.0, 1.0]])
    _write_ucr(tmp_path, "Toy", rows)
    X, y = load_ucr("Toy", "test", data_home=tmp_path)
    assert X.shape == (3, 3, 1)
    np.testing.assert_array_equal(y, [1, 2, 1])
    np.testing.assert_allclose(X[1, :, 0], [-1.0, 0.0, 1.0])


def test_missing_offline_says_where_to_put_the_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Put Toy_TRAIN.tsv and Toy_TEST.tsv"):
        load_ucr("Toy", data_home=tmp_path, download=False)
    # An unreachable mirror gives the same guidance instead of a URL error.
    with pytest.raises(FileNotFoundError, match="SKTRANSFORMER_DATA"):
        load_ucr("Toy", data_home=tmp_path, base_url="http://127.0.0.1:9/")
    assert not any(tmp_path.rglob("*.part")), "no partial file is left behind"


@needs_forda
def test_download_is_atomic_and_checked(tmp_path):
    """Downloading from a mirror (here a file:// copy) writes the checked file."""
    mirror = SHARED.parent.as_uri()
    X, y = load_ucr("FordA", "test", data_home=tmp_path, base_url=mirror)
    assert X.shape == (1320, 500, 1)
    stored = tmp_path / "UCR" / "FordA" / "FordA_TEST.tsv"
    assert stored.read_bytes() == (SHARED / "FordA_TEST.tsv").read_bytes()
    assert sorted(p.name for p in stored.parent.iterdir()) == ["FordA_TEST.tsv"]


def test_checksum_mismatch_is_refused_and_not_kept(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    _write_ucr(mirror, "Toy", np.array([[1, 0.1, 0.2], [0, 0.3, 0.4]]))
    monkeypatch.setitem(datasets.UCR_SHA256, "Toy_TRAIN.tsv", "0" * 64)
    home = tmp_path / "home"
    with pytest.raises(ValueError, match="SHA-256 .* 2018 UCR release"):
        load_ucr("Toy", data_home=home, base_url=(mirror / "UCR").as_uri())
    assert not (home / "UCR" / "Toy" / "Toy_TRAIN.tsv").exists()
    assert not any(home.rglob("*.part"))


@pytest.mark.parametrize(
    "content, message",
    [
        ("1\t0.1\t0.2\n0\tnan\t0.4\n", "non-finite"),
        ("1\t0.1\t0.2\n0\t0.3\n", "not a UCR"),
        ("1.5\t0.1\t0.2\n0\t0.3\t0.4\n", "non-integer class labels"),
    ],
)
def test_malformed_files_are_reported(tmp_path, content, message):
    folder = tmp_path / "UCR" / "Bad"
    folder.mkdir(parents=True)
    (folder / "Bad_TRAIN.tsv").write_text(content)
    with pytest.raises(ValueError, match=message):
        load_ucr("Bad", data_home=tmp_path, download=False)


def test_unknown_split():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_ucr("FordA", "validation")


@pytest.mark.parametrize("name", ["../../x", "/etc/passwd", "a/b", "", "..", "x\0y"])
def test_names_cannot_leave_the_data_home(tmp_path, name):
    with pytest.raises(ValueError, match="Invalid UCR problem name"):
        load_ucr(name, data_home=tmp_path, download=False)
    assert list(tmp_path.iterdir()) == []


def test_data_home_that_is_a_file_is_a_clear_error(tmp_path):
    path = tmp_path / "file"
    path.write_text("")
    with pytest.raises(NotADirectoryError, match="is a file"):
        load_ucr("FordA", data_home=path, download=False)


def test_empty_environment_variable_means_unset(tmp_path, monkeypatch):
    monkeypatch.setenv("SKTRANSFORMER_DATA", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert get_data_home() == tmp_path / "sktransformer"


def test_a_mirror_answering_html_is_named_in_the_error(tmp_path):
    mirror = tmp_path / "mirror" / "Toy"
    mirror.mkdir(parents=True)
    (mirror / "Toy_TRAIN.tsv").write_text("<html><body>Not found</body></html>\n")
    home = tmp_path / "home"
    url = (tmp_path / "mirror").as_uri()
    with pytest.raises(ValueError, match="Toy_TRAIN.tsv") as info:
        load_ucr("Toy", data_home=home, base_url=url)
    assert url in str(info.value) and ".part" not in str(info.value)
    assert not (home / "UCR" / "Toy" / "Toy_TRAIN.tsv").exists()


def test_infinite_labels_are_refused(tmp_path):
    folder = tmp_path / "UCR" / "Toy"
    folder.mkdir(parents=True)
    (folder / "Toy_TRAIN.tsv").write_text("inf\t1.0\t2.0\n1\t3.0\t4.0\n")
    with pytest.raises(ValueError, match="non-finite or out-of-range class labels"):
        load_ucr("Toy", data_home=tmp_path)


@pytest.mark.parametrize(
    "row, message",
    [
        ("1\t1e300\t0.2\n", "too large values"),
        ("1e30\t1.0\t0.2\n", "out-of-range class labels"),
    ],
)
def test_values_beyond_float32_and_huge_labels_are_refused(tmp_path, row, message):
    folder = tmp_path / "UCR" / "Toy"
    folder.mkdir(parents=True)
    (folder / "Toy_TRAIN.tsv").write_text(row + "1\t3.0\t4.0\n")
    with pytest.raises(ValueError, match=message):
        load_ucr("Toy", data_home=tmp_path)


@pytest.mark.parametrize("base_url", [None, Path("/tmp"), "", "/tmp/mirror"])
def test_base_url_must_be_a_url(tmp_path, base_url):
    with pytest.raises(TypeError, match="base_url must be a URL"):
        load_ucr("Toy", data_home=tmp_path, base_url=base_url)


@pytest.mark.parametrize("name, split", [("x" * 300, "train"), ("Toy", ["train"])])
def test_overlong_names_and_non_string_splits_are_clear_errors(tmp_path, name, split):
    with pytest.raises(ValueError, match="Invalid UCR problem name|split must be"):
        load_ucr(name, split, data_home=tmp_path)
