"""Adapter for openai/vdvae (Child 2021, "Very Deep VAEs"): one contract layer per decoder block.

Their `Decoder` keeps one state per resolution in a Python dict, takes the temperature as a
Python float and draws its noise inside `DecBlock.sample`, none of which TorchScript can hold
as it is. The adapter therefore scripts the top-down loop itself, mirroring `DecBlock.forward`
and `forward_uncond` step by step (the state dict becomes a `Dict[int, Tensor]`), and calls
their blocks' own sub-networks (`enc`, `prior`, `z_proj`, `resnet`, scripted or traced one at a
time), their encoder's blocks (traced, walked as `Encoder.forward` walks them) and their output
network's `nll` (traced). See tools/README.md
("openai/vdvae").
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

from strata_tools import contract

# Encoder input scaling of their data.py, on 0..255 pixel values: (x + shift) * scale.
# ffhq_1024 is scaled from [0, 1] (-0.4387, 1 / 0.2743), written here on 0..255.
VDVAE_INPUT_SCALING = {
    "cifar10": (-120.63838, 1.0 / 64.16736),
    "imagenet32": (-116.2373, 1.0 / 69.37404),
    "imagenet64": (-115.92961967, 1.0 / 69.37404),
    "ffhq_256": (-112.8666757481, 1.0 / 69.84780273),
    "ffhq_1024": (-0.4387 * 255.0, 1.0 / (0.2743 * 255.0)),
}


class _BottomUp(torch.nn.Module):
    """Their `Encoder.forward` on images in [-1, 1] (NCHW), scaled as their data.py scales its
    input: `in_conv`, then each block, its output zero-padded to the resolution's width and kept
    as that resolution's activation. Returns the activations the decoder blocks read, one per
    resolution in `resolutions`. Their forward reads resolutions from `x.shape`, which tracing
    turns into tensors (and their width table then misses them), so the resolutions and widths
    are found once, eagerly, and kept as numbers."""

    def __init__(self, encoder, resolutions: List[int], shift: float, scale: float, size: int,
                 channels: int):
        super().__init__()
        self.in_conv, self.blocks = encoder.in_conv, encoder.enc_blocks
        self.resolutions, self.shift, self.scale = list(resolutions), shift, scale
        self.size = size
        self.pads = []
        with torch.no_grad():
            h = encoder.in_conv(torch.zeros(1, channels, size, size))
            for block in encoder.enc_blocks:
                h = block(h)
                res = int(h.shape[2])
                width = int(encoder.widths[res])
                self.pads.append((res, width - int(h.shape[1])))
                h = F.pad(h, [0, 0, 0, 0, 0, width - int(h.shape[1])])

    def forward(self, x):
        pixels = (x + 1.0) * 127.5
        h = self.in_conv((pixels + self.shift) * self.scale)
        acts = {self.size: h}
        for block, (res, pad) in zip(self.blocks, self.pads):
            h = block(h)
            if pad > 0:
                h = F.pad(h, [0, 0, 0, 0, 0, pad])
            acts[res] = h
        return [acts[r] for r in self.resolutions]


class _Nll(torch.nn.Module):
    """Their `DmolNet.nll(px_z, x)` (per-dimension loss) on x in [-1, 1] given NCHW."""

    def __init__(self, out_net):
        super().__init__()
        self.out_net = out_net

    def forward(self, px_z, x):
        return self.out_net.nll(px_z, x.permute(0, 2, 3, 1).contiguous())


class VdvaeBlock(torch.nn.Module):
    """One `DecBlock`: its sub-networks and the arithmetic of their `sample`, `sample_uncond`
    and `forward` around them. Their variances are log standard deviations."""
    base: int
    mixin: int
    zdim: int
    width: int
    act_index: int

    def __init__(self, block, act_index: int):
        super().__init__()
        from strata_tools.adapters import _trace
        self.base, self.zdim = int(block.base), int(block.zdim)
        self.mixin = int(block.mixin) if block.mixin is not None else 0
        self.width = int(block.z_proj.out_channels)
        self.act_index = act_index
        r, w = self.base, self.width
        self.enc = _trace(block.enc, torch.zeros(2, 2 * w, r, r))
        self.prior_net = _trace(block.prior, torch.zeros(2, w, r, r))
        self.z_proj = _trace(block.z_proj, torch.zeros(2, self.zdim, r, r))
        self.resnet = _trace(block.resnet, torch.zeros(2, w, r, r))

    @torch.jit.export
    def state(self, xs: Dict[int, torch.Tensor], batch: int, ref: torch.Tensor) -> torch.Tensor:
        """Their `get_inputs` / `forward_uncond` start: this resolution's state (zeros on first
        use), plus the upsampled state of the `mixin` resolution."""
        if self.base in xs:
            x = xs[self.base]
            if x.size(0) != batch:
                x = x.repeat(batch, 1, 1, 1)
        else:
            x = torch.zeros([batch, self.width, self.base, self.base], dtype=ref.dtype,
                            device=ref.device)
        if self.mixin > 0:
            x = x + F.interpolate(xs[self.mixin][:, :self.width], scale_factor=float(self.base // self.mixin))
        return x

    @torch.jit.export
    def prior(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(p mean, p log std, state + the prior network's state update)."""
        feats = self.prior_net(x)
        z = self.zdim
        return feats[:, :z], feats[:, z:2 * z], x + feats[:, 2 * z:]

    @torch.jit.export
    def posterior(self, x: torch.Tensor, acts: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(q mean, q log std) from the state before the prior's update and the activations."""
        qm, qv = self.enc(torch.cat([x, acts], dim=1)).chunk(2, dim=1)
        return qm, qv

    @torch.jit.export
    def merge(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.resnet(x + self.z_proj(z))


def _clipped_logistic_mean(loc: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """E[clamp(X, -1, 1)] for X logistic(loc, s = exp(log_scale)), exactly:
    -1 + s * (softplus((loc + 1) / s) - softplus((loc - 1) / s)); the difference is taken as
    log1p(sigmoid((loc - 1) / s) * expm1(2 / s)) for wide logistics (s > 1), where the two
    softplus values would cancel. Scales beyond exp(30) count as exp(30) (a flat tail)."""
    s = torch.exp(torch.clamp(log_scale, max=30.0))
    hi, lo = (loc + 1.0) / s, (loc - 1.0) / s
    narrow = F.softplus(hi) - F.softplus(lo)
    wide = torch.log1p(torch.sigmoid(lo) * torch.expm1(2.0 / s))
    return -1.0 + s * torch.where(s <= 1.0, narrow, wide)


def dmol_mean(l: torch.Tensor, num_mix: int) -> torch.Tensor:
    """The mean of their discretised mixture of logistics as their sampler draws from it (`l`:
    [B, H, W, 10 * M], 3 channels, the layout of `discretized_mix_logistic_loss`), [B, 3, H, W]
    in [-1, 1]. Per component, channel 0 is a logistic clipped to [-1, 1] (its mean is exact);
    channels 1 and 2 add their coefficients times the previous channels, for which their means
    are put in (exact without clipping, close with it); the components are weighted by the
    mixture probabilities. Their log scales are bounded below at -7, as in their code."""
    b, h, w = l.size(0), l.size(1), l.size(2)
    pi = torch.softmax(l[:, :, :, :num_mix], dim=3)
    p = l[:, :, :, num_mix:].reshape(b, h, w, 3, 3 * num_mix)
    means = p[:, :, :, :, :num_mix]
    log_scales = torch.clamp(p[:, :, :, :, num_mix:2 * num_mix], min=-7.0)
    coeffs = torch.tanh(p[:, :, :, :, 2 * num_mix:3 * num_mix])
    m0 = _clipped_logistic_mean(means[:, :, :, 0], log_scales[:, :, :, 0])
    m1 = _clipped_logistic_mean(means[:, :, :, 1] + coeffs[:, :, :, 0] * m0, log_scales[:, :, :, 1])
    m2 = _clipped_logistic_mean(means[:, :, :, 2] + coeffs[:, :, :, 1] * m0 + coeffs[:, :, :, 2] * m1,
                                log_scales[:, :, :, 2])
    mean = torch.stack([(pi * m0).sum(3), (pi * m1).sum(3), (pi * m2).sum(3)], dim=1)
    return torch.clamp(mean, -1.0, 1.0)    # in [-1, 1] already, up to rounding


class VdvaeHierarchical(torch.nn.Module):
    """The contract around a VDVAE: layer l is decoder block l (top first), [zdim, res, res]."""
    strata_meta: str
    image_size: int
    num_mix: int
    ndims: int
    low_bit: bool

    def __init__(self, vae, shift: float, scale: float, image_size: int, channels: int,
                 num_mix: int, low_bit: bool):
        super().__init__()
        from strata_tools.adapters import _trace
        dec = vae.decoder
        resolutions = sorted({int(b.base) for b in dec.dec_blocks})
        self.blocks = torch.nn.ModuleList(
            [VdvaeBlock(b, resolutions.index(int(b.base))) for b in dec.dec_blocks])
        self.bias_res = [int(b.shape[2]) for b in dec.bias_xs]
        self.bias_xs = torch.nn.ParameterList(list(dec.bias_xs))
        self.gain, self.bias = dec.gain, dec.bias
        self.image_size, self.num_mix, self.low_bit = image_size, num_mix, low_bit
        self.ndims = channels * image_size * image_size
        x = torch.zeros(2, channels, image_size, image_size)
        with torch.no_grad():
            bottom_up = _BottomUp(vae.encoder.eval(), resolutions, shift, scale, image_size, channels)
            self.bottom_up = torch.jit.trace(bottom_up, x, strict=False, check_trace=False)
        px_z = torch.zeros(2, int(self.gain.shape[1]), image_size, image_size)
        self.out_net = _trace(dec.out_net.eval(), px_z)
        with torch.no_grad():
            self.nll = torch.jit.trace(_Nll(dec.out_net), (px_z, x), check_trace=False)

    def start(self, batch: int) -> Dict[int, torch.Tensor]:
        xs: Dict[int, torch.Tensor] = {}
        for i, b in enumerate(self.bias_xs):
            xs[self.bias_res[i]] = b.repeat(batch, 1, 1, 1)
        return xs

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
        acts = self.bottom_up(x)
        batch = x.size(0)
        xs = self.start(batch)
        zs: List[torch.Tensor] = []
        qms: List[torch.Tensor] = []
        qlvs: List[torch.Tensor] = []
        pms: List[torch.Tensor] = []
        plvs: List[torch.Tensor] = []
        for block in self.blocks:
            h = block.state(xs, batch, x)
            qm, qv = block.posterior(h, acts[block.act_index])
            pm, pv, h = block.prior(h)
            z = torch.exp(qv) * torch.randn_like(qm) + qm if sample else qm
            xs[block.base] = block.merge(h, z)
            zs.append(z)
            qms.append(qm)
            qlvs.append(2.0 * qv)
            pms.append(pm)
            plvs.append(2.0 * pv)
        return {"z": zs, "q_mean": qms, "q_logvar": qlvs, "p_mean": pms, "p_logvar": plvs}

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        ref = fixed[0] if len(fixed) > 0 else eps[0]
        batch = ref.size(0)
        k = len(fixed)
        xs = self.start(batch)
        out: List[torch.Tensor] = []
        for i, block in enumerate(self.blocks):
            h = block.state(xs, batch, ref)
            pm, pv, h = block.prior(h)
            if i < k:
                z = fixed[i]
            else:
                z = temperature[i - k] * torch.exp(pv) * eps[i - k] + pm
            xs[block.base] = block.merge(h, z)
            out.append(z)
        return out

    def px_z(self, z: List[torch.Tensor]) -> torch.Tensor:
        """Their `forward_manual_latents` up to the output network: the final state."""
        batch = z[0].size(0)
        xs = self.start(batch)
        for i, block in enumerate(self.blocks):
            pm, pv, h = block.prior(block.state(xs, batch, z[0]))
            xs[block.base] = block.merge(h, z[i])
        return xs[self.image_size] * self.gain + self.bias

    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return dmol_mean(self.out_net(self.px_z(z)), self.num_mix)

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
        if self.low_bit:    # their ffhq_256 targets: 5 bits of the 8-bit pixel value
            x = torch.floor(torch.round((x + 1.0) * 127.5) / 8.0) * 8.0 / 127.5 - 1.0
        return -self.nll(self.px_z(z), x) * float(self.ndims)


def vdvae_hierarchical(vae: torch.nn.Module, name: str, shift: Optional[float] = None,
                       scale: Optional[float] = None, training: Optional[Dict] = None
                       ) -> Tuple[torch.nn.Module, Dict]:
    """A VAE of openai/vdvae (`vae.VAE(H)`, e.g. the `ema_vae` of their `load_vaes(H, ...)`,
    moved to the CPU, after their data set-up filled `H.image_size` and `H.image_channels`).
    Images are declared in [-1, 1] (their loss's target); the encoder gets them scaled as their
    data.py scales its input, `(pixel + shift) * scale` on 0..255 values, with `shift` and
    `scale` of `H.dataset` from VDVAE_INPUT_SCALING unless given. Every decoder block is a
    layer [zdim, res, res], grouped by resolution; `decode` returns the mean of their mixture of
    discretised logistics (`dmol_mean`), `log_px` their `nll` per item (times the dimensions)."""
    H = vae.H
    dataset = str(H.dataset)
    if shift is None or scale is None:
        if dataset not in VDVAE_INPUT_SCALING:
            raise ValueError("vdvae data set %r: give shift and scale (their data.py's encoder "
                             "input scaling on 0..255 pixels)" % dataset)
        shift, scale = VDVAE_INPUT_SCALING[dataset]
    size, channels = int(H.image_size), int(H.image_channels)
    if channels != 3:
        raise ValueError("vdvae: their mixture of logistics models 3 channels, not %d" % channels)
    wrapped = VdvaeHierarchical(vae.eval(), float(shift), float(scale), size, channels,
                                int(H.num_mixtures), dataset == "ffhq_256")
    count = {}
    layers = []
    digits = len(str(len(wrapped.blocks) - 1))
    for i, b in enumerate(vae.decoder.dec_blocks):
        res = int(b.base)
        count[res] = count.get(res, 0) + 1
        layers.append({"name": "z%0*d" % (digits, i), "shape": [int(b.zdim), res, res],
                       "group": "%d x %d" % (res, res),
                       "display_name": "%dx%d #%d" % (res, res, count[res])})
    meta = contract.make_meta(
        name, channels, size, size, layers, value_range=(-1.0, 1.0),
        training=dict(training or {}, codebase="openai/vdvae", dataset=dataset,
                      dec_blocks=str(H.dec_blocks), enc_blocks=str(H.enc_blocks)),
        likelihood="discretized mixture of logistics", decode_output="mean")
    return wrapped, meta
