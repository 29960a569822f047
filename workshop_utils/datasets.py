"""Dataset loaders that work online, offline from a mirror folder, and from a verified local cache.

Each loader returns the same thing Keras' own loader would (for example ``load_mnist()`` returns
``(x_train, y_train), (x_test, y_test)`` exactly like ``keras.datasets.mnist.load_data()``).
Where a dataset comes from, in this order:

1. the local cache (``data/cache``);
2. the mirror folder named by ``WORKSHOP_DATA_MIRROR``;
3. the original download (the publisher's files, from the addresses Keras' own loaders use, or the
   original URL), unless ``WORKSHOP_OFFLINE=1``.

Every file, wherever it comes from, is checked against the SHA-256 checksums pinned below (``DATASETS``):
a copy the course does not know is refused, whatever a mirror's own ``SHA256SUMS`` says. Downloads go to
a temporary file first, so an interrupted one never becomes a cached file.

Only in the ``smoke`` profile, and only when a dataset is really unavailable (nowhere to be found, or
offline), a clearly labelled synthetic stand-in of the same shapes, dtypes and classes is used. When the
mirror holds the dataset but its copy cannot be used, or the profile is not ``smoke``, you get one
``DatasetUnavailable`` error that names the dataset, where it looked and what to do. Errors that do not
mean "not available" (a full disk, a bug) surface as themselves.

Instructors prepare a classroom mirror with ``python -m workshop_utils.datasets --mirror DIR``.
"""

import argparse
import contextlib
import gzip
import hashlib
import http.client
import os
import pickle
import shutil
import socket
import sys
import tarfile
import tempfile
import urllib.error
from dataclasses import dataclass, field
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no file locks; unique temporary names and atomic renames still apply
    fcntl = None

import numpy as np

from .course import config, paths, standins

KERAS_DATASETS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
NIGERIA_URL = (
    "https://raw.githubusercontent.com/dvdbisong/gcp-learningmodels-book/master/"
    "Chapter_12/nigeria-power-consumption.csv"
)
IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
DOWNLOAD_TIMEOUT_S = 30

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
MNIST_CLASSES = tuple(str(d) for d in range(10))
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


@dataclass(frozen=True)
class Original:
    """One file as its publisher serves it: the name it is kept under, where it comes from, its SHA-256."""

    file: str
    url: str
    sha256: str


@dataclass(frozen=True)
class DatasetInfo:
    """What the data layer knows about one dataset.

    A dataset is read either from ``file`` (the course's format, see data/README.md) when its SHA-256 is one
    of ``known``, or from its ``originals``, the publisher's files, each checked against its own SHA-256.
    """

    name: str  # key used in messages and on the command line
    title: str  # human name
    file: str  # the course-format file in the cache and in a mirror
    source: str  # where the original download comes from, in words
    known: dict = field(default_factory=dict)  # SHA-256 of a course-format copy -> where that copy comes from
    originals: tuple = ()  # the publisher's files (Original), downloaded when nothing else is there


DATASETS = {
    "mnist": DatasetInfo(
        "mnist",
        "MNIST",
        "mnist.npz",
        "keras.datasets.mnist.load_data()'s file",
        known={
            "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1": (
                "Keras' own mnist.npz (the checksum keras.datasets.mnist pins)"
            ),
            "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64": (
                "the course's mirror copy, rebuilt from lossless PNGs in the original order"
            ),
        },
        originals=(
            Original(
                "mnist.npz",
                KERAS_DATASETS_URL + "mnist.npz",
                "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
            ),
        ),
    ),
    "fashion_mnist": DatasetInfo(
        "fashion_mnist",
        "Fashion-MNIST",
        "fashion_mnist.npz",
        "keras.datasets.fashion_mnist.load_data()'s files",
        originals=tuple(
            Original(file, KERAS_DATASETS_URL + file, digest)
            for file, digest in (
                # Zalando's published SHA-256 of the four files (github.com/zalandoresearch/fashion-mnist)
                ("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
                ("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
                ("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
                ("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
            )
        ),
    ),
    "cifar10": DatasetInfo(
        "cifar10",
        "CIFAR-10",
        "cifar10.npz",
        "keras.datasets.cifar10.load_data()'s file",
        known={
            "c5f734fa0baef9daac1ca129622ca2492f236af6eb076626961f64f6c4bb8a8c": (
                "the course's mirror copy, decoded from a JPEG copy of CIFAR-10 and shuffled with seed 0"
            ),
        },
        originals=(
            Original(
                "cifar-10-python.tar.gz",
                CIFAR10_URL,  # the checksum keras.datasets.cifar10 pins
                "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            ),
        ),
    ),
    "imdb_reviews": DatasetInfo(
        "imdb_reviews",
        "IMDB movie reviews (raw text)",
        "imdb_reviews.tar.gz",
        IMDB_URL,
        known={
            "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe": (
                "aclImdb_v1.tar.gz as Stanford serves it"
            ),
            "1f025e7b9e04c9728d2348230b58d563fdc15154153f38614fcf039058921749": (
                "the course's mirror copy, the labelled reviews reassembled from two public copies"
            ),
        },
        originals=(
            Original(
                "imdb_reviews.tar.gz", IMDB_URL, "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
            ),
        ),
    ),
    "nigeria_power": DatasetInfo(
        "nigeria_power",
        "Nigeria power consumption",
        "nigeria-power-consumption.csv",
        NIGERIA_URL,
        known={
            "84a6492ce02ed527a572168bdd1b8351ff22d658c53cc4edf3c6843a127f4aa9": (
                "the file of the book repository dvdbisong/gcp-learningmodels-book"
            ),
        },
        originals=(
            Original(
                "nigeria-power-consumption.csv",
                NIGERIA_URL,
                "84a6492ce02ed527a572168bdd1b8351ff22d658c53cc4edf3c6843a127f4aa9",
            ),
        ),
    ),
}

# The errors that mean "this download is not available here": no network, a refused or dropped
# connection, a timeout, an HTTP error. Keras' get_file re-raises them as a bare Exception, so the
# chain of causes is searched. Anything else (a full disk, a bug) is not caught.
NOT_AVAILABLE = (urllib.error.URLError, ConnectionError, TimeoutError, socket.gaierror, http.client.HTTPException)

# Stand-ins used so far in this process (the run report and the self-checks mention them).
STANDINS_USED = set()


def standins_used():
    """The names of the datasets replaced by a synthetic stand-in so far in this process (a copy)."""
    return set(STANDINS_USED)


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


def _expected(info, file):
    """The SHA-256 values a file of this dataset may have: the known copies, or one original's."""
    if file == info.file and info.known:
        return set(info.known)
    return {original.sha256 for original in info.originals if original.file == file}


def _verified(path, info, place, notes):
    """Return True when the file at ``path`` is a copy the course knows; otherwise note why not."""
    if not path.is_file():
        notes.append(f"{place} {path}: not there")
        return False
    actual = sha256_of(path)
    if actual in _expected(info, path.name):
        return True
    notes.append(
        f"{place} {path}: checksum mismatch (SHA-256 {actual[:16]}... is not a copy the course knows; "
        "a corrupt, incomplete or different file)"
    )
    return False


def _candidates(info):
    """The ways a dataset can be read: its course-format file, or the complete set of its originals."""
    sets = [(info.file,)]
    originals = tuple(original.file for original in info.originals)
    if originals and originals != (info.file,):
        sets.append(originals)
    return sets


def _from_cache(info, notes):
    """Return the verified cached files of one way to read the dataset, or None (corrupt copies deleted)."""
    cache = paths.data_cache_dir()
    for files in _candidates(info):
        found = [cache / file for file in files]
        if not all(path.is_file() for path in found):
            continue
        place_notes = []
        if all(_verified(path, info, "cache", place_notes) for path in found):
            return found
        for path in found:
            if not path.is_file() or sha256_of(path) not in _expected(info, path.name):
                print(
                    f"WARNING: the cached copy of {info.title} at {path} is corrupt or unknown; replacing it.",
                    file=sys.stderr,
                )
                path.unlink(missing_ok=True)
        notes.extend(place_notes)
    notes.append(f"cache {cache / info.file}: not there")
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


def _store_in_cache(src):
    """Copy a verified file into the cache under its own name (readers never see half a file)."""
    return _write_atomically(paths.data_cache_dir() / src.name, lambda tmp: shutil.copyfile(src, tmp))


def mirror_holds(name):
    """Return the files of a dataset that the mirror folder holds (empty when there is no mirror)."""
    mirror = paths.data_mirror_dir()
    if mirror is None:
        return []
    info = DATASETS[name]
    names = {info.file} | {original.file for original in info.originals}
    return sorted(file for file in names if (mirror / file).is_file())


def _from_mirror(info, notes):
    """Return cached copies of the mirror's verified files, or None."""
    mirror = paths.data_mirror_dir()
    if mirror is None:
        notes.append("mirror: WORKSHOP_DATA_MIRROR is not set")
        return None
    for files in _candidates(info):
        found = [mirror / file for file in files]
        if not any(path.is_file() for path in found):
            continue
        if all(_verified(path, info, "mirror", notes) for path in found):
            return [_store_in_cache(path) for path in found]
    if not mirror_holds(info.name):
        notes.append(f"mirror {mirror / info.file}: not there")
    return None


def _unavailable_reason(exc):
    """Return a one-line reason when ``exc`` (or an error it came from) means "not available", else None."""
    seen = exc
    while seen is not None:
        if isinstance(seen, NOT_AVAILABLE):
            text = str(exc) or str(seen) or type(seen).__name__
            return text.splitlines()[0][:200]
        seen = seen.__cause__ or seen.__context__
    return None


def _download(info, notes):
    """Download the publisher's files into a temporary folder, check them, and move them into the cache."""
    if os.environ.get("WORKSHOP_OFFLINE", "") not in ("", "0"):
        notes.append(f"download from {info.source}: skipped (WORKSHOP_OFFLINE is set)")
        return None
    import keras

    cache = paths.data_cache_dir()
    folder = Path(tempfile.mkdtemp(dir=cache, prefix=f".{info.name}.", suffix=".partial"))
    old_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        fetched = []
        for original in info.originals:
            try:
                path = Path(
                    keras.utils.get_file(
                        fname=original.file, origin=original.url, cache_dir=str(folder), cache_subdir="."
                    )
                )
            except Exception as exc:
                reason = _unavailable_reason(exc)
                if reason is None:
                    raise  # not a network problem: let it show as itself
                notes.append(f"download from {original.url}: failed ({reason})")
                return None
            if not _verified(path, info, "download", notes):
                return None
            fetched.append(path)
        return [_store_in_cache(path) for path in fetched]
    finally:
        socket.setdefaulttimeout(old_timeout)
        shutil.rmtree(folder, ignore_errors=True)


def dataset_files(name, allow_download=True):
    """Return the local paths of a dataset's verified files, fetching them if needed.

    Args:
        name: a key of ``DATASETS`` (``mnist``, ``fashion_mnist``, ``cifar10``, ``imdb_reviews``,
            ``nigeria_power``).
        allow_download: try the original source when neither cache nor mirror has it.

    Returns:
        A list of paths: the course-format file alone, or the publisher's original files.

    Raises:
        DatasetUnavailable: with the places searched and the fix.
    """
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}. Known: {', '.join(DATASETS)}.")
    info = DATASETS[name]
    notes = []
    with _cache_lock(info.name):  # another process may be filling the same cache entry right now
        found = _from_cache(info, notes) or _from_mirror(info, notes)
        if found is None and allow_download:
            found = _download(info, notes)
    if found is None:
        raise DatasetUnavailable(_unavailable_message(info, notes))
    return found


def dataset_path(name, allow_download=True):
    """Return the local path of a dataset's one verified file (see ``dataset_files``)."""
    found = dataset_files(name, allow_download)
    if len(found) != 1:
        raise ValueError(f"{name} is kept as {len(found)} files; use dataset_files({name!r}).")
    return found[0]


def _unavailable_message(info, notes):
    looked = "\n".join(f"  - {note}" for note in notes)
    return (
        f"The {info.title} dataset ({info.file}) is not available.\n"
        f"Looked in:\n{looked}\n"
        "Fix, either:\n"
        f"  - on a machine with internet, run `make fetch-data` (or `python -m workshop_utils.datasets "
        f"{info.name}`) to download and cache it; or\n"
        f"  - set WORKSHOP_DATA_MIRROR to a folder holding {info.file} or its original files, as a course "
        "mirror does (see data/README.md); or\n"
        "  - run with WORKSHOP_PROFILE=smoke, which uses a labelled synthetic stand-in."
    )


def _use_standin(name, exc):
    """Label and allow a stand-in, or raise: only smoke runs use one, and only for a dataset that is missing."""
    if config.get_profile() != "smoke":
        raise exc
    held = mirror_holds(name)
    if held:  # the mirror has it, so its failure is a real problem, not an unavailable dataset
        raise DatasetUnavailable(
            f"The mirror {paths.data_mirror_dir()} holds {', '.join(held)} for {DATASETS[name].title}, but the "
            f"copy could not be used, so no stand-in replaces it.\n{exc}"
        ) from None
    STANDINS_USED.add(name)
    title = DATASETS[name].title
    bar = "=" * 78
    print(
        f"{bar}\nSTAND-IN DATA: the real {title} dataset is not available here, so this smoke run\n"
        f"uses synthetic data of the same shapes, dtypes and classes. Every figure below is\n"
        f"meaningless. Set WORKSHOP_DATA_MIRROR or run `make fetch-data` for the real data.\n{bar}"
    )


def _read_idx(path, offset):
    """The bytes of a gzipped IDX file (Fashion-MNIST's format) after its header, as uint8."""
    with gzip.open(path, "rb") as handle:
        return np.frombuffer(handle.read(), np.uint8, offset=offset)


def _cifar_batches(archive):
    """Read CIFAR-10's python archive as keras.datasets.cifar10 does: channels last, labels of shape (n, 1)."""
    parts = {}
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            stem = Path(member.name).name
            if stem.startswith(("data_batch_", "test_batch")):
                batch = pickle.load(tar.extractfile(member), encoding="bytes")
                images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
                parts[stem] = (images, np.asarray(batch[b"labels"], dtype=np.uint8).reshape(-1, 1))
    train = [parts[f"data_batch_{i}"] for i in range(1, 6)]
    return ((np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train])), parts["test_batch"])


def arrays_from(name, found):
    """The four arrays ``(x_train, y_train), (x_test, y_test)`` of an image dataset from its verified files."""
    if found[0].suffix == ".npz":
        with np.load(found[0]) as data:
            return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])
    if name == "cifar10":
        return _cifar_batches(found[0])
    files = {path.name: path for path in found}  # Fashion-MNIST's four IDX files
    y_train = _read_idx(files["train-labels-idx1-ubyte.gz"], 8)
    y_test = _read_idx(files["t10k-labels-idx1-ubyte.gz"], 8)
    x_train = _read_idx(files["train-images-idx3-ubyte.gz"], 16).reshape(len(y_train), 28, 28)
    x_test = _read_idx(files["t10k-images-idx3-ubyte.gz"], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)


def _load_arrays(name):
    try:
        found = dataset_files(name)
    except DatasetUnavailable as exc:
        _use_standin(name, exc)
        return standins.image_arrays(name)
    return arrays_from(name, found)


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
    checksum = sha256_of(archive)
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
    cache = paths.data_cache_dir()
    if any(all((cache / file).is_file() for file in files) for files in _candidates(DATASETS[name])):
        return "cached"
    if mirror_holds(name):
        return "mirror"
    if os.environ.get("WORKSHOP_OFFLINE", "") not in ("", "0"):
        return "missing"
    return "download"


def fetch(names=None, mirror_out=None):
    """Download (or copy from a mirror) and verify datasets; optionally write a mirror folder.

    Args:
        names: dataset keys; None means all of them.
        mirror_out: folder to copy the verified files into, with a ``SHA256SUMS`` listing them.

    Returns:
        {name: list of paths, or the error message}.
    """
    results = {}
    for name in names or list(DATASETS):
        try:
            results[name] = dataset_files(name)
        except DatasetUnavailable as exc:
            results[name] = str(exc)
    if mirror_out is not None:
        mirror_out = Path(mirror_out)
        mirror_out.mkdir(parents=True, exist_ok=True)
        sums = read_sha256sums(mirror_out)
        for found in results.values():
            for path in found if isinstance(found, list) else ():
                _write_atomically(mirror_out / path.name, lambda tmp, src=path: shutil.copyfile(src, tmp))
                sums[path.name] = sha256_of(mirror_out / path.name)
        lines = [f"{checksum}  {file}" for file, checksum in sorted(sums.items())]
        (mirror_out / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return results


def main(argv=None):
    """Command line: ``python -m workshop_utils.datasets [NAME ...] [--mirror DIR]``."""
    parser = argparse.ArgumentParser(
        description="Download, verify and cache the course datasets; optionally write a mirror folder."
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"datasets to fetch (default: all of {', '.join(DATASETS)})"
    )
    parser.add_argument("--mirror", metavar="DIR", help="also write a mirror folder for offline classrooms")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; choose from {', '.join(DATASETS)}")
    results = fetch(args.names or None, args.mirror)
    failed = 0
    for name, result in results.items():
        if isinstance(result, list):
            print(f"ok       {name:14s} {', '.join(str(path) for path in result)}")
        else:
            failed += 1
            print(f"MISSING  {name:14s}\n{result}\n")
    if args.mirror:
        print(f"Mirror written to {args.mirror} (point WORKSHOP_DATA_MIRROR at it).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
