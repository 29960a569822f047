"""The data layer: cache, mirror, download, corrupt copies, stand-ins and the offline message."""
import hashlib

import numpy as np
import pytest

from workshop_utils import datasets


def _write_npz(path, n_train=20, n_test=10):
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 255, (n_train, 28, 28), dtype=np.uint8),
             y_train=np.arange(n_train, dtype=np.uint8) % 10,
             x_test=rng.integers(0, 255, (n_test, 28, 28), dtype=np.uint8),
             y_test=np.arange(n_test, dtype=np.uint8) % 10)


def _mnist_mirror(folder, with_checksum=True, n_train=20):
    """Write a small mnist.npz into a mirror folder, with its SHA256SUMS line unless told otherwise."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_npz(folder / "mnist.npz", n_train=n_train)
    if with_checksum:
        digest = hashlib.sha256((folder / "mnist.npz").read_bytes()).hexdigest()
        (folder / "SHA256SUMS").write_text(f"{digest}  mnist.npz\n")
    return folder


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


def test_mirror_is_verified_then_cached(isolated, monkeypatch):
    mirror = _mnist_mirror(isolated / "mirror")
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    assert x_train.shape == (20, 28, 28) and x_train.dtype == np.uint8 and y_test.shape == (10,)
    assert (isolated / "cache" / "mnist.npz").is_file()
    # Once cached, the mirror is no longer needed.
    monkeypatch.delenv("WORKSHOP_DATA_MIRROR")
    assert datasets.load_mnist()[0][0].shape == (20, 28, 28)


def test_corrupt_mirror_copy_is_refused(isolated, monkeypatch):
    mirror = _mnist_mirror(isolated / "mirror")
    with open(mirror / "mnist.npz", "ab") as fh:
        fh.write(b"garbage")
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    with pytest.raises(datasets.DatasetUnavailable, match="checksum mismatch"):
        datasets.load_mnist()


def test_mirror_file_without_checksum_is_refused(isolated, monkeypatch):
    mirror = _mnist_mirror(isolated / "mirror", with_checksum=False)
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    with pytest.raises(datasets.DatasetUnavailable, match="cannot be verified"):
        datasets.load_mnist()


def test_corrupt_cache_is_replaced_from_mirror(isolated, monkeypatch, capsys):
    mirror = _mnist_mirror(isolated / "mirror")
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    datasets.load_mnist()
    cached = isolated / "cache" / "mnist.npz"
    cached.write_bytes(cached.read_bytes()[:-10])  # truncated: a corrupt copy
    (x_train, _), _ = datasets.load_mnist()
    assert "corrupt" in capsys.readouterr().out
    assert x_train.shape == (20, 28, 28)
    assert datasets.sha256_of(cached) == datasets.read_sha256sums(mirror)["mnist.npz"]


def test_download_goes_through_keras_loader_and_is_cached(isolated, monkeypatch):
    monkeypatch.delenv("WORKSHOP_OFFLINE")
    calls = []

    def fake_load_data():
        calls.append(1)
        x = np.zeros((30, 28, 28), np.uint8)
        y = np.arange(30, dtype=np.uint8) % 10
        return (x, y), (x[:5], y[:5])

    import keras

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", fake_load_data)
    (x_train, _), (x_test, _) = datasets.load_fashion_mnist()
    assert x_train.shape == (30, 28, 28) and x_test.shape == (5, 28, 28)
    datasets.load_fashion_mnist()
    assert calls == [1], "the second load must come from the cache"


def test_failed_download_is_reported_not_raised_from_deep_inside(isolated, monkeypatch):
    monkeypatch.delenv("WORKSHOP_OFFLINE")
    import keras

    def broken():
        raise OSError("URL fetch failure: Name or service not known")

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", broken)
    with pytest.raises(datasets.DatasetUnavailable) as info:
        datasets.load_cifar10()
    assert info.value.__context__ is None, "the download's own traceback must not be chained"
    assert "download from keras.datasets.cifar10.load_data(): failed (URL fetch failure" in str(info.value)


def test_url_download_checks_known_checksum(isolated, monkeypatch, tmp_path):
    monkeypatch.delenv("WORKSHOP_OFFLINE")
    source = tmp_path / "remote.csv"
    source.write_text("not the real file\n")
    info = datasets.DATASETS["nigeria_power"]
    monkeypatch.setitem(datasets.DATASETS, "nigeria_power",
                        datasets.DatasetInfo(info.name, info.title, info.file, source.as_uri(), info.sha256))
    with pytest.raises(datasets.DatasetUnavailable, match="download from file:"):
        datasets.dataset_path("nigeria_power")


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
import sys, time
from workshop_utils import datasets
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))  # all children start loading at the same moment
(x_train, _), _ = datasets.load_mnist()
root = datasets.load_imdb_reviews()
print(x_train.shape, len(list((root / "train" / "pos").iterdir())))
"""


def test_several_processes_fill_an_empty_cache_at_once(isolated, monkeypatch):
    """Two notebooks started together, or `make run` beside an open notebook: nobody sees a half-written file."""
    import os
    import subprocess
    import sys
    import time

    # Big enough that copying and unpacking take a while, so that the processes overlap.
    mirror = _imdb_mirror(_mnist_mirror(isolated / "mirror", n_train=50000), per_folder=1000)
    monkeypatch.setenv("WORKSHOP_DATA_MIRROR", str(mirror))
    start_at = str(time.time() + 15)  # after every child has imported Keras
    children = [subprocess.Popen([sys.executable, "-c", CHILD, start_at], env=dict(os.environ),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outcomes = [child.communicate(timeout=300) + (child.returncode,) for child in children]
    for out, err, code in outcomes:
        assert code == 0, err
        assert out.strip() == "(50000, 28, 28) 1000", (out, err)
    cache = isolated / "cache"
    leftovers = [p.name for p in cache.iterdir() if p.name.endswith((".partial", ".old"))]
    assert leftovers == [], "temporary files must not stay behind"
    assert (cache / "mnist.npz").is_file() and (cache / "imdb_reviews" / ".unpacked-from").is_file()
