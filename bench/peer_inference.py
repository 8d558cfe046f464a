"""The same measurements as bench_inference.cpp, in Python PyTorch on the same TorchScript
files: what a researcher's own script would cost. Prints one JSON object per line."""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FASHION = os.environ.get("STRATA_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def load_test_images():
    with gzip.open(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz")) as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return torch.from_numpy(raw.reshape(-1, 1, 28, 28).astype(np.float32) / 255.0)


def time_it(repeats, fn):
    fn()
    ms = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t) * 1000)
    ms.sort()
    return ms[len(ms) // 2], ms[min(len(ms) - 1, int(len(ms) * 0.95))]


def report(what, model, threads, batch, stats):
    print(json.dumps({"impl": "pytorch", "what": what, "model": model, "threads": threads,
                      "batch": batch, "median_ms": round(stats[0], 3), "p95_ms": round(stats[1], 3)}),
          flush=True)


@torch.inference_mode()
def main(names):
    x = load_test_images()
    for name in names:
        # A bundled model by name, or any model file by path (e.g. the 60-layer test model).
        m = torch.jit.load(name if name.endswith(".pt") else
                           os.path.join(ROOT, "resources", "models", name + ".pt"))
        m.eval()
        shapes = [l["shape"] for l in json.loads(m.strata_meta)["layers"]]
        for threads in (1, 2):
            torch.set_num_threads(threads)
            one = m.prior_sample([], [torch.randn([1] + s) for s in shapes], [1.0] * len(shapes))
            report("decode", name, threads, 1, time_it(200, lambda: m.decode(one)))
            grid = m.prior_sample([], [torch.randn([64] + s) for s in shapes], [1.0] * len(shapes))
            report("decode", name, threads, 64, time_it(30, lambda: m.decode(grid)))
            # A slider move on the top unit, as a script would do it: posterior means, the
            # noise that reproduces the lower layers, prior_sample from the edited top layer.
            post = m.posterior(x[42:43], False)
            z, pm, plv = post["z"], post["p_mean"], post["p_logvar"]
            eps = [(z[l] - pm[l]) / torch.exp(0.5 * plv[l]) for l in range(1, len(shapes))]
            value = [0.0]

            def slider():
                value[0] = -2.0 if value[0] > 2 else value[0] + 0.1
                top = z[0].clone()
                top[0, 0] = value[0]
                img = m.decode(m.prior_sample([top], eps, [1.0] * (len(shapes) - 1)))
                (img.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
            report("slider_to_image", name, threads, 1, time_it(200, slider))

            def grid():
                rows = []
                for u in range(8):
                    u = u % shapes[0][0]
                    top = z[0].repeat(9, 1)
                    top[:, u] = pm[0][0, u] + torch.linspace(-3, 3, 9) * torch.exp(0.5 * plv[0][0, u])
                    rows.append(m.prior_sample([top], [e.repeat(9, *([1] * (e.dim() - 1))) for e in eps],
                                               [1.0] * (len(shapes) - 1)))
                m.decode([torch.cat([r[l] for r in rows]) for l in range(len(shapes))])
            report("grid_8x9", name, threads, 72, time_it(10, grid))
            report("encode_10k", name, threads, 500, time_it(
                3, lambda: [m.posterior(x[i:i + 500], False) for i in range(0, x.shape[0], 500)]))


if __name__ == "__main__":
    main(sys.argv[1:] or ["fashion_lvae"])
