"""vitkit's divergence guard (`train.divergence`, packages/trainer/src/divergence.ts): the same decision on the same
numbers, so a spec that stops in vitkit stops at the same step in the twin."""
import math
from typing import Any, Dict, List, Mapping, Optional

from .errors import SpecError
from .options import resolve

DEFAULTS: Dict[str, Any] = {"enabled": True, "lossFactor": 10, "gradNormFactor": 1000, "maxGradNorm": None, "window": 50, "warmupSteps": 10}
# A step counts as calm while its loss stays within this factor of the recent median (or the uniform-guess loss).
CALM_FACTOR = 2


def divergence_options(given: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    o = resolve(given or {}, DEFAULTS, "train.divergence")
    for key, low in (("lossFactor", 1), ("gradNormFactor", 1)):
        if not o[key] > low:
            raise SpecError(f"train.divergence.{key}", f"must be > {low}, got {o[key]}")
    if o["window"] < 3:
        raise SpecError("train.divergence.window", f"must be >= 3, got {o['window']}")
    if o["warmupSteps"] < 1:
        raise SpecError("train.divergence.warmupSteps", f"must be >= 1, got {o['warmupSteps']}")
    return o


def _median(values: List[float]) -> float:
    s = sorted(values)
    m = len(s) >> 1
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


class DivergenceError(FloatingPointError):
    """The run exploded at `step`; no update from that step was applied."""


class DivergenceGuard:
    def __init__(self, options: Mapping[str, Any], loss_floor: float):
        self.o, self.loss_floor = options, loss_floor
        self.losses: List[float] = []
        self.grad_norms: List[float] = []
        self.last_calm: Optional[int] = None

    def check(self, step: int, loss: float, grad_norm: float) -> None:
        """Raises DivergenceError when step `step` (1-based, about to be applied) is an explosion, as vitkit decides."""
        o = self.o
        warm = len(self.losses) >= o["warmupSteps"]
        loss_median = _median(self.losses) if self.losses else math.nan
        norm_median = _median(self.grad_norms) if self.grad_norms else math.nan
        reason = None
        if not math.isfinite(loss):
            reason = f"loss is {loss}"
        elif not math.isfinite(grad_norm):
            reason = f"the gradient norm is {grad_norm} (loss {loss:.4g})"
        elif o["enabled"]:
            if warm and loss > o["lossFactor"] * loss_median and loss > self.loss_floor:
                reason = f"loss {loss:.4g} is {loss / loss_median:.4g} times the median {loss_median:.4g} of the last {len(self.losses)} steps (limit: train.divergence.lossFactor {o['lossFactor']})"
            elif o["maxGradNorm"] is not None and grad_norm > o["maxGradNorm"]:
                reason = f"the gradient norm {grad_norm:.4g} is above train.divergence.maxGradNorm {o['maxGradNorm']} (loss {loss:.4g})"
            elif warm and grad_norm > o["gradNormFactor"] * norm_median:
                reason = f"the gradient norm {grad_norm:.4g} is {grad_norm / norm_median:.4g} times the median {norm_median:.4g} of the last {len(self.grad_norms)} steps (limit: train.divergence.gradNormFactor {o['gradNormFactor']})"
        if reason:
            calm = f"; the last calm step was {self.last_calm}" if self.last_calm is not None else ""
            raise DivergenceError(f"training diverged at step {step}: {reason}. No update from step {step} was applied{calm}; lower the learning rate, add train.clipGradNorm or check the data")
        if not warm or loss <= max(CALM_FACTOR * loss_median, self.loss_floor):
            self.last_calm = step
        self.losses.append(loss)
        self.grad_norms.append(grad_norm)
        del self.losses[: max(0, len(self.losses) - o["window"])]
        del self.grad_norms[: max(0, len(self.grad_norms) - o["window"])]
