"""Times one PyTorch model (training step and inference) and prints one JSON line. Run by tools/bench/bench.js.

usage: python3 bench_torch.py --model vit_s_bench_32 --batch 32 --steps 5 --warmup 2 --threads 2
A training step is forward + softmax cross-entropy + backward + torch.optim.AdamW (lr 1e-3, weight decay 0.05), on
random NCHW images and labels (the same work as the vitkit step).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument('--model', required=True)
parser.add_argument('--batch', type=int, required=True)
parser.add_argument('--steps', type=int, default=5)
parser.add_argument('--warmup', type=int, default=2)
parser.add_argument('--threads', type=int, default=1)
parser.add_argument('--list', action='store_true')
args = parser.parse_args()

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import MODELS  # noqa: E402


def blas_info():
    """The BLAS library torch really loaded (Debian's torch is built with BLAS_INFO=generic and links libblas.so.3)."""
    try:
        with open('/proc/self/maps') as f:
            libs = sorted({line.split()[-1] for line in f if 'blas' in line.split()[-1].lower()})
        return ', '.join(os.path.realpath(x) for x in libs) or 'none found'
    except OSError:
        return 'unknown'


def main():
    if args.list:
        print(json.dumps(sorted(MODELS)))
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.model not in MODELS:
        print(json.dumps({'model': args.model, 'error': f'no PyTorch version of "{args.model}" in tools/bench/torch/models.py'}))
        return
    build, size = MODELS[args.model]
    model = build()
    n_params = sum(p.numel() for p in model.parameters())
    num_classes = None
    x = torch.rand(args.batch, 3, size, size)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.05)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def train_step():
        nonlocal num_classes
        logits = model(x)
        num_classes = logits.shape[1]
        loss = torch.nn.functional.cross_entropy(logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    model.train()
    with torch.no_grad():
        num_classes = model(x[:1]).shape[1]
    y = torch.randint(0, num_classes, (args.batch,))
    train_ms = []
    for i in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        train_step()
        if i >= args.warmup:
            train_ms.append((time.perf_counter() - t0) * 1e3)
    rss_train = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    model.eval()
    infer_ms = []
    with torch.no_grad():
        for i in range(args.warmup + args.steps):
            t0 = time.perf_counter()
            model(x).sum().item()
            if i >= args.warmup:
                infer_ms.append((time.perf_counter() - t0) * 1e3)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    rss_peak = ru.ru_maxrss
    train_med = statistics.median(train_ms)
    infer_med = statistics.median(infer_ms)
    print(json.dumps({
        'model': args.model,
        'engine': 'pytorch',
        'torch': torch.__version__,
        'blas': blas_info(),
        'threads': torch.get_num_threads(),
        'batch': args.batch,
        'imageSize': size,
        'params': n_params,
        'steps': args.steps,
        'warmup': args.warmup,
        'trainMs': train_med,
        'trainMsAll': train_ms,
        'trainImgPerSec': args.batch / (train_med / 1e3),
        'inferMs': infer_med,
        'inferMsAll': infer_ms,
        'inferImgPerSec': args.batch / (infer_med / 1e3),
        'rssBeforeMB': rss0 / 1024,
        'peakRssTrainMB': rss_train / 1024,
        'peakRssMB': rss_peak / 1024,
        'cpuSeconds': ru.ru_utime + ru.ru_stime,
    }))


main()
