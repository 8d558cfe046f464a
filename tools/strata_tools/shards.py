"""Shard folders of encoded vectors, and the data side of encoding outside Strata.

A shard folder (docs/distributed-encoding.md) holds the vectors of N items split into
files that can be written independently:

    DIR/manifest.json      {"format": "strata-shards", "version": 1,
                            "kind": "latents" | "coordinates", "dims": D, "items": N,
                            "shards": [{"vectors": "part-00000.npy",
                                        "labels": "labels-00000.npy", "items": n0}, ...],
                            "model": ..., "data": ..., "layer": "all-layers" | NAME}
    DIR/part-00000.npy     float32, C order, little-endian, [n_k, D]
    DIR/labels-00000.npy   int64 [n_k] (only if the data have labels)

Shards are in item order. Every file is written under a temporary name in DIR and
renamed, the manifest last, so a folder with a manifest is complete.

`ImageSource` opens a dataset spec the way Strata does (`fashion-mnist:test`,
`fashion-mnist:train`, a .npy or .npz path, optionally `range=LO,HI:PATH`) without
reading the images: a .npy is memory-mapped, an uncompressed .npz member too, and
`raw(first, stop)` reads one slice. `to_unit_floats` maps such a slice to the
[0, 1] floats Strata holds (uint8 / 255, uint16 / 65535, binary 0/1 kept, float
images from their range), and `encode_means` feeds them to a contract model as
Strata does (contract.to_model_inputs) and returns the posterior means.
"""
import gzip
import json
import os
import re
import struct
import zipfile
from typing import Dict, List, Optional

import numpy as np

FORMAT = "strata-shards"
VERSION = 1
KINDS = ("latents", "coordinates")
MANIFEST = "manifest.json"
ALL_LAYERS = "all-layers"
MAX_CLASSES = 10000           # Strata's kMaxClasses: labels are 0 .. 9999
IMAGE_KEYS = ("imgs", "images", "x")      # .npz member names, in Strata's order
LABEL_KEYS = ("labels", "y")
SHARD_FILE = re.compile(r"^(part|labels)-\d{5,}\.npy$")


class DataError(ValueError):
    """A dataset Strata would refuse; the message names the file (and the array)."""


class ModelOutputError(ValueError):
    """A model output that breaks the contract (section 4a); names method, tensor and item."""


class StorageError(RuntimeError):
    """A worker cannot read or write a path it was given (shared storage)."""


# --------------------------------------------------------------------------
# Shard folders
# --------------------------------------------------------------------------
def shard_file_names(k: int):
    return "part-%05d.npy" % k, "labels-%05d.npy" % k


def save_npy_atomic(folder: str, name: str, array: np.ndarray) -> None:
    """np.save into folder/name through a temporary file in the same folder and a rename."""
    tmp = os.path.join(folder, ".%s.tmp-%d" % (name, os.getpid()))
    with open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(folder, name))


def write_shard(folder: str, k: int, vectors: np.ndarray, labels: Optional[np.ndarray]) -> Dict:
    """Writes shard k (vectors float32 [n, D], labels int64 [n] or None); returns its entry."""
    vec_name, lab_name = shard_file_names(k)
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    if vectors.ndim != 2:
        raise ValueError("shard %d: vectors must be [n, D], got shape %s" % (k, vectors.shape))
    save_npy_atomic(folder, vec_name, vectors)
    entry = {"vectors": vec_name}
    if labels is not None:
        labels = np.ascontiguousarray(labels, dtype="<i8")
        if labels.shape != (vectors.shape[0],):
            raise ValueError("shard %d: %d labels for %d vectors" % (k, labels.size, vectors.shape[0]))
        save_npy_atomic(folder, lab_name, labels)
        entry["labels"] = lab_name
    entry["items"] = int(vectors.shape[0])
    return entry


def make_manifest(kind: str, dims: int, shards: List[Dict], model: str, data: str,
                  layer: str, **extra) -> Dict:
    if kind not in KINDS:
        raise ValueError("kind must be one of %s, got %r" % (KINDS, kind))
    manifest = {"format": FORMAT, "version": VERSION, "kind": kind, "dims": int(dims),
                "items": int(sum(s["items"] for s in shards)), "shards": shards,
                "model": model, "data": data, "layer": layer}
    manifest.update(extra)
    return manifest


def write_manifest(folder: str, manifest: Dict) -> None:
    tmp = os.path.join(folder, ".%s.tmp-%d" % (MANIFEST, os.getpid()))
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(folder, MANIFEST))


def read_manifest(folder: str) -> Dict:
    """The manifest of a shard folder, checked against the format; raises ValueError."""
    path = os.path.join(folder, MANIFEST)
    with open(path) as f:
        m = json.load(f)
    where = path
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise ValueError("%s: not a %s manifest" % (where, FORMAT))
    if m.get("version") != VERSION:
        raise ValueError("%s: version %r, expected %d" % (where, m.get("version"), VERSION))
    if m.get("kind") not in KINDS:
        raise ValueError("%s: kind %r, expected one of %s" % (where, m.get("kind"), KINDS))
    for key in ("dims", "items"):
        if not isinstance(m.get(key), int) or isinstance(m.get(key), bool) or m[key] < 1:
            raise ValueError("%s: %s must be a positive whole number" % (where, key))
    shards = m.get("shards")
    if not isinstance(shards, list) or not shards:
        raise ValueError("%s: shards must be a non-empty list" % where)
    total = 0
    for i, s in enumerate(shards):
        if not isinstance(s, dict) or not isinstance(s.get("vectors"), str) or not isinstance(s.get("items"), int):
            raise ValueError("%s: shards[%d] needs vectors (a file name) and items" % (where, i))
        for key in ("vectors", "labels"):
            name = s.get(key)
            if name is not None and (not isinstance(name, str) or os.path.basename(name) != name):
                raise ValueError("%s: shards[%d].%s must be a file name in the folder" % (where, i, key))
        total += s["items"]
    if total != m["items"]:
        raise ValueError("%s: the shards hold %d items, items says %d" % (where, total, m["items"]))
    if len({"labels" in s for s in shards}) != 1:
        raise ValueError("%s: some shards have labels and some do not" % where)
    return m


def load_shards(folder: str):
    """(manifest, vectors float32 [N, D], labels int64 [N] or None): the whole folder in memory,
    each shard checked against the manifest."""
    m = read_manifest(folder)
    vecs, labs = [], []
    for i, s in enumerate(m["shards"]):
        v = np.load(os.path.join(folder, s["vectors"]), allow_pickle=False)
        if v.dtype != np.dtype("<f4") or v.shape != (s["items"], m["dims"]) or not v.flags.c_contiguous:
            raise ValueError("%s: %s is %s %s, expected <f4 [%d, %d]"
                             % (folder, s["vectors"], v.dtype, v.shape, s["items"], m["dims"]))
        vecs.append(v)
        if "labels" in s:
            lab = np.load(os.path.join(folder, s["labels"]), allow_pickle=False)
            if lab.dtype != np.dtype("<i8") or lab.shape != (s["items"],):
                raise ValueError("%s: %s is %s %s, expected <i8 [%d]"
                                 % (folder, s["labels"], lab.dtype, lab.shape, s["items"]))
            labs.append(lab)
    return m, np.concatenate(vecs), (np.concatenate(labs) if labs else None)


def prepare_output(folder: str, force: bool) -> None:
    """Creates `folder`; refuses a non-empty one unless `force`, which removes the manifest
    first (so the folder never looks complete), then earlier shard files and coordinates/,
    and leaves other files alone."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise FileExistsError("--output %s: exists and is not a folder" % folder)
    os.makedirs(folder, exist_ok=True)
    entries = os.listdir(folder)
    if not entries:
        return
    if not force:
        raise FileExistsError("--output %s: the folder is not empty (%d %s); choose an empty or new "
                              "folder, or pass --force to replace its shards"
                              % (folder, len(entries), "entry" if len(entries) == 1 else "entries"))
    remove_shards(folder)


def remove_shards(folder: str) -> None:
    """Removes the manifests, shard files and temporary files of `folder` and of its
    coordinates/ folder (then removed if empty); other files stay."""
    for sub in (os.path.join(folder, "coordinates"), folder):
        if not os.path.isdir(sub):
            continue
        if os.path.exists(os.path.join(sub, MANIFEST)):
            os.remove(os.path.join(sub, MANIFEST))
        for name in os.listdir(sub):
            if SHARD_FILE.match(name) or (name.startswith(".") and ".tmp-" in name):
                os.remove(os.path.join(sub, name))
    coords = os.path.join(folder, "coordinates")
    if os.path.isdir(coords) and not os.listdir(coords):
        os.rmdir(coords)


# --------------------------------------------------------------------------
# Datasets, read lazily
# --------------------------------------------------------------------------
def fashion_mnist_dir() -> str:
    """Strata's STRATA_FASHION_MNIST_DIR, else the tools' STRATA_FASHION_DIR / default."""
    from . import data
    return os.environ.get("STRATA_FASHION_MNIST_DIR") or data.fashion_dir()


def _npz_member(path: str, key: str):
    """(shape, dtype, fortran_order, memmap or None) of a member of an .npz without reading
    its data: a stored (uncompressed) member is memory-mapped, a compressed one is not."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(key + ".npy")
        with z.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                shape, fortran, dtype = np.lib.format._read_array_header(f, version)
            header_len = f.tell()
    mm = None
    if info.compress_type == zipfile.ZIP_STORED and not dtype.hasobject:
        with open(path, "rb") as raw:
            raw.seek(info.header_offset)
            local = raw.read(30)
            name_len, extra_len = struct.unpack("<HH", local[26:30])
            offset = info.header_offset + 30 + name_len + extra_len + header_len
        mm = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape,
                       order="F" if fortran else "C")
    return tuple(shape), dtype, fortran, mm


def parse_spec(spec: str):
    """(path or fashion split, declared range or None) of a dataset spec."""
    rng = None
    m = re.match(r"^range=([^,:]+),([^:]+):(.+)$", spec)
    if m:
        try:
            lo, hi = float(m.group(1)), float(m.group(2))
        except ValueError:
            raise DataError("--data %s: range=LOW,HIGH:FILE needs two numbers" % spec)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise DataError("--data %s: the range must be finite with LOW < HIGH" % spec)
        rng, spec = (lo, hi), m.group(3)
    return spec, rng


class ImageSource:
    """A dataset spec opened lazily. Attributes: spec (as given), items, shape (C, H, W),
    has_labels, kind ("npy", "npz", "fashion"). Picklable: a copy re-opens the file where it
    is unpickled (the workers' side with shared storage)."""

    def __init__(self, spec: str):
        self.spec = spec
        target, self.range = parse_spec(spec)
        self.label_key = None
        self.image_key = None
        if target in ("fashion-mnist:test", "fashion-mnist:train"):
            split = "t10k" if target.endswith("test") else "train"
            folder = fashion_mnist_dir()
            self.kind = "fashion"
            self.name = os.path.join(folder, split + "-images-idx3-ubyte.gz")
            self.path = os.path.abspath(self.name)
            self.label_path = os.path.abspath(os.path.join(folder, split + "-labels-idx1-ubyte.gz"))
            if self.range is not None:
                raise DataError("--data %s: Fashion-MNIST is uint8 and has a fixed range" % spec)
            for p in (self.path, self.label_path):
                if not os.path.isfile(p):
                    raise DataError("--data %s: %s not found (set STRATA_FASHION_MNIST_DIR to the folder "
                                    "of the IDX .gz files)" % (spec, p))
            with gzip.open(self.path, "rb") as f:
                head = f.read(16)
            if len(head) < 16 or head[:4] != b"\x00\x00\x08\x03":
                raise DataError("%s: not an IDX file of uint8 images" % self.path)
            n, h, w = struct.unpack(">III", head[4:16])
            self.raw_shape, self.dtype = (n, h, w), np.dtype(np.uint8)
            self.has_labels = True
        elif target.startswith("fashion-mnist:"):
            raise DataError("--data %s: expected fashion-mnist:test or fashion-mnist:train" % spec)
        else:
            self.name, self.path = target, os.path.abspath(target)
            if not os.path.isfile(target):
                raise DataError("--data %s: file not found" % target)
            low = target.lower()
            if low.endswith(".npy"):
                self.kind = "npy"
                try:
                    arr = np.load(target, mmap_mode="r", allow_pickle=False)
                except (ValueError, OSError) as e:
                    raise DataError("%s: cannot read as .npy (%s)" % (target, e))
                self.raw_shape, self.dtype = tuple(arr.shape), arr.dtype
                self.has_labels = False
            elif low.endswith(".npz"):
                self.kind = "npz"
                try:
                    with zipfile.ZipFile(target) as z:
                        names = {n[:-4] for n in z.namelist() if n.endswith(".npy")}
                except (zipfile.BadZipFile, OSError) as e:
                    raise DataError("%s: cannot read as .npz (%s)" % (target, e))
                self.image_key = next((k for k in IMAGE_KEYS if k in names), None)
                if self.image_key is None:
                    raise DataError("%s: no image array (expected a key imgs, images or x)" % target)
                self.label_key = next((k for k in LABEL_KEYS if k in names), None)
                self.raw_shape, self.dtype, _, _ = _npz_member(target, self.image_key)
                self.has_labels = self.label_key is not None
                if "pixel_range" in names:
                    declared = np.load(target, allow_pickle=False)["pixel_range"]
                    if declared.shape != (2,) or not np.all(np.isfinite(declared)) or not declared[0] < declared[1]:
                        raise DataError("%s (pixel_range): pixel_range must be two finite numbers [low, high], "
                                        "low < high" % target)
                    declared = (float(declared[0]), float(declared[1]))
                    if self.range is not None and self.range != declared:
                        raise DataError("%s (pixel_range): the file declares pixel_range [%g, %g], but it was "
                                        "opened with range=%g,%g" % ((target,) + declared + self.range))
                    self.range = declared
            else:
                raise DataError("--data %s: expected a .npy or .npz file, fashion-mnist:test or "
                                "fashion-mnist:train" % target)
        self._layout()
        self._arrays = {}

    @property
    def where(self) -> str:
        return "%s (%s)" % (self.name, self.image_key) if self.image_key else self.name

    def _layout(self):
        s = self.raw_shape
        if len(s) == 3:
            self.shape, self.channels_last = (1, s[1], s[2]), False
        elif len(s) == 4 and s[1] in (1, 3):
            self.shape, self.channels_last = (s[1], s[2], s[3]), False
        elif len(s) == 4 and s[3] in (1, 3):
            self.shape, self.channels_last = (s[3], s[1], s[2]), True
        else:
            raise DataError("%s: images must be [N, H, W], [N, C, H, W] or [N, H, W, C] with C = 1 or 3, "
                            "got shape %s" % (self.where, list(s)))
        if s[0] < 1 or min(self.shape) < 1:
            raise DataError("%s: images of shape %s hold no pixels" % (self.where, list(s)))
        self.items = int(s[0])
        k = self.dtype.kind
        if k == "f":
            self.float_images = True
        elif k in "uib":
            self.float_images = False
            if self.range is not None:
                raise DataError("%s: a pixel range is declared, but the images are %s, not floats (integer "
                                "images have fixed ranges)" % (self.where, self.dtype))
        else:
            raise DataError("%s: images of type %s are not supported: store uint8 (0 to 255), uint16 "
                            "(0 to 65535) or floats in [0, 1]" % (self.where, self.dtype))

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_arrays"] = {}
        return state

    # -- reading -----------------------------------------------------------
    def _images(self):
        if "images" not in self._arrays:
            if self.kind == "npy":
                arr = np.load(self.path, mmap_mode="r", allow_pickle=False)
            elif self.kind == "npz":
                _, _, _, arr = _npz_member(self.path, self.image_key)
                if arr is None:      # compressed: read once per process
                    arr = np.load(self.path, allow_pickle=False)[self.image_key]
            else:
                from . import data
                arr = data.read_idx(self.path)
            if tuple(arr.shape) != tuple(self.raw_shape):
                raise DataError("%s: changed while it was read (shape %s, was %s)"
                                % (self.where, list(arr.shape), list(self.raw_shape)))
            self._arrays["images"] = arr
        return self._arrays["images"]

    def _labels(self):
        if "labels" not in self._arrays:
            if self.kind == "npz":
                _, _, _, arr = _npz_member(self.path, self.label_key)
                if arr is None:
                    arr = np.load(self.path, allow_pickle=False)[self.label_key]
                where = "%s (%s)" % (self.name, self.label_key)
            else:
                from . import data
                arr, where = data.read_idx(self.label_path), self.label_path
            if arr.size != self.items:
                raise DataError("%s: labels do not match images: %d labels for %d images"
                                % (where, arr.size, self.items))
            self._arrays["labels"] = (arr.reshape(-1), where)
        return self._arrays["labels"]

    def raw(self, first: int, stop: int) -> np.ndarray:
        """Items first .. stop-1 as stored (dtype and layout of the file), in memory."""
        return np.array(self._images()[first:stop])

    def raw_rows(self, indices: np.ndarray) -> np.ndarray:
        """The items at sorted `indices`, as stored."""
        return np.array(self._images()[np.asarray(indices, dtype=np.int64)])

    def labels(self, first: int, stop: int) -> Optional[np.ndarray]:
        """int64 labels of items first .. stop-1 (None without labels); refuses labels Strata
        refuses (whole numbers 0 .. 9999)."""
        if not self.has_labels:
            return None
        arr, where = self._labels()
        part = np.asarray(arr[first:stop])
        if part.dtype.kind == "f":
            bad = ~(np.isfinite(part) & (part == np.round(part)))
        elif part.dtype.kind in "uib":
            bad = np.zeros(part.shape, bool)
        else:
            raise DataError("%s: labels of type %s are not whole numbers" % (where, part.dtype))
        out = np.zeros(part.shape, np.int64)
        out[~bad] = part[~bad].astype(np.int64)
        bad |= (out < 0) | (out >= MAX_CLASSES)
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError("%s: item %d has label %s; labels must be whole numbers from 0 to %d"
                            % (where, first + i, part[i], MAX_CLASSES - 1))
        return out

    def conversion(self, chunk: int = 1 << 16) -> Dict:
        """How raw slices map to [0, 1] floats, as Strata decides it for the whole file. Integer
        images holding only 0 and 1 are binary (kept as 0 and 1): that takes a scan, which stops
        at the first other value (the first image, for photographs)."""
        conv = {"float": self.float_images, "shape": self.shape, "channels_last": self.channels_last,
                "where": self.where}
        if self.float_images:
            lo, hi = self.range if self.range is not None else (0.0, 1.0)
            conv.update(low=lo, high=hi, declared=self.range is not None)
            return conv
        images = self._images()
        binary = True
        for first in range(0, self.items, chunk):
            part = np.asarray(images[first:first + chunk])
            if ((part != 0) & (part != 1)).any():
                binary = False
                break
        if binary:
            conv["scale"] = "binary"
        elif self.dtype == np.uint8:
            conv["scale"] = "uint8"
        elif self.dtype == np.uint16:
            conv["scale"] = "uint16"
        else:
            raise DataError("%s: images of type %s are not supported: store uint8 (0 to 255), uint16 "
                            "(0 to 65535) or floats in [0, 1]" % (self.where, self.dtype))
        return conv


def item_number(first, i: int) -> int:
    """Dataset index of row i of a slice that starts at item `first` (or of rows `first`, an
    array of item indices)."""
    return int(first[i]) if isinstance(first, np.ndarray) else int(first) + i


def to_unit_floats(raw: np.ndarray, conv: Dict, first=0) -> np.ndarray:
    """float32 [n, C, H, W] in [0, 1], exactly as Strata converts the stored values (uint8:
    v * (1.0f / 255.0f) in float; uint16: v / 65535 and float images (v - low) / (high - low)
    in double, then float; binary 0/1 as they are). `first` (the first item's index, or the
    items' indices) numbers the items in messages."""
    n = raw.shape[0]
    c, h, w = conv["shape"]
    if conv["channels_last"]:
        raw = raw.reshape(n, h, w, c).transpose(0, 3, 1, 2)
    raw = raw.reshape(n, c, h, w)
    if conv["float"]:
        lo, hi = conv["low"], conv["high"]
        v = np.asarray(raw, dtype=np.float64)
        finite = np.isfinite(v).reshape(n, -1).all(1)
        if not finite.all():
            i = int(np.argmin(finite))
            raise DataError("%s: image %d contains %s; images must hold finite values in [%g, %g]"
                            % (conv["where"], item_number(first, i), v[i][~np.isfinite(v[i])].flat[0], lo, hi))
        vmin, vmax = (float(v.min()), float(v.max())) if n else (lo, hi)
        if vmin < lo or vmax > hi:
            bad = ((v < lo) | (v > hi)).reshape(n, -1).any(1)
            i = int(np.argmax(bad))
            if conv["declared"]:
                raise DataError("%s: float images lie in [%g, %g] (image %d), outside the declared range "
                                "[%g, %g]" % (conv["where"], vmin, vmax, item_number(first, i), lo, hi))
            raise DataError("%s: float images must lie in [0, 1]; found values in [%g, %g] (image %d); "
                            "images stored in another range can say so with an array pixel_range = "
                            "[low, high] in the .npz, or be opened as range=LOW,HIGH:FILE"
                            % (conv["where"], vmin, vmax, item_number(first, i)))
        out = ((v - lo) * (1.0 / (hi - lo))).astype(np.float32)
    elif conv["scale"] == "uint8":
        out = raw.astype(np.float32) * (np.float32(1.0) / np.float32(255.0))
    elif conv["scale"] == "uint16":
        out = (raw.astype(np.float64) * (1.0 / 65535)).astype(np.float32)
    else:
        out = raw.astype(np.float32)
    return np.ascontiguousarray(out, dtype=np.float32)


# --------------------------------------------------------------------------
# Encoding with a contract model
# --------------------------------------------------------------------------
def layer_selection(meta: Dict, layer: str):
    """(indices of the layers encoded, top first; dims) for "all-layers" or a layer's name."""
    names = [l["name"] for l in meta["layers"]]
    sizes = [int(np.prod(l["shape"])) for l in meta["layers"]]
    if layer == ALL_LAYERS:
        return list(range(len(names))), int(sum(sizes))
    if layer not in names:
        raise ValueError("--layer %s: the model has no such layer (its layers, top first: %s)"
                         % (layer, ", ".join(names)))
    i = names.index(layer)
    return [i], sizes[i]


def encode_means(module, meta: Dict, x01: np.ndarray, layers: List[int], batch: int = 500,
                 first=0) -> np.ndarray:
    """Posterior means (posterior(x, sample=False)["q_mean"]) of the chosen layers, each
    flattened in C order and concatenated top first: float32 [n, D]. x01 is float32
    [n, C, H, W] in [0, 1]; it enters the model mapped as Strata maps it (range, then
    contract 2 normalisation). Checks each output as Strata does at run time; `first` numbers
    the items in messages as in to_unit_floats."""
    import torch
    from . import contract
    shapes = [list(l["shape"]) for l in meta["layers"]]
    n = x01.shape[0]
    out = []
    with torch.no_grad():
        for b0 in range(0, n, batch):
            x = contract.to_model_inputs(torch.from_numpy(x01[b0:b0 + batch]), meta)
            m = x.shape[0]
            post = module.posterior(x, False)
            q = post["q_mean"]
            if len(q) != len(shapes):
                raise ModelOutputError("posterior.q_mean: %d tensors, expected %d (one per layer)"
                                       % (len(q), len(shapes)))
            parts = []
            for l in layers:
                t = q[l]
                if t.dtype != torch.float32 or list(t.shape) != [m] + shapes[l]:
                    raise ModelOutputError("posterior.q_mean[%d]: returned %s %s, expected float32 %s "
                                           "(batch from item %d)" % (l, t.dtype, list(t.shape), [m] + shapes[l],
                                                                     item_number(first, b0)))
                finite = torch.isfinite(t.reshape(m, -1)).all(1)
                if not bool(finite.all()):
                    i = int(torch.nonzero(~finite)[0])
                    raise ModelOutputError("posterior.q_mean[%d]: returned NaN or Inf (item %d)"
                                           % (l, item_number(first, b0 + i)))
                parts.append(t.reshape(m, -1))
            out.append(torch.cat(parts, 1).numpy())
    return np.ascontiguousarray(np.concatenate(out), dtype=np.float32)


def fit_pca(sample: np.ndarray, components: int) -> Dict:
    """scikit-learn's exact PCA (full SVD, double precision) of the sample, as a dict of
    mean [D], components [K, D] (unit rows) and explained variance (ratio)."""
    from sklearn.decomposition import PCA
    pca = PCA(n_components=components, svd_solver="full").fit(np.asarray(sample, dtype=np.float64))
    return {"mean": pca.mean_.tolist(), "components": pca.components_.tolist(),
            "explained_variance": pca.explained_variance_.tolist(),
            "explained_variance_ratio": pca.explained_variance_ratio_.tolist()}


def pca_transform(vectors: np.ndarray, pca: Dict) -> np.ndarray:
    """(x - mean) @ components.T in double precision, as float32 [n, K]."""
    mean = np.asarray(pca["mean"], dtype=np.float64)
    comp = np.asarray(pca["components"], dtype=np.float64)
    return np.ascontiguousarray((np.asarray(vectors, np.float64) - mean) @ comp.T, dtype=np.float32)
