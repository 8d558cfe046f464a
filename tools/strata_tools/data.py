"""Data sources for the bundled Strata models.

* Fashion-MNIST from the IDX (gzip) files.
* dSprites-style images rendered procedurally (exact, deterministic spec below).
"""
import gzip
import math
import os
import struct

import numpy as np

FASHION_DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

# The "data" section of the Fashion-MNIST models' cards.
FASHION_CARD_DATA = {
    "training": "Fashion-MNIST train split, all 60000 images (train-images-idx3-ubyte.gz)",
    "evaluation": "Fashion-MNIST t10k split, all 10000 images (t10k-images-idx3-ubyte.gz)",
    "preprocessing": "grey value / 255 in [0,1], no binarisation",
    "likelihood": "Bernoulli on grey values (cross-entropy); values are therefore "
                  "bounds on a Bernoulli 'likelihood' of continuous data, not of binarised images",
}


# --------------------------------------------------------------------------
# IDX / Fashion-MNIST
# --------------------------------------------------------------------------
def read_idx(path):
    """Read an IDX file (optionally gzip-compressed) into a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise ValueError("%s: not an IDX file" % path)
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4",
              0x0D: ">f4", 0x0E: ">f8"}
    if dtype_code not in dtypes:
        raise ValueError("%s: unknown IDX type 0x%02x" % (path, dtype_code))
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=dtypes[dtype_code], offset=4 + 4 * ndim)
    return arr.reshape(dims)


def fashion_dir():
    return os.environ.get("STRATA_FASHION_DIR", FASHION_DEFAULT_DIR)


def load_fashion(split, root=None):
    """Return (images uint8 [N,28,28], labels uint8 [N]) for split 'train' or 't10k'/'test'."""
    root = root or fashion_dir()
    prefix = {"train": "train", "test": "t10k", "t10k": "t10k"}[split]
    imgs = read_idx(os.path.join(root, prefix + "-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(root, prefix + "-labels-idx1-ubyte.gz"))
    return np.ascontiguousarray(imgs), np.ascontiguousarray(labels)


def fashion_float(split, root=None):
    """Images as float32 [N,1,28,28] in [0,1] (grey value / 255) and int64 labels."""
    imgs, labels = load_fashion(split, root)
    x = imgs.astype(np.float32)[:, None] / np.float32(255.0)
    return x, labels.astype(np.int64)


# --------------------------------------------------------------------------
# dSprites generator
# --------------------------------------------------------------------------
# Factor sizes: shape 3, scale 6, orientation 40, pos_x 32, pos_y 32 (737280 images).
DSPRITES_FACTORS = ["shape", "scale", "orientation", "pos_x", "pos_y"]
DSPRITES_SIZES = (3, 6, 40, 32, 32)
DSPRITES_COUNT = 3 * 6 * 40 * 32 * 32
DSPRITES_SHAPES = ["square", "ellipse", "heart"]
DSPRITES_SIZE = 64


def linspace_value(start, stop, n, i):
    """Element i of numpy.linspace(start, stop, n) (float64), written out so it
    can be reproduced bit-exactly elsewhere:
        step = (stop - start) / (n - 1);  value = i * step + start;  last element = stop.
    """
    if i == n - 1:
        return float(stop)
    step = (stop - start) / (n - 1)
    return float(i) * step + start


def dsprites_factor_values(scale_idx, orient_idx, posx_idx, posy_idx):
    """Factor values (float64) for the given indices:
    scale = linspace(0.5,1,6)[i]; orientation = linspace(0,2*pi,40)[i];
    pos_x = linspace(0,1,32)[i]; pos_y = linspace(0,1,32)[i]."""
    return (linspace_value(0.5, 1.0, 6, scale_idx),
            linspace_value(0.0, 2.0 * math.pi, 40, orient_idx),
            linspace_value(0.0, 1.0, 32, posx_idx),
            linspace_value(0.0, 1.0, 32, posy_idx))


def dsprites_flat_index(shape, scale_idx, orient_idx, posx_idx, posy_idx):
    return ((((shape * 6 + scale_idx) * 40 + orient_idx) * 32 + posx_idx) * 32 + posy_idx)


def dsprites_unflatten(index):
    """Inverse of dsprites_flat_index; works on ints or integer arrays."""
    posy = index % 32
    index = index // 32
    posx = index % 32
    index = index // 32
    orient = index % 40
    index = index // 40
    scale = index % 6
    shape = index // 6
    return shape, scale, orient, posx, posy


def _inside(shape, u, v):
    """Inside test in local (unit) coordinates; all float64.
    square : max(|u|,|v|) <= 1
    ellipse: u*u + (2v)*(2v) <= 1                 (== u^2 + (v/0.5)^2, exact)
    heart  : a = u*1.2; b = -v*1.2 + 0.25; q = a*a + b*b - 1;
             q*q*q - (a*a)*(b*b*b) <= 0
    """
    if shape == 0:
        return np.maximum(np.abs(u), np.abs(v)) <= 1.0
    if shape == 1:
        v2 = v * 2.0
        return u * u + v2 * v2 <= 1.0
    if shape == 2:
        a = u * 1.2
        b = (-v) * 1.2 + 0.25
        q = a * a + b * b - 1.0
        return q * q * q - (a * a) * (b * b * b) <= 0.0
    raise ValueError("shape must be 0, 1 or 2")


def _render(shape, scale, t, pos_x, pos_y):
    # Pixel centres: px = c + 0.5 (column), py = r + 0.5 (row).
    centres = np.arange(DSPRITES_SIZE, dtype=np.float64) + 0.5
    py = centres[:, None]
    px = centres[None, :]
    cx = 16.0 + 32.0 * pos_x
    cy = 16.0 + 32.0 * pos_y
    s = 10.0 * scale
    dx = px - cx
    dy = py - cy
    ct = math.cos(t)
    st = math.sin(t)
    u = (ct * dx + st * dy) / s
    v = ((-st) * dx + ct * dy) / s
    return _inside(shape, u, v)


def dsprites_image(shape, scale_idx, orient_idx, posx_idx, posy_idx):
    """Render one 64x64 dSprites-style image, np.uint8 with values {0,1}.

    Spec (float64 throughout):
      pixel (row r, col c): px = c + 0.5, py = r + 0.5
      centre cx = 16 + 32*pos_x, cy = 16 + 32*pos_y; half-size s = 10*scale
      dx = px - cx, dy = py - cy, t = orientation
      u = (cos(t)*dx + sin(t)*dy) / s,  v = (-sin(t)*dx + cos(t)*dy) / s
      pixel = 1 iff inside (see _inside).
    """
    scale, t, pos_x, pos_y = dsprites_factor_values(scale_idx, orient_idx, posx_idx, posy_idx)
    return _render(int(shape), scale, t, pos_x, pos_y).astype(np.uint8)


def dsprites_batch(indices):
    """Vectorised: flat indices (int array [N]) -> np.uint8 [N,64,64], identical to
    calling dsprites_image on each unflattened index."""
    indices = np.asarray(indices, dtype=np.int64).reshape(-1)
    shape, scale_i, orient_i, posx_i, posy_i = dsprites_unflatten(indices)
    scale_tab = np.array([linspace_value(0.5, 1.0, 6, i) for i in range(6)])
    orient_tab = np.array([linspace_value(0.0, 2.0 * math.pi, 40, i) for i in range(40)])
    pos_tab = np.array([linspace_value(0.0, 1.0, 32, i) for i in range(32)])
    cos_tab = np.array([math.cos(t) for t in orient_tab])
    sin_tab = np.array([math.sin(t) for t in orient_tab])
    out = np.zeros((indices.shape[0], DSPRITES_SIZE, DSPRITES_SIZE), dtype=np.uint8)
    centres = np.arange(DSPRITES_SIZE, dtype=np.float64) + 0.5
    chunk = 2048
    for start in range(0, indices.shape[0], chunk):
        sl = slice(start, start + chunk)
        cx = (16.0 + 32.0 * pos_tab[posx_i[sl]])[:, None, None]
        cy = (16.0 + 32.0 * pos_tab[posy_i[sl]])[:, None, None]
        s = (10.0 * scale_tab[scale_i[sl]])[:, None, None]
        ct = cos_tab[orient_i[sl]][:, None, None]
        st = sin_tab[orient_i[sl]][:, None, None]
        dx = centres[None, None, :] - cx
        dy = centres[None, :, None] - cy
        u = (ct * dx + st * dy) / s
        v = ((-st) * dx + ct * dy) / s
        sh = shape[sl]
        res = np.zeros(u.shape, dtype=bool)
        for k in range(3):
            m = sh == k
            if m.any():
                res[m] = _inside(k, u[m], v[m])
        out[sl] = res
    return out

