"""CIFAR-10/100 binary batches: vitkit's file names, record layout (label bytes, R/G/B planes → HWC), class names,
label modes and errors. (The same batches read by vitkit and the twin: the cifar10 family of `npm run test:twin`.)"""
import numpy as np
import pytest

from vitkit_torch import SpecError
from vitkit_torch.data import load_dataset


def record(labels, seed):
    planes = np.random.default_rng(seed).integers(0, 256, size=(3, 32, 32), dtype=np.uint8)
    return bytes(labels) + planes.tobytes(), planes.transpose(1, 2, 0)


def test_cifar10_reads_the_standard_batches_in_order(tmp_path):
    root = tmp_path / "c" / "cifar-10-batches-bin"
    root.mkdir(parents=True)
    expected = []
    for i in range(1, 6):
        data, image = record([i % 10], i)
        (root / f"data_batch_{i}.bin").write_bytes(data)
        expected.append((i % 10, image))
    (root / "test_batch.bin").write_bytes(record([3], 9)[0] * 2)
    (root / "batches.meta.txt").write_text("\n".join(f"c{i}" for i in range(10)) + "\n\n")
    ds = load_dataset({"type": "cifar10", "dir": "c"}, "data.train", str(tmp_path))
    assert len(ds) == 5 and ds.class_names == [f"c{i}" for i in range(10)] and ds.name == "cifar10/train"
    for i, (label, image) in enumerate(expected):
        assert ds.labels[i] == label
        assert np.array_equal(ds.get(i), (image.astype(np.float64) / 255).astype(np.float32))
    assert len(load_dataset({"type": "cifar10", "split": "test", "dir": "c", "limit": 1}, "data.test", str(tmp_path))) == 1


def test_cifar100_fine_and_coarse_labels(tmp_path):
    data, _ = record([4, 77], 0)
    (tmp_path / "train.bin").write_bytes(data)
    fine = load_dataset({"type": "cifar100", "dir": "."}, "data.train", str(tmp_path))
    coarse = load_dataset({"type": "cifar100", "dir": ".", "labelMode": "coarse"}, "data.train", str(tmp_path))
    assert (fine.labels[0], fine.num_classes, fine.class_names[0]) == (77, 100, "class_0")
    assert (coarse.labels[0], coarse.num_classes) == (4, 20)


def test_cifar_errors_name_the_file_or_the_spec_path(tmp_path):
    (tmp_path / "test_batch.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match=r"test_batch\.bin: 100 bytes is not a whole number of 3073-byte CIFAR-10 records"):
        load_dataset({"type": "cifar10", "split": "test", "dir": "."}, "data.test", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"CIFAR-10 train: batch file .*data_batch_1\.bin not found"):
        load_dataset({"type": "cifar10", "dir": "."}, "data.train", str(tmp_path))
    (tmp_path / "test.bin").write_bytes(record([0, 120], 1)[0])
    with pytest.raises(ValueError, match=r"test\.bin: record 0 has label 120, but CIFAR-100 has 100 classes"):
        load_dataset({"type": "cifar100", "split": "test", "dir": "."}, "data.test", str(tmp_path))
    with pytest.raises(SpecError, match=r"data\.train\.labelMode: 'medium' is not valid"):
        load_dataset({"type": "cifar100", "dir": ".", "labelMode": "medium"}, "data.train", str(tmp_path))
    with pytest.raises(SpecError, match=r"data\.train\.dir: is required"):
        load_dataset({"type": "cifar10"}, "data.train", str(tmp_path))
