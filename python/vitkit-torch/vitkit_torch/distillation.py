"""DeiT-style knowledge distillation, as vitkit's trainer (`distillationLoss` in packages/trainer/src/loss/losses.ts and
the teacher of `train.distillation` in run-assembly): a frozen teacher built from the spec with its weights loaded."""
import os
from typing import Any, Callable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoint import read_weights
from .errors import SpecError, UnsupportedSpecError
from .models import build_model
from .options import REQUIRED, one_of, resolve
from .state_dict import load_state_dict

DISTILLATION = {"teacher": REQUIRED, "weights": REQUIRED, "type": "hard", "alpha": 0.5, "tau": 1}

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
DistillLoss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def distillation_options(spec: Mapping[str, Any]) -> dict:
    o = resolve(spec, DISTILLATION, "train.distillation")
    one_of(o["type"], ["soft", "hard"], "train.distillation.type")
    if not isinstance(o["alpha"], (int, float)) or not 0 <= o["alpha"] <= 1:
        raise SpecError("train.distillation.alpha", f"{o['alpha']!r} is not valid; expected a number in [0, 1]")
    if not isinstance(o["tau"], (int, float)) or o["tau"] <= 0:
        raise SpecError("train.distillation.tau", f"{o['tau']!r} is not valid; expected a number > 0")
    if not isinstance(o["weights"], str):
        raise SpecError("train.distillation.weights", f"{o['weights']!r} is not valid; expected a safetensors file path")
    return o


def build_teacher(o: Mapping[str, Any], spec_dir: str, device: torch.device) -> nn.Module:
    """The teacher in eval mode without gradients, its weights (a checkpoint or a state dict, relative to the spec
    file) loaded strictly."""
    t = o["teacher"]
    if isinstance(t, str) or (isinstance(t, Mapping) and "preset" in t):
        name = t if isinstance(t, str) else t["preset"]
        raise UnsupportedSpecError("train.distillation.teacher", f"preset \"{name}\" (launch with `vitkit train --engine torch`, which writes presets out, or write the model spec)")
    teacher = build_model(t, "train.distillation.teacher")
    file = os.path.join(spec_dir, o["weights"])
    load_state_dict(teacher, read_weights(file), source=file)
    teacher.eval().to(device)
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def distillation_loss(base: Loss, o: Mapping[str, Any]) -> DistillLoss:
    """(1−α)·base + α·distill. Soft: KL(softmax(t/τ) ‖ softmax(s/τ)) summed, times τ², divided by the number of logits
    (B·K) as DeiT does; hard: cross-entropy with the teacher's predicted class."""
    alpha, tau, kind = float(o["alpha"]), float(o["tau"]), o["type"]

    def loss(logits: torch.Tensor, y: torch.Tensor, teacher_logits: torch.Tensor) -> torch.Tensor:
        b = base(logits, y)
        if kind == "soft":
            ls = F.log_softmax(logits / tau, dim=-1)
            lt = F.log_softmax(teacher_logits / tau, dim=-1)
            d = (lt.exp() * (lt - ls)).sum() * (tau * tau) / logits.numel()
        else:
            d = F.cross_entropy(logits, teacher_logits.argmax(dim=-1))
        return b * (1 - alpha) + d * alpha

    return loss
