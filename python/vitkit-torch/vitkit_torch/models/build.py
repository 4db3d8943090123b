"""Builds a model from a vitkit model spec (the `model` part of a training spec)."""
from typing import Any, Mapping

from torch import nn

from ..errors import UnsupportedSpecError
from ..options import resolve, split_type
from ..plugins import backbone, register_backbone
from .dual_branch import DUAL_BRANCH_DEFAULTS, DualBranchViT
from .resnet import RESNET_DEFAULTS, VT_RESNET_DEFAULTS, ResNet, VtResNet
from .segmentation import SEGMENTER_DEFAULTS, Segmenter
from .vit import DEEP_NARROW_DEFAULTS, VIT_DEFAULTS, DeepNarrowViT, VisionTransformer

register_backbone("vit", VIT_DEFAULTS, VisionTransformer)
register_backbone("deep-narrow", DEEP_NARROW_DEFAULTS, DeepNarrowViT)
register_backbone("dual-branch", DUAL_BRANCH_DEFAULTS, DualBranchViT)
register_backbone("resnet", RESNET_DEFAULTS, ResNet)
register_backbone("vt-resnet", VT_RESNET_DEFAULTS, VtResNet)


def build_model(spec: Any, path: str = "model") -> nn.Module:
    """`{"type": "deep-narrow", ...}` (or a segmentation model, `{"type": "segmentation", ...}`) -> an `nn.Module` with vitkit's (= the official PyTorch) parameter names.

    Presets (`{"preset": name}`) are resolved by vitkit: `vitkit info --preset NAME` prints the spec to use."""
    if isinstance(spec, Mapping) and "preset" in spec:
        raise UnsupportedSpecError(f"{path}.preset", f"preset \"{spec['preset']}\" (write the model spec out, e.g. from `vitkit info`)")
    kind, given = split_type(spec, path)
    if kind == "segmentation":
        # vitkit's kind `segmenter`, not a backbone: its own `backbone` is one of the registered ones.
        model: nn.Module = Segmenter(resolve(given, SEGMENTER_DEFAULTS, path), path)
    else:
        defaults, cls = backbone(kind, f"{path}.type")
        model = cls(resolve(given, defaults, path), path)
    model.vitkit_type = kind
    return model
