"""Training: resume after an interruption and after a kill gives the uninterrupted run; checkpoints are atomic."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import torch
from safetensors.torch import load_file

from vitkit_torch.train import main

SPEC = {
    "seed": 3,
    "model": {"type": "vit", "imgSize": 28, "inChans": 1, "numClasses": 10, "embedDim": 16, "depth": 1, "numHeads": 2, "mlpRatio": 2, "tokenizer": {"type": "patch", "patchSize": 7}},
    "data": {"train": {"type": "mnist", "split": "train", "limit": 48}, "test": {"type": "mnist", "split": "test", "limit": 16},
             "transforms": [{"type": "random-crop", "size": 28, "padding": 2}], "batchSize": 8, "evalBatchSize": 16},
    "train": {"epochs": 2, "optimizer": {"type": "adamw", "lr": 0.003}, "schedule": {"type": "cosine", "warmupSteps": 2}, "clipGradNorm": 1,
              "ema": {"decay": 0.9}, "logEvery": 2, "checkpointEvery": 1},
}


def write_spec(tmp_path, spec=SPEC):
    f = tmp_path / "s.json"
    f.write_text(json.dumps(spec))
    return str(f)


def lines(out):
    with open(os.path.join(out, "metrics.jsonl")) as f:
        return [json.loads(l) for l in f if l.strip()]


def same_weights(a, b):
    wa, wb = load_file(os.path.join(a, "model.safetensors")), load_file(os.path.join(b, "model.safetensors"))
    assert wa.keys() == wb.keys()
    return max((wa[k] - wb[k]).abs().max().item() for k in wa)


def test_stop_and_resume_equals_one_run(tmp_path):
    spec = write_spec(tmp_path)
    full, part = str(tmp_path / "full"), str(tmp_path / "part")
    assert main(["--spec", spec, "--out-dir", full]) == 0
    assert main(["--spec", spec, "--out-dir", part, "--stop-after-step", "4"]) == 0  # mid epoch 1 (6 steps per epoch)
    assert not os.path.exists(os.path.join(part, "model.safetensors"))
    assert main(["--spec", spec, "--out-dir", part, "--resume"]) == 0
    assert same_weights(full, part) == 0.0
    strip = lambda rs: [{k: v for k, v in r.items() if k not in ("imagesPerSecond", "elapsed")} for r in rs]  # noqa: E731
    assert strip(lines(full)) == strip(lines(part))


def test_resume_after_kill(tmp_path):
    """SIGKILL while training: the last checkpoint is intact and the resumed run ends where an uninterrupted one does."""
    spec = dict(SPEC)
    spec["train"] = {**SPEC["train"], "epochs": 12}
    f = write_spec(tmp_path, spec)
    full, killed = str(tmp_path / "full"), str(tmp_path / "killed")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    p = subprocess.Popen([sys.executable, "-m", "vitkit_torch.train", "--spec", f, "--out-dir", killed], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ck = os.path.join(killed, "checkpoint.safetensors")
    deadline = time.time() + 120
    while time.time() < deadline and not (os.path.exists(ck) and os.path.getsize(ck) > 0 and len(lines(killed)) >= 3):
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert os.path.exists(ck), "no checkpoint before the kill"
    load_file(ck)  # whole: saves go to a temporary file renamed into place
    assert main(["--spec", f, "--out-dir", killed, "--resume"]) == 0
    assert main(["--spec", f, "--out-dir", full]) == 0
    assert same_weights(full, killed) == 0.0


def test_spec_errors_exit_1_with_the_path(tmp_path, capsys):
    bad = json.loads(json.dumps(SPEC))
    bad["train"]["optimizer"] = {"type": "lamb"}
    assert main(["--spec", write_spec(tmp_path, bad), "--out-dir", str(tmp_path / "o")]) == 1
    assert "train.optimizer.type: optimizer \"lamb\" is not supported by vitkit-torch" in capsys.readouterr().err


def test_two_processes_match_one_on_uneven_batches(tmp_path):
    """Batch 7 over 2 gloo processes (4 + 3 rows, gradients weighted by rows): the one-process run's weights."""
    spec = json.loads(json.dumps(SPEC))
    spec["data"].update({"batchSize": 7, "dropLast": False, "batchTransforms": [{"type": "mixup"}]})
    spec["train"].update({"epochs": 1, "checkpointEvery": None})
    spec["model"] = {"type": "resnet", "layers": [1, 1, 1, 1], "widths": [4, 4, 8, 8], "imgSize": 28, "inChans": 1, "numClasses": 10}
    f = write_spec(tmp_path, spec)
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    assert main(["--spec", f, "--out-dir", one]) == 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "OMP_NUM_THREADS": "1"}
    # A free port, not --standalone's fixed 29400: other torchrun jobs may run on this machine at the same time.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    rendezvous = ["--nnodes", "1", "--rdzv_backend", "c10d", "--rdzv_endpoint", f"localhost:{port}", "--rdzv_id", f"test-{port}"]
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", *rendezvous, "--redirects", "1", "--tee", "1",
           "-m", "vitkit_torch.train", "--spec", f, "--out-dir", two]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    a, b = lines(one), lines(two)
    assert [r["step"] for r in a] == [r["step"] for r in b] == [2, 4, 6, 7, 7]  # 48 images: 7 batches, the last of 6; eval
    assert all(abs(x["loss"] - y["loss"]) <= 1e-3 * abs(x["loss"]) for x, y in zip(a, b))
    assert same_weights(one, two) <= 1e-5
