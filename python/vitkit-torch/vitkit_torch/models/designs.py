"""T2T-ViT block designs of @vitkit/backbones (paper Table 6): `se`, `ghost`, `dense` (+ `Transition`)."""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from .layers import Attention, DropPath, Mlp, linear


class SELayer(nn.Module):
    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        hidden = channels // reduction
        self.fc = nn.Sequential(linear(channels, hidden, bias=False), nn.ReLU(), linear(hidden, channels, bias=False), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.fc(x.mean(dim=1))[:, None, :]


class SEAttention(Attention):
    """timm Attention with a channel-attention (`se_layer`) after the output projection."""

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool, qk_scale: Optional[float], attn_drop: float, proj_drop: float, se_reduction: int):
        super().__init__(dim, num_heads, qkv_bias, qk_scale, attn_drop, 0.0)
        self.se_drop = nn.Dropout(proj_drop)
        self.se_layer = SELayer(dim, se_reduction)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.se_drop(self.se_layer(super().forward(x)))


class CheapOperation(nn.Module):
    """A depthwise 1x1 (per-channel scale); `weight` [C, 1, 1] like PyTorch's Conv1d(groups=C, kernel 1)."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(channels, 1, 1).uniform_(-1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight.reshape(-1)


class GhostAttention(nn.Module):
    def __init__(self, dim: int, num_heads: int, qkv_bias: bool, qk_scale: Optional[float], attn_drop: float, proj_drop: float):
        super().__init__()
        half = dim // 2
        self.num_heads = num_heads
        self.scale = qk_scale if qk_scale is not None else (dim // num_heads) ** -0.5
        self.q, self.k, self.v = (linear(dim, half, bias=qkv_bias) for _ in range(3))
        self.cheap_operation_q, self.cheap_operation_k, self.cheap_operation_v = (CheapOperation(half) for _ in range(3))
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape

        def ghost(lin: nn.Module, cheap: nn.Module) -> torch.Tensor:
            h = lin(x)
            return torch.cat([h, cheap(h)], dim=2).reshape(b, n, self.num_heads, c // self.num_heads).permute(0, 2, 1, 3)

        q, k, v = ghost(self.q, self.cheap_operation_q), ghost(self.k, self.cheap_operation_k), ghost(self.v, self.cheap_operation_v)
        attn = self.attn_drop((q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1))
        return self.proj_drop(self.proj((attn @ v).transpose(1, 2).reshape(b, n, c)))


class GhostMlp(nn.Module):
    def __init__(self, dim: int, hidden: int, drop: float):
        super().__init__()
        ratio = hidden // dim
        self.fc1 = linear(dim, dim)
        self.act = nn.GELU()
        self.fc2 = linear(hidden, dim)
        self.drop = nn.Dropout(drop)
        self.cheap = []
        for i in range(2, ratio + 1):
            m = CheapOperation(dim)
            self.add_module(f"cheap_operation{i}", m)
            self.cheap.append(m)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.act(self.fc1(x))
        parts = [x1] + [self.act(c(x1)) for c in self.cheap]
        h = self.drop(torch.cat(parts, dim=2) if len(parts) > 1 else x1)
        return self.drop(self.fc2(h))


class DesignBlock(nn.Module):
    def __init__(self, dim: int, design: str, num_heads: int, mlp_ratio: float, qkv_bias: bool, norm_eps: float, qk_scale, drop: float, attn_drop: float, drop_path: float, se_reduction: int):
        super().__init__()
        hidden = int(math.floor(dim * mlp_ratio))
        self.norm1 = nn.LayerNorm(dim, eps=norm_eps)
        if design == "se":
            self.attn: nn.Module = SEAttention(dim, num_heads, qkv_bias, qk_scale, attn_drop, drop, se_reduction)
        else:
            self.attn = GhostAttention(dim, num_heads, qkv_bias, qk_scale, attn_drop, drop)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim, eps=norm_eps)
        self.mlp = Mlp(dim, hidden, drop=drop) if design == "se" else GhostMlp(dim, hidden, drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x + self.drop_path(self.attn(self.norm1(x)))
        return h + self.drop_path(self.mlp(self.norm2(h)))


class DenseBlock(nn.Module):
    """A ViT block whose output `dense_linear` (growthRate channels) is appended to its input (DenseNet-style)."""

    def __init__(self, dim: int, growth: int, num_heads: int, mlp_ratio: float, qkv_bias: bool, norm_eps: float, qk_scale, drop: float, attn_drop: float, drop_path: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=norm_eps)
        self.attn = Attention(dim, num_heads, qkv_bias, qk_scale, attn_drop, drop)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim, eps=norm_eps)
        self.mlp = Mlp(dim, int(math.floor(dim * mlp_ratio)), drop=drop)
        self.dense_linear = linear(dim, growth)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x + self.drop_path(self.attn(self.norm1(x)))
        h = h + self.drop_path(self.mlp(self.norm2(h)))
        return torch.cat([x, self.dense_linear(h)], dim=2)


class Transition(nn.Module):
    def __init__(self, i: int, o: int):
        super().__init__()
        self.act = nn.GELU()
        self.linear = linear(i, o)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.linear(x))
