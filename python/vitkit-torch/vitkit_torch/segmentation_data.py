"""vitkit's segmentation data (packages/data/src/segmentation, packages/trainer/src/segmentation/data.ts + loader.ts):
`mnist-segmentation` composed value for value like vitkit's generator (same seed → same images and masks),
`mask-folder` (images + single-channel 8-bit PNG masks, 255 = ignore), the paired random crop / flip with vitkit's
RNG streams, and the loader's order. Images are HWC float32 on the host; a batch's labels are `B·H·W` int64."""
import math
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .data import MNIST_STATS, crop, load_idx_split, mnist_dir
from .errors import SpecError
from .image_folder import GREY_STATS, IMAGE_EXTENSIONS, IMAGENET_STATS
from .options import REQUIRED, one_of, resolve
from .rng import Rng, permutation

IGNORE_INDEX = 255
MNIST_SEGMENTATION_CLASSES = ["background"] + [str(d) for d in range(10)]
# A digit's pixels at least this bright carry its class; dimmer ones above RIM are its anti-aliased rim (ignored).
STROKE, RIM = 0.5, 0.2

DATA_DEFAULTS: Dict[str, Any] = {
    "type": REQUIRED, "size": 64, "trainLength": 2000, "testLength": 300, "digits": None, "seed": 0, "dir": None,
    "numClasses": None, "imageSize": None, "channels": 3, "batchSize": 8, "evalBatchSize": None, "cropPadding": 0, "flip": False,
}
INT_MINIMUMS = {"size": 28, "trainLength": 1, "testLength": 1, "seed": 0, "numClasses": 1, "channels": 1, "batchSize": 1, "evalBatchSize": 1, "cropPadding": 0}


class MnistSegmentationDataset:
    """2–4 MNIST digits pasted on a `size²` canvas (brightest wins); mask = digit + 1 on strokes, 0 background, 255
    on rims not covered by a stroke. Sample i depends only on (seed, split, i), as in vitkit."""

    def __init__(self, split: str, length: int, size: int, digits: Tuple[int, int], seed: int, base_dirs: Sequence[str]):
        if not (digits[0] >= 1 and digits[1] >= digits[0]):
            raise SpecError("data.digits", f"{list(digits)} must be a range [min >= 1, max >= min]")
        images, self.mnist_labels = load_idx_split("mnist", mnist_dir(base_dirs), split, 10)
        self.mnist = images[..., 0]
        self.split, self.size, self.digits, self.seed, self.length = split, size, digits, seed, length
        self.name = f"mnist-segmentation:{split}"
        self.class_names, self.num_classes = list(MNIST_SEGMENTATION_CLASSES), len(MNIST_SEGMENTATION_CLASSES)
        self.shape = (size, size, 1)
        self.stats = {"mean": list(MNIST_STATS["mean"]), "std": list(MNIST_STATS["std"])}

    def __len__(self) -> int:
        return self.length

    def get(self, index: int) -> Tuple[np.ndarray, np.ndarray]:
        n = self.size
        rng = Rng.from_parts(self.seed, 0 if self.split == "train" else 1, index)
        image = np.zeros((n, n), dtype=np.float32)
        mask = np.zeros((n, n), dtype=np.uint8)
        for _ in range(rng.int(self.digits[0], self.digits[1] + 1)):
            j = rng.int(0, len(self.mnist_labels))
            digit = (self.mnist[j].astype(np.float64) / 255).astype(np.float32)
            top, left = rng.int(0, n - 28 + 1), rng.int(0, n - 28 + 1)
            win = (slice(top, top + 28), slice(left, left + 28))
            image[win] = np.maximum(image[win], digit)
            m = mask[win]  # a view: the updates below write into `mask`
            # Compared in double as vitkit does (NumPy would round the thresholds to float32: 51/255 > 0.2 differs).
            v = digit.astype(np.float64)
            rim = (v > RIM) & (v < STROKE) & (m == 0)
            m[v >= STROKE] = self.mnist_labels[j] + 1
            m[rim] = IGNORE_INDEX
        return image[..., None], mask


class MaskFolderDataset:
    """`<dir>/<split>/images/<name>.png|jpg|jpeg|webp` with `masks/<name>.png`: single-channel 8-bit PNG class indices
    (0 … numClasses − 1, 255 = ignore); a missing, mis-sized or out-of-range mask is an error naming the file."""

    def __init__(self, root: str, split: str, num_classes: int, channels: int, image_size: Optional[Sequence[int]]):
        from PIL import Image  # Pillow: only mask folders need it

        self._image = Image
        root = os.path.join(root, split)
        images_dir, masks_dir = os.path.join(root, "images"), os.path.join(root, "masks")
        for d in (images_dir, masks_dir):
            if not os.path.isdir(d):
                raise FileNotFoundError(f"mask-folder: {d} is not a folder (expected <dir>/images and <dir>/masks)")
        names = sorted(n for n in os.listdir(images_dir) if not n.startswith(".") and os.path.splitext(n)[1].lower() in IMAGE_EXTENSIONS)
        if not names:
            raise FileNotFoundError(f"mask-folder: no images in {images_dir}")
        self.files: List[Tuple[str, str]] = []
        for n in names:
            mask = os.path.join(masks_dir, os.path.splitext(n)[0] + ".png")
            if not os.path.exists(mask):
                raise FileNotFoundError(f"{mask}: missing: the mask of {os.path.join(images_dir, n)} (every image needs masks/<name>.png)")
            self.files.append((os.path.join(images_dir, n), mask))
        with Image.open(self.files[0][0]) as im:
            first = (im.height, im.width)
        self.resize = image_size is not None
        h, w = (image_size[0], image_size[1]) if image_size is not None else first
        self.shape = (h, w, channels)
        self.name = f"mask-folder:{root}"
        self.num_classes, self.class_names = num_classes, [str(i) for i in range(num_classes)]
        stats = GREY_STATS if channels == 1 else IMAGENET_STATS
        self.stats = {"mean": list(stats["mean"]), "std": list(stats["std"])}

    def __len__(self) -> int:
        return len(self.files)

    def read_mask(self, file: str) -> np.ndarray:
        try:
            with self._image.open(file) as im:
                if im.format != "PNG":
                    raise ValueError(f"{file}: is {im.format}, masks must be PNG (lossless)")
                if im.mode != "L":
                    raise ValueError(f"{file}: has mode {im.mode}; a mask must be a single-channel (greyscale) 8-bit PNG of class indices")
                labels = np.asarray(im, dtype=np.uint8).copy()
        except ValueError:
            raise
        except Exception as e:  # Pillow raises several types for corrupt files
            raise ValueError(f"{file}: cannot decode: {e}") from e
        bad = np.flatnonzero((labels >= self.num_classes) & (labels != IGNORE_INDEX))
        if len(bad):
            r, c = divmod(int(bad[0]), labels.shape[1])
            raise ValueError(f"{file}: label {labels.flat[bad[0]]} at row {r}, column {c} is out of range: classes are 0..{self.num_classes - 1}, {IGNORE_INDEX} = ignore")
        return labels

    def get(self, index: int) -> Tuple[np.ndarray, np.ndarray]:
        image, mask = self.files[index]
        h, w, c = self.shape
        with self._image.open(image) as im:
            ih, iw = im.height, im.width
            if not self.resize and (ih, iw) != (h, w):
                raise ValueError(f"{image}: {iw}x{ih} differs from the dataset's {w}x{h}; give imageSize to resize every sample")
            im = im.convert("L" if c == 1 else "RGB")
            if (ih, iw) != (h, w):
                im = im.resize((w, h), self._image.BILINEAR)
            a = np.asarray(im, dtype=np.float64) / 255
        labels = self.read_mask(mask)
        if labels.shape != (ih, iw):
            raise ValueError(f"{mask}: is {labels.shape[1]}x{labels.shape[0]} but its image {image} is {iw}x{ih}")
        if (ih, iw) != (h, w):
            # vitkit's cropResizeNearest: source index min(n − 1, floor(i · n / out)); labels are never blended.
            ys = np.minimum(ih - 1, (np.arange(h) * ih) // h)
            xs = np.minimum(iw - 1, (np.arange(w) * iw) // w)
            labels = labels[ys][:, xs]
        return (a[..., None] if a.ndim == 2 else a).astype(np.float32), labels


def seg_random_crop(image: np.ndarray, mask: np.ndarray, size: Tuple[int, int], padding: int, rng: Rng) -> Tuple[np.ndarray, np.ndarray]:
    """The same window of image (padded with 0) and mask (padded with 255, ignored)."""
    h, w = size
    max_top, max_left = image.shape[0] + 2 * padding - h, image.shape[1] + 2 * padding - w
    if max_top < 0 or max_left < 0:
        raise ValueError(f"seg-random-crop: {h}x{w} does not fit in {image.shape[0]}x{image.shape[1]} padded by {padding}")
    top = rng.int(0, max_top + 1) - padding
    left = rng.int(0, max_left + 1) - padding
    m = crop(mask[..., None].astype(np.float32), top, left, h, w, [IGNORE_INDEX])[..., 0].astype(np.uint8)
    return crop(image, top, left, h, w, [0.0]), m


def seg_random_flip(image: np.ndarray, mask: np.ndarray, rng: Rng, p: float = 0.5) -> Tuple[np.ndarray, np.ndarray]:
    return (image[:, ::-1].copy(), mask[:, ::-1].copy()) if rng.random() < p else (image, mask)


class SegmentationLoader:
    """vitkit's SegmentationLoader: order per epoch from Rng(seed, epoch, 1) when shuffling; sample i of an epoch's
    batch augmented with Rng(seed · 1000003 + epoch, i). `batch` gives (x NHWC, None, labels B·H·W)."""

    def __init__(self, ds: Any, batch_size: int, shuffle: bool, seed: int, crop_padding: int, flip: bool, drop_last: bool):
        self.ds, self.batch_size, self.shuffle, self.seed = ds, batch_size, shuffle, seed
        self.crop_padding, self.flip = crop_padding, flip
        n = len(ds)
        self.batches_per_epoch = n // batch_size if drop_last else math.ceil(n / batch_size)
        if self.batches_per_epoch < 1:
            raise ValueError(f"SegmentationLoader({ds.name}): {n} samples make no full batch of {batch_size}")

    def order(self, epoch: int) -> np.ndarray:
        n = len(self.ds)
        return permutation(n, Rng.from_parts(self.seed, epoch, 1)) if self.shuffle else np.arange(n)

    def batch_rows(self, index: int) -> Tuple[int, int]:
        start = index * self.batch_size
        return start, min(start + self.batch_size, len(self.ds))

    def batch(self, epoch: int, index: int, rows: Optional[Tuple[int, int]] = None):
        start, end = self.batch_rows(index)
        lo, hi = rows if rows is not None else (0, end - start)
        idx = self.order(epoch)[start + lo:start + hi]
        h, w = self.ds.shape[:2]
        images, masks = [], []
        for i in idx:
            image, mask = self.ds.get(int(i))
            rng = Rng.from_parts(self.seed * 1_000_003 + epoch, int(i))
            if self.crop_padding > 0:
                image, mask = seg_random_crop(image, mask, (h, w), self.crop_padding, rng)
            if self.flip:
                image, mask = seg_random_flip(image, mask, rng)
            images.append(image)
            masks.append(mask)
        x = np.stack(images).astype(np.float32)
        c = x.shape[-1]
        mean, std = self.ds.stats["mean"], self.ds.stats["std"]
        m = np.asarray([mean[0 if len(mean) == 1 else k] for k in range(c)], dtype=np.float32)
        inv = np.asarray([1 / std[0 if len(std) == 1 else k] for k in range(c)], dtype=np.float32)
        # vitkit's normalizeInPlace: float32 mean and 1/std, double arithmetic, float32 result.
        x = ((x.astype(np.float64) - m.astype(np.float64)) * inv.astype(np.float64)).astype(np.float32)
        return x, None, np.stack(masks).reshape(-1).astype(np.int64)


@dataclass
class SegmentationRunData:
    train: SegmentationLoader
    test: SegmentationLoader
    num_classes: int
    class_names: List[str]
    normalize: Dict[str, List[float]]
    shape: Tuple[int, int, int]
    train_size: int


def _check_ints(d: Mapping[str, Any]) -> None:
    for k, lo in INT_MINIMUMS.items():
        v = d[k]
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < lo):
            raise SpecError(f"data.{k}", f"{v!r} is not valid; expected an integer >= {lo}")
    if not isinstance(d["flip"], bool):
        raise SpecError("data.flip", f"{d['flip']!r} is not valid; expected true or false")
    for k in ("digits", "imageSize"):
        if d[k] is not None and (not isinstance(d[k], list) or len(d[k]) != 2 or not all(isinstance(v, int) and v >= 1 for v in d[k])):
            raise SpecError(f"data.{k}", f"{d[k]!r} is not valid; expected two integers >= 1")


def build_segmentation_data(spec: Mapping[str, Any], seed: int, base_dir: str) -> SegmentationRunData:
    """The loaders of a segmentation spec's `data`: shuffled, augmented, full training batches; the test split in order."""
    d = resolve(spec, DATA_DEFAULTS, "data")
    one_of(d["type"], ["mnist-segmentation", "mask-folder"], "data.type")
    _check_ints(d)
    if d["type"] == "mnist-segmentation":
        digits = tuple(d["digits"] or [2, 4])
        dirs = [os.getcwd(), base_dir, os.path.dirname(__file__)]
        train: Any = MnistSegmentationDataset("train", d["trainLength"], d["size"], digits, d["seed"], dirs)
        test: Any = MnistSegmentationDataset("test", d["testLength"], d["size"], digits, d["seed"], dirs)
    else:
        missing = [k for k in ("dir", "numClasses") if d[k] is None]
        if missing:
            raise SpecError(f"data.{missing[0]}", "is required for mask-folder")
        if d["channels"] not in (1, 3):
            raise SpecError("data.channels", f"must be 1 or 3 for mask-folder, got {d['channels']}")
        root = os.path.join(base_dir, d["dir"])
        train = MaskFolderDataset(root, "train", d["numClasses"], d["channels"], d["imageSize"])
        test = MaskFolderDataset(root, "test", d["numClasses"], d["channels"], d["imageSize"])
    return SegmentationRunData(
        train=SegmentationLoader(train, d["batchSize"], True, seed, d["cropPadding"], d["flip"], True),
        test=SegmentationLoader(test, d["evalBatchSize"] or d["batchSize"], False, seed, 0, False, False),
        num_classes=train.num_classes, class_names=train.class_names, normalize=dict(train.stats), shape=train.shape, train_size=len(train),
    )


def main(argv: Optional[List[str]] = None) -> int:
    """`python -m vitkit_torch.segmentation_data --spec s.json --output b.safetensors`: the first training batch
    (epoch 0, batch 0) of a segmentation spec, `x` NHWC float32 and `labels` (as float32), to compare with vitkit's."""
    import argparse
    import json
    import sys

    import torch

    from .checkpoint import save_tensors

    ap = argparse.ArgumentParser(prog="python -m vitkit_torch.segmentation_data", description=main.__doc__)
    ap.add_argument("--spec", required=True, action="append")
    ap.add_argument("--output", required=True, action="append")
    a = ap.parse_args(argv)
    if len(a.spec) != len(a.output):
        ap.error("give --spec and --output the same number of times")
    try:
        for spec_file, out in zip(a.spec, a.output):
            with open(spec_file) as f:
                spec = json.load(f)
            data = build_segmentation_data(spec["data"], spec.get("seed", 0), os.path.dirname(os.path.abspath(spec_file)))
            x, _, labels = data.train.batch(0, 0)
            save_tensors(out, {"x": torch.from_numpy(x), "labels": torch.from_numpy(labels.astype(np.float32))}, {})
    except (SpecError, ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
