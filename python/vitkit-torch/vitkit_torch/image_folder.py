"""vitkit's `image-folder` dataset (packages/data/src/datasets/image-folder.ts) with Pillow: the same class folders,
file order, labels, checks and statistics; images decoded on demand and fitted to `imageSize` (cover, fill, contain).
The resampling is Pillow's bilinear, not sharp's, so pixels agree with vitkit's only to resampling differences."""
import os
from typing import Any, List, Mapping, Optional, Tuple

import numpy as np

from .errors import SpecError

IMAGENET_STATS = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
GREY_STATS = {"mean": [0.449], "std": [0.226]}
IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".webp"]
OPTIONS = {"dir": None, "split": None, "imageSize": 224, "channels": 3, "fit": "cover", "onError": "error", "check": "header",
           "extensions": None, "classes": None, "mean": None, "std": None}


def _walk(d: str, out: List[str]) -> None:
    """Files under `d`, sorted by name at every level, hidden entries skipped (vitkit's walk)."""
    for name in sorted(os.listdir(d)):
        if name.startswith("."):
            continue
        p = os.path.join(d, name)
        if os.path.isdir(p):
            _walk(p, out)
        else:
            out.append(p)


class ImageFolderDataset:
    """The same interface as `data.Dataset` (name, labels, num_classes, class_names, stats, shape, get)."""

    def __init__(self, o: Mapping[str, Any], path: str, base_dir: str):
        from PIL import Image  # Pillow: only image folders need it

        self._image = Image
        if not isinstance(o["dir"], str):
            raise SpecError(f"{path}.dir", "is required (the folder of class sub-folders)")
        for key, allowed in (("fit", ("cover", "fill", "contain")), ("onError", ("error", "skip")), ("check", ("header", "decode", "none"))):
            if o[key] not in allowed:
                raise SpecError(f"{path}.{key}", f"{o[key]!r} is not valid; expected one of {', '.join(allowed)}")
        if o["channels"] not in (1, 3):
            raise SpecError(f"{path}.channels", f"{o['channels']!r} is not valid; expected 1 or 3")
        top = os.path.join(base_dir, o["dir"])
        root = os.path.join(top, o["split"]) if o["split"] else top
        if not os.path.exists(root):
            raise FileNotFoundError(f"image-folder: {root} does not exist" + (f" (split \"{o['split']}\" of {top})" if o["split"] else ""))
        if not os.path.isdir(root):
            raise NotADirectoryError(f"image-folder: {root} is not a folder")
        found = sorted(e for e in os.listdir(root) if not e.startswith(".") and os.path.isdir(os.path.join(root, e)))
        classes = list(o["classes"]) if o["classes"] else found
        for c in classes:
            if c not in found:
                raise FileNotFoundError(f"image-folder: class folder {os.path.join(root, c)} does not exist")
        if not classes:
            raise ValueError(f"image-folder: {root} has no class sub-folders (expected {root}/<class>/<image>)")
        exts = {e.lower() for e in (o["extensions"] or IMAGE_EXTENSIONS)}
        self.skipped: List[Tuple[str, str]] = []
        files, labels = [], []
        for c, name in enumerate(classes):
            listed: List[str] = []
            _walk(os.path.join(root, name), listed)
            for f in listed:
                ext = os.path.splitext(f)[1].lower()
                if ext not in exts:
                    self._reject(o, f, f"unsupported file type \"{ext or '(no extension)'}\" (supported: {', '.join(sorted(exts))})")
                elif o["check"] == "none" or self._readable(f, o["check"] == "decode", o):
                    files.append(f)
                    labels.append(c)
        size = o["imageSize"]
        self.size = (size, size) if isinstance(size, int) else (size[0], size[1])
        self.fit, self.channels = o["fit"], o["channels"]
        defaults = GREY_STATS if self.channels == 1 else IMAGENET_STATS
        self.stats = {"mean": list(o["mean"] or defaults["mean"]), "std": list(o["std"] or defaults["std"])}
        self.name = f"image-folder:{root}"
        self.files, self.labels = files, np.asarray(labels, dtype=np.int64)
        self.class_names, self.num_classes = classes, len(classes)

    def _reject(self, o: Mapping[str, Any], file: str, reason: str) -> None:
        if o["onError"] == "error":
            raise ValueError(f"image-folder: {file}: {reason} (set onError: 'skip' to skip such files)")
        self.skipped.append((file, reason))

    def _readable(self, file: str, decode: bool, o: Mapping[str, Any]) -> bool:
        try:
            with self._image.open(file) as im:
                im.load() if decode else im.verify()
            return True
        except Exception as e:  # Pillow raises several types for corrupt files
            self._reject(o, file, f"cannot read image: {e}")
            return False

    def __len__(self) -> int:
        return len(self.files)

    @property
    def shape(self) -> Tuple[int, int, int]:
        return (self.size[0], self.size[1], self.channels)

    def get(self, i: int) -> np.ndarray:
        from PIL import ImageOps

        h, w = self.size
        with self._image.open(self.files[i]) as im:
            im = im.convert("L" if self.channels == 1 else "RGB")
            bilinear = self._image.BILINEAR
            if self.fit == "cover":
                im = ImageOps.fit(im, (w, h), bilinear)
            elif self.fit == "contain":
                colour = tuple(int(m * 255 + 0.5) for m in self.stats["mean"])  # vitkit pads with the mean colour (Math.round)
                im = ImageOps.pad(im, (w, h), bilinear, color=colour[0] if self.channels == 1 else colour)
            else:
                im = im.resize((w, h), bilinear)
            a = np.asarray(im, dtype=np.float64) / 255
        return (a[..., None] if a.ndim == 2 else a).astype(np.float32)
