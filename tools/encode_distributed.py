#!/usr/bin/env python3
"""Encode a dataset with a Strata model file on a Dask cluster, into a shard folder.

    /usr/bin/python3 tools/encode_distributed.py --model M.pt --data SPEC --output DIR
        (--local-workers N | --scheduler tcp://HOST:PORT) [--layer NAME]
        [--items-per-shard K] [--batch B] [--pca 2|3 [--fit-sample S] [--no-latents]]

Every worker process loads the model file once (it travels with a worker plugin, so the
workers need not see the file) and encodes partitions of the data: the posterior means
of all layers, flattened and concatenated top first (Strata's "all-layers" encoding), or
of one layer (--layer NAME), with the inputs mapped exactly as Strata maps them. The
result is a shard folder (format in docs/distributed-encoding.md) that Strata opens
with File > Open embedding.

SPEC is a dataset spec as Strata takes it: a .npy of images ([N, H, W], [N, C, H, W] or
[N, H, W, C]; uint8, uint16 or floats in [0, 1]), an .npz with an images array (imgs,
images or x; optional labels or y, optional pixel_range), range=LO,HI:FILE for float
images stored in another range, or fashion-mnist:test / fashion-mnist:train. A .npy (and
an uncompressed .npz) is memory-mapped: the driver reads one partition at a time.

By default the driver reads each partition, sends it to a worker and writes the shards
it gets back, so the workers need no access to the data or the output folder. With
--shared-storage the workers read the data and write the shards themselves (every
machine must see --data and --output under the same paths); the driver then only
writes the manifest.

--pca K (2 or 3) fits a PCA on the latents of --fit-sample S items drawn at random
(--seed), then every partition is projected with it on the workers: a ready 2-D or 3-D
layout (kind "coordinates") in DIR/coordinates/, beside the latents, or in DIR itself
with --no-latents.

Exit status: 0 done, 1 error (one sentence on stderr naming the file or option), 2 usage.
"""
import argparse
import hashlib
import io
import logging
import os
import sys
import threading
import time
import uuid
import zipfile

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS_DIR)

import numpy as np  # noqa: E402

from strata_tools import shards  # noqa: E402

PROG = "encode_distributed"


class ToolError(Exception):
    """A refusal: one sentence for stderr, exit status 1."""


def plural(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else ("es" if word.endswith("s") else "s"))


def log(msg):
    print("%s: %s" % (PROG, msg), file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Worker side (shipped to the workers by value; strata_tools travels in the plugin)
# --------------------------------------------------------------------------
def _package_zip() -> bytes:
    """tools/strata_tools as a zip the workers import it from."""
    buf = io.BytesIO()
    folder = os.path.join(TOOLS_DIR, "strata_tools")
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                z.write(os.path.join(folder, name), "strata_tools/" + name)
    return buf.getvalue()


def _make_plugin_class():
    from distributed.diagnostics.plugin import WorkerPlugin

    class StrataEncoderPlugin(WorkerPlugin):
        """Holds the model file's bytes and this Strata's tools; on a worker, loads the model
        once (on the first task) and keeps it, and keeps opened datasets."""

        def __init__(self, name, model_bytes, package, threads):
            self.name = name
            self.model_bytes = model_bytes
            self.package = package
            self.threads = threads

        def setup(self, worker):
            import importlib
            folder = worker.local_directory
            path = os.path.join(folder, "strata_tools-%s.zip" % hashlib.sha256(self.package).hexdigest()[:16])
            if not os.path.exists(path):
                tmp = path + ".tmp-%d" % os.getpid()
                with open(tmp, "wb") as f:
                    f.write(self.package)
                os.replace(tmp, path)
            if sys.path[0] != path:
                sys.path.insert(0, path)
                for mod in [m for m in sys.modules if m == "strata_tools" or m.startswith("strata_tools.")]:
                    del sys.modules[mod]
                importlib.invalidate_caches()
            import torch
            torch.set_num_threads(self.threads)
            _heap_thresholds(MMAP_THRESHOLD, TRIM_THRESHOLD)
            self.lock = threading.Lock()
            self.loaded = None
            self.loads = 0
            self.sources = {}

        def teardown(self, worker):
            self.loaded = None
            self.sources = {}
            _heap_thresholds(int(os.environ.get("MALLOC_MMAP_THRESHOLD_", 128 << 10)),
                             int(os.environ.get("MALLOC_TRIM_THRESHOLD_", 128 << 10)))

        def model(self):
            with self.lock:
                if self.loaded is None:
                    import json
                    import torch
                    module = torch.jit.load(io.BytesIO(self.model_bytes), map_location="cpu")
                    module.eval()
                    self.loaded = (module, json.loads(module.strata_meta))
                    self.loads += 1
                return self.loaded

        def source(self, src):
            with self.lock:
                key = (src.spec, os.path.getmtime(src.path))
                if key not in self.sources:
                    self.sources = {key: src}
                return self.sources[key]

    return StrataEncoderPlugin


# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which fixes glibc's mmap
# threshold at 128 KB: every model call then maps and unmaps its activations afresh, and
# encoding took 1.6 times as long as in a plain process. While a run's plugin is set up, the
# worker's heap keeps blocks below 64 MB and up to 128 MB free at its top; teardown restores the
# environment's values.
MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 128 << 20


def _heap_thresholds(mmap_threshold, trim_threshold):
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, mmap_threshold)      # M_MMAP_THRESHOLD
        libc.mallopt(-1, trim_threshold)      # M_TRIM_THRESHOLD
    except (OSError, AttributeError):         # not glibc: nothing to tune
        pass


def _plugin(name):
    from distributed import get_worker
    return get_worker().plugins[name]


def encode_task(job, first, stop, raw=None, rows=None):
    """Encodes items first .. stop-1 (or the items `rows`); `raw` holds them as stored, or
    the worker reads them (shared storage). Returns {"vectors", "coordinates"} as asked."""
    t0 = time.time()
    plugin = _plugin(job["plugin"])
    from strata_tools import shards as sh
    if raw is None:
        try:
            src = plugin.source(job["source"])
            raw = src.raw_rows(rows) if rows is not None else src.raw(first, stop)
        except OSError as e:
            raise sh.StorageError(_storage_problem("read", job["source"].path, e))
    numbering = rows if rows is not None else first
    x = sh.to_unit_floats(raw, job["conv"], numbering)
    module, meta = plugin.model()
    vectors = sh.encode_means(module, meta, x, job["layers"], job["batch"], numbering)
    out = {"first": first, "items": int(vectors.shape[0])}
    if job.get("pca") is not None:
        out["coordinates"] = sh.pca_transform(vectors, job["pca"])
    if job["latents"]:
        out["vectors"] = vectors
    out["seconds"] = time.time() - t0
    return out


def write_task(job, k, first, stop, parts):
    """Shared storage: writes shard k (items first .. stop-1) from its partitions' results."""
    plugin = _plugin(job["plugin"])
    from strata_tools import shards as sh
    try:
        labels = plugin.source(job["source"]).labels(first, stop)
    except OSError as e:
        raise sh.StorageError(_storage_problem("read", job["source"].path, e))
    try:
        return dict(_write_shard(sh, job, k, parts, labels), seconds=sum(p["seconds"] for p in parts))
    except OSError as e:
        raise sh.StorageError(_storage_problem("write into", job["output"], e))


def _storage_problem(verb, path, e):
    from distributed import get_worker
    return ("--shared-storage: the worker %s cannot %s %s (%s); every machine must see --data and --output "
            "under the same paths" % (get_worker().address, verb, path, e.strerror or e))


def _write_shard(sh, job, k, parts, labels):
    parts = sorted(parts, key=lambda p: p["first"])
    entries = {}
    if job["latents"]:
        entries["latents"] = sh.write_shard(job["output"], k, np.concatenate([p["vectors"] for p in parts]), labels)
    if job.get("pca") is not None:
        entries["coordinates"] = sh.write_shard(job["coord_output"], k,
                                                np.concatenate([p["coordinates"] for p in parts]), labels)
    return entries


def _loads(dask_worker, name):
    plugin = dask_worker.plugins.get(name)
    return getattr(plugin, "loads", None)


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------
def parse_args(argv):
    ap = argparse.ArgumentParser(prog="encode_distributed.py", description=__doc__.split("\n\n")[0],
                                 epilog="See docs/distributed-encoding.md.")
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, tcp://HOST:PORT")
    where.add_argument("--local-workers", type=int, metavar="N",
                       help="start a local cluster of N worker processes (1 thread each, loopback)")
    ap.add_argument("--model", required=True, metavar="M.pt", help="Strata model file (TorchScript)")
    ap.add_argument("--data", required=True, metavar="SPEC", help="dataset spec, as Strata takes it")
    ap.add_argument("--output", required=True, metavar="DIR", help="shard folder to create")
    ap.add_argument("--force", action="store_true", help="replace the shards of a non-empty --output")
    ap.add_argument("--layer", default=shards.ALL_LAYERS, metavar="NAME",
                    help="encode one layer (its name in the model) instead of all layers")
    ap.add_argument("--items-per-shard", type=int, default=100000, metavar="K", help="items per shard file (100000)")
    ap.add_argument("--batch", type=int, default=500, metavar="B", help="items per model call (500)")
    ap.add_argument("--partition-items", type=int, metavar="P",
                    help="items per task (default: about four tasks per worker thread, within a shard)")
    ap.add_argument("--shared-storage", action="store_true",
                    help="workers read --data and write into --output themselves")
    ap.add_argument("--pca", type=int, metavar="K", help="also write a K-dimensional PCA layout (K = 2 or 3)")
    ap.add_argument("--fit-sample", type=int, default=10000, metavar="S",
                    help="items the PCA is fitted on, drawn at random (10000)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the PCA sample (0)")
    ap.add_argument("--no-latents", action="store_true", help="with --pca: write only the coordinates, in DIR")
    ap.add_argument("--torch-threads", type=int, default=1, metavar="T",
                    help="threads of each worker's model calls (1; start one worker process per core)")
    ap.add_argument("--timeout", type=float, default=30, metavar="SECONDS",
                    help="to reach the scheduler and for a first worker to join (30)")
    args = ap.parse_args(argv)
    for opt in ("local_workers", "items_per_shard", "batch", "partition_items", "fit_sample", "torch_threads"):
        v = getattr(args, opt)
        if v is not None and v < 1:
            ap.error("--%s must be at least 1, got %d" % (opt.replace("_", "-"), v))
    if args.pca is not None and args.pca not in (2, 3):
        ap.error("--pca must be 2 or 3 (a layout Strata shows), got %d" % args.pca)
    if args.no_latents and args.pca is None:
        ap.error("--no-latents needs --pca")
    if args.timeout <= 0:
        ap.error("--timeout must be positive")
    return args


def load_model(path):
    """(bytes, meta) of a model file Strata would open and encode with."""
    import torch
    from strata_tools import contract
    if not os.path.isfile(path):
        raise ToolError("--model %s: file not found" % path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        module = torch.jit.load(io.BytesIO(data), map_location="cpu")
        module.eval()
    except Exception as e:  # noqa: BLE001 - anything LibTorch says
        text = str(e).strip().splitlines()
        raise ToolError("--model %s: cannot load the TorchScript file (%s)" % (path, text[0] if text else type(e).__name__))
    report = contract.validate_module(module)
    if not report["ok"]:
        errs = report["errors"]
        raise ToolError("--model %s: breaks the Strata model contract: %s%s" % (
            path, errs[0], " (and %d more; python3 -m strata_tools.validate lists them)" % (len(errs) - 1)
            if len(errs) > 1 else ""))
    if not report["info"].get("encoder"):
        raise ToolError("--model %s: a decoder-only model (no posterior), so there is nothing to encode with" % path)
    import json
    return data, json.loads(module.strata_meta)


def plan_partitions(n, per_shard, per_partition):
    """[(shard k, first, stop, [(first, stop) of its partitions])], in item order."""
    plan = []
    for k, first in enumerate(range(0, n, per_shard)):
        stop = min(n, first + per_shard)
        parts = [(a, min(stop, a + per_partition)) for a in range(first, stop, per_partition)]
        plan.append((k, first, stop, parts))
    return plan


def connect(args):
    """(client, cluster or None, description)."""
    from distributed import Client
    if args.local_workers:
        from distributed import LocalCluster
        cluster = LocalCluster(n_workers=args.local_workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
        return Client(cluster), cluster, "a local cluster of %s" % plural(args.local_workers, "worker process")
    try:
        client = Client(args.scheduler, timeout=args.timeout)
    except Exception as e:  # noqa: BLE001 - OSError, TimeoutError, ValueError for a bad address
        raise ToolError("--scheduler %s: cannot reach the Dask scheduler within %g s (%s)"
                        % (args.scheduler, args.timeout, str(e).strip().splitlines()[0] if str(e).strip()
                           else type(e).__name__))
    try:
        client.wait_for_workers(1, timeout=args.timeout)
    except Exception:  # noqa: BLE001
        client.close()
        raise ToolError("--scheduler %s: no worker joined the scheduler within %g s" % (args.scheduler, args.timeout))
    return client, None, "the scheduler at %s" % args.scheduler


class Progress:
    def __init__(self, total):
        self.total, self.done, self.t0, self.last = total, 0, time.time(), 0.0

    def add(self, items, shards_done, shards_total):
        self.done += items
        now = time.time()
        if now - self.last >= 1.0 or self.done == self.total:
            self.last = now
            rate = self.done / max(now - self.t0, 1e-9)
            log("%d / %d items encoded (%d%%), %d of %d shards written, %.0f items/s"
                % (self.done, self.total, 100 * self.done // self.total, shards_done, shards_total, rate))


def run(args):
    import torch
    torch.set_num_threads(1)
    t0 = time.time()
    model_bytes, meta = load_model(args.model)
    try:
        layers, dims = shards.layer_selection(meta, args.layer)
        source = shards.ImageSource(args.data)
        model_shape = tuple(meta["input"][k] for k in ("channels", "height", "width"))
        if source.shape != model_shape:
            raise shards.DataError("--data %s: images are %d x %d x %d (C x H x W), but %s takes %d x %d x %d"
                                   % ((args.data,) + source.shape + (os.path.basename(args.model),) + model_shape))
        conv = source.conversion()
    except ValueError as e:          # DataError, a layer name
        raise ToolError(str(e))
    n = source.items
    created = not os.path.exists(args.output)
    try:
        shards.prepare_output(args.output, args.force)
        coord_output = None
        if args.pca is not None:
            coord_output = args.output if args.no_latents else os.path.join(args.output, "coordinates")
            os.makedirs(coord_output, exist_ok=True)
    except OSError as e:
        raise ToolError(str(e) if isinstance(e, FileExistsError) else "--output %s: %s" % (args.output, e))

    import cloudpickle
    if __name__ != "__main__":      # imported: ship this module's functions by value all the same
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        client, cluster, where = connect(args)
    except ToolError:
        if created:                  # leave no trace of a run that never started
            for folder in (coord_output, args.output):
                if folder and os.path.isdir(folder) and not os.listdir(folder):
                    os.rmdir(folder)
        raise
    finished = False
    try:
        status = encode(args, client, where, model_bytes, meta, layers, dims, source, conv, n, coord_output, t0)
        finished = True
        return status
    finally:
        client.close()               # cancels what is still queued
        if cluster is not None:
            cluster.close()
        if not finished:             # no half-written folder: what this run wrote goes
            shards.remove_shards(args.output)
            if created and os.path.isdir(args.output) and not os.listdir(args.output):
                os.rmdir(args.output)


def encode(args, client, where, model_bytes, meta, layers, dims, source, conv, n, coord_output, t0):
    from distributed import as_completed
    info = client.scheduler_info()["workers"]
    threads = sum(w["nthreads"] for w in info.values()) or 1
    per_partition = args.partition_items or max(min(n, args.batch), -(-n // (4 * threads)))
    pixels = int(np.prod(source.shape))
    per_partition = max(1, min(per_partition, args.items_per_shard, (256 << 20) // (8 * pixels)))
    plan = plan_partitions(n, args.items_per_shard, per_partition)
    # one name per run: concurrent runs on one cluster keep their own plugin and task keys
    name = "strata-encode-%s-%s" % (hashlib.sha256(model_bytes).hexdigest()[:12], uuid.uuid4().hex[:8])
    Plugin = _make_plugin_class()
    client.register_worker_plugin(Plugin(name, model_bytes, _package_zip(), args.torch_threads), name=name)
    log("%d items of %s, %s in %s, on %s (%s, %s), ready after %.1f s"
        % (n, args.data, plural(sum(len(p[3]) for p in plan), "partition"), plural(len(plan), "shard"), where,
           plural(len(info), "worker"), plural(threads, "thread"), time.time() - t0))
    job = {"plugin": name, "conv": conv, "layers": layers, "batch": args.batch, "latents": not args.no_latents,
           "output": os.path.abspath(args.output), "coord_output": coord_output and os.path.abspath(coord_output),
           "source": source if args.shared_storage else None, "pca": None}
    window = 2 * threads
    t_encode = time.time()

    pca = None
    if args.pca is not None:
        pca, sample_n = fit_sample_pca(args, client, job, source, n, per_partition, window, dims)
        job["pca"] = pca
        log("PCA fitted on %d items: explained variance ratio %s"
            % (sample_n, ", ".join("%.3f" % r for r in pca["explained_variance_ratio"])))

    entries = {}                     # shard k -> {"latents": entry, "coordinates": entry}
    results = {k: {} for k, _, _, _ in plan}
    shard_of = {}
    todo = []
    for k, first, stop, parts in plan:
        for a, b in parts:
            shard_of[a] = k
            todo.append((a, b))
    todo.reverse()
    progress = Progress(n)
    ac = as_completed()
    what = {}                        # future key -> ("encode", first, stop) or ("write", shard)
    task_seconds = 0.0               # time spent inside the encoding tasks, summed

    def submit_next():
        a, b = todo.pop()
        if args.shared_storage:
            fut = client.submit(encode_task, job, a, b, key="encode-%s-%d" % (name, a))
        else:
            raw = client.scatter(source.raw(a, b), hash=False)
            fut = client.submit(encode_task, job, a, b, raw, key="encode-%s-%d" % (name, a))
        what[fut.key] = ("encode", a, b)
        ac.add(fut)

    for _ in range(min(window, len(todo))):
        submit_next()
    for fut in ac:
        if fut.status == "error":
            fut.result()             # raises the worker's exception
        kind = what.pop(fut.key)
        if kind[0] == "write":
            entries[kind[1]] = fut.result()
            task_seconds += entries[kind[1]].pop("seconds")
            progress.add(0, len(entries), len(plan))
            continue
        _, a, b = kind
        k = shard_of[a]
        results[k][a] = fut if args.shared_storage else fut.result()
        if not args.shared_storage:
            task_seconds += results[k][a]["seconds"]
        if todo:
            submit_next()
        _, first, stop, parts = plan[k]
        if len(results[k]) == len(parts):
            done = [results[k][a] for a, _ in parts]
            if args.shared_storage:
                w = client.submit(write_task, job, k, first, stop, done, key="write-%s-%d" % (name, k))
                what[w.key] = ("write", k)
                ac.add(w)
            else:
                entries[k] = _write_shard(shards, job, k, done, source.labels(first, stop))
            results[k] = {a: None for a in results[k]}     # let go of the vectors
        progress.add(b - a, len(entries), len(plan))
    t_encode = time.time() - t_encode
    log("encoding tasks ran %.1f s in all: %.0f%% of %s x %.1f s on the cluster"
        % (task_seconds, 100 * task_seconds / max(threads * t_encode, 1e-9), plural(threads, "thread"), t_encode))
    loads = client.run(_loads, name=name)
    try:
        client.unregister_worker_plugin(name)
    except Exception:  # noqa: BLE001 - an older Dask without it keeps the plugin until the workers stop
        pass

    model_name = os.path.basename(args.model)
    ordered = [entries[k] for k, _, _, _ in plan]
    if not args.no_latents:
        shards.write_manifest(args.output, shards.make_manifest(
            "latents", dims, [e["latents"] for e in ordered], model_name, args.data, args.layer))
    if pca is not None:
        extra = {"pca": {"components": args.pca, "fit_sample": pca["fit_sample"], "seed": args.seed,
                         "mean": pca["mean"], "axes": pca["components"],
                         "explained_variance_ratio": pca["explained_variance_ratio"]}}
        shards.write_manifest(coord_output, shards.make_manifest(
            "coordinates", args.pca, [e["coordinates"] for e in ordered], model_name, args.data, args.layer,
            **extra))
    counts = sorted(v for v in loads.values() if v is not None)
    busy = [c for c in counts if c]
    if busy and set(busy) == {1}:
        log("the model was loaded once by %s that encoded%s" % (
            "each of the %d workers" % len(busy) if len(busy) > 1 else "the worker",
            "" if len(busy) == len(loads) else " (of %d)" % len(loads)))
    else:
        log("the model was loaded %s times by the workers" % counts)
    wrote = []
    if not args.no_latents:
        wrote.append("%d-dimensional latents in %s" % (dims, args.output))
    if pca is not None:
        wrote.append("%d-D coordinates in %s" % (args.pca, coord_output))
    print("encoded %d items in %s in %.1f s (%.1f s on the cluster): %s"
          % (n, plural(len(plan), "shard"), time.time() - t0, t_encode, " and ".join(wrote)))
    return 0


def fit_sample_pca(args, client, job, source, n, per_partition, window, dims):
    """Encodes a seeded random sample of the items on the workers and fits the PCA on it."""
    from distributed import as_completed
    rng = np.random.default_rng(args.seed)
    idx = np.sort(rng.choice(n, size=min(args.fit_sample, n), replace=False)).astype(np.int64)
    sample_job = dict(job, latents=True, pca=None)
    chunks = [idx[i:i + per_partition] for i in range(0, len(idx), per_partition)]
    got, chunk_of = {}, {}
    todo = list(range(len(chunks)))[::-1]
    ac = as_completed()

    def submit_next():
        i = todo.pop()
        rows = chunks[i]
        if args.shared_storage:
            fut = client.submit(encode_task, sample_job, int(rows[0]), int(rows[-1]) + 1, None, rows,
                                key="sample-%s-%d" % (job["plugin"], i))
        else:
            raw = client.scatter(source.raw_rows(rows), hash=False)
            fut = client.submit(encode_task, sample_job, int(rows[0]), int(rows[-1]) + 1, raw, rows,
                                key="sample-%s-%d" % (job["plugin"], i))
        chunk_of[fut.key] = i
        ac.add(fut)

    for _ in range(min(window, len(todo))):
        submit_next()
    for fut in ac:
        got[chunk_of.pop(fut.key)] = fut.result()["vectors"]
        if todo:
            submit_next()
    sample = np.concatenate([got[i] for i in range(len(chunks))])
    if len(sample) <= args.pca:
        raise ToolError("--fit-sample %d: the PCA needs more than %d items" % (len(sample), args.pca))
    pca = shards.fit_pca(sample, args.pca)
    pca["fit_sample"] = int(len(sample))
    return pca, len(sample)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except ToolError as e:
        log(str(e))
    except (shards.DataError, shards.ModelOutputError) as e:
        log("%s (--data %s, --model %s)" % (e, args.data, args.model))
    except shards.StorageError as e:
        log(str(e))
    except KeyboardInterrupt:
        log("interrupted; the shards of this run were removed from --output %s" % args.output)
    except Exception as e:  # noqa: BLE001 - a worker lost, a library error on the cluster
        log("a task failed on the cluster: %s: %s" % (type(e).__name__, str(e).strip().splitlines()[0]
                                                       if str(e).strip() else "(no message)"))
    return 1


if __name__ == "__main__":
    sys.exit(main())
