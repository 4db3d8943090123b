"""Logits of a spec's model for given weights and inputs (NCHW), as safetensors: the twin's side of a forward check.

    python -m vitkit_torch.forward --spec s.json --weights w.safetensors --input x.safetensors --output y.safetensors

The spec may be a training spec (its `model` is used) or a model spec; `--input` holds `__input__` (NCHW float32);
`--output` receives `__logits__` in vitkit's layout: `[B, numClasses]`, or NHWC `[B, H, W, numClasses]` for a
segmentation model's per-pixel logits. Each option may be repeated to run several checks in one process."""
import argparse
import json
import sys
from typing import List, Optional

import torch
from safetensors.torch import load_file

from .checkpoint import read_weights, save_tensors
from .errors import SpecError
from .models import build_model
from .state_dict import load_state_dict


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vitkit_torch.forward", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("spec", "weights", "input", "output"):
        ap.add_argument(f"--{name}", required=True, action="append")
    a = ap.parse_args(argv)
    if not (len(a.spec) == len(a.weights) == len(a.input) == len(a.output)):
        ap.error("give --spec, --weights, --input and --output the same number of times")
    try:
        for spec_file, weights, inp, out in zip(a.spec, a.weights, a.input, a.output):
            with open(spec_file) as f:
                spec = json.load(f)
            model = build_model(spec["model"] if "train" in spec else spec).eval()
            load_state_dict(model, read_weights(weights), source=weights)
            with torch.no_grad():
                logits = model(load_file(inp)["__input__"])
            if logits.ndim == 4:  # per-pixel logits: NCHW here, NHWC in vitkit
                logits = logits.permute(0, 2, 3, 1)
            save_tensors(out, {"__logits__": logits}, {})
    except (SpecError, ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
