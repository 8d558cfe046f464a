"""Preparing NVlabs/NVAE networks for export: their custom activation and batch norms.

NVAE computes swish with a custom `torch.autograd.Function` (`thirdparty/swish.py`, imported as
`SwishFN`), called from an activation module (`neural_operations.Swish`), from a helper
(`neural_operations.act`, used inside e.g. `FactorizedReduce`) and from a fused batch norm
(`SyncBatchNormSwish`). TorchScript can neither script nor trace into a Python autograd
Function (tracing records an opaque Python call that cannot be saved), and the synchronised
batch norms refuse CPU inputs. `replace_custom_swish` swaps all of them for plain PyTorch
equivalents with the same parameter and buffer names, so a checkpoint loads before or after;
`sync_batchnorm_to_batchnorm` turns `torch.nn.SyncBatchNorm` back into `BatchNorm2d`.

NVAE's hierarchy itself needs a contract layer written for the configuration at hand: see
tools/README.md ("NVlabs/NVAE").
"""
import types
from typing import Dict, Tuple

import torch
import torch.nn.functional as F


class Swish(torch.nn.Module):
    """x * sigmoid(x): what NVAE's autograd Function computes forward, in plain PyTorch."""

    def forward(self, x):
        return x * torch.sigmoid(x)


class BatchNormSwish(torch.nn.BatchNorm2d):
    """A batch norm followed by swish, as NVAE's `SyncBatchNormSwish`: the same parameters and
    buffers (weight, bias, running_mean, running_var, num_batches_tracked); batch statistics in
    training mode, running statistics in evaluation mode (the exported model's)."""

    def forward(self, x):
        momentum = self.momentum
        y = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                         self.training or not self.track_running_stats,
                         0.0 if momentum is None else momentum, self.eps)
        return y * torch.sigmoid(y)


def _plain_swish(x):
    return x * torch.sigmoid(x)


class _PlainSwishFunction:
    """Stands in for the autograd Function class where a forward calls `Swish.apply(x)`."""
    apply = staticmethod(_plain_swish)


def _is_swish_function(obj) -> bool:
    return (isinstance(obj, type) and issubclass(obj, torch.autograd.Function)
            and "swish" in obj.__name__.lower())


def _swish_globals(fn, depth: int = 2) -> Dict[str, object]:
    """The global names `fn` reads that are a Swish autograd Function, or a plain function that
    calls one (up to `depth` calls deep), each with its plain replacement."""
    fn = getattr(fn, "__func__", fn)
    code, glob = getattr(fn, "__code__", None), getattr(fn, "__globals__", None)
    if code is None or glob is None:
        return {}
    found = {}
    for name in code.co_names:
        obj = glob.get(name)
        if _is_swish_function(obj):
            found[name] = _PlainSwishFunction
        elif depth > 0 and isinstance(obj, types.FunctionType) and _swish_globals(obj, depth - 1):
            # a helper such as NVAE's `act(t)`, assumed to be the activation itself
            found[name] = _plain_swish
    return found


def _copy_batchnorm(old, new_class):
    new = new_class(old.num_features, eps=old.eps, momentum=old.momentum, affine=old.affine,
                    track_running_stats=old.track_running_stats)
    state = old.state_dict()
    if state:
        new = new.to(next(iter(state.values())).device)
        new.load_state_dict(state)
    return new.train(old.training)


def _outputs(result):
    if isinstance(result, torch.Tensor):
        return [result]
    if isinstance(result, dict):
        return [t for k in sorted(result) for t in _outputs(result[k])]
    if isinstance(result, (list, tuple)):
        return [t for r in result for t in _outputs(r)]
    return []


def _eval_outputs(module: torch.nn.Module, args: tuple):
    """The module's outputs in evaluation mode, leaving its training flag as it was."""
    was_training = module.training
    module.eval()
    with torch.no_grad():
        out = _outputs(module(*args))
    module.train(was_training)
    return out


def replace_custom_swish(module: torch.nn.Module, example=None, atol: float = 1e-5):
    """Swaps, in place, every use of a custom autograd Function named Swish in `module`:

    * a module without parameters or children whose forward calls it (NVAE's `Swish`) becomes
      `Swish` (x * sigmoid(x));
    * a batch norm whose forward calls it (NVAE's `SyncBatchNormSwish`) becomes
      `BatchNormSwish` with the same state;
    * any other module whose forward calls it (NVAE's `FactorizedReduce`, through `act`) keeps
      its code, with the Function (or the helper calling it) rebound to x * sigmoid(x) for that
      module only: such modules can be traced, not scripted.

    With `example` (a tensor or a tuple of positional inputs), runs `module` in evaluation mode
    on it before and after and raises if an output differs by more than `atol`. NVAE's
    originals only run on the GPU: check there, then move the module to the CPU.
    Returns (module, names of the replaced or rebound submodules)."""
    args = () if example is None else (example if isinstance(example, tuple) else (example,))
    before = _eval_outputs(module, args) if example is not None else None
    changed = []

    def visit(parent: torch.nn.Module, prefix: str):
        for name, child in list(parent.named_children()):
            path = prefix + name
            cls_forward = type(child).forward
            found = _swish_globals(cls_forward)
            if found:
                if isinstance(child, torch.nn.modules.batchnorm._BatchNorm):
                    setattr(parent, name, _copy_batchnorm(child, BatchNormSwish))
                elif not list(child.parameters(recurse=False)) and not list(child.children()):
                    setattr(parent, name, Swish())
                else:
                    fn = cls_forward
                    glob = dict(fn.__globals__)
                    glob.update(found)
                    plain = types.FunctionType(fn.__code__, glob, fn.__name__, fn.__defaults__,
                                               fn.__closure__)
                    child.forward = types.MethodType(plain, child)
                    visit(child, path + ".")
                changed.append(path)
            else:
                visit(child, path + ".")

    visit(module, "")
    if before is not None:
        after = _eval_outputs(module, args)
        if len(after) != len(before):
            raise AssertionError("replace_custom_swish: %d outputs before, %d after"
                                 % (len(before), len(after)))
        for i, (a, b) in enumerate(zip(before, after)):
            diff = float((a.float() - b.float()).abs().max()) if a.numel() else 0.0
            if a.shape != b.shape or not diff <= atol:
                raise AssertionError("replace_custom_swish: output %d differs after the swap "
                                     "(max abs difference %g)" % (i, diff))
    return module, changed


def sync_batchnorm_to_batchnorm(module: torch.nn.Module) -> torch.nn.Module:
    """The inverse of torch.nn.SyncBatchNorm.convert_sync_batchnorm: every SyncBatchNorm (which
    refuses CPU inputs) becomes a BatchNorm2d with the same state, in place; returns `module`."""
    for name, child in list(module.named_children()):
        if isinstance(child, torch.nn.SyncBatchNorm):
            setattr(module, name, _copy_batchnorm(child, torch.nn.BatchNorm2d))
        else:
            sync_batchnorm_to_batchnorm(child)
    return module


def nvae_export_ready(model: torch.nn.Module, example=None, atol: float = 1e-5) -> torch.nn.Module:
    """An NVAE `AutoEncoder` (or any part of one) made ready for tracing on the CPU, in place:
    synchronised batch norms become plain ones, the custom swish is replaced (with `example`,
    checked as in `replace_custom_swish`), and their `Conv2D` quirks are undone: without weight
    normalisation, its forward stores `self.weight` again as `weight_normalized`, a second name
    for one parameter that tracing refuses, so such convolutions compute as `nn.Conv2d` does
    (what their forward computes then); data-dependent initialisation is marked done, so a
    loaded checkpoint is not re-initialised by the first call. Call it after loading their
    checkpoint, which holds those second names too. Returns `model` in eval mode."""
    sync_batchnorm_to_batchnorm(model)
    replace_custom_swish(model, example, atol)
    for mod in model.modules():
        if isinstance(mod, torch.nn.Conv2d) and "weight_normalized" in mod._parameters:
            del mod._parameters["weight_normalized"]
            mod.forward = types.MethodType(torch.nn.Conv2d.forward, mod)
        if getattr(mod, "data_init", False):
            mod.init_done = True
    return model.eval()


def nvae_normal(mu: torch.Tensor, log_sigma: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """The mean and log-variance of NVAE's `distributions.Normal(mu, log_sigma)`: both soft-clamped
    to [-5, 5] (5 tanh(v / 5)), sigma = exp(log_sigma) + 0.01. Scriptable, for contract layers."""
    mean = 5.0 * torch.tanh(mu / 5.0)
    sigma = torch.exp(5.0 * torch.tanh(log_sigma / 5.0)) + 1e-2
    return mean, 2.0 * torch.log(sigma)
