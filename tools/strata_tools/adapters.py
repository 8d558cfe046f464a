"""Adapters that turn models from other codebases into Strata model files (contract 2).

Each adapter wraps the codebase's own trained modules; it never copies their code. Parts that
TorchScript cannot script (most research code: chained comparisons, `*shape` unpacking,
Python-side dicts) are traced with torch.jit.trace on an example batch, one module at a time,
and the thin contract layer around them is scripted, so Strata still gets the four contract
methods with their exact signatures.

    from strata_tools import adapters, contract
    strata_model, meta = adapters.disentangling_vae(model, name="beta-VAE dSprites")
    contract.export(strata_model, "bvae.pt", meta)

See tools/README.md ("Models from other codebases") for each codebase's lines. Adapters for
hierarchical codebases live in adapters_vdvae.py (openai/vdvae) and adapters_nvae.py (helpers
for NVlabs/NVAE); their entry points are importable from here as well.
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

from strata_tools import contract


def _trace(module: torch.nn.Module, example: torch.Tensor):
    """Scripts `module` if TorchScript can, else traces it on `example` (batch size 2, so the
    trace keeps the batch dimension symbolic where the code reads it from the input)."""
    module = module.eval()
    try:
        return torch.jit.script(module)
    except Exception:  # noqa: BLE001 - research code rarely scripts; tracing is the fallback
        with torch.no_grad():
            return torch.jit.trace(module, example, check_trace=False)


class FlatGaussianVae(torch.nn.Module):
    """The contract around a flat VAE given as an encoder returning (mu, logvar) and a decoder
    returning Bernoulli means (probabilities), logits, or Gaussian means ("probabilities",
    "logits", "gaussian" in `likelihood`; the Gaussian has unit variance, as a summed squared
    error loss implies); standard normal prior. With `sigmoid_decode`, `decode` returns the
    sigmoid of logits (the Bernoulli mean) instead of the logits themselves."""
    strata_meta: str
    latent_dim: int
    likelihood: str
    sigmoid_decode: bool

    def __init__(self, encoder, decoder, latent_dim: int, likelihood: str,
                 sigmoid_decode: bool = False):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = latent_dim
        self.likelihood = likelihood
        self.sigmoid_decode = sigmoid_decode

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
        mu, logvar = self.encoder(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if sample else mu
        zeros = torch.zeros_like(mu)
        return {"z": [z], "q_mean": [mu], "q_logvar": [logvar], "p_mean": [zeros],
                "p_logvar": [zeros]}

    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        out = self.decoder(z[0])
        return torch.sigmoid(out) if self.sigmoid_decode else out

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        if len(fixed) == 1:
            return fixed
        return [temperature[0] * eps[0]]

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
        out = self.decoder(z[0])
        if self.likelihood == "logits":
            return -F.binary_cross_entropy_with_logits(out, x, reduction="none").sum([1, 2, 3])
        if self.likelihood == "gaussian":
            d = x - out
            return (-0.5 * d * d - 0.9189385332046727).sum([1, 2, 3])  # log N(x; out, 1)
        # Probabilities: PyTorch's binary cross-entropy (the loss disentangling-vae trains
        # with), whose logarithms are clamped at -100, so a probability of 0 or 1 stays finite.
        return -F.binary_cross_entropy(out, x, reduction="none").sum([1, 2, 3])


def disentangling_vae(model: torch.nn.Module, name: str,
                      training: Optional[Dict] = None,
                      factors: Optional[List[str]] = None) -> Tuple[torch.nn.Module, Dict]:
    """A VAE of YannDubs/disentangling-vae (`disvae.models.vae.VAE`, e.g. from
    `disvae.utils.modelIO.load_model(directory)`): `model.encoder(x)` returns (mu, logvar),
    split by the encoder itself from its interleaved [mu_0, logvar_0, mu_1, ...] output, and
    `model.decoder(z)` returns sigmoid probabilities of a Bernoulli likelihood, for images in
    [0, 1] of `model.img_size` (1 or 3 channels, 32 or 64 pixels square)."""
    channels, height, width = (int(s) for s in model.img_size)
    dim = int(model.latent_dim)
    encoder = _trace(model.encoder, torch.rand(2, channels, height, width))
    decoder = _trace(model.decoder, torch.zeros(2, dim))
    wrapped = FlatGaussianVae(encoder, decoder, dim, "probabilities")
    meta = contract.make_meta(
        name, channels, height, width, [{"name": "z", "shape": [dim], "group": "flat"}],
        training=dict(training or {}, codebase="YannDubs/disentangling-vae"),
        factors=factors, likelihood="bernoulli", decode_output="mean")
    return wrapped, meta


# pythae model names (BaseAE.model_name) whose encoder is a diagonal Gaussian and whose prior is
# a standard normal: what a flat contract layer describes. Flows (IAF, LinNF, HVAE, RHVAE),
# other priors (VAMP, Poincare, SVAE), deterministic encoders (AE, RAE, WAE) and discrete codes
# (VQVAE, HRQVAE) are not.
PYTHAE_GAUSSIAN_MODELS = ("VAE", "BetaVAE", "BetaTCVAE", "DisentangledBetaVAE", "FactorVAE",
                          "INFOVAE_MMD", "MSSSIM_VAE", "IWAE", "MIWAE", "PIWAE", "CIWAE")


class _PythaeEncoder(torch.nn.Module):
    """pythae's encoders return a ModelOutput (a dict); Strata's layer needs plain tensors."""

    def __init__(self, encoder):
        super().__init__()
        self.inner = encoder

    def forward(self, x):
        out = self.inner(x)
        return out["embedding"], out["log_covariance"]


class _PythaeDecoder(torch.nn.Module):
    def __init__(self, decoder):
        super().__init__()
        self.inner = decoder

    def forward(self, z):
        return self.inner(z)["reconstruction"]


def pythae_vae(model: torch.nn.Module, name: str, training: Optional[Dict] = None,
               factors: Optional[List[str]] = None) -> Tuple[torch.nn.Module, Dict]:
    """A pythae VAE (VAE, BetaVAE, BetaTCVAE, ... with a Gaussian encoder: `BaseAE` subclasses
    whose encoder returns ModelOutput(embedding, log_covariance) and whose decoder returns
    ModelOutput(reconstruction)), e.g. `AutoModel.load_from_folder(path)`. The likelihood
    follows `model.model_config.reconstruction_loss`: "bce" is a Bernoulli over the decoder's
    probabilities, "mse" a unit-variance Gaussian (pythae's 0.5 * squared error)."""
    family = getattr(model, "model_name", "VAE")
    if family not in PYTHAE_GAUSSIAN_MODELS:
        raise ValueError("pythae %s: not a Gaussian-encoder VAE with a standard normal prior "
                         "(the adapter takes %s)" % (family, ", ".join(PYTHAE_GAUSSIAN_MODELS)))
    config = model.model_config
    channels, height, width = (int(s) for s in config.input_dim)
    dim = int(config.latent_dim)
    loss = str(config.reconstruction_loss)
    if loss not in ("bce", "mse"):
        raise ValueError("pythae reconstruction_loss %r: the adapter knows bce and mse" % loss)
    encoder = _trace(_PythaeEncoder(model.encoder), torch.rand(2, channels, height, width))
    decoder = _trace(_PythaeDecoder(model.decoder), torch.zeros(2, dim))
    wrapped = FlatGaussianVae(encoder, decoder, dim, "probabilities" if loss == "bce" else "gaussian")
    meta = contract.make_meta(
        name, channels, height, width, [{"name": "z", "shape": [dim], "group": "flat"}],
        training=dict(training or {}, codebase="pythae", model=family),
        factors=factors, likelihood="bernoulli" if loss == "bce" else "gaussian",
        decode_output="mean")
    return wrapped, meta


class _ChannelsLastEncoder(torch.nn.Module):
    """Feeds an encoder written for NHWC images (TensorFlow's layout) from Strata's NCHW."""

    def __init__(self, encoder):
        super().__init__()
        self.inner = encoder

    def forward(self, x):
        means, log_var = self.inner(x.permute(0, 2, 3, 1).contiguous())
        return means, log_var


class _ChannelsLastDecoder(torch.nn.Module):
    """Turns a decoder's NHWC output (or its flat NHWC-ordered values) into NCHW; `activation`
    "tanh" maps it as disentanglement_lib's losses do: tanh / 2 + 0.5, clipped to [1e-6, 1 - 1e-6]."""
    channels: int
    height: int
    width: int
    tanh: bool

    def __init__(self, decoder, channels: int, height: int, width: int, tanh: bool):
        super().__init__()
        self.inner = decoder
        self.channels, self.height, self.width, self.tanh = channels, height, width, tanh

    def forward(self, z):
        out = self.inner(z).reshape(-1, self.height, self.width, self.channels)
        out = out.permute(0, 3, 1, 2).contiguous()
        if self.tanh:
            out = torch.clamp(torch.tanh(out) / 2 + 0.5, 1e-6, 1 - 1e-6)
        return out


def disentanglement_lib_vae(encoder: torch.nn.Module, decoder: torch.nn.Module, latent_dim: int,
                            name: str, image_shape=(1, 64, 64), activation: str = "logits",
                            decode_output: str = "logits", training: Optional[Dict] = None,
                            factors: Optional[List[str]] = None) -> Tuple[torch.nn.Module, Dict]:
    """A PyTorch port of a google-research/disentanglement_lib model (BetaVAE, FactorVAE,
    DIPVAE, BetaTCVAE, AnnealedVAE: all share `BaseVAE`'s Gaussian encoder and decoder) that keeps
    the TensorFlow conventions: `encoder(x)` takes images [B, H, W, C] in [0, 1] and returns
    (means, log_var), `decoder(z)` returns [B, H, W, C] (or its NHWC values flat) before the
    output activation, trained with their `bernoulli_loss`. `image_shape` is (C, H, W).
    `activation` is their `reconstruction_loss.activation`: "logits" (sigmoid cross-entropy on
    the decoder's logits) or "tanh" (tanh / 2 + 0.5 clipped, then Bernoulli). `decode_output`
    "logits" hands Strata the logits (contract 2, Strata shows their sigmoid), "mean" the
    sigmoid itself; with "tanh" only "mean" exists."""
    if activation not in ("logits", "tanh"):
        raise ValueError("disentanglement_lib activation %r: the adapter knows logits and tanh"
                         % activation)
    if decode_output not in ("logits", "mean"):
        raise ValueError("decode_output %r: expected logits or mean" % decode_output)
    if activation == "tanh" and decode_output == "logits":
        raise ValueError("activation tanh: the decoder gives no logits, use decode_output=\"mean\"")
    channels, height, width = (int(s) for s in image_shape)
    dim = int(latent_dim)
    enc = _trace(_ChannelsLastEncoder(encoder), torch.rand(2, channels, height, width))
    dec = _trace(_ChannelsLastDecoder(decoder, channels, height, width, activation == "tanh"),
                 torch.zeros(2, dim))
    if activation == "tanh":
        wrapped = FlatGaussianVae(enc, dec, dim, "probabilities")
    else:
        wrapped = FlatGaussianVae(enc, dec, dim, "logits", sigmoid_decode=decode_output == "mean")
    meta = contract.make_meta(
        name, channels, height, width, [{"name": "z", "shape": [dim], "group": "flat"}],
        training=dict(training or {}, codebase="google-research/disentanglement_lib",
                      activation=activation),
        factors=factors, likelihood="bernoulli", decode_output=decode_output)
    return wrapped, meta


from strata_tools.adapters_nvae import (nvae_export_ready, nvae_normal,  # noqa: E402,F401
                                        replace_custom_swish, sync_batchnorm_to_batchnorm)
from strata_tools.adapters_vdvae import dmol_mean, vdvae_hierarchical  # noqa: E402,F401
