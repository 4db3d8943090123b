"""The random boxes of vitkit's random-resized-crop and random-erasing (packages/data/src/transforms/basic.ts), drawn
from the same RNG in the same order, so the twin crops and erases exactly where vitkit does."""
import math
from typing import List, Sequence, Tuple

import numpy as np

from .rng import Rng

Box = Tuple[int, int, int, int]  # top, left, h, w


def _uniform(rng: Rng, lo: float, hi: float) -> float:
    return lo + (hi - lo) * rng.random()


def random_resized_crop_box(height: int, width: int, scale: Sequence[float], ratio: Sequence[float], rng: Rng) -> Box:
    """torchvision's RandomResizedCrop.get_params: 10 tries of a random area and log-uniform aspect, else a central
    box clamped to the ratio range."""
    area = height * width
    log_r = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target = area * _uniform(rng, scale[0], scale[1])
        aspect = math.exp(_uniform(rng, log_r[0], log_r[1]))
        w = round(math.sqrt(target * aspect))
        h = round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            return rng.int(0, height - h + 1), rng.int(0, width - w + 1), h, w
    in_ratio = width / height
    if in_ratio < min(ratio):
        w = width
        h = round(w / min(ratio))
    elif in_ratio > max(ratio):
        h = height
        w = round(h * max(ratio))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


def erasing_boxes(height: int, width: int, p: float, scale: Sequence[float], ratio: Sequence[float], count: Sequence[int], rng: Rng) -> List[Box]:
    """timm RandomErasing's boxes: none when the coin (probability p) says no; else `count` boxes (a random count in
    [count[0], count[1]] when they differ), each of 10 tries of area `scale / count`."""
    out: List[Box] = []
    if rng.random() > p:
        return out
    area = height * width
    n = count[0] if count[0] == count[1] else rng.int(count[0], count[1] + 1)
    log_r = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(n):
        for _ in range(10):
            target = _uniform(rng, scale[0], scale[1]) * area / n
            aspect = math.exp(_uniform(rng, log_r[0], log_r[1]))
            h = round(math.sqrt(target * aspect))
            w = round(math.sqrt(target / aspect))
            if w < width and h < height:
                out.append((rng.int(0, height - h + 1), rng.int(0, width - w + 1), h, w))
                break
    return out


def erase(img: np.ndarray, boxes: List[Box], mode: str, mean: Sequence[float], std: Sequence[float], rng: Rng) -> np.ndarray:
    """Fills each box so that after normalisation it is 0 (`const`), one normal value per channel (`rand`) or
    per-pixel normal noise (`pixel`), drawing the normals in vitkit's order (box, row, column, channel)."""
    if not boxes:
        return img
    c = img.shape[2]
    m = [mean[0 if len(mean) == 1 else k] for k in range(c)]
    s = [std[0 if len(std) == 1 else k] for k in range(c)]
    out = img.copy()
    for top, left, h, w in boxes:
        if mode == "pixel":
            noise = np.asarray([rng.normal() for _ in range(h * w * c)], dtype=np.float64).reshape(h, w, c)
            out[top:top + h, left:left + w] = np.asarray(m) + np.asarray(s) * noise
        else:
            fill = [m[k] + s[k] * rng.normal() for k in range(c)] if mode == "rand" else m
            out[top:top + h, left:left + w] = np.asarray(fill, dtype=np.float64)
    return out
