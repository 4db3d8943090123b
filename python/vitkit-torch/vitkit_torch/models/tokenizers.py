"""Tokenizers of @vitkit/tokenizers: `patch`, `conv-stem`, `t2t` (performer / transformer / convolution).

Every tokenizer maps an NCHW image to tokens `[B, N, embedDim]` and exposes `embed_dim`, `num_tokens`."""
import math
from typing import Any, Dict, List, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import SpecError
from ..options import REQUIRED, one_of, resolve, split_type
from ..plugins import register_tokenizer, tokenizer
from .layers import Mlp, linear


class PatchEmbed(nn.Module):
    """Linear patch embedding: `proj` = Conv2d(kernel = stride = patch size)."""

    def __init__(self, img_size: List[int], patch_size: int, in_chans: int, embed_dim: int, path: str):
        super().__init__()
        for i, s in enumerate(img_size):
            if s % patch_size != 0:
                side = "height" if i == 0 else "width"
                raise SpecError(f"{path}.patchSize", f"{patch_size} does not divide the image {side} {s}; choose a patch size that divides {s}")
        self.img_size = img_size
        self.embed_dim = embed_dim
        self.grid = (img_size[0] // patch_size, img_size[1] // patch_size)
        self.num_tokens = self.grid[0] * self.grid[1]
        self.proj = nn.Conv2d(in_chans, embed_dim, patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


CONV_STEM_LAYERS = {12: [(7, 4, 3), (3, 3, 0), (3, 1, 1)], 16: [(7, 4, 3), (3, 2, 1), (3, 2, 1)]}


class ConvStem(nn.Module):
    """CrossViT† 3-conv patch embedding: `proj.{0,2,4}` convolutions with ReLU between."""

    def __init__(self, img_size: int, patch_size: int, in_chans: int, embed_dim: int, path: str):
        super().__init__()
        layers = CONV_STEM_LAYERS.get(patch_size)
        if layers is None:
            raise SpecError(f"{path}.patchSize", f"{patch_size} is not supported by the conv stem; allowed: 12, 16")
        if embed_dim % 4 != 0:
            raise SpecError(f"{path}.embedDim", f"{embed_dim} is not divisible by 4 (the stem widths are embedDim/4 and embedDim/2)")
        if img_size % patch_size != 0:
            raise SpecError(f"{path}.imgSize", f"{img_size} is not divisible by patchSize {patch_size}")
        widths = [in_chans, embed_dim // 4, embed_dim // 2, embed_dim]
        convs = [nn.Conv2d(widths[i], widths[i + 1], k, stride=s, padding=p) for i, (k, s, p) in enumerate(layers)]
        self.proj = nn.Sequential(convs[0], nn.ReLU(), convs[1], nn.ReLU(), convs[2])
        side = img_size
        for k, s, p in layers:
            side = (side + 2 * p - k) // s + 1
        self.img_size = img_size
        self.embed_dim = embed_dim
        self.num_tokens = side * side

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class TokenPerformer(nn.Module):
    """The official `Token_performer` (names `w`, `kqv`, `proj`, `norm1`, `norm2`, `mlp.0`, `mlp.2`)."""

    def __init__(self, dim: int, in_dim: int, kernel_ratio: float = 0.5, dropout: float = 0.1):
        super().__init__()
        self.emb = in_dim
        self.m = int(math.floor(in_dim * kernel_ratio))
        self.kqv = linear(dim, 3 * self.emb)
        self.dp = nn.Dropout(dropout)
        self.proj = linear(self.emb, self.emb)
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.norm2 = nn.LayerNorm(self.emb, eps=1e-5)
        self.mlp = nn.Sequential(linear(self.emb, self.emb), nn.GELU(), linear(self.emb, self.emb), nn.Dropout(dropout))
        w = torch.randn(self.m, self.emb)
        self.w = nn.Parameter(nn.init.orthogonal_(w) * math.sqrt(self.m), requires_grad=False)

    def prm_exp(self, z: torch.Tensor) -> torch.Tensor:
        xd = (z * z).sum(dim=-1, keepdim=True) / 2
        wtx = torch.einsum("bti,mi->btm", z.float(), self.w)
        return torch.exp(wtx - xd) / math.sqrt(self.m)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, q, v = torch.split(self.kqv(self.norm1(x)), self.emb, dim=-1)
        kp, qp = self.prm_exp(k), self.prm_exp(q)
        d = torch.einsum("bti,bi->bt", qp, kp.sum(dim=1)).unsqueeze(dim=2)
        kptv = torch.einsum("bin,bim->bnm", v.float(), kp)
        y = torch.einsum("bti,bni->btn", qp, kptv) / (d + 1e-8)
        y = v + self.dp(self.proj(y))
        return y + self.mlp(self.norm2(y))


class TokenAttention(nn.Module):
    """Attention of the official `Token_transformer`: one head, scale from the INPUT width, residual on v."""

    def __init__(self, dim: int, in_dim: int):
        super().__init__()
        self.in_dim = in_dim
        self.scale = dim ** -0.5
        self.qkv = linear(dim, in_dim * 3, bias=False)
        self.attn_drop = nn.Dropout(0.0)
        self.proj = linear(in_dim, in_dim)
        self.proj_drop = nn.Dropout(0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = torch.split(self.qkv(x), self.in_dim, dim=-1)
        attn = self.attn_drop(((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1))
        return v + self.proj_drop(self.proj(attn @ v))


class TokenTransformer(nn.Module):
    def __init__(self, dim: int, in_dim: int, mlp_ratio: float = 1.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn = TokenAttention(dim, in_dim)
        self.norm2 = nn.LayerNorm(in_dim, eps=1e-5)
        self.mlp = Mlp(in_dim, int(math.floor(in_dim * mlp_ratio)), in_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.attn(self.norm1(x))
        return y + self.mlp(self.norm2(y))


T2T_DEFAULTS: Dict[str, Any] = {
    "imgSize": REQUIRED,
    "inChans": 3,
    "embedDim": REQUIRED,
    "tokenDim": 64,
    "attention": "performer",
    "kernelSizes": [7, 3, 3],
    "strides": [4, 2, 2],
    "paddings": [2, 1, 1],
    "kernelRatio": 0.5,
    "mlpRatio": 1,
    "performerDropout": 0.1,
    "convActivation": "none",
    "convNorm": "none",
}


def split_size(n: int, k: int, s: int, p: int) -> int:
    return (n + 2 * p - k) // s + 1


class T2TTokenizer(nn.Module):
    """Tokens-to-Token module (official `T2T_module`): `attention1`, `attention2`, `project`, or for the convolution
    variant `soft_split{i}` (+ `norm{i}`) and `project`."""

    def __init__(self, o: Mapping[str, Any], path: str):
        super().__init__()
        one_of(o["attention"], ["performer", "transformer", "convolution"], f"{path}.attention")
        one_of(o["convActivation"], ["none", "relu", "gelu"], f"{path}.convActivation")
        one_of(o["convNorm"], ["none", "batch"], f"{path}.convNorm")
        for key in ("convActivation", "convNorm"):
            if o["attention"] != "convolution" and o[key] != "none":
                raise SpecError(f"{path}.{key}", f"applies to attention \"convolution\" only (attention is \"{o['attention']}\")")
        if o["attention"] == "performer" and o["mlpRatio"] != 1:
            raise SpecError(f"{path}.mlpRatio", f"the performer T2T layer has a fixed MLP width (ratio 1); got {o['mlpRatio']}")
        img = o["imgSize"]
        if isinstance(img, list):
            if img[0] != img[1]:
                raise SpecError(f"{path}.imgSize", f"{img[0]}×{img[1]} gives a non-square token grid; T2T re-structurization needs a square image")
            img = img[0]
        ks, ss, ps = o["kernelSizes"], o["strides"], o["paddings"]
        if not (len(ks) == len(ss) == len(ps)):
            raise SpecError(f"{path}.strides", f"kernelSizes, strides and paddings must have the same length; got {len(ks)}, {len(ss)}, {len(ps)}")
        prod = math.prod(ss)
        if img % prod != 0:
            raise SpecError(f"{path}.imgSize", f"{img} is not divisible by the product of the soft-split strides ({prod})")
        grids, widths, size, chans = [], [], img, o["inChans"]
        for i, (k, s, p) in enumerate(zip(ks, ss, ps)):
            out = split_size(size, k, s, p)
            if out != size // s:
                raise SpecError(f"{path}.paddings[{i}]", f"soft split {i} (kernel {k}, stride {s}, padding {p}) maps a {size}×{size} grid to {out}×{out}, expected {size // s}")
            grids.append(out)
            widths.append(chans * k * k)
            size, chans = out, o["tokenDim"]
        self.o = dict(o)
        self.grids = grids
        self.img_size = img
        self.embed_dim = o["embedDim"]
        self.num_tokens = grids[-1] ** 2
        self.attention = o["attention"]
        n = len(ks)
        self.splits = [nn.Unfold(kernel_size=k, stride=s, padding=p) for k, s, p in zip(ks, ss, ps)]
        if self.attention == "convolution":
            cin = o["inChans"]
            self.conv_names: List[str] = []
            for i in range(n - 1):
                self.add_module(f"soft_split{i}", nn.Conv2d(cin, o["tokenDim"], ks[i], stride=ss[i], padding=ps[i]))
                if o["convNorm"] == "batch":
                    self.add_module(f"norm{i}", nn.BatchNorm2d(o["tokenDim"]))
                cin = o["tokenDim"]
            self.project = nn.Conv2d(cin, o["embedDim"], ks[-1], stride=ss[-1], padding=ps[-1])
            return
        self.layers = []
        for i in range(n - 1):
            if self.attention == "performer":
                layer: nn.Module = TokenPerformer(widths[i], o["tokenDim"], o["kernelRatio"], o["performerDropout"])
            else:
                layer = TokenTransformer(widths[i], o["tokenDim"], o["mlpRatio"])
            self.add_module(f"attention{i + 1}", layer)
            self.layers.append(layer)
        self.project = linear(widths[-1], o["embedDim"])

    def _act(self, y: torch.Tensor) -> torch.Tensor:
        a = self.o["convActivation"]
        return F.relu(y) if a == "relu" else F.gelu(y) if a == "gelu" else y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.attention == "convolution":
            n = len(self.o["kernelSizes"])
            y = x
            for i in range(n - 1):
                y = getattr(self, f"soft_split{i}")(y)
                if self.o["convNorm"] == "batch":
                    y = getattr(self, f"norm{i}")(y)
                y = self._act(y)
            return self.project(y).flatten(2).transpose(1, 2)
        tokens = self.splits[0](x).transpose(1, 2)
        for i, layer in enumerate(self.layers):
            y = layer(tokens)
            g = self.grids[i]
            img = y.transpose(1, 2).reshape(y.shape[0], y.shape[2], g, g)
            tokens = self.splits[i + 1](img).transpose(1, 2)
        return self.project(tokens)


def _patch(o: Dict[str, Any], path: str) -> nn.Module:
    img = o["imgSize"] if isinstance(o["imgSize"], list) else [o["imgSize"], o["imgSize"]]
    return PatchEmbed(img, o["patchSize"], o["inChans"], o["embedDim"], path)


register_tokenizer("patch", {"imgSize": REQUIRED, "patchSize": 16, "inChans": 3, "embedDim": REQUIRED}, _patch)
register_tokenizer(
    "conv-stem",
    {"imgSize": REQUIRED, "patchSize": REQUIRED, "inChans": 3, "embedDim": REQUIRED},
    lambda o, path: ConvStem(o["imgSize"], o["patchSize"], o["inChans"], o["embedDim"], path),
)
register_tokenizer("t2t", T2T_DEFAULTS, T2TTokenizer)


def build_tokenizer(spec: Any, path: str, hints: Mapping[str, Any]) -> nn.Module:
    """A registered tokenizer (first-party or a plugin's Python counterpart) from its spec, with the backbone's hints."""
    kind, given = split_type(spec, path)
    defaults, build = tokenizer(kind, f"{path}.type" if not isinstance(spec, str) else path)
    return build(resolve(given, defaults, path, hints), path)
