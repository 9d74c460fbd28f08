"""Loading UCR TSV and archive .ts problems: data home, downloads, checks, NaN."""

import importlib
import os
import shutil
import stat
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pooch
import pytest

import sktransformer
from sktransformer import datasets
from sktransformer.datasets import get_data_home, load_archive, load_ucr, read_ts

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


def test_a_byte_order_mark_is_not_a_value(tmp_path):
    # Windows tools save UTF-8 with a byte-order mark before the first label.
    folder = _write_ucr(tmp_path, "Bom", np.array([[1, 0.5, 0.2], [2, 0.3, 0.1]]))
    path = folder / "Bom_TRAIN.tsv"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8-sig")
    X, y = load_ucr("Bom", "train", data_home=tmp_path, download=False)
    np.testing.assert_array_equal(y, [1, 2])
    np.testing.assert_allclose(X[0, :, 0], [0.5, 0.2])


def test_missing_offline_says_where_to_put_the_files(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"Put Toy_TRAIN.tsv and Toy_TEST.tsv"):
        load_ucr("Toy", data_home=tmp_path, download=False)
    # An unreachable mirror gives the same guidance instead of a URL error,
    # after pooch's retries (their waits are skipped here).
    waits = []
    monkeypatch.setattr(pooch.core.time, "sleep", waits.append)
    with pytest.raises(FileNotFoundError, match="SKTRANSFORMER_DATA"):
        load_ucr("Toy", data_home=tmp_path, base_url="http://127.0.0.1:9/")
    assert len(waits) == datasets._HTTP_RETRIES
    assert not any(tmp_path.rglob("*.part")), "no partial file is left behind"


def test_a_missing_file_on_the_mirror_is_not_retried(tmp_path, monkeypatch):
    """A 404 would be a 404 again: one request, then the offline guidance."""
    import functools
    import http.server
    import threading

    requests_seen = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests_seen.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    handler = functools.partial(Handler, directory=str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    waits = []
    monkeypatch.setattr(pooch.core.time, "sleep", waits.append)
    try:
        with pytest.raises(FileNotFoundError, match="SKTRANSFORMER_DATA"):
            load_ucr(
                "Toy",
                data_home=tmp_path / "home",
                base_url=f"http://127.0.0.1:{server.server_port}/",
            )
    finally:
        server.shutdown()
    assert waits == [] and len(requests_seen) == 1
    assert not (tmp_path / "home").exists()


@needs_forda
def test_download_is_atomic_and_checked(tmp_path):
    """Downloading from a mirror (here a file:// copy) writes the checked file."""
    mirror = SHARED.parent.as_uri()
    X, y = load_ucr("FordA", "test", data_home=tmp_path, base_url=mirror)
    assert X.shape == (1320, 500, 1)
    stored = tmp_path / "UCR" / "FordA" / "FordA_TEST.tsv"
    assert stored.read_bytes() == (SHARED / "FordA_TEST.tsv").read_bytes()
    listing = sorted(p.name for p in stored.parent.iterdir())
    assert listing == ["FordA_TEST.tsv", "SHA256SUMS"]


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
        ("1\t0.1\t0.2\n0\tinf\t0.4\n", "infinite"),
        ("1\tnan\tnan\n0\tnan\tnan\n", "at least one value"),
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


@pytest.mark.parametrize(
    "data_home, error, message",
    [
        ("", ValueError, "data_home is empty"),
        (b"/tmp", TypeError, "got bytes"),
        (3, TypeError, "got int 3"),
        ("~no-such-user-here/x", ValueError, "Could not determine home"),
        ("a\0b", ValueError, "NUL character"),
    ],
)
def test_a_data_home_that_is_no_folder_is_a_clear_error(data_home, error, message):
    # "" would have been the current folder; bytes and ints a pathlib error.
    with pytest.raises(error, match=message):
        load_ucr("Coffee", data_home=data_home, download=False)


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


# ------------------------------------------------ UCR TSV: NaN and SHA256SUMS


def _write_tsv(home, name, text, split="TRAIN"):
    folder = Path(home) / "UCR" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}_{split}.tsv").write_text(text)
    return folder


def test_unequal_lengths_come_nan_padded(tmp_path):
    # The archive pads to a common width; a column of padding only is dropped.
    _write_tsv(tmp_path, "Ragged", "1\t0.1\t0.2\tNaN\n2\t0.3\tNaN\tNaN\n")
    X, y = load_ucr("Ragged", data_home=tmp_path, download=False)
    assert X.shape == (2, 2, 1) and X.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(X[:, :, 0]), [[False, False], [False, True]])
    np.testing.assert_allclose(X[0, :, 0], [0.1, 0.2])
    np.testing.assert_array_equal(y, [1, 2])


def test_missing_values_inside_series_stay_nan(tmp_path):
    _write_tsv(tmp_path, "Gaps", "1\t0.1\tNaN\t0.3\n2\tNaN\t0.5\t0.6\n")
    X, _ = load_ucr("Gaps", data_home=tmp_path, download=False)
    assert X.shape == (2, 3, 1)
    np.testing.assert_array_equal(np.argwhere(np.isnan(X[:, :, 0])), [[0, 1], [1, 0]])


def test_dtype_must_be_floating(tmp_path):
    _write_tsv(tmp_path, "Toy", "1\t0.1\t0.2\n")
    with pytest.raises(TypeError, match="floating dtype"):
        load_ucr("Toy", data_home=tmp_path, dtype=np.int32)


@pytest.mark.parametrize(
    "name, trailing, interior",
    [("GesturePebbleZ1", True, False), ("DodgerLoopDay", False, True)],
)
def test_shared_problems_with_nan(name, trailing, interior):
    if not (SHARED.parent / name / f"{name}_TEST.tsv").is_file():
        pytest.skip(f"{name} is not in $SKTRANSFORMER_DATA")
    X, _ = load_ucr(name, "test", download=False)
    nan = np.isnan(X[:, :, 0])
    assert not nan[:, -1].all(), "columns of padding only are dropped"
    # A padded series ends in NaN only; a series with gaps has values after NaN.
    after_gap = nan[:, :-1] & ~nan[:, 1:]
    assert (nan[:, -1] & ~nan[:, 0]).any() == trailing
    assert after_gap.any() == interior


def _sums(folder):
    return dict(
        reversed(line.split("  ", 1))
        for line in (Path(folder) / "SHA256SUMS").read_text().splitlines()
    )


def test_download_records_the_checksum_then_checks_it(tmp_path):
    mirror = tmp_path / "mirror"
    _write_ucr(mirror, "Toy", np.array([[1, 0.1, 0.2], [0, 0.3, 0.4]]))
    home, url = tmp_path / "home", (mirror / "UCR").as_uri()
    load_ucr("Toy", data_home=home, base_url=url)
    load_ucr("Toy", "test", data_home=home, base_url=url)
    folder = home / "UCR" / "Toy"
    assert _sums(folder) == {
        f: datasets._sha256(folder / f) for f in ("Toy_TRAIN.tsv", "Toy_TEST.tsv")
    }
    (folder / "Toy_TRAIN.tsv").write_text("1\t9.9\t0.2\n0\t0.3\t0.4\n")
    with pytest.raises(ValueError, match="SHA256SUMS .* delete it"):
        load_ucr("Toy", data_home=home, base_url=url)
    # Deleting the file downloads it anew, checked against the recorded sum.
    (folder / "Toy_TRAIN.tsv").unlink()
    X, _ = load_ucr("Toy", data_home=home, base_url=url)
    np.testing.assert_allclose(X[0, :, 0], [0.1, 0.2])


def test_a_mirror_serving_another_file_than_recorded_is_refused(tmp_path):
    mirror = tmp_path / "mirror"
    _write_ucr(mirror, "Toy", np.array([[1, 0.1, 0.2]]))
    home = tmp_path / "home"
    folder = home / "UCR" / "Toy"
    folder.mkdir(parents=True)
    (folder / "SHA256SUMS").write_text(f"{'a' * 64}  Toy_TRAIN.tsv\n")
    with pytest.raises(ValueError, match="downloaded from .* Nothing was kept"):
        load_ucr("Toy", data_home=home, base_url=(mirror / "UCR").as_uri())
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS"]


# ------------------------------------------------ archive problems (.ts files)

_UNIVARIATE = """\
# A comment line, as in the archive's files.
@problemName Tiny
@timeStamps false
@missing false
@univariate true
@equalLength true
@seriesLength 3
@classLabel true up down
@data
1.0,2.0,3.0:up
3.0,2.0,1.0:down
"""

_MULTIVARIATE_UNEQUAL = """\
@problemName Ragged
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength false
@classLabel true a b
@data
1.0,2.0,3.0:4.0,5.0,6.0:a
1.5,2.5:3.5,4.5:b
"""


def _archive_mirror(folder, name, text, test_text=None):
    """A ``file://`` mirror holding ``<name>.zip`` with both ``.ts`` files."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / f"{name}.zip", "w") as archive:
        archive.writestr(f"{name}_TRAIN.ts", text)
        archive.writestr(f"{name}_TEST.ts", text if test_text is None else test_text)
    return folder.as_uri()


@pytest.fixture
def ts_reader():
    pytest.importorskip("aeon")


def test_archive_univariate_equal_length(tmp_path, ts_reader):
    url = _archive_mirror(tmp_path / "mirror", "Tiny", _UNIVARIATE)
    X, y = load_archive("Tiny", data_home=tmp_path / "home", base_url=url)
    assert X.shape == (2, 3, 1) and X.dtype == np.float32
    np.testing.assert_allclose(X[1, :, 0], [3.0, 2.0, 1.0])
    assert isinstance(y, np.ndarray) and y.tolist() == ["up", "down"]


def test_archive_multivariate_unequal_length_is_nan_padded(tmp_path, ts_reader):
    url = _archive_mirror(tmp_path / "mirror", "Ragged", _MULTIVARIATE_UNEQUAL)
    X, y = load_archive("Ragged", "test", data_home=tmp_path / "home", base_url=url)
    assert X.shape == (2, 3, 2), "(n_series, max_length, n_channels)"
    np.testing.assert_allclose(X[0], [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])
    np.testing.assert_allclose(X[1, :2], [[1.5, 3.5], [2.5, 4.5]])
    assert np.isnan(X[1, 2]).all() and not np.isnan(X[:, :2]).any()
    assert y.tolist() == ["a", "b"]


def test_archive_records_checksums_and_does_not_download_again(tmp_path, ts_reader):
    mirror, home = tmp_path / "mirror", tmp_path / "home"
    url = _archive_mirror(
        mirror,
        "Tiny",
        _UNIVARIATE,
        test_text=_UNIVARIATE.replace("3.0,2.0,1.0:down\n", ""),
    )
    load_archive("Tiny", data_home=home, base_url=url)
    folder = home / "archive" / "Tiny"
    files = ["SHA256SUMS", "Tiny_TEST.ts", "Tiny_TRAIN.ts"]
    assert sorted(p.name for p in folder.iterdir()) == files, "no zip, no temp"
    assert _sums(folder) == {f: datasets._sha256(folder / f) for f in files[1:]}
    shutil.rmtree(mirror)  # both splits were extracted from the one download
    X, y = load_archive("Tiny", "test", data_home=home, base_url=url)
    assert X.shape == (1, 3, 1) and y.tolist() == ["up"]
    (folder / "Tiny_TRAIN.ts").write_text(_UNIVARIATE.replace("3.0,2.0", "9.0,2.0"))
    with pytest.raises(ValueError, match="SHA-256 .*SHA256SUMS.* delete it"):
        load_archive("Tiny", data_home=home, base_url=url)


@pytest.mark.parametrize("name", ["../../x", "/etc/passwd", "a/b", "", "..", "x" * 101])
def test_archive_names_cannot_leave_the_data_home(tmp_path, name):
    with pytest.raises(ValueError, match="Invalid archive problem name"):
        load_archive(name, data_home=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_archive_offline_says_which_files_go_where(tmp_path, ts_reader):
    folder = tmp_path / "archive" / "Tiny"
    with pytest.raises(FileNotFoundError) as info:
        load_archive("Tiny", data_home=tmp_path, download=False)
    message = str(info.value)
    assert f"Put Tiny_TRAIN.ts and Tiny_TEST.ts in {folder}/" in message
    assert f"{datasets.ARCHIVE_BASE_URL}/Tiny.zip" in message
    empty = (tmp_path / "empty").as_uri()  # a mirror without the zip
    with pytest.raises(FileNotFoundError, match="Put Tiny_TRAIN.ts"):
        load_archive("Tiny", data_home=tmp_path, base_url=empty)
    assert not folder.exists()  # a failed load leaves no (empty) folder behind


def test_archive_answering_html_keeps_nothing(tmp_path, ts_reader):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "Nope.zip").write_text("<html><body>Not found</body></html>\n")
    url = f"{mirror.as_uri()}/Nope.zip"
    with pytest.raises(
        ValueError, match="not a zip file holding Nope_TRAIN.ts"
    ) as info:
        load_archive("Nope", data_home=tmp_path / "home", base_url=mirror.as_uri())
    assert url in str(info.value) and "Nothing was kept" in str(info.value)
    assert not (tmp_path / "home" / "archive" / "Nope").exists()


def test_an_archive_with_damaged_compressed_data_is_refused(tmp_path, ts_reader):
    # Intact zip directory, damaged deflate stream: zlib.error (neither a
    # ValueError nor an OSError) escaped before.
    rows = "".join(f"{i}.0,{i + 1}.0,{i + 2}.0:up\n" for i in range(2000))
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    with zipfile.ZipFile(mirror / "Tiny.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Tiny_TRAIN.ts", _UNIVARIATE + rows)
        archive.writestr("Tiny_TEST.ts", _UNIVARIATE)
    data = bytearray((mirror / "Tiny.zip").read_bytes())
    for offset in range(200, 260):  # inside the first member's compressed data
        data[offset] ^= 0xFF
    (mirror / "Tiny.zip").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="Tiny_TRAIN.ts in .* is corrupt"):
        load_archive("Tiny", data_home=tmp_path / "home", base_url=mirror.as_uri())
    assert not (tmp_path / "home" / "archive" / "Tiny").exists()


def test_archive_values_beyond_the_dtype_are_refused(tmp_path, ts_reader):
    text = _UNIVARIATE.replace("1.0,2.0,3.0:up", "1e300,2.0,3.0:up")
    url = _archive_mirror(tmp_path / "mirror", "Tiny", text)
    with pytest.raises(ValueError, match="too large values"):
        load_archive("Tiny", data_home=tmp_path / "home", base_url=url)


def test_archive_values_beyond_float32_load_as_float64(tmp_path, ts_reader):
    """The download is kept (the file is valid); float32 refuses, float64 reads."""
    text = _UNIVARIATE.replace("1.0,2.0,3.0:up", "1e-45,2e-45,3e-45:up")
    url = _archive_mirror(tmp_path / "mirror", "Tiny", text)
    home = tmp_path / "home"
    with pytest.raises(ValueError, match="dtype=np.float64"):
        load_archive("Tiny", data_home=home, base_url=url)
    X, _ = load_archive("Tiny", data_home=home, download=False, dtype=np.float64)
    np.testing.assert_allclose(X[:, 0, 0], [1e-45, 3.0])


def test_archive_falls_back_to_sktime(tmp_path, monkeypatch):
    pytest.importorskip("sktime")
    monkeypatch.setitem(sys.modules, "aeon.datasets", None)
    url = _archive_mirror(tmp_path / "mirror", "Ragged", _MULTIVARIATE_UNEQUAL)
    X, y = load_archive("Ragged", data_home=tmp_path / "home", base_url=url)
    assert X.shape == (2, 3, 2) and np.isnan(X[1, 2]).all()
    assert y.tolist() == ["a", "b"]


def test_archive_without_aeon_nor_sktime_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "aeon.datasets", None)
    monkeypatch.setitem(sys.modules, "sktime.datasets", None)
    with pytest.raises(ImportError, match=r'pip install "sktransformer\[aeon\]"'):
        load_archive("Tiny", data_home=tmp_path)
    assert list(tmp_path.iterdir()) == [], "nothing is downloaded first"


def test_the_module_imports_without_aeon_and_sktime(monkeypatch):
    for module in ("aeon", "sktime"):
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.delitem(sys.modules, "sktransformer.datasets")
    monkeypatch.setattr(sktransformer, "datasets", datasets)
    fresh = importlib.import_module("sktransformer.datasets")
    assert fresh is not datasets and callable(fresh.load_archive)


# ------------------------------------------- what adversarial use found (stop 24)


_UNLABELLED = (
    _UNIVARIATE.replace("true up down", "false").replace(":up", "").replace(":down", "")
)


@pytest.mark.parametrize(
    "train, test, message",
    [
        (_UNIVARIATE.replace(":up", "").replace(":down", ""), None, "label missing"),
        (_UNLABELLED, None, "TRAIN.ts holds 2 series but no class labels"),
        (_UNIVARIATE, _UNLABELLED, "TEST.ts holds 2 series but no class labels"),
    ],
    ids=["no-labels", "classLabel-false", "only-the-test-file-bad"],
)
def test_a_malformed_ts_in_a_download_keeps_nothing(
    tmp_path, ts_reader, train, test, message
):
    url = _archive_mirror(tmp_path / "mirror", "Tiny", train, test)
    home = tmp_path / "home"
    with pytest.raises(ValueError, match=message) as info:
        load_archive("Tiny", data_home=home, base_url=url)
    assert "Nothing was kept" in str(info.value)
    # No file, no checksum, no folder (not even the data home it created).
    assert not home.exists()


def test_read_ts_reads_an_unlabelled_file_to_predict(tmp_path, ts_reader):
    path = tmp_path / "new.ts"
    path.write_text(_UNLABELLED)
    X, y = read_ts(path)
    assert X.shape == (2, 3, 1) and len(y) == 0


def test_read_ts_needs_an_existing_file_and_takes_any_suffix(tmp_path, ts_reader):
    (tmp_path / "x.ts").write_text(_UNIVARIATE)
    with pytest.raises(FileNotFoundError, match="is not a file"):
        read_ts(tmp_path / "x")  # (aeon's parser would read x.ts)
    (tmp_path / "saved.txt").write_text(_UNIVARIATE)
    X, y = read_ts(tmp_path / "saved.txt")
    assert X.shape == (2, 3, 1) and y.tolist() == ["up", "down"]


def test_read_ts_keeps_the_labels_as_the_file_writes_them(tmp_path, ts_reader):
    # The parsers lowercase every label and rewrite "nan" and "?" inside
    # them ("banana" -> "baNaNa"), which merged classes "?" and "nan".
    text = _UNIVARIATE.replace("up down", "Banana fiNance ? nan")
    rows = ["1,2,3:Banana", "3,2,1:fiNance", "2,2,2:?", "1,1,1:nan"]
    text = text.split("@data")[0] + "@data\n" + "\n".join(rows) + "\n"
    (tmp_path / "labels.ts").write_text(text)
    X, y = read_ts(tmp_path / "labels.ts")
    assert y.tolist() == ["Banana", "fiNance", "?", "nan"]
    np.testing.assert_array_equal(X[3, :, 0], [1.0, 1.0, 1.0])


def test_read_ts_skips_blank_lines(tmp_path, ts_reader):
    head, data = _UNIVARIATE.split("@data\n")
    (tmp_path / "blank.ts").write_text(head + "\n@data\n" + data.replace("\n", "\n\n"))
    X, y = read_ts(tmp_path / "blank.ts")
    assert X.shape == (2, 3, 1) and y.tolist() == ["up", "down"]


def test_read_ts_refuses_timestamped_series(tmp_path, ts_reader):
    # aeon's parser would read the times as values and drop the minus signs.
    text = _UNIVARIATE.replace("@timeStamps false", "@timeStamps true")
    text = text.split("@data")[0] + "@data\n(0.0,-1.5),(1.0,2.5):up\n"
    (tmp_path / "stamped.ts").write_text(text)
    with pytest.raises(ValueError, match=r"timestamped series \(@timeStamps true\)"):
        read_ts(tmp_path / "stamped.ts")


def test_downloads_get_the_umask_permissions(tmp_path, ts_reader):
    url = _archive_mirror(tmp_path / "mirror", "Tiny", _UNIVARIATE)
    previous = os.umask(0o022)
    try:
        load_archive("Tiny", data_home=tmp_path / "home", base_url=url)
        ucr = _write_ucr(tmp_path / "ucr-mirror", "Toy", [[1, 0.5, 1.5], [2, 2.5, 0.5]])
        load_ucr("Toy", data_home=tmp_path / "ucr", base_url=ucr.parent.as_uri())
    finally:
        os.umask(previous)
    for path in [
        *(tmp_path / "home" / "archive" / "Tiny").iterdir(),
        *(tmp_path / "ucr" / "UCR" / "Toy").iterdir(),
    ]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name


@pytest.mark.parametrize("content", [b"\xff\xfe not text", None], ids=["binary", "dir"])
def test_a_corrupt_checksums_file_is_a_clear_error(tmp_path, content):
    folder = _write_ucr(tmp_path, "Toy", [[1, 0.5, 1.5], [2, 2.5, 0.5]])
    if content is None:
        (folder / "SHA256SUMS").mkdir()
    else:
        (folder / "SHA256SUMS").write_bytes(content)
    with pytest.raises(ValueError, match="cannot be read as a checksums file"):
        load_ucr("Toy", data_home=tmp_path)


def test_concurrent_downloads_record_every_checksum(tmp_path, ts_reader):
    url = _archive_mirror(tmp_path / "mirror", "Tiny", _UNIVARIATE)
    homes = [tmp_path / f"home{i}" for i in range(6)]
    with ThreadPoolExecutor(4) as pool:
        for home in homes:  # both splits of a problem at once, into one home
            list(
                pool.map(
                    lambda split, home=home: load_archive(
                        "Tiny", split, data_home=home, base_url=url
                    ),
                    ["train", "test"],
                )
            )
    for home in homes:
        sums = (home / "archive" / "Tiny" / "SHA256SUMS").read_text().split("\n")
        assert sorted(line.split()[1] for line in sums if line) == [
            "Tiny_TEST.ts",
            "Tiny_TRAIN.ts",
        ]


def test_values_below_float32_range_are_refused_unless_loaded_as_float64(tmp_path):
    _write_ucr(tmp_path, "Tiny", np.array([[1, 1e-50, 2e-50], [2, 3e-50, -1e-50]]))
    with pytest.raises(ValueError, match="would become zeros.*dtype=np.float64"):
        load_ucr("Tiny", data_home=tmp_path, download=False)
    X, _ = load_ucr("Tiny", data_home=tmp_path, download=False, dtype=np.float64)
    np.testing.assert_allclose(X[1, :, 0], [3e-50, -1e-50])
