"""`dual-branch` backbone (CrossViT, official names): per-branch tokenizer, K multi-scale blocks with a fusion."""
from typing import Any, Dict, List, Mapping

import torch
from torch import nn

from ..errors import SpecError
from ..options import REQUIRED
from .fusion import build_fusion
from .layers import Block, linear_head, resize_bicubic
from .tokenizers import build_tokenizer

DUAL_BRANCH_DEFAULTS: Dict[str, Any] = {
    "imgSize": REQUIRED, "patchSize": None, "inChans": 3, "numClasses": 1000, "embedDim": REQUIRED, "depth": REQUIRED,
    "numHeads": REQUIRED, "mlpRatio": REQUIRED, "qkvBias": True, "qkScale": None, "normEps": 1e-6, "dropRate": 0,
    "attnDropRate": 0, "dropPathRate": 0, "tokenizer": "patch", "fusion": "cross-attention",
}


class MultiScaleBlock(nn.Module):
    """Branch blocks `blocks.{b}.{j}`; the fusion's children are mounted here directly (`projs`, `fusion`, ...)."""

    def __init__(self, branch_blocks: List[List[nn.Module]], fusion: nn.Module):
        super().__init__()
        self.blocks = nn.ModuleList(nn.Sequential(*bs) for bs in branch_blocks)
        for name, child in fusion.named_children():
            self.add_module(name, child)
        object.__setattr__(self, "_fuse", fusion)  # not a submodule: its parameters are already the children above

    def forward(self, xs: List[torch.Tensor]) -> List[torch.Tensor]:
        return self._fuse([blk(x) for blk, x in zip(self.blocks, xs)])


def check_options(o: Mapping[str, Any], path: str) -> int:
    n = len(o["imgSize"])
    for name in ("embedDim", "numHeads", "mlpRatio", "patchSize"):
        arr = o[name]
        if arr is not None and len(arr) != n:
            raise SpecError(f"{path}.{name}", f"has {len(arr)} entries but imgSize has {n} (one per branch)")
    if isinstance(o["tokenizer"], list) and len(o["tokenizer"]) != n:
        raise SpecError(f"{path}.tokenizer", f"has {len(o['tokenizer'])} entries but imgSize has {n} (one per branch)")
    if not o["depth"]:
        raise SpecError(f"{path}.depth", "needs at least one multi-scale block")
    for k, cfg in enumerate(o["depth"]):
        if len(cfg) != n + 1:
            raise SpecError(f"{path}.depth[{k}]", f"has {len(cfg)} entries; expected {n + 1}: the depth of each of the {n} branches, then the fusion depth")
    for i, d in enumerate(o["embedDim"]):
        if d % o["numHeads"][i] != 0:
            raise SpecError(f"{path}.numHeads[{i}]", f"{o['numHeads'][i]} does not divide embedDim[{i}] = {d}")
    return n


class DualBranchViT(nn.Module):
    def __init__(self, o: Mapping[str, Any], path: str):
        super().__init__()
        n = check_options(o, path)
        self.img_size = list(o["imgSize"])
        self.input_size = max(self.img_size)
        toks = []
        for i in range(n):
            spec = o["tokenizer"][i] if isinstance(o["tokenizer"], list) else o["tokenizer"]
            tpath = f"{path}.tokenizer[{i}]" if isinstance(o["tokenizer"], list) else f"{path}.tokenizer"
            hints = {"imgSize": o["imgSize"][i], "inChans": o["inChans"], "embedDim": o["embedDim"][i]}
            if o["patchSize"]:
                hints["patchSize"] = o["patchSize"][i]
            tok = build_tokenizer(spec, tpath, hints)
            if tok.embed_dim != o["embedDim"][i]:
                raise SpecError(f"{tpath}.embedDim", f"{tok.embed_dim} differs from the branch width embedDim[{i}] = {o['embedDim'][i]}")
            toks.append(tok)
        self.patch_embed = nn.ModuleList(toks)
        num_patches = [t.num_tokens for t in toks]
        self.pos_embed = nn.ParameterList(nn.Parameter(nn.init.trunc_normal_(torch.zeros(1, num_patches[i] + 1, d), std=0.02)) for i, d in enumerate(o["embedDim"]))
        self.cls_token = nn.ParameterList(nn.Parameter(nn.init.trunc_normal_(torch.zeros(1, 1, d), std=0.02)) for d in o["embedDim"])
        self.pos_drop = nn.Dropout(o["dropRate"])
        per_block = [max(cfg[:n]) + cfg[n] for cfg in o["depth"]]
        total = sum(per_block)
        dpr = [o["dropPathRate"] * i / (total - 1) if total > 1 else 0.0 for i in range(total)]
        ptr = 0
        blocks = []
        for k, cfg in enumerate(o["depth"]):
            rates = dpr[ptr:ptr + per_block[k]]
            ptr += per_block[k]
            fusion = build_fusion(o["fusion"], f"{path}.fusion", {
                "dims": o["embedDim"], "numHeads": o["numHeads"], "numPatches": num_patches, "depth": cfg[n],
                "qkvBias": o["qkvBias"], "qkScale": o["qkScale"], "normEps": o["normEps"], "drop": o["dropRate"],
                "attnDrop": o["attnDropRate"], "dropPath": rates[-1] if rates else 0,
            })
            branch = [
                [Block(dim, o["numHeads"][i], o["mlpRatio"][i], o["qkvBias"], o["normEps"], o["qkScale"], o["dropRate"], o["attnDropRate"], rates[j] if j < len(rates) else 0.0) for j in range(cfg[i])]
                for i, dim in enumerate(o["embedDim"])
            ]
            blocks.append(MultiScaleBlock(branch, fusion))
        self.blocks = nn.ModuleList(blocks)
        self.norm = nn.ModuleList(nn.LayerNorm(d, eps=o["normEps"]) for d in o["embedDim"])
        self.head = nn.ModuleList(linear_head(d, o["numClasses"]) for d in o["embedDim"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[2] != x.shape[3]:
            raise ValueError(f"dual-branch: input must be square like the official CrossViT, got {x.shape[2]}×{x.shape[3]}")
        b = x.shape[0]
        xs = []
        for i, s in enumerate(self.img_size):
            xi = x if s == x.shape[2] else resize_bicubic(x, s)
            t = self.patch_embed[i](xi)
            xs.append(self.pos_drop(torch.cat([self.cls_token[i].expand(b, -1, -1), t], dim=1) + self.pos_embed[i]))
        for blk in self.blocks:
            xs = blk(xs)
        logits = [self.head[i](self.norm[i](t[:, 0])) for i, t in enumerate(xs)]
        return torch.stack(logits, dim=0).mean(dim=0)
