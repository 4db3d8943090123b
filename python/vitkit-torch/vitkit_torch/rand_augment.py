"""vitkit's RandAugment (packages/data/src/transforms/rand-augment.ts: timm's increasing ops on float [0, 1] images),
op for op with the same RNG draws and the same float32 stores, so the twin augments exactly as vitkit does."""
import math
import re
from typing import Any, Dict, List, Mapping, Sequence, Tuple

import numpy as np

from .errors import SpecError
from .rng import Rng

MAX_LEVEL = 10
OPS = ("AutoContrast", "Equalize", "Invert", "Rotate", "Posterize", "Solarize", "SolarizeAdd", "Color", "Contrast",
       "Brightness", "Sharpness", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel")
OPTIONS = {"config": None, "numOps": None, "magnitude": None, "magnitudeStd": None, "prob": None, "ops": None}


def _f32(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).astype(np.float32)


def _to8(img: np.ndarray) -> np.ndarray:
    # JS Math.round rounds halves up: floor(x + 0.5)
    return np.clip(np.floor(img.astype(np.float64) * 255 + 0.5), 0, 255).astype(np.int64)


def _posterize(img: np.ndarray, bits: int) -> np.ndarray:
    if bits >= 8:
        return img
    mask = ~(2 ** (8 - max(0, bits)) - 1) & 0xFF
    return _f32((_to8(img) & mask) / 255)


def _solarize(img: np.ndarray, threshold: int) -> np.ndarray:
    q = _to8(img)
    return _f32(np.where(q >= threshold, 255 - q, q) / 255)


def _solarize_add(img: np.ndarray, add: int, threshold: int = 128) -> np.ndarray:
    q = _to8(img)
    return _f32(np.where(q < threshold, np.minimum(255, q + add), q) / 255)


def _auto_contrast(img: np.ndarray) -> np.ndarray:
    out = img.copy()
    for k in range(img.shape[2]):
        ch = img[..., k].astype(np.float64)
        lo, hi = ch.min(), ch.max()
        if hi > lo:
            out[..., k] = _f32((ch - lo) * (1 / (hi - lo)))
    return out


def _equalize(img: np.ndarray) -> np.ndarray:
    out = img.copy()
    q = _to8(img)
    for k in range(img.shape[2]):
        hist = np.bincount(q[..., k].ravel(), minlength=256)
        last = 255
        while last > 0 and hist[last] == 0:
            last -= 1
        step = (int(hist.sum()) - int(hist[last])) // 255
        if step == 0:
            continue
        lut = np.empty(256, dtype=np.float32)
        n = step // 2
        for v in range(256):
            lut[v] = min(255, n // step) / 255
            n += int(hist[v])
        out[..., k] = lut[q[..., k]]
    return out


def _luma(img: np.ndarray) -> np.ndarray:
    d = img.astype(np.float64)
    if img.shape[2] < 3:
        return img[..., 0].astype(np.float32)
    return _f32(0.299 * d[..., 0] + 0.587 * d[..., 1] + 0.114 * d[..., 2])


def _blend(img: np.ndarray, degenerate: np.ndarray, factor: float) -> np.ndarray:
    d = np.broadcast_to(np.asarray(degenerate, dtype=np.float64), img.shape)
    return _f32(np.clip(d + factor * (img.astype(np.float64) - d), 0, 1))


def _contrast(img: np.ndarray, factor: float) -> np.ndarray:
    mean = 0.0
    for v in _luma(img).ravel().tolist():  # vitkit sums in pixel order
        mean += v
    return _blend(img, mean / (img.shape[0] * img.shape[1]), factor)


def _color(img: np.ndarray, factor: float) -> np.ndarray:
    return img if img.shape[2] < 3 else _blend(img, _luma(img)[..., None], factor)


def _sharpness(img: np.ndarray, factor: float) -> np.ndarray:
    h, w, _ = img.shape
    d = img.astype(np.float64)
    smooth = img.copy()
    if h > 2 and w > 2:
        s = np.zeros((h - 2, w - 2, img.shape[2]))
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                s = s + d[1 + dy:h - 1 + dy, 1 + dx:w - 1 + dx] * (5 if dx == 0 and dy == 0 else 1)
        smooth[1:h - 1, 1:w - 1] = _f32(s / 13)
    return _blend(img, smooth, factor)


def _affine(img: np.ndarray, m: Sequence[float], fill: Sequence[float]) -> np.ndarray:
    a, b, c0, d, e, f0 = m
    h, w, c = img.shape
    xc = np.arange(w, dtype=np.float64)[None, :] + 0.5
    yc = np.arange(h, dtype=np.float64)[:, None] + 0.5
    sx = a * xc + b * yc + c0
    sy = d * xc + e * yc + f0
    outside = (sx < 0) | (sy < 0) | (sx >= w) | (sy >= h)
    fx = np.maximum(0, sx - 0.5)
    fy = np.maximum(0, sy - 0.5)
    x0 = np.minimum(np.floor(fx), w - 1).astype(np.int64)
    y0 = np.minimum(np.floor(fy), h - 1).astype(np.int64)
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    tx, ty = (fx - x0)[..., None], (fy - y0)[..., None]
    src = img.astype(np.float64)
    x0, x1, y0, y1 = (np.clip(v, 0, None) for v in (x0, x1, y0, y1))
    p00, p01, p10, p11 = src[y0, x0], src[y0, x1], src[y1, x0], src[y1, x1]
    top = p00 + (p01 - p00) * tx
    bot = p10 + (p11 - p10) * tx
    out = top + (bot - top) * ty
    out[outside] = np.asarray([fill[0 if len(fill) == 1 else k] for k in range(c)], dtype=np.float64)
    return _f32(out)


def _rotate(img: np.ndarray, degrees: float, fill: Sequence[float]) -> np.ndarray:
    t = -(degrees * math.pi) / 180
    cx, cy = img.shape[1] / 2, img.shape[0] / 2
    a, b, d, e = math.cos(t), math.sin(t), -math.sin(t), math.cos(t)
    return _affine(img, [a, b, a * -cx + b * -cy + cx, d, e, d * -cx + e * -cy + cy], fill)


def apply_op(op: str, img: np.ndarray, m: float, negate: bool, fill: Sequence[float]) -> np.ndarray:
    lvl = m / MAX_LEVEL
    sgn = -1 if negate else 1
    enhance = 1 + sgn * lvl * 0.9
    if op == "AutoContrast":
        return _auto_contrast(img)
    if op == "Equalize":
        return _equalize(img)
    if op == "Invert":
        return _f32(1 - img.astype(np.float64))
    if op == "Rotate":
        return _rotate(img, sgn * lvl * 30, fill)
    if op == "Posterize":
        return _posterize(img, 4 - math.trunc(lvl * 4))
    if op == "Solarize":
        return _solarize(img, 256 - math.trunc(lvl * 256))
    if op == "SolarizeAdd":
        return _solarize_add(img, math.trunc(lvl * 110))
    if op == "Color":
        return _color(img, enhance)
    if op == "Contrast":
        return _contrast(img, enhance)
    if op == "Brightness":
        return _blend(img, 0.0, enhance)
    if op == "Sharpness":
        return _sharpness(img, enhance)
    if op == "ShearX":
        return _affine(img, [1, sgn * lvl * 0.3, 0, 0, 1, 0], fill)
    if op == "ShearY":
        return _affine(img, [1, 0, 0, sgn * lvl * 0.3, 1, 0], fill)
    if op == "TranslateXRel":
        return _affine(img, [1, 0, sgn * lvl * 0.45 * img.shape[1], 0, 1, 0], fill)
    if op == "TranslateYRel":
        return _affine(img, [1, 0, 0, 0, 1, sgn * lvl * 0.45 * img.shape[0]], fill)
    raise AssertionError(op)


def parse_config(config: str, path: str) -> Dict[str, float]:
    """timm's config string, e.g. `rand-m9-mstd0.5-inc1` (vitkit's parseRandAugmentConfig)."""
    parts = config.split("-")
    if parts[0] != "rand":
        raise SpecError(path, f"rand-augment config \"{config}\" must start with \"rand-\"")
    out = {"magnitude": 9.0, "numOps": 2, "magnitudeStd": 0.5, "prob": 0.5}
    keys = {"m": "magnitude", "n": "numOps", "mstd": "magnitudeStd", "p": "prob"}
    for p in parts[1:]:
        m = re.fullmatch(r"(mstd|inc|m|n|p)([0-9.]+|inf)", p)
        if not m:
            raise SpecError(path, f"rand-augment config \"{config}\": cannot read \"{p}\" (known: m<magnitude>, n<ops>, mstd<std>, p<prob>, inc1)")
        v = math.inf if m.group(2) == "inf" else float(m.group(2))
        if m.group(1) == "inc":
            if v != 1:
                raise SpecError(path, f"rand-augment config \"{config}\": only the increasing variants (inc1) are implemented")
        else:
            out[keys[m.group(1)]] = v
    return out


class RandAugment:
    def __init__(self, o: Mapping[str, Any], path: str):
        base = parse_config(o["config"], f"{path}.config") if o["config"] else {"magnitude": 9, "numOps": 2, "magnitudeStd": 0.5, "prob": 0.5}
        self.num_ops = int(o["numOps"] if o["numOps"] is not None else base["numOps"])
        self.magnitude = o["magnitude"] if o["magnitude"] is not None else base["magnitude"]
        self.magnitude_std = o["magnitudeStd"] if o["magnitudeStd"] is not None else base["magnitudeStd"]
        self.prob = o["prob"] if o["prob"] is not None else base["prob"]
        self.ops: Tuple[str, ...] = tuple(o["ops"]) if o["ops"] is not None else OPS
        for i, op in enumerate(self.ops):
            if op not in OPS:
                raise SpecError(f"{path}.ops[{i}]", f"{op!r} is not valid; expected one of {', '.join(OPS)}")

    def plan(self, rng: Rng) -> List[Tuple[str, float, bool]]:
        """The (op, magnitude, negate) steps of one call, drawn as vitkit draws them."""
        out = []
        for _ in range(self.num_ops):
            op = self.ops[rng.int(0, len(self.ops))]
            if self.prob < 1 and rng.random() > self.prob:
                continue
            m = self.magnitude
            if self.magnitude_std == math.inf:
                m = 0 + (m - 0) * rng.random()
            elif self.magnitude_std > 0:
                m = rng.normal(m, self.magnitude_std)
            m = max(0, min(MAX_LEVEL, m))
            out.append((op, m, rng.random() < 0.5))
        return out

    def __call__(self, img: np.ndarray, rng: Rng, mean: Sequence[float]) -> np.ndarray:
        fill = [mean[0 if len(mean) == 1 else k] for k in range(img.shape[2])]
        for op, m, negate in self.plan(rng):
            img = apply_op(op, img, m, negate, fill)
        return img
