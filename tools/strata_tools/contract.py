"""Strata model contract, versions 1 and 2: export helper and validator.

See docs/model-contract.md for the contract itself. The validator applies the
same checks as Strata does on load and reports every violation at once.

    python3 -m strata_tools.validate MODEL.pt      (run from tools/)
"""
import json
import math
import os
import re
import struct
import zipfile
from typing import Dict, List, Optional

import torch

CONTRACT_VERSION = 1          # what make_meta writes unless a version 2 part is asked for
CONTRACT_VERSIONS = (1, 2)    # what Strata reads
ENCODER_METHODS = ("posterior", "log_px")
DECODER_METHODS = ("decode", "prior_sample")
# Argument count of each method, not counting self.
METHOD_ARGS = {"posterior": 2, "decode": 1, "prior_sample": 3, "log_px": 2}
MAX_CLASSES = 1000           # condition.classes
POSTERIOR_KEYS = ("z", "q_mean", "q_logvar", "p_mean", "p_logvar")
PROBE_BATCH = 3
PROBE_SEED = 1234


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------
def make_meta(name: str, channels: int, height: int, width: int,
              layers: List[Dict], training: Optional[Dict] = None,
              factors: Optional[List[str]] = None,
              value_range=(0.0, 1.0), likelihood: str = "bernoulli",
              normalize: Optional[Dict] = None, decode_output: Optional[str] = None,
              classes: Optional[List[str]] = None, classifier: bool = False,
              objective: Optional[Dict] = None) -> Dict:
    """Build the strata_meta dictionary. `layers` is a list of {"name", "shape"} (contract 2:
    also "group" and "display_name"), top first. `normalize` ({"mean": [...], "std": [...]},
    one number per channel, as torchvision's Normalize) and `decode_output` ("mean" or
    "logits") and `classes` (the conditioning classes, with `classifier` if the model has
    q(y|x)) and `objective` ({"beta": b, "decoder_std": s}: the ELBO's weight on KL and a
    Gaussian decoder's fixed standard deviation) are contract 2 parts; asking for any makes
    the metadata version 2."""
    keys = ("name", "shape", "group", "display_name")
    v2 = (normalize is not None or decode_output is not None or classes is not None
          or objective is not None
          or any(k in l for l in layers for k in keys[2:]))
    meta = {
        "contract": 2 if v2 else CONTRACT_VERSION,
        "name": name,
        "input": {"channels": int(channels), "height": int(height), "width": int(width),
                  "range": [float(value_range[0]), float(value_range[1])],
                  "likelihood": likelihood},
        "layers": [{k: ([int(s) for s in l[k]] if k == "shape" else str(l[k]))
                    for k in keys if k in l} for l in layers],
        "training": training or {},
    }
    if normalize is not None:
        meta["input"]["normalize"] = {"mean": [float(v) for v in normalize["mean"]],
                                      "std": [float(v) for v in normalize["std"]]}
    if decode_output is not None:
        meta["output"] = {"decode": decode_output}
    if classes is not None:
        meta["condition"] = {"classes": [str(c) for c in classes], "classifier": bool(classifier)}
    if objective is not None:
        meta["objective"] = {k: float(v) for k, v in objective.items()}
    if factors:
        meta["factors"] = list(factors)
    return meta


def to_model_inputs(x01: torch.Tensor, meta: Dict) -> torch.Tensor:
    """What Strata feeds the model for data `x01` in [0, 1]: the range, then any normalize."""
    lo, hi = meta["input"]["range"]
    v = lo + (hi - lo) * x01
    norm = meta["input"].get("normalize") if meta.get("contract") == 2 else None
    if norm:
        c = len(norm["mean"])
        v = (v - torch.tensor(norm["mean"]).reshape(1, c, 1, 1)) / torch.tensor(norm["std"]).reshape(1, c, 1, 1)
    return v


def to_data_units(decoded: torch.Tensor, meta: Dict) -> torch.Tensor:
    """What Strata shows for a decode result, in [0, 1]: sigmoid of logits, or the mean with
    any normalize undone and the range mapped back."""
    if meta.get("contract") == 2 and meta.get("output", {}).get("decode") == "logits":
        return torch.sigmoid(decoded)
    v = decoded
    norm = meta["input"].get("normalize") if meta.get("contract") == 2 else None
    if norm:
        c = len(norm["mean"])
        v = v * torch.tensor(norm["std"]).reshape(1, c, 1, 1) + torch.tensor(norm["mean"]).reshape(1, c, 1, 1)
    lo, hi = meta["input"]["range"]
    return (v - lo) / (hi - lo)


def export(model: torch.nn.Module, path: str, meta: Dict) -> torch.jit.ScriptModule:
    """Set model.strata_meta, script the model (eval mode) and save it to `path`.

    The model class should declare `strata_meta: str` at class level and implement
    the contract methods with @torch.jit.export."""
    model = model.eval()
    model.strata_meta = json.dumps(meta, sort_keys=False)
    scripted = torch.jit.script(model)
    scripted.save(path)
    scrub_source_paths(path)
    return scripted


def scrub_source_paths(path: str, root: Optional[str] = None):
    """TorchScript stores the absolute file name of the compiled Python sources in the
    debug tables (*.debug_pkl) of the archive. Rewrite those names in place: relative to
    `root` (default: the repository containing this file) when inside it, else the bare
    file name. Source lines and everything else are kept unchanged."""
    root = os.path.abspath(root or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    # BINUNICODE: b"X" + uint32 little-endian length + utf-8 bytes
    pattern = re.compile(rb"X(....)(/[^\n\x00]*?\.py)", re.S)

    def fix(data: bytes) -> bytes:
        out, pos = [], 0
        for m in pattern.finditer(data):
            (n,) = struct.unpack("<I", m.group(1))
            name = m.group(2)
            if n != len(name):
                continue
            abs_name = name.decode("utf-8", "replace")
            new = (os.path.relpath(abs_name, root) if abs_name.startswith(root + os.sep)
                   else os.path.basename(abs_name)).encode("utf-8")
            out.append(data[pos:m.start()])
            out.append(b"X" + struct.pack("<I", len(new)) + new)
            pos = m.end()
        out.append(data[pos:])
        return b"".join(out)

    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info.filename)) for info in zin.infolist()]
    if not any(i.filename.endswith(".debug_pkl") for i, _ in entries):
        return
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w") as zout:
        for info, data in entries:
            if info.filename.endswith(".debug_pkl"):
                data = fix(data)
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = info.compress_type
            zi.external_attr = info.external_attr
            zout.writestr(zi, data)
    os.replace(tmp, path)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------
def _is_pos_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def check_meta(meta_text, errors: List[str]) -> Optional[Dict]:
    """Parse and check strata_meta; returns the dict (or None if unusable)."""
    if not isinstance(meta_text, str):
        errors.append("strata_meta: missing or not a string attribute")
        return None
    try:
        meta = json.loads(meta_text)
    except ValueError as e:
        errors.append("strata_meta: not valid JSON (%s)" % e)
        return None
    if not isinstance(meta, dict):
        errors.append("strata_meta: JSON is not an object")
        return None
    usable = True
    version = meta.get("contract")
    if isinstance(version, bool) or version not in CONTRACT_VERSIONS:
        newer = isinstance(version, (int, float)) and not isinstance(version, bool) and version > 2
        errors.append("strata_meta.contract: expected 1 or 2, got %r%s"
                      % (version, " (written for a newer Strata)" if newer else ""))
        usable = False
    if not isinstance(meta.get("name"), str) or not meta.get("name"):
        errors.append("strata_meta.name: missing or not a non-empty string")
    inp = meta.get("input")
    if not isinstance(inp, dict):
        errors.append("strata_meta.input: missing or not an object")
        usable = False
    else:
        for key in ("channels", "height", "width"):
            if not _is_pos_int(inp.get(key)):
                errors.append("strata_meta.input.%s: not a positive integer (%r)" % (key, inp.get(key)))
                usable = False
        rng = inp.get("range")
        if (not isinstance(rng, list) or len(rng) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng)
                or not all(math.isfinite(v) for v in rng) or not rng[0] < rng[1]):
            errors.append("strata_meta.input.range: expected [lo, hi] with lo < hi, got %r" % (rng,))
            usable = False
        if not isinstance(inp.get("likelihood"), str):
            errors.append("strata_meta.input.likelihood: missing or not a string")
    layers = meta.get("layers")
    if not isinstance(layers, list) or not layers:
        errors.append("strata_meta.layers: missing or empty list")
        usable = False
    else:
        names = set()
        for i, layer in enumerate(layers):
            if not isinstance(layer, dict):
                errors.append("strata_meta.layers[%d]: not an object" % i)
                usable = False
                continue
            if not isinstance(layer.get("name"), str) or not layer.get("name"):
                errors.append("strata_meta.layers[%d].name: missing or not a non-empty string" % i)
            elif layer["name"] in names:
                errors.append("strata_meta.layers[%d].name: duplicate name %r" % (i, layer["name"]))
            else:
                names.add(layer["name"])
            shape = layer.get("shape")
            if (not isinstance(shape, list) or len(shape) not in (1, 3)
                    or not all(_is_pos_int(s) for s in shape)):
                errors.append("strata_meta.layers[%d].shape: expected [D] or [C,H,W] of positive "
                              "integers, got %r" % (i, shape))
                usable = False
    if usable and version == 2:
        _check_meta_v2(meta, errors)
    if "training" in meta and not isinstance(meta["training"], dict):
        errors.append("strata_meta.training: not an object")
    if "factors" in meta and (not isinstance(meta["factors"], list)
                              or not all(isinstance(f, str) for f in meta["factors"])):
        errors.append("strata_meta.factors: not a list of strings")
    return meta if usable else None


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_meta_v2(meta: Dict, errors: List[str]) -> None:
    """The optional parts of contract 2, each checked when present."""
    channels = meta["input"]["channels"]
    norm = meta["input"].get("normalize")
    if norm is not None:
        ok = (isinstance(norm, dict) and isinstance(norm.get("mean"), list)
              and isinstance(norm.get("std"), list) and len(norm["mean"]) == channels
              and len(norm["std"]) == channels and all(_number(v) for v in norm["mean"])
              and all(_number(v) and v > 0 for v in norm["std"]))
        if not ok:
            errors.append("strata_meta.input.normalize: expected {\"mean\": [...], \"std\": [...]} "
                          "with %d finite numbers each (one per channel), std > 0" % channels)
    if "output" in meta:
        out = meta["output"]
        decode = out.get("decode", "mean") if isinstance(out, dict) else out
        if decode not in ("mean", "logits"):
            errors.append("strata_meta.output.decode: expected \"mean\" or \"logits\", got %r" % (decode,))
    if "condition" in meta:
        cond = meta["condition"]
        classes = cond.get("classes") if isinstance(cond, dict) else None
        if (not isinstance(classes, list) or not 2 <= len(classes) <= MAX_CLASSES
                or not all(isinstance(c, str) and c.strip() and len(c) <= 200 for c in classes)
                or len(set(classes)) != len(classes)):
            errors.append("strata_meta.condition.classes: expected a list of 2 to %d distinct "
                          "non-empty class names" % MAX_CLASSES)
        elif not isinstance(cond.get("classifier", False), bool):
            errors.append("strata_meta.condition.classifier: expected true or false")
    if "objective" in meta:
        obj = meta["objective"]
        if not isinstance(obj, dict):
            errors.append("strata_meta.objective: expected an object")
        else:
            for key in ("beta", "decoder_std"):
                if key in obj and not (_number(obj[key]) and 0 < obj[key] <= 1e6):
                    errors.append("strata_meta.objective.%s: expected a number in (0, 1e6], got %r"
                                  % (key, obj[key]))
    for i, layer in enumerate(meta["layers"]):
        for key in ("group", "display_name"):
            if key in layer and (not isinstance(layer[key], str) or not layer[key].strip()
                                 or len(layer[key]) > 200):
                errors.append("strata_meta.layers[%d].%s: expected a non-empty name, got %r"
                              % (i, key, layer[key]))


def _method_arg_count(module, name: str) -> Optional[int]:
    """Number of arguments (without self) of a scripted method, None if absent."""
    try:
        method = getattr(module, name)
    except AttributeError:
        return None
    schema = getattr(method, "schema", None)
    if schema is None:
        return None
    return len([a for a in schema.arguments if a.name != "self"])


def _check_tensor(t, shape, what: str, errors: List[str], value_range=None) -> bool:
    if not isinstance(t, torch.Tensor):
        errors.append("%s: not a tensor (%s)" % (what, type(t).__name__))
        return False
    ok = True
    if t.dtype != torch.float32:
        errors.append("%s: dtype %s, expected float32" % (what, t.dtype))
        ok = False
    if list(t.shape) != list(shape):
        errors.append("%s: shape %s, expected %s" % (what, list(t.shape), list(shape)))
        return False
    if not bool(torch.isfinite(t).all()):
        errors.append("%s: contains NaN or Inf" % what)
        return False
    if value_range is not None:
        lo, hi = float(t.min()), float(t.max())
        if lo < value_range[0] or hi > value_range[1]:
            errors.append("%s: values in [%g, %g], outside declared range [%g, %g]"
                          % (what, lo, hi, value_range[0], value_range[1]))
            ok = False
    return ok


def _check_layer_list(out, shapes, what: str, errors: List[str]) -> bool:
    if not isinstance(out, (list, tuple)):
        errors.append("%s: not a list of tensors" % what)
        return False
    if len(out) != len(shapes):
        errors.append("%s: %d tensors, expected %d (one per layer)" % (what, len(out), len(shapes)))
        return False
    ok = True
    for l, (t, s) in enumerate(zip(out, shapes)):
        ok = _check_tensor(t, s, "%s[%d]" % (what, l), errors) and ok
    return ok


def validate_module(module, probe_batch: int = PROBE_BATCH, seed: int = PROBE_SEED) -> Dict:
    """Run every contract check on a loaded (scripted) module.

    Returns {"ok": bool, "errors": [...], "info": {...}}."""
    errors: List[str] = []
    info: Dict = {}
    meta = check_meta(getattr(module, "strata_meta", None), errors)

    # A conditional model (strata_meta.condition) takes y as one more, last argument.
    classes = condition_classes(meta)
    extra = 1 if classes else 0
    present = {}   # method exists with the right argument count
    found = {}
    for name in DECODER_METHODS + ENCODER_METHODS:
        n = _method_arg_count(module, name)
        found[name] = n is not None
        present[name] = n == METHOD_ARGS[name] + extra
        if n is None:
            if name in DECODER_METHODS:
                errors.append("method %s: missing (required)" % name)
        elif n != METHOD_ARGS[name] + extra:
            errors.append("method %s: takes %d arguments, expected %d%s" % (
                name, n, METHOD_ARGS[name] + extra, " (the last one y, for strata_meta.condition)" if extra else ""))
    wants_classifier = bool(classes) and meta["condition"].get("classifier") is True
    if wants_classifier and _method_arg_count(module, "classify") != 1:
        errors.append("method classify: missing or not taking 1 argument (strata_meta.condition.classifier is true)")
        wants_classifier = False
    if found["posterior"] != found["log_px"]:
        errors.append("methods posterior/log_px: provide both or neither (only %s found)"
                      % ("posterior" if found["posterior"] else "log_px"))
    has_encoder = present["posterior"] and present["log_px"]
    info["encoder"] = bool(has_encoder)

    if meta is None:
        return {"ok": False, "errors": errors, "info": info}

    inp = meta["input"]
    rng = (float(inp["range"][0]), float(inp["range"][1]))
    B = probe_batch
    shapes = [[B] + list(l["shape"]) for l in meta["layers"]]
    x_shape = [B, inp["channels"], inp["height"], inp["width"]]
    L = len(shapes)
    info.update({"name": meta.get("name"), "layers": [l["name"] for l in meta["layers"]],
                 "shapes": [l["shape"] for l in meta["layers"]]})
    gen = torch.Generator().manual_seed(seed)
    y_args = [probe_condition(B, len(classes))] if classes else []
    z_full = None
    with torch.no_grad():
        # prior_sample with k = 0 .. L-1 fixed layers
        if present["prior_sample"]:
            for k in range(L):
                eps = [torch.randn(s, generator=gen) for s in shapes[k:]]
                fixed = z_full[:k] if z_full is not None else []
                what = "prior_sample(k=%d)" % k
                try:
                    out = module.prior_sample(fixed, eps, [1.0] * (L - k), *y_args)
                except Exception as e:  # noqa: BLE001 - report anything the model raises
                    errors.append("%s: raised %s" % (what, str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__))
                    break
                if not _check_layer_list(out, shapes, what, errors):
                    break
                if k == 0:
                    z_full = list(out)
                else:
                    for l in range(k):
                        if not torch.equal(out[l], fixed[l]):
                            errors.append("%s: layer %d differs from the fixed input" % (what, l))
        if z_full is None:
            z_full = [torch.randn(s, generator=gen) for s in shapes]
        # decode
        x = None
        if present["decode"]:
            try:
                x = module.decode(z_full, *y_args)
            except Exception as e:  # noqa: BLE001
                errors.append("decode: raised %s" % (str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__))
            if x is not None:
                # Means (normalisation undone) must lie in the declared range; logits may
                # take any finite value. The encoder then reads them back as inputs.
                if not _check_tensor(x, x_shape, "decode", errors):
                    x = None
                else:
                    units = to_data_units(x, meta)
                    shown = rng[0] + (rng[1] - rng[0]) * units
                    if not _check_tensor(shown, x_shape, "decode", errors, rng):
                        x = None
                    else:
                        x = to_model_inputs(units, meta)
        if x is None:
            x = to_model_inputs(torch.rand(x_shape, generator=gen), meta)
        # encoder
        if has_encoder:
            for sample in (False, True):
                what = "posterior(sample=%s)" % sample
                try:
                    post = module.posterior(x, sample, *y_args)
                except Exception as e:  # noqa: BLE001
                    errors.append("%s: raised %s" % (what, str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__))
                    break
                if not isinstance(post, dict):
                    errors.append("%s: does not return a dict" % what)
                    break
                missing = [k for k in POSTERIOR_KEYS if k not in post]
                if missing:
                    errors.append("%s: missing keys %s" % (what, missing))
                    break
                ok = all([_check_layer_list(post[k], shapes, "%s[%s]" % (what, k), errors)
                          for k in POSTERIOR_KEYS])
                if not ok:
                    break
                if not sample:
                    for l in range(L):
                        if not torch.equal(post["z"][l], post["q_mean"][l]):
                            errors.append("%s: z[%d] differs from q_mean[%d]" % (what, l, l))
                try:
                    lp = module.log_px(x, post["z"], *y_args)
                except Exception as e:  # noqa: BLE001
                    errors.append("log_px: raised %s" % (str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__))
                    break
                _check_tensor(lp, [B], "log_px", errors)
        if wants_classifier:
            try:
                _check_tensor(module.classify(x), [B, len(classes)], "classify", errors)
            except Exception as e:  # noqa: BLE001
                errors.append("classify: raised %s" % (str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__))
    return {"ok": not errors, "errors": errors, "info": info}


def condition_classes(meta: Optional[Dict]) -> List[str]:
    """The conditioning classes a valid strata_meta declares (contract 2), else []."""
    if not meta or meta.get("contract") != 2 or not isinstance(meta.get("condition"), dict):
        return []
    classes = meta["condition"].get("classes")
    if not isinstance(classes, list) or not 2 <= len(classes) <= MAX_CLASSES:
        return []
    return classes


def probe_condition(batch: int, k: int) -> torch.Tensor:
    """The probe's y: item i is one-hot in class i mod K."""
    return torch.nn.functional.one_hot(torch.arange(batch) % k, k).float()


def validate(path: str, verbose: bool = True) -> Dict:
    """Load a TorchScript file and validate it against the contract; prints a report."""
    try:
        module = torch.jit.load(path, map_location="cpu")
        module.eval()
    except Exception as e:  # noqa: BLE001
        res = {"ok": False, "errors": ["load: cannot load TorchScript file (%s)"
                                       % (str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__)],
               "info": {}}
    else:
        res = validate_module(module)
    if verbose:
        print(format_report(path, res))
    return res


def format_report(path: str, res: Dict) -> str:
    info = res["info"]
    lines = ["%s: %s" % (path, "OK" if res["ok"] else "INVALID (%d problem%s)"
                         % (len(res["errors"]), "" if len(res["errors"]) == 1 else "s"))]
    if info.get("name"):
        lines.append("  name: %s" % info["name"])
    if info.get("layers"):
        lines.append("  layers (top first): " + ", ".join(
            "%s %s" % (n, s) for n, s in zip(info["layers"], info["shapes"])))
    if "encoder" in info:
        lines.append("  encoder: %s" % ("yes (posterior, log_px)" if info["encoder"]
                                         else "no (decoder-only: encoder features disabled)"))
    for e in res["errors"]:
        lines.append("  ERROR " + e)
    return "\n".join(lines)
