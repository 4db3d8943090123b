"""Times one torch.optim.AdamW step over ViT-S/16's parameters (the shapes of tools/bench/optimizer-step.js) and prints
one JSON line per implementation: PyTorch's default CPU path, foreach=True (multi-tensor ops), and fused=True where
this torch version has it (2.4 and later).

usage: python3 tools/bench/torch/adamw_step.py --threads 1 --steps 10 --warmup 2
"""
import argparse
import json
import statistics
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument('--threads', type=int, default=1)
parser.add_argument('--steps', type=int, default=10)
parser.add_argument('--warmup', type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)


def vit_small_shapes():
    d = 384
    shapes = [(16 * 16 * 3, d), (d,), (1, 1, d), (1, 197, d)]
    for _ in range(12):
        shapes += [(d,), (d,), (d, 3 * d), (3 * d,), (d, d), (d,), (d,), (d,), (d, 4 * d), (4 * d,), (4 * d, d), (d,)]
    return shapes + [(d,), (d,), (d, 1000), (1000,)]


def time_step(**impl):
    params = [torch.nn.Parameter(torch.randn(s) * 0.02) for s in vit_small_shapes()]
    for p in params:
        p.grad = torch.randn(p.shape) * 1e-3
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.05, **impl)
    ms = []
    for i in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        opt.step()
        if i >= args.warmup:
            ms.append((time.perf_counter() - t0) * 1000)
    return {'bench': 'adamw-step', 'engine': 'pytorch', 'impl': ','.join(f'{k}={v}' for k, v in impl.items()) or 'default',
            'threads': args.threads, 'params': sum(p.numel() for p in params), 'stepMsMedian': round(statistics.median(ms), 2),
            'stepMsMin': round(min(ms), 2), 'stepMsMax': round(max(ms), 2), 'torch': torch.__version__}


print(json.dumps(time_step()))
print(json.dumps(time_step(foreach=True)))
try:
    print(json.dumps(time_step(fused=True)))
except (RuntimeError, TypeError, ValueError) as e:  # fused CPU AdamW arrived in torch 2.4
    print(json.dumps({'bench': 'adamw-step', 'engine': 'pytorch', 'impl': 'fused=True', 'status': 'unsupported', 'message': str(e).splitlines()[0]}))
