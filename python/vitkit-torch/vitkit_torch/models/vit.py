"""`vit` (plain ViT, timm names) and `deep-narrow` (T2T-ViT, official names) backbones of @vitkit/backbones."""
import math
from typing import Any, Dict, Mapping

import torch
from torch import nn

from ..errors import SpecError, UnsupportedSpecError
from ..options import REQUIRED, one_of, resolve
from .designs import DenseBlock, DesignBlock, Transition
from .layers import Block, linear_head, sinusoid_table
from .tokenizers import build_tokenizer

VIT_DEFAULTS: Dict[str, Any] = {
    "imgSize": 224, "inChans": 3, "numClasses": 1000, "embedDim": 768, "depth": 12, "numHeads": 12, "mlpRatio": 4,
    "qkvBias": True, "normEps": 1e-6, "dropRate": 0, "attnDropRate": 0, "dropPathRate": 0, "globalPool": "token",
    "tokenizer": {"type": "patch", "patchSize": 16},
}

DEEP_NARROW_DEFAULTS: Dict[str, Any] = {
    "imgSize": 224, "inChans": 3, "numClasses": 1000, "embedDim": REQUIRED, "depth": 12, "numHeads": REQUIRED, "mlpRatio": 4,
    "qkvBias": False, "qkScale": None, "dropRate": 0, "attnDropRate": 0, "dropPathRate": 0, "tokenizer": {"type": "t2t"},
    "design": "standard", "seReduction": 16, "growthRate": 32, "blockConfig": [3, 4, 6, 3],
}


def linspace(rate: float, n: int):
    return [0.0 if n == 1 else rate * i / (n - 1) for i in range(n)]


class VisionTransformer(nn.Module):
    def __init__(self, o: Mapping[str, Any], path: str):
        super().__init__()
        one_of(o["globalPool"], ["token", "avg"], f"{path}.globalPool")
        self.global_pool = o["globalPool"]
        self.input_size = o["imgSize"]
        d = o["embedDim"]
        self.patch_embed = build_tokenizer(o["tokenizer"], f"{path}.tokenizer", {"imgSize": o["imgSize"], "inChans": o["inChans"], "embedDim": d})
        n = self.patch_embed.num_tokens + 1
        self.cls_token = nn.Parameter(nn.init.trunc_normal_(torch.zeros(1, 1, d), std=0.02))
        self.pos_embed = nn.Parameter(nn.init.trunc_normal_(torch.zeros(1, n, d), std=0.02))
        self.pos_drop = nn.Dropout(o["dropRate"])
        depth = o["depth"]
        self.blocks = nn.ModuleList(
            Block(d, o["numHeads"], o["mlpRatio"], o["qkvBias"], o["normEps"], None, o["dropRate"], o["attnDropRate"], (o["dropPathRate"] * i / (depth - 1)) if depth > 1 else 0.0)
            for i in range(depth)
        )
        self.norm = nn.LayerNorm(d, eps=o["normEps"])
        self.head = linear_head(d, o["numClasses"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.patch_embed(x)
        h = torch.cat([self.cls_token.expand(t.shape[0], -1, -1), t], dim=1) + self.pos_embed
        h = self.pos_drop(h)
        for blk in self.blocks:
            h = blk(h)
        h = self.norm(h)
        pooled = h[:, 1:].mean(dim=1) if self.global_pool == "avg" else h[:, 0]
        return self.head(pooled)


def check_design(o: Mapping[str, Any], path: str) -> None:
    """vitkit's checkDeepNarrow: every issue names its option."""
    d, heads = o["embedDim"], o["numHeads"]
    if o["design"] == "dense":
        start = d
        for stage, n in enumerate(o["blockConfig"]):
            for j in range(n):
                w = start + j * o["growthRate"]
                if w % heads != 0:
                    raise SpecError(f"{path}.numHeads", f"dense block width {w} (stage {stage}, block {j}) is not divisible by numHeads {heads}; choose embedDim/growthRate multiples of numHeads")
            start = (start + n * o["growthRate"]) // 2
        return
    if d % heads != 0:
        raise SpecError(f"{path}.numHeads", f"embedDim {d} is not divisible by numHeads {heads}")
    if o["design"] == "ghost":
        if d % 2 != 0:
            raise SpecError(f"{path}.embedDim", f"the ghost design generates half of q/k/v cheaply and needs an even embedDim; got {d}")
        if math.floor(d * o["mlpRatio"]) % d != 0:
            raise SpecError(f"{path}.mlpRatio", f"the ghost MLP needs an integer mlpRatio (hidden = ratio·embedDim); got {o['mlpRatio']}")
    if o["design"] == "se" and d // o["seReduction"] < 1:
        raise SpecError(f"{path}.seReduction", f"embedDim {d} / seReduction {o['seReduction']} leaves no hidden unit")


class DeepNarrowViT(nn.Module):
    """Official `T2T_ViT`: `tokens_to_token`, `cls_token`, frozen sinusoid `pos_embed`, `blocks`, `norm`, `head`."""

    def __init__(self, o: Mapping[str, Any], path: str):
        super().__init__()
        design = one_of(o["design"], ["standard", "se", "ghost", "dense"], f"{path}.design")
        d = o["embedDim"]
        check_design(o, path)
        qk = o["qkScale"]
        if qk == "embed":
            qk = d ** -0.5
        elif qk == "head":
            qk = None
        elif qk is not None and not (isinstance(qk, (int, float)) and qk > 0):
            raise SpecError(f"{path}.qkScale", f"{qk!r} is not valid; expected a number > 0, 'head' or 'embed'")
        self.input_size = o["imgSize"]
        self.tokens_to_token = build_tokenizer(o["tokenizer"], f"{path}.tokenizer", {"imgSize": o["imgSize"], "inChans": o["inChans"], "embedDim": d})
        n = self.tokens_to_token.num_tokens
        self.cls_token = nn.Parameter(nn.init.trunc_normal_(torch.zeros(1, 1, d), std=0.02))
        self.pos_embed = nn.Parameter(sinusoid_table(n + 1, d), requires_grad=False)
        self.pos_drop = nn.Dropout(o["dropRate"])
        common = (o["numHeads"], o["mlpRatio"], o["qkvBias"], 1e-5, qk, o["dropRate"], o["attnDropRate"])
        blocks = []
        out_dim = d
        if design == "dense":
            dpr = linspace(o["dropPathRate"], sum(o["blockConfig"]))
            start, idx = d, 0
            for stage, n in enumerate(o["blockConfig"]):
                for j in range(n):
                    blocks.append(DenseBlock(start + j * o["growthRate"], o["growthRate"], *common, dpr[idx]))
                    idx += 1
                end = start + n * o["growthRate"]
                if stage != len(o["blockConfig"]) - 1:
                    blocks.append(Transition(end, end // 2))
                    start = end // 2
                else:
                    out_dim = end
        else:
            dpr = linspace(o["dropPathRate"], o["depth"])
            for i in range(o["depth"]):
                blocks.append(Block(d, *common, dpr[i]) if design == "standard" else DesignBlock(d, design, *common, dpr[i], o["seReduction"]))
        self.blocks = nn.ModuleList(blocks)
        self.norm = nn.LayerNorm(out_dim, eps=1e-5)
        self.head = linear_head(out_dim, o["numClasses"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.tokens_to_token(x)
        h = self.pos_drop(torch.cat([self.cls_token.expand(t.shape[0], -1, -1), t], dim=1) + self.pos_embed)
        for blk in self.blocks:
            h = blk(h)
        return self.head(self.norm(h)[:, 0])
