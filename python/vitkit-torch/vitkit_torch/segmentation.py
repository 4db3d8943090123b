"""Segmentation as a task of the twin's trainer, as vitkit's (packages/trainer/src/segmentation): the spec's own
top-level and data keys, per-pixel cross-entropy with an ignore index, pixel accuracy on train lines, and mIoU /
pixel accuracy / per-class IoU from a confusion matrix at evaluation."""
from typing import Any, Dict, List, Mapping, Optional

import numpy as np
import torch
import torch.nn.functional as F

from .errors import SpecError
from .options import resolve, split_type
from .segmentation_data import IGNORE_INDEX

# Top-level keys of a segmentation spec besides those every spec has (`report` only shapes vitkit's report.html).
EXTRA_TOP = {"task": "segmentation", "report": {"images": 4}}
PER_IMAGE_LOSSES = ("cross-entropy", "soft-target-cross-entropy")


def check_report(report: Any) -> None:
    o = resolve(report, {"images": 4}, "report")
    if not isinstance(o["images"], int) or o["images"] < 0:
        raise SpecError("report.images", f"{o['images']!r} is not valid; expected an integer >= 0")


def pixel_loss_options(spec: Any) -> int:
    """The ignore index of `train.loss` (`pixel-cross-entropy`); a per-image loss is an error naming the path."""
    kind, given = split_type(spec, "train.loss")
    if kind in PER_IMAGE_LOSSES:
        raise SpecError("train.loss", f"\"{kind}\" takes one label per image; a segmentation spec needs a per-pixel loss such as \"pixel-cross-entropy\"")
    if kind != "pixel-cross-entropy":
        raise SpecError("train.loss.type", f"\"{kind}\" is not a loss of the twin; use \"pixel-cross-entropy\"")
    o = resolve(given, {"ignoreIndex": IGNORE_INDEX}, "train.loss")
    if not isinstance(o["ignoreIndex"], int) or o["ignoreIndex"] < 0:
        raise SpecError("train.loss.ignoreIndex", f"{o['ignoreIndex']!r} is not valid; expected an integer >= 0")
    return o["ignoreIndex"]


def pixel_cross_entropy_sum(logits: torch.Tensor, labels: torch.Tensor, ignore_index: int) -> torch.Tensor:
    """Σ over labelled pixels of −log softmax(logits)[label]; `logits` NCHW, `labels` B·H·W (row-major)."""
    return F.cross_entropy(logits, labels.view(logits.shape[0], *logits.shape[2:]), ignore_index=ignore_index, reduction="sum")


class ConfusionMatrix:
    """Rows: label, columns: prediction, over labelled pixels (the ignore index skipped)."""

    def __init__(self, num_classes: int, ignore_index: int = IGNORE_INDEX):
        self.k, self.ignore = num_classes, ignore_index
        self.counts = np.zeros((num_classes, num_classes), dtype=np.float64)

    def update(self, predictions: np.ndarray, labels: np.ndarray) -> None:
        keep = labels != self.ignore
        y, p = labels[keep], predictions[keep]
        if len(y) and (y.min() < 0 or y.max() >= self.k or p.min() < 0 or p.max() >= self.k):
            raise ValueError(f"ConfusionMatrix: a label or prediction is not a class of {self.k}")
        self.counts += np.bincount(y * self.k + p, minlength=self.k * self.k).reshape(self.k, self.k)

    def scores(self) -> Dict[str, Any]:
        tp = np.diag(self.counts)
        rows, cols = self.counts.sum(axis=1), self.counts.sum(axis=0)
        union = rows + cols - tp
        per_class: List[Optional[float]] = [float(t / u) if u > 0 else None for t, u in zip(tp, union)]
        present = [v for v in per_class if v is not None]
        total = float(rows.sum())
        return {
            "mIoU": sum(present) / len(present) if present else 0.0,
            "pixelAccuracy": float(tp.sum()) / total if total else 0.0,
            "perClassIoU": per_class,
            "pixels": int(total),
        }


def ema_fields(scores: Mapping[str, Any]) -> Dict[str, Any]:
    """vitkit's emaFields: `mIoU` → `emaMIoU`, …"""
    return {f"ema{k[0].upper()}{k[1:]}": v for k, v in scores.items()}
