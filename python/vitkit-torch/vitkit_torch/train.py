"""Trains a vitkit spec with PyTorch DistributedDataParallel.

    torchrun --nproc-per-node N [--nnodes M --rdzv-endpoint HOST:PORT --rdzv-id RUN] -m vitkit_torch.train --spec s.json

Same semantics as `vitkit train` (classification, and segmentation for `"task": "segmentation"`): data order and augmentation, optimizer, schedule, loss, clipping, EMA, evaluation
every `evalEvery` epochs, `metrics.jsonl` lines, `checkpoint.safetensors` (atomic; `--resume` continues after a
kill), `model.safetensors` / `model-ema.safetensors` / `eval.json` at the end — all readable by vitkit."""
import argparse
import json
import math
import os
import sys
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from .checkpoint import FORMAT, VERSION, from_vitkit_layout, layouts, load_checkpoint, read_weights, save_checkpoint, save_tensors, to_vitkit_layout
from .data import Loader, build_data
from .segmentation import EXTRA_TOP, ConfusionMatrix, check_report, ema_fields, pixel_cross_entropy_sum, pixel_loss_options
from .segmentation_data import IGNORE_INDEX, build_segmentation_data
from .errors import SpecError
from .models import build_model
from .distillation import build_teacher, distillation_loss, distillation_options
from .divergence import DivergenceGuard, divergence_options
from .optim import WeightEma, build_loss, build_optimizer, build_schedule, clip_grad_norm, global_grad_norm
from .options import REQUIRED, resolve
from .state_dict import load_state_dict, state_dict
from .sync_batch_norm import convert_global_batch_norm

TOP = {"$schema": None, "description": None, "plugins": [], "seed": 0, "backend": "auto", "task": "classification", "model": REQUIRED, "data": REQUIRED, "train": REQUIRED}
TRAIN = {
    "epochs": REQUIRED, "optimizer": {"type": "adamw"}, "schedule": {"type": "cosine"}, "loss": {"type": "cross-entropy"},
    "clipGradNorm": None, "ema": None, "distillation": None, "checkpointEvery": None, "evalEvery": 1, "logEvery": 20,
    "outDir": None, "workers": 1, "divergence": None,
}


class Dist:
    """Rank, world size and device; one process without torchrun. One per process (`Dist.get()`)."""

    _instance: Optional["Dist"] = None

    @classmethod
    def get(cls) -> "Dist":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def __init__(self) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available() and os.environ.get("VITKIT_TORCH_DEVICE", "") != "cpu"
        self.device = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        if self.world > 1:
            dist.init_process_group("nccl" if cuda else "gloo")

    def sum(self, values: List[float]) -> List[float]:
        if self.world == 1:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()


def shard(rows: int, rank: int, world: int, what: str) -> Tuple[int, int]:
    """Rows [lo, hi) of a batch for this rank: contiguous, as even as possible, none empty."""
    if rows < world:
        raise SpecError(what, f"a batch of {rows} rows cannot feed {world} processes; use a batch size of at least {world} (best a multiple of {world})")
    return rank * rows // world, (rank + 1) * rows // world


class TorchTrainer:
    def __init__(self, spec_file: str, out_dir: Optional[str], resume: Optional[str], init_weights: Optional[str], stop_after: Optional[int], log=print, base_dir: Optional[str] = None):
        with open(spec_file) as f:
            self.raw = json.load(f)
        self.spec_dir = os.path.abspath(base_dir) if base_dir else os.path.dirname(os.path.abspath(spec_file))
        self.name = os.path.splitext(os.path.basename(spec_file))[0]
        # The task picks the schema (vitkit: "segmentation", else classification), so it is checked first.
        task = self.raw.get("task", "classification") if isinstance(self.raw, dict) else None
        if task not in ("classification", "segmentation"):
            raise SpecError("task", f"{task!r} is not valid; expected one of classification, segmentation")
        self.segmentation = task == "segmentation"
        s = resolve(self.raw, {**TOP, **EXTRA_TOP} if self.segmentation else TOP, "")
        # Distillation is classification's (a teacher classifier); the segmentation spec has no such key.
        t = resolve(s["train"], {k: v for k, v in TRAIN.items() if k != "distillation"} if self.segmentation else TRAIN, "train")
        if self.segmentation:
            check_report(s["report"])
            if t["workers"] > 1:
                raise SpecError("train.workers", f"segmentation trains on one replica (the data-parallel workers exchange per-image labels); set train.workers to 1 (got {t['workers']})")
            t["distillation"] = None
        # `plugins` lists vitkit (npm) modules; their components' Python counterparts come from the twin's registry
        # (vitkit_torch.plugins), and a component without one stops the build naming it.
        self.distill_opts = distillation_options(t["distillation"]) if t["distillation"] else None
        self.divergence_opts = divergence_options(t["divergence"])
        self.spec, self.t = s, t
        self.ema_opts = resolve(t["ema"], {"decay": 0.9998, "evaluate": True}, "train.ema") if t["ema"] else None
        self.d = Dist.get()
        self.log = log if self.d.rank == 0 else (lambda *_: None)
        self.stop_after = stop_after
        torch.manual_seed(s["seed"])
        self.model = build_model(s["model"], "model").to(self.d.device)
        if self.segmentation != (getattr(self.model, "vitkit_type", None) == "segmentation"):
            kind = "a segmentation model (\"type\": \"segmentation\")" if self.segmentation else "a classifier"
            raise SpecError("model", f"a {s['task']} spec needs {kind}")
        if init_weights:
            load_state_dict(self.model, {k: v for k, v in read_weights(init_weights).items()}, source=init_weights)
        self.data: Any = build_segmentation_data(s["data"], s["seed"], self.spec_dir) if self.segmentation else build_data(s["data"], s["seed"], self.spec_dir)
        head_classes = self._num_classes()
        if head_classes is not None and head_classes != self.data.num_classes:
            raise SpecError("model.numClasses", f"is {head_classes} but the dataset has {self.data.num_classes} classes; set \"numClasses\": {self.data.num_classes}")
        # ln(numClasses), a uniform guess's loss: below it a loss is never called an explosion (as vitkit).
        self.guard = DivergenceGuard(self.divergence_opts, math.log(self.data.num_classes))
        self.steps_per_epoch = self.data.train.batches_per_epoch
        self.total_steps = max(1, round(t["epochs"] * self.steps_per_epoch))
        self.opt_type, base_lr, self.optimizer, self.param_names = build_optimizer(t["optimizer"], self.model)
        self.lr = build_schedule(t["schedule"], base_lr, self.total_steps, self.steps_per_epoch)
        if self.segmentation:
            if "loss" not in s["train"]:
                t["loss"] = {"type": "pixel-cross-entropy"}  # the segmentation task's default loss
            self.ignore_index = pixel_loss_options(t["loss"])
        else:
            self.loss_fn = build_loss(t["loss"])
        self.teacher = build_teacher(self.distill_opts, self.spec_dir, self.d.device) if self.distill_opts else None
        self.distill = distillation_loss(self.loss_fn, self.distill_opts) if self.distill_opts else None
        self.ema = WeightEma(self.model, self.ema_opts["decay"]) if self.ema_opts else None
        self.layout = layouts(self.model)
        self.out_dir = os.path.abspath(out_dir or t["outDir"] or os.path.join("runs", self.name))
        self.ckpt = os.path.join(self.out_dir, "checkpoint.safetensors")
        self.metrics = os.path.join(self.out_dir, "metrics.jsonl")
        self.step, self.position, self.elapsed_before = 0, {"epoch": 0, "batch": 0}, 0.0
        self.window = {"loss": 0.0, "correct": 0.0, "count": 0.0, "steps": 0}
        self.start = time.time()
        if self.d.rank == 0:
            os.makedirs(self.out_dir, exist_ok=True)
        self.d.barrier()
        if resume:
            self._restore(self.ckpt if resume == "auto" else os.path.abspath(resume))
        elif self.d.rank == 0:
            open(self.metrics, "w").close()
        if self.d.world > 1:
            # BatchNorm statistics over the global batch, so N processes train exactly like one.
            convert_global_batch_norm(self.model)
            self.ddp = DistributedDataParallel(self.model, device_ids=[self.d.device] if self.d.device.type == "cuda" else None)
        else:
            self.ddp = self.model
        self.model.train()

    def _num_classes(self) -> Optional[int]:
        if self.segmentation:
            return self.model.num_classes
        for name in ("head", "fc"):
            m = getattr(self.model, name, None)
            if isinstance(m, torch.nn.Linear):
                return m.out_features
            if isinstance(m, torch.nn.ModuleList) and isinstance(m[0], torch.nn.Linear):
                return m[0].out_features
        return None

    # ---- checkpoints ---------------------------------------------------------------------------------------------
    def _optimizer_state(self) -> Dict[str, torch.Tensor]:
        out = {}
        for p, name in self.param_names.items():
            st = self.optimizer.state.get(p, {})
            for slot in ("exp_avg", "exp_avg_sq", "momentum_buffer"):
                if slot in st and st[slot] is not None:
                    out[f"{slot}.{name}"] = to_vitkit_layout(st[slot].detach().cpu(), self.layout.get(name))
        return out

    def _ema_state(self) -> Optional[Dict[str, torch.Tensor]]:
        if not self.ema:
            return None
        return {n: to_vitkit_layout(v.cpu(), self.layout.get(n)) for n, v in self.ema.shadow.items()}

    def inference_metadata(self) -> Dict[str, str]:
        return {"vitkit.classNames": json.dumps(self.data.class_names), "vitkit.normalize": json.dumps(self.data.normalize), "vitkit.imageShape": json.dumps(list(self.data.shape))}

    def save_checkpoint(self, extra: Optional[Dict[str, Any]] = None) -> None:
        if self.d.rank != 0:
            return
        meta = {
            "format": FORMAT, "version": VERSION, "step": self.step, "position": dict(self.position), "rng": self.spec["seed"],
            "seed": self.spec["seed"], "spec": self.raw, "optimizer": {"type": self.opt_type, "scalars": {"step": self.step}},
            "elapsed": self.elapsed(), "window": dict(self.window), "engine": "torch", "world": self.d.world,
        }
        if extra:
            meta["extra"] = extra
        save_checkpoint(self.ckpt, meta, state_dict(self.model), self._optimizer_state(), self._ema_state(), self.inference_metadata())

    def _restore(self, path: str) -> None:
        if not os.path.exists(path):
            raise FileNotFoundError(f"--resume: no checkpoint at {path}")
        meta, model, opt, ema = load_checkpoint(path)
        if meta["spec"] != self.raw:
            self.log(f"warning: the spec differs from the one stored in {path}; resuming with the current spec")
        load_state_dict(self.model, model, source=path)
        if meta["optimizer"]["type"] != self.opt_type:
            raise ValueError(f"{path} holds {meta['optimizer']['type']} optimizer state but the spec asks for {self.opt_type}")
        steps = meta["optimizer"]["scalars"].get("step", 0)
        by_name = {n: p for p, n in self.param_names.items()}
        for key, t in opt.items():
            slot, name = key.split(".", 1)
            if name not in by_name:
                raise ValueError(f"optimizer state: \"{key}\" names a parameter the model does not have")
            p = by_name[name]
            st = self.optimizer.state[p]
            st[slot] = from_vitkit_layout(t, self.layout.get(name)).to(p.device)
            if self.opt_type == "adamw":
                st["step"] = torch.tensor(float(steps))
        if self.ema:
            if ema is None:
                raise ValueError(f"{path} has no EMA weights but the spec enables train.ema")
            for n in self.ema.shadow:
                self.ema.shadow[n].copy_(from_vitkit_layout(ema[n], self.layout.get(n)))
        self.step, self.position, self.elapsed_before = meta["step"], dict(meta["position"]), meta["elapsed"]
        if meta.get("window"):
            self.window = dict(meta["window"])
        if self.d.rank == 0 and os.path.exists(self.metrics):
            with open(self.metrics) as f:
                lines = [l for l in f if l.strip() and json.loads(l)["step"] <= self.step]
            with open(self.metrics, "w") as f:
                f.writelines(lines)
        self.log(f"resumed from {path} at step {self.step}/{self.total_steps} (epoch {self.position['epoch'] + 1}, batch {self.position['batch']})")

    def elapsed(self) -> float:
        return self.elapsed_before + time.time() - self.start

    def append_metric(self, record: Mapping[str, Any]) -> None:
        if self.d.rank == 0:
            with open(self.metrics, "a") as f:
                f.write(json.dumps(record) + "\n")

    # ---- steps ---------------------------------------------------------------------------------------------------
    def to_tensor(self, x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().to(self.d.device)

    def train_step(self, epoch: int, index: int) -> Tuple[float, float, float]:
        start, end = self.data.train.batch_rows(index)
        lo, hi = shard(end - start, self.d.rank, self.d.world, "data.batchSize")
        x, y, labels = self.data.train.batch(epoch, index, (lo, hi))
        for g in self.optimizer.param_groups:
            g["lr"] = self.lr(self.step)
        if self.segmentation:
            return self.segmentation_step(x, labels)
        xt, yt = self.to_tensor(x), torch.from_numpy(y).to(self.d.device)
        logits = self.ddp(xt)
        if self.teacher is not None:
            with torch.no_grad():
                teacher_logits = self.teacher(xt)
            loss = self.distill(logits, yt, teacher_logits)
        else:
            loss = self.loss_fn(logits, yt)
        self.optimizer.zero_grad(set_to_none=True)
        rows = end - start
        if (hi - lo) * self.d.world != rows:
            # DDP averages the ranks' gradients; weighting each by its share of rows gives the full batch's mean.
            (loss * ((hi - lo) * self.d.world / rows)).backward()
        else:
            loss.backward()
        correct = (logits.argmax(dim=-1).cpu().numpy() == labels).sum()
        loss_sum, correct_sum, count = self.d.sum([loss.item() * len(labels), float(correct), float(len(labels))])
        return self.apply_update(loss_sum / count, correct_sum, count)

    def segmentation_step(self, x: np.ndarray, labels: np.ndarray) -> Tuple[float, float, float]:
        """Per-pixel cross-entropy, mean over the labelled pixels of the whole (global) batch; accuracy over the
        pixels not labelled 255, as vitkit."""
        lab = torch.from_numpy(labels).to(self.d.device)
        logits = self.ddp(self.to_tensor(x))
        loss_sum = pixel_cross_entropy_sum(logits, lab, self.ignore_index)
        labelled = float((lab != self.ignore_index).sum().item())
        counted = labels != IGNORE_INDEX
        correct = float(((logits.argmax(dim=1).reshape(-1).cpu().numpy() == labels) & counted).sum())
        total_loss, total_labelled, correct_sum, count = self.d.sum([loss_sum.item(), labelled, correct, float(counted.sum())])
        self.optimizer.zero_grad(set_to_none=True)
        # DDP averages the ranks' gradients: each rank's share of the global sum, times the world, gives the global mean's.
        (loss_sum * (self.d.world / max(total_labelled, 1.0))).backward()
        return self.apply_update(total_loss / max(total_labelled, 1.0), correct_sum, count)

    def apply_update(self, mean_loss: float, correct_sum: float, count: float) -> Tuple[float, float, float]:
        if not math.isfinite(mean_loss):
            raise FloatingPointError(f"loss is {mean_loss} at step {self.step + 1}; training stopped before applying that update")
        params = list(self.param_names)
        self.guard.check(self.step + 1, mean_loss, global_grad_norm(params))
        if self.t["clipGradNorm"]:
            clip_grad_norm(params, self.t["clipGradNorm"])
        self.optimizer.step()
        if self.ema:
            self.ema.update()
        self.step += 1
        return mean_loss, correct_sum, count

    def _eval_rows(self, loader: Any, i: int) -> Tuple[int, int]:
        start, end = loader.batch_rows(i)
        rows = end - start
        per = math.ceil(rows / self.d.world)
        return min(rows, self.d.rank * per), min(rows, (self.d.rank + 1) * per)

    @torch.no_grad()
    def evaluate_segmentation(self, loader: Any) -> Dict[str, Any]:
        """mIoU, pixel accuracy, per-class IoU and the per-pixel cross-entropy over the labelled pixels."""
        was = self.model.training
        self.model.eval()
        cm = ConfusionMatrix(self.data.num_classes, IGNORE_INDEX)
        loss = samples = 0.0
        try:
            for i in range(loader.batches_per_epoch):
                lo, hi = self._eval_rows(loader, i)
                if hi <= lo:
                    continue
                x, _, labels = loader.batch(0, i, (lo, hi))
                logits = self.model(self.to_tensor(x)).float()
                loss += pixel_cross_entropy_sum(logits, torch.from_numpy(labels).to(logits.device), IGNORE_INDEX).item()
                cm.update(logits.argmax(dim=1).reshape(-1).cpu().numpy(), labels)
                samples += hi - lo
        finally:
            self.model.train(was)
        k = self.data.num_classes
        summed = self.d.sum([loss, samples] + cm.counts.reshape(-1).tolist())
        cm.counts = np.asarray(summed[2:], dtype=np.float64).reshape(k, k)
        scores = cm.scores()
        return {**scores, "loss": summed[0] / scores["pixels"] if scores["pixels"] else 0.0, "samples": int(summed[1])}

    @torch.no_grad()
    def evaluate(self, loader: Loader) -> Dict[str, float]:
        if self.segmentation:
            return self.evaluate_segmentation(loader)
        was = self.model.training
        self.model.eval()
        k5 = min(5, self.data.num_classes)
        loss = c1 = c5 = n = 0.0
        try:
            for i in range(loader.batches_per_epoch):
                start, end = loader.batch_rows(i)
                rows = end - start
                per = math.ceil(rows / self.d.world)
                lo, hi = min(rows, self.d.rank * per), min(rows, (self.d.rank + 1) * per)
                if hi <= lo:
                    continue
                x, _, labels = loader.batch(0, i, (lo, hi))
                logits = self.model(self.to_tensor(x)).float().cpu()
                lab = torch.from_numpy(labels)
                loss += -F.log_softmax(logits, dim=-1).gather(1, lab[:, None]).sum().item()
                top = logits.topk(k5, dim=-1).indices
                c1 += (top[:, 0] == lab).sum().item()
                c5 += (top == lab[:, None]).any(dim=1).sum().item()
                n += len(labels)
        finally:
            self.model.train(was)
        loss, c1, c5, n = self.d.sum([loss, c1, c5, n])
        return {"loss": loss / n, "top1": c1 / n, "top5": c5 / n, "count": int(n)}

    def evaluate_both(self) -> Tuple[Dict[str, float], Optional[Dict[str, float]]]:
        live = self.evaluate(self.data.test)
        ema = None
        if self.ema and self.ema_opts["evaluate"]:
            self.ema.swap()
            try:
                ema = self.evaluate(self.data.test)
            finally:
                self.ema.swap()
        return live, ema

    def scores(self, e: Mapping[str, Any]) -> Dict[str, Any]:
        """What an eval line and the checkpoint's lastEval carry (vitkit's task.scores)."""
        if self.segmentation:
            return {"mIoU": e["mIoU"], "pixelAccuracy": e["pixelAccuracy"], "perClassIoU": e["perClassIoU"]}
        return {"top1": e["top1"], "top5": e["top5"]}

    def describe(self, e: Mapping[str, Any]) -> str:
        if self.segmentation:
            return f"mIoU {e['mIoU'] * 100:.2f}% pixel accuracy {e['pixelAccuracy'] * 100:.2f}% loss {e['loss']:.4f}"
        return f"top-1 {e['top1'] * 100:.2f}% top-5 {e['top5'] * 100:.2f}% loss {e['loss']:.4f}"

    # ---- the loop (vitkit's Trainer.fitLoop) ---------------------------------------------------------------------
    def fit(self) -> Dict[str, Any]:
        bpe, t = self.steps_per_epoch, self.t
        epochs = math.ceil(self.total_steps / bpe)
        stopped = False
        last_eval = None
        while self.step < self.total_steps and not stopped:
            epoch = self.position["epoch"]
            epoch_steps = min(bpe, self.total_steps - epoch * bpe)
            win = dict(self.window)
            win_t = time.time()
            while self.position["batch"] < epoch_steps:
                loss, correct, count = self.train_step(epoch, self.position["batch"])
                self.position["batch"] += 1
                win["loss"] += loss * count
                win["correct"] += correct
                win["count"] += count
                win["steps"] += 1
                if self.step % t["logEvery"] == 0 or self.position["batch"] >= epoch_steps:
                    dt = time.time() - win_t
                    self.append_metric({
                        "type": "train", "step": self.step, "epoch": epoch + self.position["batch"] / bpe,
                        "loss": win["loss"] / win["count"], "acc": win["correct"] / win["count"], "lr": self.lr(self.step - 1),
                        "imagesPerSecond": win["count"] / max(dt, 1e-9), "elapsed": self.elapsed(),
                    })
                    win = {"loss": 0.0, "correct": 0.0, "count": 0.0, "steps": 0}
                    win_t = time.time()
                self.window = win
                end_of_epoch = self.position["batch"] >= epoch_steps
                if end_of_epoch and self.position["batch"] >= bpe:
                    self.position = {"epoch": epoch + 1, "batch": 0}
                stop_now = self.stop_after is not None and self.step >= self.stop_after
                if not end_of_epoch and (stop_now or (t["checkpointEvery"] and self.step % t["checkpointEvery"] == 0)):
                    self.save_checkpoint()
                if stop_now:
                    stopped = not end_of_epoch or self.step < self.total_steps
                if end_of_epoch or stopped:
                    break
            if self.position["batch"] == 0 or self.step >= self.total_steps:
                last = self.step >= self.total_steps
                if last or (epoch + 1) % t["evalEvery"] == 0:
                    live, ema = self.evaluate_both()
                    last_eval = (live, ema)
                    rec = {"type": "eval", "step": self.step, "epoch": self.step / bpe, "set": "test", "loss": live["loss"], **self.scores(live)}
                    if ema:
                        rec.update(ema_fields(self.scores(ema)))
                    self.append_metric(rec)
                    self.log(f"epoch {epoch + 1}/{epochs}: test {self.describe(live)}" + (f" | EMA {self.describe(ema)}" if ema else ""))
                self.save_checkpoint({"lastEval": self.scores(last_eval[0])} if last_eval else None)
            if stopped:
                break
        self.d.barrier()
        result = {"stopped": stopped, "step": self.step, "totalSteps": self.total_steps, "outDir": self.out_dir, "checkpoint": self.ckpt}
        if stopped:
            self.log(f"stopped at step {self.step}/{self.total_steps}; checkpoint {self.ckpt} (continue with --resume)")
            return result
        if last_eval is None:
            last_eval = self.evaluate_both()
        if self.d.rank == 0:
            md = self.inference_metadata()
            save_tensors(os.path.join(self.out_dir, "model.safetensors"), state_dict(self.model), md)
            if self.ema:
                self.ema.swap()
                save_tensors(os.path.join(self.out_dir, "model-ema.safetensors"), state_dict(self.model), md)
                self.ema.swap()
            live, ema = last_eval
            with open(os.path.join(self.out_dir, "eval.json"), "w") as f:
                json.dump({"set": "test", **live, "ema": ema, "engine": "torch", "world": self.d.world}, f, indent=1)
            if self.segmentation:
                self.log(f"test mIoU: {live['mIoU'] * 100:.2f}% (pixel accuracy {live['pixelAccuracy'] * 100:.2f}%, {live['samples']} images)")
            else:
                self.log(f"test top-1 accuracy: {live['top1'] * 100:.2f}% (top-5 {live['top5'] * 100:.2f}%, {live['count']} images)")
            self.log(f"wall time: {self.elapsed():.1f} s for {self.total_steps} steps on {self.d.world} process(es); outputs in {self.out_dir}")
        result["final"] = last_eval[0]
        return result


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vitkit_torch.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", required=True, action="append", help="vitkit training spec (JSON); repeat to train several in turn, each into <out-dir>/<spec name>")
    ap.add_argument("--out-dir", help="overrides train.outDir")
    ap.add_argument("--resume", nargs="?", const="auto", help="continue from <outDir>/checkpoint.safetensors or the given file")
    ap.add_argument("--init-weights", action="append", help="start from these weights (safetensors state dict or vitkit checkpoint); one per --spec")
    ap.add_argument("--base-dir", help="folder that relative paths in the spec resolve against (default: the spec's folder)")
    ap.add_argument("--stop-after-step", type=int, help="stop (after writing a checkpoint) once this many steps are done")
    a = ap.parse_args(argv)
    if a.init_weights and len(a.init_weights) != len(a.spec):
        ap.error(f"give one --init-weights per --spec ({len(a.spec)}), got {len(a.init_weights)}")
    if len(a.spec) > 1 and not a.out_dir:
        ap.error("several --spec need --out-dir (each spec trains into <out-dir>/<spec name>)")
    try:
        for i, spec in enumerate(a.spec):
            out = a.out_dir if len(a.spec) == 1 else os.path.join(a.out_dir, os.path.splitext(os.path.basename(spec))[0])
            TorchTrainer(spec, out, a.resume, a.init_weights[i] if a.init_weights else None, a.stop_after_step, base_dir=a.base_dir).fit()
    except (SpecError, FileNotFoundError, ValueError, FloatingPointError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
