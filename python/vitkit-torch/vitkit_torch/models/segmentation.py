"""vitkit's semantic segmentation model (packages/backbones/src/segmentation): `segmentation` = a feature-pyramid
backbone (resnet, vt-resnet) → neck (`fpn`, `vt-fpn`) → head (`semantic-fpn`, `conv1x1`), parameter names under
`backbone.`, `neck.` and `head.` exactly as vitkit's (Detectron2's inside the neck and head). Output: per-pixel
logits NCHW `[B, numClasses, H, W]` at the input size."""
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import SpecError, UnsupportedSpecError
from ..options import REQUIRED, resolve, split_type
from ..plugins import backbone
from .resnet import VtProjector, VtTokenizer, VtTransformer

SEGMENTER_DEFAULTS: Dict[str, Any] = {"backbone": REQUIRED, "neck": REQUIRED, "head": "semantic-fpn", "numClasses": REQUIRED, "inChans": 3, "imgSize": REQUIRED}
FPN_DEFAULTS: Dict[str, Any] = {"inChannels": REQUIRED, "strides": [4, 8, 16, 32], "outChannels": 256}
VT_FPN_DEFAULTS: Dict[str, Any] = {
    "inChannels": REQUIRED, "strides": [4, 8, 16, 32], "outChannels": 256, "numTokens": 8, "tokenChannels": 1024,
    "tokenizer": "filter", "attnDim": None, "ffnDim": None, "projDim": 32,
}
SEMANTIC_FPN_DEFAULTS: Dict[str, Any] = {"inChannels": REQUIRED, "strides": REQUIRED, "numClasses": REQUIRED, "convDims": 128, "commonStride": 4, "groups": 32}
CONV_HEAD_DEFAULTS: Dict[str, Any] = {"inChannels": REQUIRED, "strides": None, "numClasses": REQUIRED}


def level_name(stride: int, path: str) -> int:
    """log2(stride), the level's name suffix (`fpn_lateral2` for stride 4); strides must be powers of 2."""
    level = math.log2(stride) if stride > 0 else -1
    if level < 0 or level != int(level):
        raise SpecError(path, f"feature stride {stride} is not a power of 2")
    return int(level)


def _check_levels(o: Mapping[str, Any], path: str) -> List[int]:
    if len(o["strides"]) != len(o["inChannels"]):
        raise SpecError(path, f"{len(o['inChannels'])} input levels but {len(o['strides'])} strides")
    return [level_name(s, path) for s in o["strides"]]


class ConvGnRelu(nn.Conv2d):
    """Detectron2's `Conv2d(bias=False, norm=GroupNorm)` + ReLU: the norm is the child `norm` (`weight`, `norm.weight`)."""

    def __init__(self, in_c: int, out_c: int, groups: int):
        super().__init__(in_c, out_c, 3, padding=1, bias=False)
        self.norm = nn.GroupNorm(groups, out_c, eps=1e-5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.norm(super().forward(x)))


class Upsample2x(nn.Module):
    """Parameter-free 2× bilinear upsample (align_corners=False); keeps its index in the Sequential as vitkit's."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def resize_bilinear(x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    return x if tuple(x.shape[2:]) == tuple(size) else F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False)


class Fpn(nn.Module):
    """Lateral 1×1 convs (`fpn_lateralN`), top-down nearest-upsampled sum, 3×3 output convs (`fpn_outputN`)."""

    def __init__(self, o: Mapping[str, Any], path: str):
        super().__init__()
        names = _check_levels(o, path)
        c = o["outChannels"]
        self.laterals = [self._add(f"fpn_lateral{n}", nn.Conv2d(i, c, 1)) for n, i in zip(names, o["inChannels"])]
        self.outputs = [self._add(f"fpn_output{n}", nn.Conv2d(c, c, 3, padding=1)) for n in names]
        self.out_channels = [c] * len(names)

    def _add(self, name: str, m: nn.Module) -> nn.Module:
        self.add_module(name, m)
        return m

    def forward(self, features: List[torch.Tensor]) -> List[torch.Tensor]:
        n = len(features)
        out: List[Optional[torch.Tensor]] = [None] * n
        prev = self.laterals[n - 1](features[n - 1])
        out[n - 1] = self.outputs[n - 1](prev)
        for i in range(n - 2, -1, -1):
            lateral = self.laterals[i](features[i])
            prev = lateral + F.interpolate(prev, size=lateral.shape[2:], mode="nearest")
            out[i] = self.outputs[i](prev)
        return out  # type: ignore[return-value]


VT_TOKENIZERS = ("filter", "clustering", "pooling")


class VtFpn(nn.Module):
    """VT-FPN (VT paper §4.2): lateral 1×1 convs, a tokenizer per level (`tokenizerN`), one transformer over all
    levels' tokens (`transformer`), a projector per level (`projectorN`) back into its map."""

    def __init__(self, o: Mapping[str, Any], path: str):
        super().__init__()
        names = _check_levels(o, path)
        c, ct, l = o["outChannels"], o["tokenChannels"], o["numTokens"]
        kind, given = split_type(o["tokenizer"], f"{path}.tokenizer")
        if kind not in VT_TOKENIZERS:
            raise SpecError(f"{path}.tokenizer", f"VT-FPN needs a Visual Transformer tokenizer with {l} tokens of {ct} channels that reads no previous tokens (filter, clustering or pooling)")
        tok_defaults: Dict[str, Any] = {"inChannels": REQUIRED, "tokenChannels": REQUIRED, "numTokens": 16, "returnAttention": False}
        if kind == "clustering":
            tok_defaults["iterations"] = 3
        tok = resolve(given, tok_defaults, f"{path}.tokenizer", {"inChannels": c, "tokenChannels": ct, "numTokens": l})
        if tok["numTokens"] != l or tok["tokenChannels"] != ct or tok["inChannels"] != c:
            raise SpecError(f"{path}.tokenizer", f"VT-FPN needs a Visual Transformer tokenizer with {l} tokens of {ct} channels that reads no previous tokens (filter, clustering or pooling)")
        self.laterals = []
        for n, i in zip(names, o["inChannels"]):
            self.add_module(f"fpn_lateral{n}", nn.Conv2d(i, c, 1))
            self.laterals.append(getattr(self, f"fpn_lateral{n}"))
        self.tokenizers = []
        for n in names:
            self.add_module(f"tokenizer{n}", VtTokenizer(kind, c, ct, l, tok.get("iterations", 3)))
            self.tokenizers.append(getattr(self, f"tokenizer{n}"))
        self.transformer = VtTransformer(ct, o["attnDim"] or max(1, ct // 2), o["ffnDim"] or ct)
        self.projectors = []
        for n in names:
            self.add_module(f"projector{n}", VtProjector(c, ct, o["projDim"]))
            self.projectors.append(getattr(self, f"projector{n}"))
        self.out_channels = [c] * len(names)

    def forward(self, features: List[torch.Tensor]) -> List[torch.Tensor]:
        maps = [lat(f) for lat, f in zip(self.laterals, features)]
        flat = [m.flatten(2).transpose(1, 2) for m in maps]
        tokens = [tok(x3, None, m.shape[2:]) for tok, x3, m in zip(self.tokenizers, flat, maps)]
        # One transformer over the tokens of all levels, so concepts at different resolutions interact.
        related = self.transformer(torch.cat(tokens, dim=1)).split([t.shape[1] for t in tokens], dim=1)
        out = []
        for proj, x3, t, m in zip(self.projectors, flat, related, maps):
            b, ch, h, w = m.shape
            out.append(proj(x3, t).transpose(1, 2).reshape(b, ch, h, w))
        return out


class SemanticFpnHead(nn.Module):
    """Panoptic-FPN semantic branch (Detectron2 `SemSegFPNHead`): per level (`pN`) conv3×3+GN+ReLU stages, each
    followed by a 2× upsample while above `commonStride`; levels summed; 1×1 `predictor`; upsample to the input."""

    def __init__(self, o: Mapping[str, Any], path: str):
        super().__init__()
        _check_levels(o, path)
        dims, groups = o["convDims"], o["groups"]
        if dims % groups != 0:
            raise SpecError(f"{path}.groups", f"{dims} channels cannot be split into {groups} groups")
        common = level_name(o["commonStride"], f"{path}.commonStride")
        self.scale_heads = []
        for stride, c in zip(o["strides"], o["inChannels"]):
            level = level_name(stride, path)
            if level < common:
                raise SpecError(path, f"level of stride {stride} is finer than commonStride {o['commonStride']}")
            ops: List[nn.Module] = []
            for k in range(max(1, level - common)):
                ops.append(ConvGnRelu(c if k == 0 else dims, dims, groups))
                if stride != o["commonStride"]:
                    ops.append(Upsample2x())
            self.add_module(f"p{level}", nn.Sequential(*ops))
            self.scale_heads.append(getattr(self, f"p{level}"))
        self.predictor = nn.Conv2d(dims, o["numClasses"], 1)

    def forward(self, features: List[torch.Tensor], size: Sequence[int]) -> torch.Tensor:
        merged = self.scale_heads[0](features[0])
        for head, f in zip(self.scale_heads[1:], features[1:]):
            merged = merged + resize_bilinear(head(f), merged.shape[2:])
        return resize_bilinear(self.predictor(merged), size)


class ConvSegHead(nn.Module):
    """1×1 conv (`conv`) on the finest map to class logits, bilinear upsample to the input size."""

    def __init__(self, o: Mapping[str, Any], path: str):
        super().__init__()
        self.conv = nn.Conv2d(o["inChannels"][0], o["numClasses"], 1)

    def forward(self, features: List[torch.Tensor], size: Sequence[int]) -> torch.Tensor:
        return resize_bilinear(self.conv(features[0]), size)


NECKS = {"fpn": (FPN_DEFAULTS, Fpn), "vt-fpn": (VT_FPN_DEFAULTS, VtFpn)}
HEADS = {"semantic-fpn": (SEMANTIC_FPN_DEFAULTS, SemanticFpnHead), "conv1x1": (CONV_HEAD_DEFAULTS, ConvSegHead)}


def _part(table: Mapping[str, Any], what: str, spec: Any, path: str, hints: Mapping[str, Any]) -> nn.Module:
    kind, given = split_type(spec, path)
    if kind not in table:
        raise UnsupportedSpecError(f"{path}.type" if not isinstance(spec, str) else path, f"{what} \"{kind}\"")
    defaults, cls = table[kind]
    return cls(resolve(given, defaults, path, hints), path)


class Segmenter(nn.Module):
    """`backbone` (feature maps) → `neck` → `head`; forward gives logits `[B, numClasses, H, W]` at the input size."""

    def __init__(self, o: Mapping[str, Any], path: str):
        super().__init__()
        if len(o["imgSize"]) != 2:
            raise SpecError(f"{path}.imgSize", f"{o['imgSize']!r} is not valid; expected [height, width]")
        kind, given = split_type(o["backbone"], f"{path}.backbone")
        defaults, cls = backbone(kind, f"{path}.backbone.type" if not isinstance(o["backbone"], str) else f"{path}.backbone")
        bb = cls(resolve(given, defaults, f"{path}.backbone", {"numClasses": 0, "inChans": o["inChans"], "imgSize": o["imgSize"][0]}), f"{path}.backbone")
        if not hasattr(bb, "forward_feature_maps"):
            raise SpecError(f"{path}.backbone", "does not expose feature maps for a segmentation neck; missing: forwardFeatureMaps, featureChannels, featureStrides")
        self.backbone = bb
        strides = list(bb.feature_strides)
        self.neck = _part(NECKS, "neck", o["neck"], f"{path}.neck", {"inChannels": bb.feature_channels, "strides": strides})
        self.head = _part(HEADS, "seg-head", o["head"], f"{path}.head", {"inChannels": self.neck.out_channels, "strides": strides, "numClasses": o["numClasses"]})
        self.num_classes = o["numClasses"]
        self.in_chans = o["inChans"]
        self.input_size = list(o["imgSize"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_chans:
            raise ValueError(f"Segmenter: expected an NCHW image batch with {self.in_chans} channels, got shape {list(x.shape)}")
        return self.head(self.neck(self.backbone.forward_feature_maps(x)), x.shape[2:])
