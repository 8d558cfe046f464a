"""Writes the held-out dSprites indices of the bundled dSprites model (the items its card was
evaluated on) for the C++ card test: tests/data/models/dsprites_tcvae_eval_indices.npy.
The split is read from the model card's hyper-parameters (seed, train_images, eval_images),
exactly as tools/train_dsprites_tcvae.py draws it.

    /usr/bin/python3 tools/write_dsprites_eval_indices.py
"""
import json
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TOTAL = 3 * 6 * 40 * 32 * 32


def main():
    card = json.load(open(os.path.join(ROOT, "resources", "models", "dsprites_tcvae.card.json")))
    hp = card["hyperparameters"]
    perm = np.random.RandomState(hp["seed"]).permutation(TOTAL)
    first = hp["train_images"]
    indices = perm[first:first + hp["eval_images"]].astype(np.int64)
    out = os.path.join(ROOT, "tests", "data", "models", "dsprites_tcvae_eval_indices.npy")
    np.save(out, indices)
    print("wrote %d indices to %s" % (len(indices), os.path.relpath(out, ROOT)))


if __name__ == "__main__":
    main()
