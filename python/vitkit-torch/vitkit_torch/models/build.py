"""Builds a model from a vitkit model spec (the `model` part of a training spec)."""
from typing import Any, Mapping

from torch import nn

from ..errors import SpecError, UnsupportedSpecError
from ..options import resolve, split_type
from .dual_branch import DUAL_BRANCH_DEFAULTS, DualBranchViT
from .resnet import RESNET_DEFAULTS, VT_RESNET_DEFAULTS, ResNet, VtResNet
from .vit import DEEP_NARROW_DEFAULTS, VIT_DEFAULTS, DeepNarrowViT, VisionTransformer

BACKBONES = {
    "vit": (VIT_DEFAULTS, VisionTransformer),
    "deep-narrow": (DEEP_NARROW_DEFAULTS, DeepNarrowViT),
    "dual-branch": (DUAL_BRANCH_DEFAULTS, DualBranchViT),
    "resnet": (RESNET_DEFAULTS, ResNet),
    "vt-resnet": (VT_RESNET_DEFAULTS, VtResNet),
}


def build_model(spec: Any, path: str = "model") -> nn.Module:
    """`{"type": "deep-narrow", ...}` -> an `nn.Module` with vitkit's (= the official PyTorch) parameter names.

    Presets (`{"preset": name}`) are resolved by vitkit: `vitkit info --preset NAME` prints the spec to use."""
    if isinstance(spec, Mapping) and "preset" in spec:
        raise UnsupportedSpecError(f"{path}.preset", f"preset \"{spec['preset']}\" (write the model spec out, e.g. from `vitkit info`)")
    kind, given = split_type(spec, path)
    if kind not in BACKBONES:
        raise UnsupportedSpecError(f"{path}.type", f"backbone \"{kind}\"")
    defaults, cls = BACKBONES[kind]
    model = cls(resolve(given, defaults, path), path)
    model.vitkit_type = kind
    return model
