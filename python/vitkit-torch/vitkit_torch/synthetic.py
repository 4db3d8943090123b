"""vitkit's `synthetic` dataset (packages/data/src/datasets/synthetic.ts), value for value: per-class smooth patterns
(a 4x4 grid of uniform values upsampled bilinearly) plus clipped Gaussian noise, from the same RNG streams."""
from typing import Dict, List, Optional, Tuple

import numpy as np

from .rng import STREAM, Rng, hash_seed


class SyntheticDataset:
    """The same interface as `data.Dataset` (name, labels, num_classes, class_names, stats, shape, get)."""

    def __init__(self, split: str, num_samples: int, num_classes: int, image_size: Tuple[int, int], channels: int, seed: int, noise: float, limit: Optional[int] = None):
        from .data import resize_bilinear  # data imports this module to load datasets

        h, w = image_size
        self.name = f"synthetic/{split}"
        if limit is not None and limit < num_samples:  # vitkit's limitDataset: the first `limit` samples
            num_samples, self.name = limit, f"{self.name}[:{limit}]"
        self.seed, self.noise = seed, noise
        self.split_id = 0 if split == "train" else 1
        self.num_classes = num_classes
        self.class_names: List[str] = [f"class_{k}" for k in range(num_classes)]
        self.stats: Dict[str, List[float]] = {"mean": [0.5] * channels, "std": [0.25] * channels}
        self._shape = (h, w, channels)
        self.templates = []
        for k in range(num_classes):
            rng = Rng.from_parts(seed, STREAM["synthetic"], 1000 + k)
            # vitkit fills a Float32Array: each uniform value is rounded to float32 before the resize.
            grid = np.asarray([0.15 + (0.85 - 0.15) * rng.random() for _ in range(16 * channels)], dtype=np.float32).reshape(4, 4, channels)
            self.templates.append(resize_bilinear(grid, 0, 0, 4, 4, h, w).astype(np.float64))
        self.labels = np.asarray([hash_seed(seed, STREAM["synthetic"], self.split_id, i) % num_classes for i in range(num_samples)], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def shape(self) -> Tuple[int, int, int]:
        return self._shape

    def get(self, i: int) -> np.ndarray:
        rng = Rng.from_parts(self.seed, STREAM["synthetic"], self.split_id, i, 7)
        t = self.templates[int(self.labels[i])]
        noise = np.asarray([rng.normal() for _ in range(t.size)], dtype=np.float64).reshape(t.shape)
        return np.clip(t + self.noise * noise, 0, 1).astype(np.float32)
