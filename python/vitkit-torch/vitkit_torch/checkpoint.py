"""vitkit's checkpoint format (packages/trainer/src/checkpoint.ts): one safetensors file with `model.<name>` (PyTorch
layout), `optimizer.<slot>.<name>` and `ema.<name>` (vitkit's tfjs layout: Linear [in, out], Conv2d HWIO), and the
run state as JSON in the `vitkit` metadata entry. Written atomically (temporary file, fsync, rename)."""
import json
import os
import tempfile
from typing import Any, Dict, Mapping, Optional, Tuple

import torch
from safetensors.torch import load_file, safe_open, save

FORMAT = "vitkit-checkpoint"
VERSION = 1


def layouts(model: torch.nn.Module) -> Dict[str, str]:
    """Parameter name -> vitkit layout (`linear`, `conv2d`), for tensors vitkit stores transposed."""
    out = {}
    for name, m in model.named_modules():
        prefix = f"{name}." if name else ""
        if isinstance(m, torch.nn.Linear):
            out[prefix + "weight"] = "linear"
        elif isinstance(m, torch.nn.Conv2d):
            out[prefix + "weight"] = "conv2d"
    return out


def to_vitkit_layout(t: torch.Tensor, layout: Optional[str]) -> torch.Tensor:
    if layout == "linear":
        return t.t().contiguous()
    if layout == "conv2d":
        return t.permute(2, 3, 1, 0).contiguous()
    return t.contiguous()


def from_vitkit_layout(t: torch.Tensor, layout: Optional[str]) -> torch.Tensor:
    if layout == "linear":
        return t.t().contiguous()
    if layout == "conv2d":
        return t.permute(3, 2, 0, 1).contiguous()
    return t


def write_atomic(path: str, data: bytes) -> None:
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_tensors(path: str, tensors: Mapping[str, torch.Tensor], metadata: Mapping[str, str]) -> None:
    data = save({k: v.detach().to("cpu", torch.float32).contiguous() for k, v in tensors.items()}, metadata={"format": "pt", **metadata})
    write_atomic(path, data)


def save_checkpoint(path: str, meta: Mapping[str, Any], model: Mapping[str, torch.Tensor], optimizer: Mapping[str, torch.Tensor],
                    ema: Optional[Mapping[str, torch.Tensor]], metadata: Mapping[str, str]) -> None:
    tensors = {f"model.{k}": v for k, v in model.items()}
    tensors.update({f"optimizer.{k}": v for k, v in optimizer.items()})
    if ema is not None:
        tensors.update({f"ema.{k}": v for k, v in ema.items()})
    save_tensors(path, tensors, {**metadata, "vitkit": json.dumps(meta)})


def read_metadata(path: str) -> Dict[str, str]:
    with safe_open(path, framework="pt") as f:
        return f.metadata() or {}


def load_checkpoint(path: str) -> Tuple[Dict[str, Any], Dict[str, torch.Tensor], Dict[str, torch.Tensor], Optional[Dict[str, torch.Tensor]]]:
    md = read_metadata(path)
    try:
        meta = json.loads(md.get("vitkit", "null"))
    except json.JSONDecodeError:
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not a vitkit training checkpoint (no \"vitkit\" metadata)")
    if meta.get("version", 0) > VERSION:
        raise ValueError(f"{path}: checkpoint version {meta['version']} is newer than this trainer ({VERSION})")
    tensors = load_file(path)
    model = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
    opt = {k[10:]: v for k, v in tensors.items() if k.startswith("optimizer.")}
    ema = {k[4:]: v for k, v in tensors.items() if k.startswith("ema.")} or None
    return meta, model, opt, ema


def read_weights(path: str) -> Dict[str, torch.Tensor]:
    """Model weights from a plain state dict or a checkpoint's `model.*` entries."""
    md = read_metadata(path)
    tensors = load_file(path)
    if "vitkit" in md:
        return {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
    return tensors
