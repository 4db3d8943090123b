"""`resnet` (torchvision names) and `vt-resnet` (Visual Transformers, Wu et al. 2020) backbones of @vitkit/backbones."""
import math
from typing import Any, Dict, List, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import SpecError, UnsupportedSpecError
from ..options import REQUIRED, one_of, resolve, split_type

RESNET_DEFAULTS: Dict[str, Any] = {
    "block": "basic", "layers": REQUIRED, "widths": [64, 128, 256, 512], "numClasses": 1000, "inChans": 3, "imgSize": 224,
}

VT_RESNET_DEFAULTS: Dict[str, Any] = {
    "block": "basic", "layers": REQUIRED, "widths": [64, 128, 256], "vtModules": 2, "channels": None, "tokenChannels": 1024,
    "numTokens": 16, "tokenizer": "filter", "recurrent": True, "interaction": "transformer", "projector": True,
    "projectLast": False, "attnDim": None, "ffnDim": None, "projDim": None, "numClasses": 1000, "inChans": 3, "imgSize": 224,
}


def conv(i: int, o: int, k: int, stride: int = 1) -> nn.Conv2d:
    c = nn.Conv2d(i, o, k, stride=stride, padding={3: 1, 7: 3}.get(k, 0), bias=False)
    nn.init.kaiming_normal_(c.weight, mode="fan_out", nonlinearity="relu")
    return c


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[nn.Module] = None):
        super().__init__()
        self.conv1 = conv(inplanes, planes, 3, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv(planes, planes, 3)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[nn.Module] = None):
        super().__init__()
        self.conv1 = conv(inplanes, planes, 1)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv(planes, planes, 3, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv(planes, planes * 4, 1)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


def make_layer(kind: str, inplanes: int, planes: int, blocks: int, stride: int):
    block = BasicBlock if kind == "basic" else Bottleneck
    exp = block.expansion
    down = None
    if stride != 1 or inplanes != planes * exp:
        down = nn.Sequential(conv(inplanes, planes * exp, 1, stride), nn.BatchNorm2d(planes * exp))
    layers = [block(inplanes, planes, stride, down)] + [block(planes * exp, planes) for _ in range(1, blocks)]
    return nn.Sequential(*layers), planes * exp


class ResNetStages(nn.Module):
    """conv1, bn1, ReLU, max-pool 3/2, then `layer1..N` (torchvision names)."""

    def _build_stages(self, o: Mapping[str, Any], count: int, path: str) -> int:
        one_of(o["block"], ["basic", "bottleneck"], f"{path}.block")
        for name in ("layers", "widths"):
            if len(o[name]) != count:
                raise SpecError(f"{path}.{name}", f"has {len(o[name])} entries; expected exactly {count}")
        self.input_size = o["imgSize"]
        self.conv1 = conv(o["inChans"], o["widths"][0], 7, 2)
        self.bn1 = nn.BatchNorm2d(o["widths"][0])
        inplanes = o["widths"][0]
        self.stage_names = []
        self.stage_widths = []
        for i in range(count):
            layer, inplanes = make_layer(o["block"], inplanes, o["widths"][i], o["layers"][i], 1 if i == 0 else 2)
            self.add_module(f"layer{i + 1}", layer)
            self.stage_names.append(f"layer{i + 1}")
            self.stage_widths.append(inplanes)
        return inplanes

    def forward_stages(self, x: torch.Tensor) -> torch.Tensor:
        h = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        for n in self.stage_names:
            h = getattr(self, n)(h)
        return h


class ResNet(ResNetStages):
    def __init__(self, o: Mapping[str, Any], path: str):
        super().__init__()
        feats = self._build_stages(o, 4, path)
        self.fc = nn.Linear(feats, o["numClasses"]) if o["numClasses"] > 0 else nn.Identity()

    feature_strides = (4, 8, 16, 32)

    @property
    def feature_channels(self) -> List[int]:
        """Output channels of stages C2–C5 (what a segmentation neck reads), as vitkit's `featureChannels`."""
        return list(self.stage_widths)

    def forward_feature_maps(self, x: torch.Tensor) -> List[torch.Tensor]:
        """The outputs of `layer1..4` at strides 4, 8, 16, 32 (vitkit's forwardFeatureMaps)."""
        h = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        maps = []
        for n in self.stage_names:
            h = getattr(self, n)(h)
            maps.append(h)
        return maps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.forward_stages(x).mean(dim=(2, 3)))


def token_grid(num_tokens: int):
    r = int(math.floor(math.sqrt(num_tokens)))
    while num_tokens % r != 0:
        r -= 1
    return r, num_tokens // r


def adaptive_pool_matrix(h: int, w: int, oh: int, ow: int) -> torch.Tensor:
    """adaptive_avg_pool2d from h×w to oh×ow as a [oh·ow, h·w] matrix (vitkit's adaptivePoolMatrix)."""
    m = torch.zeros(oh * ow, h * w)
    for i in range(oh):
        r0, r1 = (i * h) // oh, -((-(i + 1) * h) // oh)
        for j in range(ow):
            c0, c1 = (j * w) // ow, -((-(j + 1) * w) // ow)
            for r in range(r0, r1):
                m[i * ow + j, r * w + c0:r * w + c1] = 1 / ((r1 - r0) * (c1 - c0))
    return m


def l2normalize(x: torch.Tensor) -> torch.Tensor:
    return x / torch.sqrt(torch.clamp((x * x).sum(dim=-1, keepdim=True), min=1e-24))


def update_centroids(mask: torch.Tensor, x: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
    count = mask.sum(dim=2, keepdim=True)
    has = torch.clamp(count, max=1)
    mean = (mask @ x) / torch.clamp(count, min=1)
    return has * l2normalize(mean) + (1 - has) * prev


class VtTokenizer(nn.Module):
    """filter (Eq. 1), recurrent (Eq. 2) or pooling (Table 3 baseline) tokenizer: tokens = Aᵀ X with A = SOFTMAX_HW(·)
    or the adaptive-average-pooling matrix, then `value` when the widths differ."""

    def __init__(self, kind: str, in_channels: int, token_channels: int, num_tokens: int, iterations: int = 3):
        super().__init__()
        self.kind = kind
        self.iterations = iterations
        self.value = nn.Linear(in_channels, token_channels, bias=False) if token_channels != in_channels else None
        if kind == "filter":
            self.attn = nn.Linear(in_channels, num_tokens, bias=False)
        elif kind == "recurrent":
            self.t2r = nn.Linear(token_channels, in_channels, bias=False)
        self.grid = token_grid(num_tokens)

    def forward(self, x3: torch.Tensor, t_in: Optional[torch.Tensor], hw=None) -> torch.Tensor:
        if self.kind == "filter":
            at = self.attn(x3).transpose(1, 2).softmax(dim=-1)
        elif self.kind == "clustering":
            at = (self.kmeans(x3, hw) @ x3.transpose(1, 2)).softmax(dim=-1)
        elif self.kind == "pooling":
            h, w = hw
            gh, gw = self.grid
            if h < gh or w < gw:
                raise ValueError(f"PoolingTokenizer: a {h}×{w} feature map is smaller than the {gh}×{gw} token grid")
            at = adaptive_pool_matrix(h, w, gh, gw).to(x3)[None]
        else:
            at = (self.t2r(t_in) @ x3.transpose(1, 2)).softmax(dim=-1)
        tokens = at @ x3
        return self.value(tokens) if self.value is not None else tokens


    def kmeans(self, x3: torch.Tensor, hw) -> torch.Tensor:
        """Clustering tokenizer (VT Appendix C): k-means of the unit-normalised pixels from a pooled start; the
        assignments are constants, the final centroids differentiable in the pixels (as vitkit)."""
        h, w = hw
        gh, gw = self.grid
        if h < gh or w < gw:
            raise ValueError(f"ClusteringTokenizer: a {h}×{w} feature map is smaller than the {gh}×{gw} initialisation grid")
        b, _, _ = x3.shape
        l = gh * gw
        xn = l2normalize(x3)
        pool = adaptive_pool_matrix(h, w, gh, gw).to(x3)[None].expand(b, -1, -1)
        if self.iterations == 0:
            return l2normalize(pool @ xn)
        xd = xn.detach()
        u = l2normalize(pool @ xd)
        mask = None
        for _ in range(self.iterations):
            assign = (xd @ u.transpose(1, 2)).argmax(dim=2)
            mask = F.one_hot(assign, l).to(x3.dtype).transpose(1, 2)
            u = update_centroids(mask, xd, u)
        return update_centroids(mask.detach(), xn, u.detach())


class VtTransformer(nn.Module):
    def __init__(self, dim: int, attn_dim: int, ffn_dim: int):
        super().__init__()
        self.key = nn.Linear(dim, attn_dim, bias=False)
        self.query = nn.Linear(dim, attn_dim, bias=False)
        self.f1 = nn.Linear(dim, ffn_dim, bias=False)
        self.f2 = nn.Linear(ffn_dim, dim, bias=False)
        self.scale = attn_dim ** -0.5

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        attn = (self.key(t) @ self.query(t).transpose(1, 2) * self.scale).softmax(dim=-1)
        t1 = t + attn @ t
        return t1 + self.f2(F.relu(self.f1(t1)))


class GraphConvInteraction(nn.Module):
    def __init__(self, num_tokens: int, dim: int):
        super().__init__()
        self.node = nn.Linear(num_tokens, num_tokens)
        self.state = nn.Linear(dim, dim, bias=False)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        h = t + self.node(t.transpose(1, 2)).transpose(1, 2)
        return t + F.relu(self.state(h))


class VtProjector(nn.Module):
    def __init__(self, channels: int, token_channels: int, proj_dim: Optional[int]):
        super().__init__()
        self.proj_dim = proj_dim or channels
        self.query = nn.Linear(channels, self.proj_dim, bias=False)
        self.key = nn.Linear(token_channels, self.proj_dim, bias=False)
        self.value = nn.Linear(token_channels, channels, bias=False) if token_channels != channels else None
        self.scale = self.proj_dim ** -0.5

    def forward(self, x3: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        attn = (self.query(x3) @ self.key(tokens).transpose(1, 2) * self.scale).softmax(dim=-1)
        v = self.value(tokens) if self.value is not None else tokens
        return x3 + attn @ v


class VtModule(nn.Module):
    def __init__(self, tokenizer: VtTokenizer, interaction: str, projector: bool, c: int, ct: int, l: int, attn_dim: int, ffn_dim: int, proj_dim):
        super().__init__()
        self.tokenizer = tokenizer
        if interaction == "transformer":
            self.transformer = VtTransformer(ct, attn_dim, ffn_dim)
        elif interaction == "graph-conv":
            self.graph_conv = GraphConvInteraction(l, ct)
        self.interaction = interaction
        self.projector = VtProjector(c, ct, proj_dim) if projector else None

    def forward(self, x3: torch.Tensor, t_in: Optional[torch.Tensor], hw=None):
        t = self.tokenizer(x3, t_in, hw)
        if self.interaction == "transformer":
            t = self.transformer(t)
        elif self.interaction == "graph-conv":
            t = self.graph_conv(t)
        return (self.projector(x3, t) if self.projector is not None else x3), t


class VtResNet(ResNetStages):
    def __init__(self, o: Mapping[str, Any], path: str):
        super().__init__()
        inplanes = self._build_stages(o, 3, path)
        one_of(o["interaction"], ["transformer", "graph-conv", "none"], f"{path}.interaction")
        c = o["channels"] or inplanes
        self._feature_channels = [self.stage_widths[0], self.stage_widths[1], c]
        if c != inplanes:
            self.vt_in = nn.Sequential(nn.Conv2d(inplanes, c, 1, bias=False), nn.BatchNorm2d(c))
        else:
            self.vt_in = None
        ct, l = o["tokenChannels"], o["numTokens"]
        first, given = split_type(o["tokenizer"], f"{path}.tokenizer")
        if first == "recurrent":
            raise SpecError(f"{path}.tokenizer", "\"recurrent\" needs the tokens of a previous VT module; the first module takes filter, clustering or pooling")
        if first not in ("filter", "pooling", "clustering"):
            raise SpecError(f"{path}.tokenizer.type", f"\"{first}\" is not a Visual Transformer tokenizer; use filter, clustering or pooling")
        tok_defaults = {"inChannels": REQUIRED, "tokenChannels": REQUIRED, "numTokens": 16, "returnAttention": False}
        if first == "clustering":
            tok_defaults["iterations"] = 3
        tok_o = resolve(given, tok_defaults, f"{path}.tokenizer", {"inChannels": c, "tokenChannels": ct, "numTokens": l})
        if first == "clustering" and (not isinstance(tok_o["iterations"], int) or tok_o["iterations"] < 0):
            raise SpecError(f"{path}.tokenizer.iterations", f"{tok_o['iterations']!r} is not valid; expected an integer >= 0")
        if tok_o["numTokens"] != l:
            raise SpecError(f"{path}.tokenizer.numTokens", f"{tok_o['numTokens']} differs from the model's numTokens {l}")
        modules = []
        for i in range(o["vtModules"]):
            kind = "recurrent" if i > 0 and o["recurrent"] else first
            last = i == o["vtModules"] - 1
            modules.append(VtModule(
                VtTokenizer(kind, c, ct, l, tok_o.get("iterations", 3)), o["interaction"], o["projector"] and (not last or o["projectLast"]), c, ct, l,
                o["attnDim"] or max(1, ct // 2), o["ffnDim"] or ct, o["projDim"],
            ))
        self.vt = nn.ModuleList(modules)
        self.fc = nn.Linear(ct, o["numClasses"]) if o["numClasses"] > 0 else nn.Identity()

    feature_strides = (4, 8, 16)

    @property
    def feature_channels(self) -> List[int]:
        """C2, C3 and the VT-refined stride-16 map (the VT modules replace stage 4), as vitkit's `featureChannels`."""
        return list(self._feature_channels)

    def forward_vt(self, h: torch.Tensor):
        """`vt_in` (when present) and the VT modules on a stage-3 map: (refined map NCHW, last tokens)."""
        if self.vt_in is not None:
            h = F.relu(self.vt_in(h))
        b, c, hh, ww = h.shape
        x3 = h.flatten(2).transpose(1, 2)
        t = None
        for m in self.vt:
            x3, t = m(x3, t, (hh, ww))
        return x3.transpose(1, 2).reshape(b, c, hh, ww), t

    def forward_feature_maps(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Stages 1–2 and the stage-3 map refined by the VT modules (vitkit's forwardFeatureMaps)."""
        h = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        maps = []
        for i, n in enumerate(self.stage_names):
            h = getattr(self, n)(h)
            if i < 2:
                maps.append(h)
        maps.append(self.forward_vt(h)[0])
        return maps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.forward_vt(self.forward_stages(x))[1].mean(dim=1))
