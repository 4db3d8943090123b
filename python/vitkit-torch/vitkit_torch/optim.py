"""vitkit's optimizers, schedules, loss, clipping and EMA (packages/trainer) on torch, with vitkit's state names."""
import math
import re
from typing import Any, Callable, Dict, List, Mapping, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .errors import SpecError, UnsupportedSpecError
from .options import resolve, split_type

NO_DECAY_NAME = re.compile(r"(^|\.)(pos_embed|cls_token|dist_token)(\.|_|$)|(^|\.)[^.]*_token$")


def param_decays(name: str, p: torch.Tensor) -> bool:
    """vitkit: decay only matrices/kernels (norms and biases are rank 1), never position embeddings or tokens."""
    return p.ndim > 1 and not NO_DECAY_NAME.search(name)


def build_optimizer(spec: Any, model: nn.Module) -> Tuple[str, float, torch.optim.Optimizer, Dict[torch.Tensor, str]]:
    kind, given = split_type(spec, "train.optimizer")
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in named if param_decays(n, p)]
    rest = [p for n, p in named if not param_decays(n, p)]
    names = {p: n for n, p in named}
    if kind == "adamw":
        o = resolve(given, {"lr": 1e-3, "weightDecay": 0.05, "betas": [0.9, 0.999], "eps": 1e-8}, "train.optimizer")
        groups = [{"params": decay, "weight_decay": o["weightDecay"]}, {"params": rest, "weight_decay": 0.0}]
        return kind, o["lr"], torch.optim.AdamW(groups, lr=o["lr"], betas=tuple(o["betas"]), eps=o["eps"]), names
    if kind == "sgd":
        o = resolve(given, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "dampening": 0, "weightDecay": 1e-4}, "train.optimizer")
        groups = [{"params": decay, "weight_decay": o["weightDecay"]}, {"params": rest, "weight_decay": 0.0}]
        return kind, o["lr"], torch.optim.SGD(groups, lr=o["lr"], momentum=o["momentum"], nesterov=o["nesterov"], dampening=o["dampening"]), names
    raise UnsupportedSpecError("train.optimizer.type", f"optimizer \"{kind}\"")


WARMUP = {"warmupEpochs": None, "warmupSteps": None, "warmupLr": 1e-6}


def build_schedule(spec: Any, base_lr: float, total_steps: int, steps_per_epoch: int) -> Callable[[int], float]:
    kind, given = split_type(spec, "train.schedule")
    extra = {"cosine": {"minLr": 1e-5}, "constant": {}, "step": {"decayEpochs": None, "gamma": 0.1}}
    if kind not in extra:
        raise UnsupportedSpecError("train.schedule.type", f"schedule \"{kind}\"")
    o = resolve(given, {**WARMUP, **extra[kind]}, "train.schedule")
    warm = min(o["warmupSteps"], total_steps) if o["warmupSteps"] is not None else min(total_steps, round((o["warmupEpochs"] or 0) * steps_per_epoch))
    w0 = o["warmupLr"]

    def warmup(step: int) -> float:
        return w0 + (base_lr - w0) * step / warm

    if kind == "cosine":
        def cosine(step: int) -> float:
            if step < warm:
                return warmup(step)
            span = total_steps - warm
            t = min(1.0, (step - warm) / span) if span > 0 else 1.0
            return o["minLr"] + 0.5 * (base_lr - o["minLr"]) * (1 + math.cos(math.pi * t))
        return cosine
    if kind == "constant":
        return lambda step: warmup(step) if step < warm else base_lr
    if o["decayEpochs"] is None:
        raise SpecError("train.schedule.decayEpochs", "is required")
    size = max(1, round(o["decayEpochs"] * steps_per_epoch))
    return lambda step: warmup(step) if step < warm else base_lr * o["gamma"] ** ((step - warm) // size)


def build_loss(spec: Any) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    kind, given = split_type(spec, "train.loss")
    if kind == "cross-entropy":
        eps = resolve(given, {"labelSmoothing": 0}, "train.loss")["labelSmoothing"]

        def ce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            target = y * (1 - eps) + eps / logits.shape[1] if eps > 0 else y
            return -(target * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean()
        return ce
    if kind == "soft-target-cross-entropy":
        resolve(given, {}, "train.loss")
        return lambda logits, y: -(y * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean()
    raise UnsupportedSpecError("train.loss.type", f"loss \"{kind}\"")


def global_grad_norm(params: List[torch.Tensor]) -> float:
    """The norm of all gradients together (vitkit's `globalNorm`), before any clipping."""
    grads = [p.grad for p in params if p.grad is not None]
    return float(torch.sqrt(sum((g.float() ** 2).sum() for g in grads))) if grads else 0.0


def clip_grad_norm(params: List[torch.Tensor], max_norm: float) -> None:
    """vitkit: coef = min(max / (‖g‖ + 1e-6), 1) over the global norm of all gradients."""
    grads = [p.grad for p in params if p.grad is not None]
    norm = torch.sqrt(sum((g.float() ** 2).sum() for g in grads))
    coef = torch.clamp(max_norm / (norm + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)


class WeightEma:
    """Shadow of every parameter (frozen ones included) and buffer; `update()` after each optimizer step."""

    def __init__(self, model: nn.Module, decay: float):
        if not 0 < decay < 1:
            raise SpecError("train.ema.decay", f"must be in (0, 1), got {decay}")
        self.model, self.decay = model, decay
        self.shadow = {n: t.detach().clone() for n, t in self.sources()}

    def sources(self) -> List[Tuple[str, torch.Tensor]]:
        ps = [(n, p) for n, p in self.model.named_parameters()]
        bs = [(f"buffer:{n}", b) for n, b in self.model.named_buffers() if not n.endswith("num_batches_tracked")]
        return ps + bs

    @torch.no_grad()
    def update(self) -> None:
        for n, v in self.sources():
            s = self.shadow[n]
            if n.startswith("buffer:"):
                s.copy_(v)
            else:
                s.mul_(self.decay).add_(v.detach() * (1 - self.decay))

    @torch.no_grad()
    def swap(self) -> None:
        """Exchanges live and shadow weights (call twice to restore)."""
        for n, v in self.sources():
            tmp = v.detach().clone()
            v.copy_(self.shadow[n])
            self.shadow[n].copy_(tmp)
