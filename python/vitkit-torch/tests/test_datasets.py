"""Datasets besides MNIST: fashion-mnist (official IDX files) and synthetic, with vitkit's names, order and checks.
(Bit-exactness of the synthetic samples against vitkit is checked by `npm run test:twin`.)"""
import gzip
import struct

import numpy as np
import pytest

from vitkit_torch import SpecError
from vitkit_torch.data import FASHION_MNIST_CLASSES, load_dataset


def write_idx(path, array, gz=False):
    data = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape) + array.astype(np.uint8).tobytes()
    with open(path, "wb") as f:
        f.write(gzip.compress(data) if gz else data)


@pytest.fixture
def fashion_dir(tmp_path, monkeypatch):
    """A test split of 3 images (the official size check is lowered to 3 for the test split only)."""
    import vitkit_torch.data as data

    monkeypatch.setattr(data, "FASHION_MNIST_SPLIT_SIZES", {"train": 60000, "test": 3})
    images = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images, gz=True)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([9, 0, 4]))
    return tmp_path, images


def test_fashion_mnist_reads_the_official_files_in_order(fashion_dir):
    root, images = fashion_dir
    ds = load_dataset({"type": "fashion-mnist", "split": "test", "dir": str(root)}, "data.test", "/")
    assert (ds.name, len(ds), ds.shape, ds.num_classes) == ("fashion-mnist/test", 3, (28, 28, 1), 10)
    assert ds.class_names == FASHION_MNIST_CLASSES and ds.stats == {"mean": [0.286], "std": [0.353]}
    assert ds.labels.tolist() == [9, 0, 4]
    np.testing.assert_array_equal(ds.get(2)[..., 0], (images[2] / 255).astype(np.float32))
    limited = load_dataset({"type": "fashion-mnist", "split": "test", "dir": str(root), "limit": 2}, "data.test", "/")
    assert (limited.name, len(limited)) == ("fashion-mnist/test[:2]", 2)


def test_fashion_mnist_errors_name_the_file_and_the_rule(fashion_dir, tmp_path):
    root, _ = fashion_dir
    with pytest.raises(SpecError, match=r"data\.train\.dir: is required"):
        load_dataset({"type": "fashion-mnist"}, "data.train", "/")
    with pytest.raises(FileNotFoundError, match=r"fashion-mnist: .*train-images-idx3-ubyte \(or \.gz\) not found"):
        load_dataset({"type": "fashion-mnist", "split": "train", "dir": str(root)}, "data.train", "/")
    write_idx(root / "t10k-labels-idx1-ubyte", np.array([9, 10, 4]))
    with pytest.raises(ValueError, match=r"label 10 at index 1 is not a class 0-9"):
        load_dataset({"type": "fashion-mnist", "split": "test", "dir": str(root)}, "data.test", "/")


def test_fashion_mnist_requires_the_official_split_size(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((2, 28, 28)))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(2))
    with pytest.raises(ValueError, match=r"2 images; the official fashion-mnist test split has 10000"):
        load_dataset({"type": "fashion-mnist", "split": "test", "dir": str(tmp_path)}, "data.test", "/")


def test_synthetic_is_a_function_of_seed_split_and_index():
    spec = {"type": "synthetic", "numSamples": 40, "numClasses": 4, "imageSize": [6, 5], "channels": 2, "seed": 3}
    ds = load_dataset(spec, "data.train", "/")
    assert (ds.name, len(ds), ds.shape, ds.num_classes, ds.class_names[3]) == ("synthetic/train", 40, (6, 5, 2), 4, "class_3")
    assert ds.stats == {"mean": [0.5, 0.5], "std": [0.25, 0.25]}
    assert set(ds.labels.tolist()) == {0, 1, 2, 3}
    again = load_dataset(spec, "data.train", "/")
    np.testing.assert_array_equal(ds.get(7), again.get(7))
    img = ds.get(7)
    assert img.dtype == np.float32 and img.min() >= 0 and img.max() <= 1
    test = load_dataset({**spec, "split": "test"}, "data.test", "/")
    assert not np.array_equal(ds.labels, test.labels)
    limited = load_dataset({**spec, "limit": 5}, "data.train", "/")
    assert (limited.name, limited.labels.tolist()) == ("synthetic/train[:5]", ds.labels[:5].tolist())


def test_synthetic_samples_are_their_class_pattern_plus_noise():
    """Without noise every sample is its class template; with noise the mean over a class's samples approaches it."""
    clean = load_dataset({"type": "synthetic", "numSamples": 60, "numClasses": 2, "imageSize": 8, "noise": 0}, "d", "/")
    noisy = load_dataset({"type": "synthetic", "numSamples": 60, "numClasses": 2, "imageSize": 8, "noise": 0.05}, "d", "/")
    for k in range(2):
        idx = np.flatnonzero(clean.labels == k)
        template = clean.get(int(idx[0]))
        for i in idx[1:]:
            np.testing.assert_array_equal(clean.get(int(i)), template)
        mean = np.mean([noisy.get(int(i)) for i in idx], axis=0)
        assert np.abs(mean - template).max() < 0.05
