"""Dataset loaders that work online, offline from a mirror folder, and from a verified local cache.

Each loader returns the same thing Keras' own loader would (for example ``load_mnist()`` returns
``(x_train, y_train), (x_test, y_test)`` exactly like ``keras.datasets.mnist.load_data()``).
Where a dataset comes from, in this order:

1. the local cache (``data/cache``), checked against the SHA-256 recorded when it was cached;
2. the mirror folder named by ``WORKSHOP_DATA_MIRROR``, checked against that folder's ``SHA256SUMS``;
3. the original download (Keras' loader or the original URL), unless ``WORKSHOP_OFFLINE=1``.

Only in the ``smoke`` profile, when all three fail, a clearly labelled synthetic stand-in of the
same shapes, dtypes and classes is used. Otherwise you get one ``DatasetUnavailable`` error that
names the dataset, where it looked and what to do.

Instructors prepare a classroom mirror with ``python -m workshop_utils.datasets --mirror DIR``.
"""
import argparse
import contextlib
import hashlib
import os
import shutil
import socket
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no file locks; unique temporary names and atomic renames still apply
    fcntl = None

import numpy as np

from . import config, paths, standins

NIGERIA_URL = ("https://raw.githubusercontent.com/dvdbisong/gcp-learningmodels-book/master/"
               "Chapter_12/nigeria-power-consumption.csv")
IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
DOWNLOAD_TIMEOUT_S = 30

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
MNIST_CLASSES = tuple(str(d) for d in range(10))
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")


@dataclass(frozen=True)
class DatasetInfo:
    """What the data layer knows about one dataset."""

    name: str          # key used in messages and on the command line
    title: str         # human name
    file: str          # file name in the cache and in a mirror
    source: str        # where the original download comes from
    sha256: str = ""   # known checksum of the canonical file, where one exists


DATASETS = {
    "mnist": DatasetInfo("mnist", "MNIST", "mnist.npz", "keras.datasets.mnist.load_data()"),
    "fashion_mnist": DatasetInfo("fashion_mnist", "Fashion-MNIST", "fashion_mnist.npz",
                                 "keras.datasets.fashion_mnist.load_data()"),
    "cifar10": DatasetInfo("cifar10", "CIFAR-10", "cifar10.npz", "keras.datasets.cifar10.load_data()"),
    "imdb_reviews": DatasetInfo("imdb_reviews", "IMDB movie reviews (raw text)", "imdb_reviews.tar.gz",
                                IMDB_URL),
    "nigeria_power": DatasetInfo(
        "nigeria_power", "Nigeria power consumption", "nigeria-power-consumption.csv", NIGERIA_URL,
        sha256="84a6492ce02ed527a572168bdd1b8351ff22d658c53cc4edf3c6843a127f4aa9"),
}

# Stand-ins used so far in this process (the run report and the self-checks mention them).
STANDINS_USED = set()


class DatasetUnavailable(RuntimeError):
    """A dataset could not be found anywhere; the message says where we looked and what to do."""

    def _render_traceback_(self):
        # IPython shows this instead of a long traceback: the message is the whole story.
        return [f"DatasetUnavailable: {self}"]


def sha256_of(path):
    """Return the hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_sha256sums(folder):
    """Return {file name: checksum} from a folder's ``SHA256SUMS`` (empty if there is none)."""
    sums = {}
    listing = Path(folder) / "SHA256SUMS"
    if listing.is_file():
        for line in listing.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                sums[parts[1].lstrip("*")] = parts[0]
    return sums


def _cached_copy(info, notes):
    """Return the verified cached file, or None (a corrupt copy is deleted and noted)."""
    path = paths.data_cache_dir() / info.file
    stamp = path.with_name(path.name + ".sha256")
    if not path.is_file():
        notes.append(f"cache {path}: not there")
        return None
    expected = stamp.read_text().strip() if stamp.is_file() else info.sha256
    if expected and sha256_of(path) == expected:
        return path
    print(f"WARNING: the cached copy of {info.title} at {path} is corrupt or unverified; replacing it.",
          file=sys.stderr)
    notes.append(f"cache {path}: corrupt copy removed")
    path.unlink()
    stamp.unlink(missing_ok=True)
    return None


@contextlib.contextmanager
def _cache_lock(name):
    """Hold an exclusive lock on one cache entry, so that processes filling the cache take turns."""
    if fcntl is None:
        yield
        return
    with open(paths.data_cache_dir() / f".{name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _unique_temp(folder, name):
    """Return a new, empty temporary file next to the final file (this writer's alone)."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".partial")
    os.close(fd)
    return Path(tmp)


def _write_atomically(dest, write):
    """Write a file through a temporary name of this writer's own, then rename it into place in one step."""
    tmp = _unique_temp(dest.parent, dest.name)
    try:
        write(tmp)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _store_in_cache(src, info, checksum):
    """Copy a verified file into the cache with its checksum beside it (readers never see half a file)."""
    dest = paths.data_cache_dir() / info.file
    _write_atomically(dest, lambda tmp: shutil.copyfile(src, tmp))
    stamp = dest.with_name(dest.name + ".sha256")
    _write_atomically(stamp, lambda tmp: tmp.write_text(checksum + "\n"))
    return dest


def _from_mirror(info, notes):
    """Return a cached copy of the mirror's file after checking it, or None."""
    mirror = paths.data_mirror_dir()
    if mirror is None:
        notes.append("mirror: WORKSHOP_DATA_MIRROR is not set")
        return None
    src = mirror / info.file
    if not src.is_file():
        notes.append(f"mirror {src}: not there")
        return None
    expected = read_sha256sums(mirror).get(info.file)
    if not expected:
        notes.append(f"mirror {src}: no entry in {mirror / 'SHA256SUMS'}, so it cannot be verified")
        return None
    actual = sha256_of(src)
    if actual != expected:
        notes.append(f"mirror {src}: checksum mismatch (corrupt copy; got {actual[:12]}..., "
                     f"expected {expected[:12]}...)")
        return None
    return _store_in_cache(src, info, actual)


def _download_arrays(info):
    """Download with Keras' own loader and write the arrays in the mirror format."""
    import keras

    loader = {"mnist": keras.datasets.mnist, "fashion_mnist": keras.datasets.fashion_mnist,
              "cifar10": keras.datasets.cifar10}[info.name]
    (x_train, y_train), (x_test, y_test) = loader.load_data()
    dest = _unique_temp(paths.data_cache_dir(), info.file)
    with open(dest, "wb") as handle:
        np.savez_compressed(handle, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return dest


def _download_url(info):
    """Download the original file with ``keras.utils.get_file`` into the cache folder."""
    import keras

    folder = paths.data_cache_dir() / "downloads"
    return Path(keras.utils.get_file(
        fname=info.file, origin=info.source, cache_dir=str(folder), cache_subdir=".",
        file_hash=info.sha256 or None, hash_algorithm="sha256"))


def _download(info, notes):
    if os.environ.get("WORKSHOP_OFFLINE", "") not in ("", "0"):
        notes.append(f"download from {info.source}: skipped (WORKSHOP_OFFLINE is set)")
        return None
    old_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        src = _download_arrays(info) if info.file.endswith(".npz") else _download_url(info)
    except Exception as exc:  # any network or hash failure ends up in one clear message
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        notes.append(f"download from {info.source}: failed ({reason[:200]})")
        return None
    finally:
        socket.setdefaulttimeout(old_timeout)
    try:
        checksum = sha256_of(src)
        if info.sha256 and checksum != info.sha256:
            notes.append(f"download from {info.source}: checksum mismatch")
            return None
        return _store_in_cache(src, info, checksum)
    finally:
        if src.name.endswith(".partial"):  # the arrays' temporary file
            src.unlink(missing_ok=True)


def dataset_path(name, allow_download=True):
    """Return the local path of a dataset's verified file, fetching it if needed.

    Args:
        name: a key of ``DATASETS`` (``mnist``, ``fashion_mnist``, ``cifar10``, ``imdb_reviews``,
            ``nigeria_power``).
        allow_download: try the original source when neither cache nor mirror has it.

    Raises:
        DatasetUnavailable: with the places searched and the fix.
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}. Known: {', '.join(DATASETS)}.")
    info = DATASETS[name]
    notes = []
    with _cache_lock(info.name):  # another process may be filling the same cache entry right now
        path = _cached_copy(info, notes) or _from_mirror(info, notes)
        if path is None and allow_download:
            path = _download(info, notes)
    if path is None:
        raise DatasetUnavailable(_unavailable_message(info, notes))
    return path


def _unavailable_message(info, notes):
    looked = "\n".join(f"  - {note}" for note in notes)
    return (
        f"The {info.title} dataset ({info.file}) is not available.\n"
        f"Looked in:\n{looked}\n"
        "Fix, either:\n"
        f"  - on a machine with internet, run `make fetch-data` (or `python -m workshop_utils.datasets "
        f"{info.name}`) to download and cache it; or\n"
        f"  - set WORKSHOP_DATA_MIRROR to a folder holding {info.file} and a SHA256SUMS line for it "
        "(see data/README.md); or\n"
        "  - run with WORKSHOP_PROFILE=smoke, which uses a labelled synthetic stand-in."
    )


def _use_standin(name, exc):
    if config.get_profile() != "smoke":
        raise exc
    STANDINS_USED.add(name)
    title = DATASETS[name].title
    bar = "=" * 78
    print(f"{bar}\nSTAND-IN DATA: the real {title} dataset is not available here, so this smoke run\n"
          f"uses synthetic data of the same shapes, dtypes and classes. Every figure below is\n"
          f"meaningless. Set WORKSHOP_DATA_MIRROR or run `make fetch-data` for the real data.\n{bar}")


def _load_arrays(name):
    try:
        path = dataset_path(name)
    except DatasetUnavailable as exc:
        _use_standin(name, exc)
        return standins.image_arrays(name)
    with np.load(path) as data:
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])


def load_mnist():
    """MNIST digits: ``(x_train, y_train), (x_test, y_test)`` with uint8 arrays (60000/10000, 28, 28)."""
    return _load_arrays("mnist")


def load_fashion_mnist():
    """Fashion-MNIST: ``(x_train, y_train), (x_test, y_test)``, uint8 (60000/10000, 28, 28), 10 classes."""
    return _load_arrays("fashion_mnist")


def load_cifar10():
    """CIFAR-10: ``(x_train, y_train), (x_test, y_test)``, uint8 (50000/10000, 32, 32, 3), labels (n, 1)."""
    return _load_arrays("cifar10")


def load_nigeria_power():
    """The monthly Nigeria power consumption series as a DataFrame (columns ``Month``, ``consumption``)."""
    import pandas as pd

    try:
        path = dataset_path("nigeria_power")
    except DatasetUnavailable as exc:
        _use_standin("nigeria_power", exc)
        with _cache_lock("standins"):
            path = standins.nigeria_csv(paths.artifacts_dir("standins"))
    frame = pd.read_csv(path, dtype={"Month": str})
    frame = frame.dropna()  # the file ends with a footer line that is not data
    frame = frame.rename(columns={"Nigeria power consumption": "consumption"})
    frame["consumption"] = frame["consumption"].astype("float64")
    return frame.reset_index(drop=True)


def load_imdb_reviews():
    """Unpack the raw IMDB reviews and return the ``aclImdb`` folder (``train``/``test``, ``pos``/``neg``)."""
    try:
        archive = dataset_path("imdb_reviews")
    except DatasetUnavailable as exc:
        _use_standin("imdb_reviews", exc)
        with _cache_lock("standins"):
            return standins.imdb_folder(paths.artifacts_dir("standins"))
    cache = paths.data_cache_dir()
    target = cache / "imdb_reviews"
    done = target / ".unpacked-from"
    checksum = (archive.parent / (archive.name + ".sha256")).read_text().strip()
    with _cache_lock("imdb_reviews-unpacked"):  # one process unpacks; the others wait, then reuse it
        if not (done.is_file() and done.read_text() == checksum):
            fresh = Path(tempfile.mkdtemp(dir=cache, prefix=".imdb_reviews.", suffix=".partial"))
            try:
                with tarfile.open(archive) as tar:
                    members = [m for m in tar.getmembers() if "/unsup" not in m.name]
                    tar.extractall(fresh, members=members, filter="data")
                (fresh / ".unpacked-from").write_text(checksum)
                if target.exists():  # an old or broken copy: move it aside in one step, then delete it
                    old = Path(tempfile.mkdtemp(dir=cache, prefix=".imdb_reviews.", suffix=".old"))
                    target.replace(old / "imdb_reviews")
                    shutil.rmtree(old, ignore_errors=True)
                fresh.replace(target)
            finally:
                shutil.rmtree(fresh, ignore_errors=True)
    return target / "aclImdb"


def availability(name):
    """Say where a dataset would come from now: ``cached``, ``mirror``, ``download`` or ``missing``.

    Cheap: it checks that files exist, not their checksums (the loaders do that).
    """
    info = DATASETS[name]
    if (paths.data_cache_dir() / info.file).is_file():
        return "cached"
    mirror = paths.data_mirror_dir()
    if mirror is not None and (mirror / info.file).is_file():
        return "mirror"
    if os.environ.get("WORKSHOP_OFFLINE", "") not in ("", "0"):
        return "missing"
    return "download"


def fetch(names=None, mirror_out=None):
    """Download (or copy from a mirror) and verify datasets; optionally write a mirror folder.

    Args:
        names: dataset keys; None means all of them.
        mirror_out: folder to write ``<file>`` copies plus a ``SHA256SUMS`` into.

    Returns:
        {name: path or the error message}.
    """
    results = {}
    for name in names or list(DATASETS):
        try:
            results[name] = dataset_path(name)
        except DatasetUnavailable as exc:
            results[name] = str(exc)
    if mirror_out is not None:
        mirror_out = Path(mirror_out)
        mirror_out.mkdir(parents=True, exist_ok=True)
        sums = read_sha256sums(mirror_out)
        for name, path in results.items():
            if isinstance(path, Path):
                shutil.copyfile(path, mirror_out / path.name)
                sums[path.name] = sha256_of(mirror_out / path.name)
        lines = [f"{checksum}  {file}" for file, checksum in sorted(sums.items())]
        (mirror_out / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return results


def main(argv=None):
    """Command line: ``python -m workshop_utils.datasets [NAME ...] [--mirror DIR]``."""
    parser = argparse.ArgumentParser(
        description="Download, verify and cache the course datasets; optionally write a mirror folder.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"datasets to fetch (default: all of {', '.join(DATASETS)})")
    parser.add_argument("--mirror", metavar="DIR", help="also write a mirror folder for offline classrooms")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; choose from {', '.join(DATASETS)}")
    results = fetch(args.names or None, args.mirror)
    failed = 0
    for name, result in results.items():
        if isinstance(result, Path):
            print(f"ok       {name:14s} {result}")
        else:
            failed += 1
            print(f"MISSING  {name:14s}\n{result}\n")
    if args.mirror:
        print(f"Mirror written to {args.mirror} (point WORKSHOP_DATA_MIRROR at it).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
