"""vitkit's `cifar10` / `cifar100` datasets (packages/data/src/datasets/cifar.ts): the "binary version" batches from a
local folder (no download), the same file names, order, class names, statistics and checks. A record is a label
byte (CIFAR-100: coarse, then fine) and a 32×32 image as R, G, B planes; samples come out HWC."""
import os
from typing import Any, List, Mapping, Optional

import numpy as np

SIDE = 32
PIXELS = SIDE * SIDE * 3
CIFAR10_STATS = {"mean": [0.4914, 0.4822, 0.4465], "std": [0.247, 0.2435, 0.2616]}
CIFAR100_STATS = {"mean": [0.5071, 0.4865, 0.4409], "std": [0.2673, 0.2564, 0.2762]}
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
OPTIONS = {"split": "train", "dir": None, "files": None}
OPTIONS_100 = {**OPTIONS, "labelMode": "fine"}


def _names(file: str) -> Optional[List[str]]:
    if not os.path.exists(file):
        return None
    with open(file, encoding="utf8") as f:
        return [line.strip() for line in f.read().splitlines() if line.strip()]


def load_cifar(variant: int, o: Mapping[str, Any], root: str):
    """(images uint8 [N, 32, 32, 3], labels int64 [N], class names) of split `o["split"]` under `root`."""
    split = o["split"]
    sub = "cifar-10-batches-bin" if variant == 10 else "cifar-100-binary"
    if not os.path.exists(root):
        raise FileNotFoundError(f"CIFAR-{variant}: folder {root} does not exist")
    if variant == 10:
        defaults = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
    else:
        defaults = [f"{split}.bin"]
    names = o["files"] or defaults
    if not o["files"] and not os.path.exists(os.path.join(root, names[0])) and os.path.exists(os.path.join(root, sub)):
        root = os.path.join(root, sub)
    label_bytes = 1 if variant == 10 else 2
    record = label_bytes + PIXELS
    coarse = variant == 100 and o.get("labelMode", "fine") == "coarse"
    if variant == 10:
        classes = _names(os.path.join(root, "batches.meta.txt"))
        classes = classes if classes and len(classes) == 10 else list(CIFAR10_CLASSES)
    else:
        n = 20 if coarse else 100
        classes = _names(os.path.join(root, "coarse_label_names.txt" if coarse else "fine_label_names.txt"))
        classes = classes if classes and len(classes) == n else [f"class_{i}" for i in range(n)]
    offset = 1 if variant == 100 and not coarse else 0
    images, labels = [], []
    for name in names:
        file = os.path.abspath(os.path.join(root, name))
        if not os.path.exists(file):
            raise FileNotFoundError(f"CIFAR-{variant} {split}: batch file {file} not found (expected {', '.join(names)} in {root})")
        raw = np.fromfile(file, dtype=np.uint8)
        if raw.size == 0 or raw.size % record != 0:
            raise ValueError(f"{file}: {raw.size} bytes is not a whole number of {record}-byte CIFAR-{variant} records; is it a CIFAR-{variant} binary batch?")
        rows = raw.reshape(-1, record)
        lab = rows[:, offset].astype(np.int64)
        bad = np.flatnonzero(lab >= len(classes))
        if len(bad):
            raise ValueError(f"{file}: record {bad[0]} has label {lab[bad[0]]}, but CIFAR-{variant} has {len(classes)} classes")
        images.append(rows[:, label_bytes:].reshape(-1, 3, SIDE, SIDE).transpose(0, 2, 3, 1))
        labels.append(lab)
    return np.ascontiguousarray(np.concatenate(images)), np.concatenate(labels), classes
