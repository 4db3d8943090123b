"""The core building blocks of vitkit (packages/core/src/nn) in PyTorch, with the same module names."""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn


def trunc_normal_linear(m: nn.Linear) -> nn.Linear:
    """timm's `_init_weights` for Linear: trunc_normal(.02) (bounds ±2 absolute), zero bias."""
    nn.init.trunc_normal_(m.weight, std=0.02, a=-2.0, b=2.0)
    if m.bias is not None:
        nn.init.zeros_(m.bias)
    return m


def linear(i: int, o: int, bias: bool = True, vit_init: bool = True) -> nn.Linear:
    m = nn.Linear(i, o, bias=bias)
    return trunc_normal_linear(m) if vit_init else m


class DropPath(nn.Module):
    """Stochastic depth per sample (timm `DropPath`), identity in eval or at rate 0."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep


class Attention(nn.Module):
    """timm `Attention`: fused `qkv`, `proj`; scale `qk_scale or head_dim ** -0.5`."""

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool = False, qk_scale: Optional[float] = None, attn_drop: float = 0.0, proj_drop: float = 0.0):
        super().__init__()
        if dim % num_heads != 0:
            raise ValueError(f"Attention: dim {dim} is not divisible by numHeads {num_heads}")
        self.num_heads = num_heads
        self.scale = qk_scale if qk_scale is not None else (dim / num_heads) ** -0.5
        self.qkv = linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, c // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = self.attn_drop((q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1))
        return self.proj_drop(self.proj((attn @ v).transpose(1, 2).reshape(b, n, c)))


class Mlp(nn.Module):
    """fc1 → exact GELU → dropout → fc2 → dropout (timm `Mlp`)."""

    def __init__(self, dim: int, hidden: int, out: Optional[int] = None, drop: float = 0.0, vit_init: bool = True):
        super().__init__()
        self.fc1 = linear(dim, hidden, vit_init=vit_init)
        self.act = nn.GELU()
        self.fc2 = linear(hidden, out or dim, vit_init=vit_init)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class Block(nn.Module):
    """Pre-norm transformer block (timm `Block`): `x + DropPath(Attn(LN(x)))`, `x + DropPath(MLP(LN(x)))`."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float, qkv_bias: bool, norm_eps: float, qk_scale: Optional[float] = None, drop: float = 0.0, attn_drop: float = 0.0, drop_path: float = 0.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=norm_eps)
        self.attn = Attention(dim, num_heads, qkv_bias, qk_scale, attn_drop, drop)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim, eps=norm_eps)
        self.mlp = Mlp(dim, int(math.floor(dim * mlp_ratio)), drop=drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


def sinusoid_table(n_position: int, d_hid: int) -> torch.Tensor:
    """T2T-ViT's `get_sinusoid_encoding`, computed in float64 then cast (as the official numpy code)."""
    pos = torch.arange(n_position, dtype=torch.float64)[:, None]
    j = torch.arange(d_hid, dtype=torch.float64)[None, :]
    angle = pos / torch.pow(torch.tensor(10000.0, dtype=torch.float64), 2 * torch.div(j, 2, rounding_mode="floor") / d_hid)
    table = torch.where(torch.arange(d_hid)[None, :] % 2 == 0, torch.sin(angle), torch.cos(angle))
    return table.to(torch.float32)[None]


def linear_head(dim: int, num_classes: int) -> nn.Module:
    """vitkit's `createLinearHead`: a trunc-normal Linear, or Identity for 0 classes."""
    return linear(dim, num_classes) if num_classes > 0 else nn.Identity()


def resize_bicubic(x: torch.Tensor, size: int) -> torch.Tensor:
    """The official CrossViT resize: bicubic, align_corners=False, no antialias."""
    return F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False)
