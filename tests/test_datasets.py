"""The data layer: pinned checksums, cache, mirror, download, corrupt copies, stand-ins, the offline message."""

import gzip
import hashlib
import io
import pickle
import tarfile

from workshop_utils import datasets

import numpy as np
import pytest


def _write_npz(path, n_train=20, n_test=10):
    rng = np.random.default_rng(0)
    np.savez(
        path,
        x_train=rng.integers(0, 255, (n_train, 28, 28), dtype=np.uint8),
        y_train=np.arange(n_train, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 255, (n_test, 28, 28), dtype=np.uint8),
        y_test=np.arange(n_test, dtype=np.uint8) % 10,
    )


def _mnist_mirror(folder, with_checksum=True, n_train=20):
    """Write a small mnist.npz into a mirror folder, with its SHA256SUMS line unless told otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_npz(folder / "mnist.npz", n_train=n_train)
    if with_checksum:
        digest = hashlib.sha256((folder / "mnist.npz").read_bytes()).hexdigest()
        (folder / "SHA256SUMS").write_text(f"{digest}  mnist.npz\n")
    return folder


def _trust(monkeypatch, name, path):
    """Pin the checksum of a test file for one dataset, as the course pins the real copies."""
    monkeypatch.setitem(datasets.DATASETS[name].known, datasets.sha256_of(path), "a copy made by this test")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """An empty cache, no mirror, and no network (the download fails at once)."""
    monkeypatch.setenv("WORKSHOP_DATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("WORKSHOP_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.delenv("WORKSHOP_DATA_MIRROR", raising=False)
    monkeypatch.setenv("WORKSHOP_OFFLINE", "1")
    monkeypatch.setenv("WORKSHOP_PROFILE", "workshop")
    datasets.STANDINS_USED.clear()
    return tmp_path


def test_missing_dataset_gives_one_clear_message(isolated):
    with pytest.raises(datasets.DatasetUnavailable) as info:
        datasets.load_mnist()
    message = str(info.value)
    assert "MNIST" in message and "mnist.npz" in message
    assert "WORKSHOP_DATA_MIRROR is not set" in message
    assert "make fetch-data" in message
    assert info.value._render_traceback_() == [f"DatasetUnavailable: {message}"]


def test_every_dataset_has_pinned_checksums():
    for info in datasets.DATASETS.values():
        assert info.originals, info.name
        for digest in list(info.known) + [original.sha256 for original in info.originals]:
            assert len(digest) == 64 and int(digest, 16) >= 0, (info.name, digest)
    assert "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe" in datasets.DATASETS["imdb_reviews"].known


def test_mirror_is_verified_then_cached(isolated, monkeypatch):
    mirror = _mnist_mirror(isolated / "mirror")
    _trust(monkeypatch, "mnist", mirror / "mnist.npz")
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    assert x_train.shape == (20, 28, 28) and x_train.dtype == np.uint8 and y_test.shape == (10,)
    assert (isolated / "cache" / "mnist.npz").is_file()
    # Once cached, the mirror is no longer needed.
    monkeypatch.delenv("WORKSHOP_DATA_MIRROR")
    assert datasets.load_mnist()[0][0].shape == (20, 28, 28)


def test_corrupt_mirror_copy_is_refused(isolated, monkeypatch):
    mirror = _mnist_mirror(isolated / "mirror")
    _trust(monkeypatch, "mnist", mirror / "mnist.npz")
    with open(mirror / "mnist.npz", "ab") as fh:
        fh.write(b"garbage")
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    with pytest.raises(datasets.DatasetUnavailable, match="checksum mismatch"):
        datasets.load_mnist()


def test_a_mirror_copy_the_course_does_not_know_is_refused_whatever_its_sha256sums_say(isolated, monkeypatch):
    mirror = _mnist_mirror(isolated / "mirror", with_checksum=True)  # its SHA256SUMS line matches the file
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    with pytest.raises(datasets.DatasetUnavailable, match="not a copy the course knows"):
        datasets.load_mnist()


def test_corrupt_cache_is_replaced_from_mirror(isolated, monkeypatch, capsys):
    mirror = _mnist_mirror(isolated / "mirror")
    _trust(monkeypatch, "mnist", mirror / "mnist.npz")
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    datasets.load_mnist()
    cached = isolated / "cache" / "mnist.npz"
    cached.write_bytes(cached.read_bytes()[:-10])  # truncated: a corrupt copy
    (x_train, _), _ = datasets.load_mnist()
    assert "corrupt" in capsys.readouterr().err
    assert x_train.shape == (20, 28, 28)
    assert datasets.sha256_of(cached) == datasets.read_sha256sums(mirror)["mnist.npz"]


def _fake_get_file(served, calls):
    """A stand-in for keras.utils.get_file that "downloads" the bytes in ``served`` (by URL) into cache_dir."""
    import pathlib

    def get_file(fname, origin, cache_dir, cache_subdir):
        calls.append(origin)
        if isinstance(served[origin], BaseException):
            raise served[origin]
        path = pathlib.Path(cache_dir) / cache_subdir / fname
        path.write_bytes(served[origin])
        return str(path)

    return get_file


def _idx(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist_downloads_the_publishers_files_checks_them_and_caches_them(isolated, monkeypatch):
    import keras

    monkeypatch.delenv("WORKSHOP_OFFLINE")
    rng = np.random.default_rng(0)
    arrays = {
        "train-labels-idx1-ubyte.gz": _idx(np.arange(30) % 10, 2049),
        "train-images-idx3-ubyte.gz": _idx(rng.integers(0, 255, (30, 28, 28)), 2051),
        "t10k-labels-idx1-ubyte.gz": _idx(np.arange(5) % 10, 2049),
        "t10k-images-idx3-ubyte.gz": _idx(rng.integers(0, 255, (5, 28, 28)), 2051),
    }
    info = datasets.DATASETS["fashion_mnist"]
    pinned = tuple(datasets.Original(o.file, o.url, hashlib.sha256(arrays[o.file]).hexdigest()) for o in info.originals)
    monkeypatch.setitem(
        datasets.DATASETS,
        "fashion_mnist",
        datasets.DatasetInfo(info.name, info.title, info.file, info.source, {}, pinned),
    )
    calls = []
    monkeypatch.setattr(keras.utils, "get_file", _fake_get_file({o.url: arrays[o.file] for o in pinned}, calls))
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist()
    assert x_train.shape == (30, 28, 28) and x_test.shape == (5, 28, 28) and list(y_test) == [0, 1, 2, 3, 4]
    datasets.load_fashion_mnist()
    assert len(calls) == 4, "the second load must come from the cache"
    assert datasets.availability("fashion_mnist") == "cached"
    assert not [p for p in (isolated / "cache").iterdir() if p.name.endswith(".partial")]


def test_a_download_with_the_wrong_checksum_never_reaches_the_cache(isolated, monkeypatch):
    import keras

    monkeypatch.delenv("WORKSHOP_OFFLINE")
    url = datasets.DATASETS["nigeria_power"].originals[0].url
    monkeypatch.setattr(keras.utils, "get_file", _fake_get_file({url: b"half a file"}, []))
    with pytest.raises(datasets.DatasetUnavailable, match="download .*checksum mismatch"):
        datasets.dataset_path("nigeria_power")
    assert sorted(p.name for p in (isolated / "cache").iterdir() if not p.name.startswith(".")) == []


def test_cifar10_is_read_from_the_publishers_archive_like_keras_does(isolated, monkeypatch, tmp_path):
    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            images = rng.integers(0, 255, (4, 3 * 32 * 32), dtype=np.uint8)
            blob = pickle.dumps({b"data": images, b"labels": list(rng.integers(0, 10, 4))})
            entry = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            entry.size = len(blob)
            tar.addfile(entry, io.BytesIO(blob))
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "cifar-10-python.tar.gz").write_bytes(buffer.getvalue())
    info = datasets.DATASETS["cifar10"]
    pinned = (
        datasets.Original(info.originals[0].file, info.originals[0].url, hashlib.sha256(buffer.getvalue()).hexdigest()),
    )
    monkeypatch.setitem(
        datasets.DATASETS,
        "cifar10",
        datasets.DatasetInfo(info.name, info.title, info.file, info.source, info.known, pinned),
    )
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    (x_train, y_train), (x_test, y_test) = datasets.load_cifar10()
    assert x_train.shape == (20, 32, 32, 3) and y_train.shape == (20, 1) and x_test.shape == (4, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_test.dtype == np.uint8


def test_a_network_failure_is_reported_not_raised_from_deep_inside(isolated, monkeypatch):
    import urllib.error

    import keras

    monkeypatch.delenv("WORKSHOP_OFFLINE")

    def broken(*args, **kwargs):
        try:
            raise urllib.error.URLError("Name or service not known")
        except urllib.error.URLError:  # what Keras' get_file does with it
            raise Exception("URL fetch failure on https://example: None -- Name or service not known")  # noqa: B904

    monkeypatch.setattr(keras.utils, "get_file", broken)
    with pytest.raises(datasets.DatasetUnavailable) as info:
        datasets.load_cifar10()
    assert info.value.__context__ is None, "the download's own traceback must not be chained"
    assert "download from https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz: failed (URL fetch failure" in str(
        info.value
    )


@pytest.mark.parametrize(
    "error", [OSError(28, "No space left on device"), KeyError("a bug"), PermissionError(13, "Permission denied")]
)
def test_errors_that_do_not_mean_unavailable_surface_as_themselves(isolated, monkeypatch, error):
    import keras

    monkeypatch.delenv("WORKSHOP_OFFLINE")
    monkeypatch.setenv("WORKSHOP_PROFILE", "smoke")  # not even a smoke run may hide them behind a stand-in
    monkeypatch.setattr(
        keras.utils, "get_file", _fake_get_file({datasets.DATASETS["mnist"].originals[0].url: error}, [])
    )
    with pytest.raises(type(error)):
        datasets.load_mnist()
    assert not datasets.STANDINS_USED


def test_a_mirror_that_holds_the_dataset_never_gives_way_to_a_stand_in(isolated, monkeypatch):
    mirror = _mnist_mirror(isolated / "mirror")  # a copy the course does not know
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("WORKSHOP_PROFILE", "smoke")
    with pytest.raises(datasets.DatasetUnavailable) as info:
        datasets.load_mnist()
    message = str(info.value)
    assert "holds mnist.npz for MNIST, but the copy could not be used" in message
    assert "not a copy the course knows" in message
    assert not datasets.STANDINS_USED


def test_smoke_profile_falls_back_to_labelled_standin(isolated, monkeypatch, capsys):
    monkeypatch.setenv("WORKSHOP_PROFILE", "smoke")
    (x_train, y_train), (x_test, y_test) = datasets.load_cifar10()
    assert "STAND-IN DATA" in capsys.readouterr().out
    assert x_train.shape == (50000, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (50000, 1) and set(np.unique(y_test)) == set(range(10))
    assert "cifar10" in datasets.STANDINS_USED


def test_workshop_profile_never_falls_back(isolated):
    with pytest.raises(datasets.DatasetUnavailable):
        datasets.load_fashion_mnist()
    assert not datasets.STANDINS_USED


def test_nigeria_and_imdb_standins(isolated, monkeypatch):
    monkeypatch.setenv("WORKSHOP_PROFILE", "smoke")
    frame = datasets.load_nigeria_power()
    assert list(frame.columns) == ["Month", "consumption"] and len(frame) == 123
    root = datasets.load_imdb_reviews()
    assert sorted(p.name for p in (root / "train").iterdir()) == ["neg", "pos"]


def test_fetch_writes_a_mirror_the_loaders_accept(isolated, monkeypatch):
    mirror = _mnist_mirror(isolated / "mirror")
    _trust(monkeypatch, "mnist", mirror / "mnist.npz")
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    out = isolated / "classroom"
    results = datasets.fetch(["mnist", "cifar10"], mirror_out=out)
    assert "not available" in results["cifar10"]
    sums = datasets.read_sha256sums(out)
    assert list(sums) == ["mnist.npz"] and sums["mnist.npz"] == datasets.sha256_of(out / "mnist.npz")
    # A new machine reads the written mirror.
    monkeypatch.setenv("WORKSHOP_DATA_CACHE", str(isolated / "cache2"))
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(out))
    assert datasets.load_mnist()[0][0].shape == (20, 28, 28)


def test_command_line_reports_missing(isolated, capsys):
    assert datasets.main(["mnist"]) == 1
    assert "MISSING  mnist" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        datasets.main(["no_such_dataset"])


def test_availability(isolated, monkeypatch):
    assert datasets.availability("mnist") == "missing"
    monkeypatch.delenv("WORKSHOP_OFFLINE")
    assert datasets.availability("mnist") == "download"


def _imdb_mirror(folder, per_folder=2):
    """Write a small aclImdb archive and its SHA256SUMS line into a mirror folder."""
    import tarfile

    source = folder / "src" / "aclImdb"
    for split in ("train", "test"):
        for label in ("pos", "neg"):
            (source / split / label).mkdir(parents=True)
            for i in range(per_folder):
                (source / split / label / f"{i}_{8 if label == 'pos' else 2}.txt").write_text(f"{label} {i}")
    with tarfile.open(folder / "imdb_reviews.tar.gz", "w:gz") as tar:
        tar.add(source, arcname="aclImdb")
    digest = hashlib.sha256((folder / "imdb_reviews.tar.gz").read_bytes()).hexdigest()
    with open(folder / "SHA256SUMS", "a") as sums:
        sums.write(f"{digest}  imdb_reviews.tar.gz\n")
    return folder


CHILD = """
import os, sys, time
from pathlib import Path
from workshop_utils import datasets
datasets.DATASETS["mnist"].known[sys.argv[2]] = "this test's copy"
datasets.DATASETS["imdb_reviews"].known[sys.argv[3]] = "this test's copy"
gate = Path(sys.argv[1])
(gate / f"ready-{os.getpid()}").touch()
while not (gate / "go").exists():  # all children start loading at the same moment
    time.sleep(0.005)
(x_train, _), _ = datasets.load_mnist()
root = datasets.load_imdb_reviews()
print(x_train.shape, len(list((root / "train" / "pos").iterdir())))
"""


CHILDREN = 2  # two notebooks started together; each loads Keras (about 4 s of CPU)


def test_several_processes_fill_an_empty_cache_at_once(isolated, monkeypatch):
    """Two notebooks started together, or `make run` beside an open notebook: nobody sees a half-written file."""
    import os
    import subprocess
    import sys
    import time

    # Big enough that copying and unpacking take a while, so that the processes overlap.
    mirror = _imdb_mirror(_mnist_mirror(isolated / "mirror", n_train=50000), per_folder=1000)
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    gate = isolated / "gate"  # each child says it is ready here, then waits for "go"
    gate.mkdir()
    pins = [datasets.sha256_of(mirror / file) for file in ("mnist.npz", "imdb_reviews.tar.gz")]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(gate), *pins],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(CHILDREN)
    ]
    deadline = time.monotonic() + 240
    while len(list(gate.glob("ready-*"))) < CHILDREN and time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            break  # a child ended before it was ready: its error is reported below
        time.sleep(0.01)
    (gate / "go").touch()
    outcomes = [child.communicate(timeout=300) + (child.returncode,) for child in children]
    for out, err, code in outcomes:
        assert code == 0, err
        assert out.strip() == "(50000, 28, 28) 1000", (out, err)
    cache = isolated / "cache"
    leftovers = [p.name for p in cache.iterdir() if p.name.endswith((".partial", ".old"))]
    assert leftovers == [], "temporary files must not stay behind"
    assert (cache / "mnist.npz").is_file() and (cache / "imdb_reviews" / ".unpacked-from").is_file()
