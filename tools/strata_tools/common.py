"""Shared helpers for the training scripts: seeding, paths, machine facts, cards."""
import json
import os
import platform
import random
import time

import numpy as np
import torch

TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(TOOLS_DIR)
MODELS_DIR = os.path.join(REPO_ROOT, "resources", "models")
TEST_MODELS_DIR = os.path.join(REPO_ROOT, "tests", "data", "models")


def setup(seed: int, threads: int = 1):
    """Fix all seeds and limit torch to `threads` threads."""
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    torch.set_num_threads(threads)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_facts() -> dict:
    return {"cpu": cpu_model(), "torch_threads": torch.get_num_threads(),
            "torch_version": torch.__version__, "numpy_version": np.__version__,
            "python_version": platform.python_version()}


def write_card(path: str, card: dict):
    with open(path, "w") as f:
        json.dump(card, f, indent=2, sort_keys=False)
        f.write("\n")


def finish_card(card: dict, model_path: str, timer: "Timer", valid: bool) -> int:
    """Writes the model card beside the model file, logs both, and returns the exit code."""
    card_path = os.path.splitext(model_path)[0] + ".card.json"
    write_card(card_path, card)
    log("wrote %s and %s (%.1f MB); total time %.1f s"
        % (rel(model_path), rel(card_path), os.path.getsize(model_path) / 1e6, timer.elapsed()))
    return 0 if valid else 1


def rel(path: str) -> str:
    """Path relative to the repository root (for cards and logs)."""
    return os.path.relpath(os.path.abspath(path), REPO_ROOT)


class Timer:
    def __init__(self):
        self.t0 = time.time()

    def elapsed(self) -> float:
        return time.time() - self.t0


def log(msg: str):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def layer_kl_units(post):
    """List over layers of per-item, per-unit analytic KL tensors [B, units]."""
    from .models import gaussian_kl
    return [gaussian_kl(a, b, c, d).flatten(1) for a, b, c, d in
            zip(post["q_mean"], post["q_logvar"], post["p_mean"], post["p_logvar"])]


def summarise_eval(model, x_test, iw_k: int, iw_n: int, seed: int = 0):
    """ELBO on all of x_test, IW bound on its first iw_n items, KL per layer,
    active units per layer. Returns (card section dict, posterior means)."""
    from .evaluate import elbo_stats, iw_bound, posterior_means, active_units
    st = elbo_stats(model, x_test, seed=seed)
    t = Timer()
    iw = iw_bound(model, x_test[:iw_n], k=iw_k, seed=seed)
    iw_time = t.elapsed()
    means = posterior_means(model, x_test)
    au, var = active_units(means)
    n_units = [m.shape[1] for m in means]
    elbo_sub = float(st["elbo"][:iw_n].mean())
    sec = {
        "test_images": int(x_test.shape[0]),
        "elbo_nats_per_image": float(st["elbo"].mean()),
        "elbo_std_error": float(st["elbo"].std() / np.sqrt(len(st["elbo"]))),
        "reconstruction_log_px_nats": float(st["log_px"].mean()),
        "kl_per_layer_nats": [float(v) for v in st["kl_layers"].mean(0)],
        "kl_total_nats": float(st["kl_layers"].sum(1).mean()),
        "iw_bound": {"k": iw_k, "subset": "first %d test images" % iw_n,
                     "nats_per_image": float(iw.mean()),
                     "elbo_on_same_subset": elbo_sub, "time_seconds": round(iw_time, 1)},
        "active_units": {"criterion": "Var over test set of posterior mean (posterior(x, sample=False)) > 0.01",
                         "per_layer": au, "units_per_layer": n_units,
                         "total": int(sum(au)), "total_units": int(sum(n_units)),
                         "note": "for layers below the top the posterior mean also moves with the "
                                 "conditional prior, so see also units_with_kl_above_0.01"},
        "units_with_kl_above_0.01": {
            "criterion": "mean over the test set of the unit's analytic KL(q||p) > 0.01 nats",
            "per_layer": [int((u > 0.01).sum()) for u in st["unit_kl"]],
            "total": int(sum(int((u > 0.01).sum()) for u in st["unit_kl"]))},
        "unit_kl_nats": [[round(float(v), 4) for v in u] if len(u) <= 32 else None
                         for u in st["unit_kl"]],
    }
    return sec, means
