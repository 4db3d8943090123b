"""Fusions of @vitkit/fusion: `cross-attention` (official CrossViT), `all-attention`, `class-token`, `pairwise`, `none`."""
from typing import Any, Dict, List, Mapping

import torch
from torch import nn

from ..errors import SpecError, UnsupportedSpecError
from ..options import REQUIRED, resolve, split_type
from .layers import Attention, DropPath, linear, resize_bicubic

COMMON: Dict[str, Any] = {
    "dims": REQUIRED, "numHeads": REQUIRED, "numPatches": None, "depth": 0, "qkvBias": True, "qkScale": None,
    "normEps": 1e-6, "drop": 0, "attnDrop": 0, "dropPath": 0,
}


def projection(i: int, o: int, eps: float, identity: bool = False) -> nn.Module:
    if identity:
        return nn.Identity()
    return nn.Sequential(nn.LayerNorm(i, eps=eps), nn.GELU(), linear(i, o))


class CrossAttention(nn.Module):
    def __init__(self, dim: int, num_heads: int, qkv_bias: bool, qk_scale, attn_drop: float, proj_drop: float):
        super().__init__()
        self.num_heads = num_heads
        self.scale = qk_scale if qk_scale is not None else (dim / num_heads) ** -0.5
        self.wq, self.wk, self.wv = (linear(dim, dim, bias=qkv_bias) for _ in range(3))
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        h = self.num_heads
        q = self.wq(x[:, 0:1]).reshape(b, 1, h, c // h).permute(0, 2, 1, 3)
        k = self.wk(x).reshape(b, n, h, c // h).permute(0, 2, 1, 3)
        v = self.wv(x).reshape(b, n, h, c // h).permute(0, 2, 1, 3)
        attn = self.attn_drop((q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1))
        return self.proj_drop(self.proj((attn @ v).transpose(1, 2).reshape(b, 1, c)))


class CrossAttentionBlock(nn.Module):
    def __init__(self, dim: int, o: Mapping[str, Any], heads: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=o["normEps"])
        self.attn = CrossAttention(dim, heads, o["qkvBias"], o["qkScale"], o["attnDrop"], o["drop"])
        self.drop_path = DropPath(o["dropPath"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, 0:1] + self.drop_path(self.attn(self.norm1(x)))


class CrossAttentionFusion(nn.Module):
    def __init__(self, o: Mapping[str, Any]):
        super().__init__()
        dims, n = o["dims"], len(o["dims"])
        other = lambda i: (i + 1) % n  # noqa: E731
        same = lambda i: o["identityWhenEqual"] and dims[i] == dims[other(i)]  # noqa: E731
        self.projs = nn.ModuleList(projection(d, dims[other(i)], o["normEps"], same(i)) for i, d in enumerate(dims))

        def make(i: int) -> nn.Module:
            j = other(i)
            if o["depth"] == 0:
                return CrossAttentionBlock(dims[j], o, o["numHeads"][j])
            return nn.Sequential(*[CrossAttentionBlock(dims[j], o, o["numHeads"][j]) for _ in range(o["depth"])])

        self.fusion = nn.ModuleList(make(i) for i in range(n))
        self.revert_projs = nn.ModuleList(projection(dims[other(i)], d, o["normEps"], same(i)) for i, d in enumerate(dims))

    def forward(self, xs: List[torch.Tensor]) -> List[torch.Tensor]:
        n = len(xs)
        proj_cls = [self.projs[i](x[:, 0:1]) for i, x in enumerate(xs)]
        out = []
        for i, x in enumerate(xs):
            j = (i + 1) % n
            c = self.fusion[i](torch.cat([proj_cls[i], xs[j][:, 1:]], dim=1))
            out.append(torch.cat([self.revert_projs[i](c), x[:, 1:]], dim=1))
        return out


class SelfAttentionLayer(nn.Module):
    def __init__(self, dim: int, heads: int, o: Mapping[str, Any]):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=o["normEps"])
        self.attn = Attention(dim, heads, o["qkvBias"], o["qkScale"], o["attnDrop"], o["drop"])
        self.drop_path = DropPath(o["dropPath"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.drop_path(self.attn(self.norm1(x)))


class HeuristicFusion(nn.Module):
    """all-attention / class-token / pairwise (CrossViT paper Eq. 2-4) on a common width `dim`."""

    def __init__(self, kind: str, o: Mapping[str, Any], path: str):
        super().__init__()
        self.kind = kind
        dims = o["dims"]
        d = o["dim"] if o["dim"] is not None else max(dims)
        self.dim = d
        if kind != "all-attention" and o["depth"] > 1:
            raise SpecError(f"{path}.depth", f"{o['depth']} is not supported: {kind} fusion is a sum with nothing to stack; use 0 or 1")
        self.projs = nn.ModuleList(projection(c, d, o["normEps"], o["identityWhenEqual"] and c == d) for c in dims)
        if kind == "all-attention":
            heads = o["heads"]
            if heads is None:
                if d not in dims:
                    raise SpecError(f"{path}.heads", f"is required when dim ({d}) is not the width of a branch ({', '.join(map(str, dims))})")
                heads = o["numHeads"][dims.index(d)]
            self.fusion = SelfAttentionLayer(d, heads, o) if o["depth"] == 0 else nn.Sequential(*[SelfAttentionLayer(d, heads, o) for _ in range(o["depth"])])
        if kind == "pairwise":
            if not o["numPatches"]:
                raise SpecError(f"{path}.numPatches", "is required (patch tokens per branch)")
            self.grids = []
            for i, n in enumerate(o["numPatches"]):
                g = round(n ** 0.5)
                if g * g != n:
                    raise SpecError(f"{path}.numPatches[{i}]", f"{n} patch tokens do not form a square grid; pairwise fusion aligns square grids")
                self.grids.append(g)
        self.revert_projs = nn.ModuleList(projection(d, c, o["normEps"], o["identityWhenEqual"] and c == d) for c in dims)

    def forward(self, xs: List[torch.Tensor]) -> List[torch.Tensor]:
        if self.kind == "all-attention":
            lens = [x.shape[1] for x in xs]
            y = self.fusion(torch.cat([p(x) for p, x in zip(self.projs, xs)], dim=1))
            return [r(part) for r, part in zip(self.revert_projs, torch.split(y, lens, dim=1))]
        if self.kind == "class-token":
            fused = sum(p(x[:, 0:1]) for p, x in zip(self.projs, xs))
            return [torch.cat([r(fused), x[:, 1:]], dim=1) for r, x in zip(self.revert_projs, xs)]
        b, d = xs[0].shape[0], self.dim
        projected = [p(x) for p, x in zip(self.projs, xs)]
        cls = sum(p[:, 0:1] for p in projected)
        grids = [p[:, 1:].reshape(b, g, g, d).permute(0, 3, 1, 2) for p, g in zip(projected, self.grids)]
        out = []
        for i, r in enumerate(self.revert_projs):
            gi = self.grids[i]
            aligned = sum(g if self.grids[j] == gi else resize_bicubic(g, gi) for j, g in enumerate(grids))
            patches = aligned.permute(0, 2, 3, 1).reshape(b, gi * gi, d)
            out.append(r(torch.cat([cls, patches], dim=1)))
        return out


class NoFusion(nn.Module):
    def forward(self, xs: List[torch.Tensor]) -> List[torch.Tensor]:
        return xs


def build_fusion(spec: Any, path: str, hints: Mapping[str, Any]) -> nn.Module:
    kind, given = split_type(spec, path)
    if kind == "cross-attention":
        return CrossAttentionFusion(resolve(given, {**COMMON, "identityWhenEqual": False}, path, hints))
    if kind in ("all-attention", "class-token", "pairwise"):
        defaults = {**COMMON, "dim": None, "identityWhenEqual": kind != "all-attention"}
        if kind == "all-attention":
            defaults["heads"] = None
        return HeuristicFusion(kind, resolve(given, defaults, path, hints), path)
    if kind == "none":
        resolve(given, COMMON, path, hints)
        return NoFusion()
    raise UnsupportedSpecError(path, f"fusion \"{kind}\"")
