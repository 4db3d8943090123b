"""PyTorch versions of the vitkit benchmark architectures (written for the benchmark, same structure and sizes).

Each builder mirrors the vitkit preset of the same name (see packages/backbones/src/*/presets.ts and
/work/shared/reference/models.md): same layer widths, depths, token counts, normalisation epsilons and
frozen tensors, so parameter counts match exactly and the compute per image is the same.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F


def _init_linear(m):
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


class Mlp(nn.Module):
    def __init__(self, dim, hidden, out=None):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()  # exact erf form
        self.fc2 = nn.Linear(hidden, out or dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Attention(nn.Module):
    def __init__(self, dim, num_heads, qkv_bias, qk_scale=None):
        super().__init__()
        self.num_heads = num_heads
        self.scale = qk_scale or (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, c // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class Block(nn.Module):
    """Pre-norm transformer block (timm names: norm1, attn, norm2, mlp)."""

    def __init__(self, dim, num_heads, mlp_ratio, qkv_bias, eps, qk_scale=None):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, num_heads, qkv_bias, qk_scale)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


# ---------------------------------------------------------------------------------------------------------------
# Plain ViT (vitkit backbone `vit`): conv patch embedding, cls token, learned position embedding, pre-norm blocks
# with qkv bias, LayerNorm eps 1e-6, cls-token head.


class PatchEmbed(nn.Module):
    def __init__(self, img_size, patch, in_chans, dim):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, kernel_size=patch, stride=patch)
        self.num_patches = (img_size // patch) ** 2

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ViT(nn.Module):
    def __init__(self, img_size, patch, in_chans, num_classes, dim, depth, heads, mlp_ratio, qkv_bias=True, eps=1e-6):
        super().__init__()
        self.patch_embed = PatchEmbed(img_size, patch, in_chans, dim)
        n = self.patch_embed.num_patches + 1
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n, dim))
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.blocks = nn.ModuleList([Block(dim, heads, mlp_ratio, qkv_bias, eps) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=eps)
        self.head = nn.Linear(dim, num_classes)
        self.apply(_init_linear)

    def forward(self, x):
        t = self.patch_embed(x)
        t = torch.cat([self.cls_token.expand(t.shape[0], -1, -1), t], dim=1) + self.pos_embed
        for blk in self.blocks:
            t = blk(t)
        return self.head(self.norm(t)[:, 0])


# ---------------------------------------------------------------------------------------------------------------
# T2T-ViT (vitkit backbone `deep-narrow` with tokenizer `t2t`, performer attention): soft splits with nn.Unfold,
# two Token_performer layers, projection, sinusoid position table (frozen), blocks without qkv bias, eps 1e-5.


class TokenPerformer(nn.Module):
    def __init__(self, dim, in_dim, kernel_ratio=0.5):
        super().__init__()
        self.emb = in_dim
        self.kqv = nn.Linear(dim, 3 * self.emb)
        self.proj = nn.Linear(self.emb, self.emb)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(self.emb)
        self.mlp = nn.Sequential(nn.Linear(self.emb, self.emb), nn.GELU(), nn.Linear(self.emb, self.emb))
        self.m = int(self.emb * kernel_ratio)
        w = nn.init.orthogonal_(torch.randn(self.m, self.emb)) * math.sqrt(self.m)
        self.w = nn.Parameter(w, requires_grad=False)

    def prm_exp(self, x):
        xd = (x * x).sum(dim=-1, keepdim=True) / 2
        return torch.exp(x @ self.w.t() - xd) / math.sqrt(self.m)

    def single_attn(self, x):
        k, q, v = torch.split(self.kqv(x), self.emb, dim=-1)
        kp, qp = self.prm_exp(k), self.prm_exp(q)  # (B, T, m)
        d = (qp @ kp.sum(dim=1).unsqueeze(-1))  # (B, T, 1)
        kptv = v.transpose(1, 2) @ kp  # (B, E, m)
        y = (qp @ kptv.transpose(1, 2)) / (d + 1e-8)  # (B, T, E)
        return v + self.proj(y)

    def forward(self, x):
        x = self.single_attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class T2TModule(nn.Module):
    def __init__(self, img_size, in_chans, embed_dim, token_dim, splits):
        super().__init__()
        (k0, s0, p0), (k1, s1, p1), (k2, s2, p2) = splits
        self.soft_split0 = nn.Unfold(kernel_size=k0, stride=s0, padding=p0)
        self.soft_split1 = nn.Unfold(kernel_size=k1, stride=s1, padding=p1)
        self.soft_split2 = nn.Unfold(kernel_size=k2, stride=s2, padding=p2)
        self.attention1 = TokenPerformer(in_chans * k0 * k0, token_dim)
        self.attention2 = TokenPerformer(token_dim * k1 * k1, token_dim)
        self.project = nn.Linear(token_dim * k2 * k2, embed_dim)
        size = img_size
        for k, s, p in splits:
            size = (size + 2 * p - k) // s + 1
        self.num_patches = size * size

    @staticmethod
    def _to_image(x):
        b, n, c = x.shape
        r = int(math.isqrt(n))
        return x.transpose(1, 2).reshape(b, c, r, r)

    def forward(self, x):
        x = self.attention1(self.soft_split0(x).transpose(1, 2))
        x = self.attention2(self.soft_split1(self._to_image(x)).transpose(1, 2))
        return self.project(self.soft_split2(self._to_image(x)).transpose(1, 2))


def sinusoid_table(n, d):
    pos = torch.arange(n, dtype=torch.float64).unsqueeze(1)
    j = torch.arange(d, dtype=torch.float64).unsqueeze(0)
    angle = pos / torch.pow(10000.0, 2 * torch.div(j, 2, rounding_mode='floor') / d)
    table = torch.where(j.long() % 2 == 0, torch.sin(angle), torch.cos(angle))
    return table.float().unsqueeze(0)


class T2TViT(nn.Module):
    def __init__(self, img_size, num_classes, embed_dim, depth, heads, mlp_ratio, splits, token_dim=64, in_chans=3):
        super().__init__()
        self.tokens_to_token = T2TModule(img_size, in_chans, embed_dim, token_dim, splits)
        n = self.tokens_to_token.num_patches + 1
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.pos_embed = nn.Parameter(sinusoid_table(n, embed_dim), requires_grad=False)
        self.blocks = nn.ModuleList([Block(embed_dim, heads, mlp_ratio, qkv_bias=False, eps=1e-5) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, num_classes)
        self.apply(_init_linear)

    def forward(self, x):
        t = self.tokens_to_token(x)
        t = torch.cat([self.cls_token.expand(t.shape[0], -1, -1), t], dim=1) + self.pos_embed
        for blk in self.blocks:
            t = blk(t)
        return self.head(self.norm(t)[:, 0])


# ---------------------------------------------------------------------------------------------------------------
# CrossViT (vitkit backbone `dual-branch`): two patch branches (12 px on the 240 input, 16 px on a bicubic 224
# resize), multi-scale blocks with cross-attention on the CLS token, mean of the two heads. LayerNorm eps 1e-6.


class CrossAttention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.wq = nn.Linear(dim, dim)
        self.wk = nn.Linear(dim, dim)
        self.wv = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        h = self.num_heads
        q = self.wq(x[:, :1]).reshape(b, 1, h, c // h).permute(0, 2, 1, 3)
        k = self.wk(x).reshape(b, n, h, c // h).permute(0, 2, 1, 3)
        v = self.wv(x).reshape(b, n, h, c // h).permute(0, 2, 1, 3)
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, 1, c))


class CrossAttentionBlock(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = CrossAttention(dim, num_heads)

    def forward(self, x):
        return x[:, :1] + self.attn(self.norm1(x))


class MultiScaleBlock(nn.Module):
    def __init__(self, dims, depths, heads, mlp_ratios):
        super().__init__()
        self.blocks = nn.ModuleList(
            [nn.Sequential(*[Block(dims[i], heads[i], mlp_ratios[i], True, 1e-6) for _ in range(depths[i])]) for i in range(2)]
        )
        self.projs = nn.ModuleList([nn.Sequential(nn.LayerNorm(dims[i], eps=1e-6), nn.GELU(), nn.Linear(dims[i], dims[1 - i])) for i in range(2)])
        self.fusion = nn.ModuleList([CrossAttentionBlock(dims[1 - i], heads[1 - i]) for i in range(2)])
        self.revert_projs = nn.ModuleList(
            [nn.Sequential(nn.LayerNorm(dims[1 - i], eps=1e-6), nn.GELU(), nn.Linear(dims[1 - i], dims[i])) for i in range(2)]
        )

    def forward(self, xs):
        outs_b = [blk(x) for blk, x in zip(self.blocks, xs)]
        outs = []
        for i in range(2):
            j = 1 - i
            z = torch.cat([self.projs[i](outs_b[i][:, :1]), outs_b[j][:, 1:]], dim=1)
            c = self.fusion[i](z)
            outs.append(torch.cat([self.revert_projs[i](c), outs_b[i][:, 1:]], dim=1))
        return outs


class CrossViT(nn.Module):
    def __init__(self, img_sizes=(240, 224), patches=(12, 16), dims=(128, 256), depth=((1, 3, 0),) * 3, heads=(4, 4), mlp_ratios=(3, 3), num_classes=1000):
        super().__init__()
        self.img_sizes = img_sizes
        self.patch_embed = nn.ModuleList([PatchEmbed(img_sizes[i], patches[i], 3, dims[i]) for i in range(2)])
        self.cls_token = nn.ParameterList([nn.Parameter(torch.zeros(1, 1, dims[i])) for i in range(2)])
        self.pos_embed = nn.ParameterList([nn.Parameter(torch.zeros(1, 1 + self.patch_embed[i].num_patches, dims[i])) for i in range(2)])
        for p in list(self.cls_token) + list(self.pos_embed):
            nn.init.trunc_normal_(p, std=0.02)
        self.blocks = nn.ModuleList([MultiScaleBlock(dims, d, heads, mlp_ratios) for d in depth])
        self.norm = nn.ModuleList([nn.LayerNorm(dims[i], eps=1e-6) for i in range(2)])
        self.head = nn.ModuleList([nn.Linear(dims[i], num_classes) for i in range(2)])
        self.apply(_init_linear)

    def forward(self, x):
        xs = []
        for i in range(2):
            xi = F.interpolate(x, size=(self.img_sizes[i], self.img_sizes[i]), mode='bicubic', align_corners=False) if x.shape[2] != self.img_sizes[i] else x
            t = self.patch_embed[i](xi)
            xs.append(torch.cat([self.cls_token[i].expand(t.shape[0], -1, -1), t], dim=1) + self.pos_embed[i])
        for blk in self.blocks:
            xs = blk(xs)
        logits = [self.head[i](self.norm[i](xs[i])[:, 0]) for i in range(2)]
        return torch.stack(logits, 0).mean(0)


# ---------------------------------------------------------------------------------------------------------------
# VT-ResNet (vitkit backbone `vt-resnet`, Wu et al. 2020): torchvision-style ResNet stem and stages 1-3, then VT
# modules on the stride-16 map: tokenizer (filter, then recurrent) -> VT transformer -> projector (none in the last
# module); head = fc on the mean token. Bias-free point-wise projections, no norms inside the VT modules.


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class VtTokenizer(nn.Module):
    """Filter (first module) or recurrent tokenizer: T = softmax_HW(X W)^T X, then value C -> CT."""

    def __init__(self, c, ct, num_tokens, recurrent):
        super().__init__()
        self.recurrent = recurrent
        if recurrent:
            self.t2r = nn.Linear(ct, c, bias=False)
        else:
            self.attn = nn.Linear(c, num_tokens, bias=False)
        self.value = nn.Linear(c, ct, bias=False) if ct != c else None

    def forward(self, x3, t_in=None):  # x3: [B, HW, C]
        if self.recurrent:
            a_t = torch.softmax(self.t2r(t_in) @ x3.transpose(1, 2), dim=-1)  # [B, L, HW]
        else:
            a_t = torch.softmax(self.attn(x3).transpose(1, 2), dim=-1)
        t = a_t @ x3
        return self.value(t) if self.value is not None else t


class VtTransformer(nn.Module):
    def __init__(self, ct, attn_dim, ffn_dim):
        super().__init__()
        self.key = nn.Linear(ct, attn_dim, bias=False)
        self.query = nn.Linear(ct, attn_dim, bias=False)
        self.f1 = nn.Linear(ct, ffn_dim, bias=False)
        self.f2 = nn.Linear(ffn_dim, ct, bias=False)
        self.scale = attn_dim ** -0.5

    def forward(self, t):
        attn = torch.softmax((self.key(t) @ self.query(t).transpose(1, 2)) * self.scale, dim=-1)
        t1 = t + attn @ t
        return t1 + self.f2(F.relu(self.f1(t1)))


class VtProjector(nn.Module):
    def __init__(self, c, ct):
        super().__init__()
        self.query = nn.Linear(c, c, bias=False)
        self.key = nn.Linear(ct, c, bias=False)
        self.value = nn.Linear(ct, c, bias=False) if ct != c else None
        self.scale = c ** -0.5

    def forward(self, x3, t):
        attn = torch.softmax((self.query(x3) @ self.key(t).transpose(1, 2)) * self.scale, dim=-1)  # [B, HW, L]
        v = self.value(t) if self.value is not None else t
        return x3 + attn @ v


class VtModule(nn.Module):
    def __init__(self, c, ct, num_tokens, recurrent, projector):
        super().__init__()
        self.tokenizer = VtTokenizer(c, ct, num_tokens, recurrent)
        self.transformer = VtTransformer(ct, ct // 2, ct)
        self.projector = VtProjector(c, ct) if projector else None

    def forward(self, x3, t_in=None):
        t = self.transformer(self.tokenizer(x3, t_in))
        return (self.projector(x3, t) if self.projector is not None else x3), t


class VtResNet(nn.Module):
    def __init__(self, layers=(2, 2, 2), widths=(64, 128, 256), vt_modules=2, ct=1024, num_tokens=16, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        inplanes = widths[0]
        stages = []
        for i in range(3):
            blocks = []
            for j in range(layers[i]):
                blocks.append(BasicBlock(inplanes, widths[i], (1 if i == 0 else 2) if j == 0 else 1))
                inplanes = widths[i]
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.vt = nn.ModuleList([VtModule(inplanes, ct, num_tokens, i > 0, i < vt_modules - 1) for i in range(vt_modules)])
        self.fc = nn.Linear(ct, num_classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer3(self.layer2(self.layer1(x)))
        b, c, h, w = x.shape
        x3 = x.flatten(2).transpose(1, 2)  # [B, HW, C]
        t = None
        for m in self.vt:
            x3, t = m(x3, t)
        return self.fc(t.mean(dim=1))


# ---------------------------------------------------------------------------------------------------------------

T2T_224 = ((7, 4, 2), (3, 2, 1), (3, 2, 1))
T2T_32 = ((7, 2, 3), (3, 2, 1), (3, 1, 1))

# name -> (builder, input image size)
MODELS = {
    'vit_s_bench_32': (lambda: ViT(32, 4, 3, 10, 192, 4, 4, 3.0), 32),
    't2t_vit_7': (lambda: T2TViT(224, 1000, 256, 7, 4, 2.0, T2T_224), 224),
    't2t_vit_7_small': (lambda: T2TViT(32, 10, 256, 7, 4, 2.0, T2T_32), 32),
    'crossvit_9_240': (lambda: CrossViT(), 240),
    'vt_resnet18': (lambda: VtResNet(), 224),
}


def _spec_vit(spec_file):
    """The model of a bench spec file when it is a plain ViT (patch tokenizer, class-token pooling, vitkit's defaults:
    qkv bias, LayerNorm eps 1e-6, 3 channels), else None."""
    with open(spec_file) as f:
        m = json.load(f)['model']
    tok = m.get('tokenizer', {})
    plain = m.get('type') == 'vit' and isinstance(tok, dict) and tok.get('type') == 'patch' and m.get('globalPool', 'token') == 'token'
    if not plain or not isinstance(m.get('imgSize'), int):
        return None
    args = (m['imgSize'], tok['patchSize'], m.get('inChans', 3), m['numClasses'], m['embedDim'], m['depth'], m['numHeads'], float(m['mlpRatio']))
    return (lambda: ViT(*args), m['imgSize'])


# The bench's spec files (e.g. the M config, tools/bench/specs/vit_m_bench_224.json), named by the path bench.js passes.
_SPECS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'specs')
for _name in sorted(os.listdir(_SPECS)):
    if _name.endswith('.json'):
        _entry = _spec_vit(os.path.join(_SPECS, _name))
        if _entry:
            MODELS[f'tools/bench/specs/{_name}'] = _entry
