"""A small very deep VAE in the style of Child (2021), "Very Deep VAEs Generalize Autoregressive
Models and Can Outperform Them on Images", written from the paper for 1 x 28 x 28 images.

Structure (as in the paper, scaled down):
* a bottom-up encoder of residual bottleneck blocks that keeps one activation per resolution;
* a top-down decoder whose blocks share one state `x` per resolution: each block reads the
  state, gives the conditional prior p(z_l | x) and a state update, takes the posterior
  q(z_l | x, bottom-up activation) during inference, projects z_l back into the state and
  applies a residual block. Moving to a finer resolution upsamples the state (nearest) and
  adds a learned bias, so every layer below depends on every layer above through the state;
* the image is read out of the finest state (Bernoulli logits on grey values).

Layers, top first: 4 at 1 x 1, 6 at 4 x 4, 6 at 7 x 7 (16 stochastic layers at three resolutions);
the decoder goes on from 7 x 7 to 28 x 28 deterministically. All contract methods are
TorchScript-compatible.
"""
from typing import Dict, List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

# (resolution, layers at it, latent channels, state width)
STAGES = [(1, 4, 8, 64), (4, 6, 4, 64), (7, 6, 4, 48)]


def layer_plan() -> List[Tuple[int, int, int]]:
    """(resolution, latent channels, state width) of every stochastic layer, top first."""
    plan = []
    for res, count, zc, width in STAGES:
        plan += [(res, zc, width)] * count
    return plan


def contract_layers() -> List[Dict]:
    """The contract's layer list: names, shapes, groups by resolution and display names."""
    layers = []
    for i, (res, zc, _) in enumerate(layer_plan()):
        group = "%d x %d" % (res, res)
        index = sum(1 for r, _, _ in layer_plan()[:i] if r == res)
        layers.append({"name": "z%02d" % i, "shape": [zc] if res == 1 else [zc, res, res],
                       "group": group, "display_name": "%s #%d" % (group, index + 1)})
    return layers


class Bottleneck(nn.Module):
    """VDVAE's residual block: 1x1 down to a quarter width, two 3x3, 1x1 back (GELU)."""

    def __init__(self, c_in: int, c_mid: int, c_out: int, residual: bool, use_3x3: bool = True):
        super().__init__()
        k = 3 if use_3x3 else 1
        self.c1 = nn.Conv2d(c_in, c_mid, 1)
        self.c2 = nn.Conv2d(c_mid, c_mid, k, padding=k // 2)
        self.c3 = nn.Conv2d(c_mid, c_mid, k, padding=k // 2)
        self.c4 = nn.Conv2d(c_mid, c_out, 1)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.c1(F.gelu(x))
        h = self.c2(F.gelu(h))
        h = self.c3(F.gelu(h))
        h = self.c4(F.gelu(h))
        return x + h if self.residual else h


class TopDownBlock(nn.Module):
    """One stochastic layer of the top-down path (Child 2021, figure 3)."""

    def __init__(self, res: int, zc: int, width: int, depth_scale: float):
        super().__init__()
        self.zc = zc
        use_3x3 = res > 2
        mid = max(width // 4, 8)
        self.enc = Bottleneck(2 * width, mid, 2 * zc, residual=False, use_3x3=use_3x3)
        self.prior = Bottleneck(width, mid, 2 * zc + width, residual=False, use_3x3=use_3x3)
        self.z_proj = nn.Conv2d(zc, width, 1)
        self.resnet = Bottleneck(width, mid, width, residual=True, use_3x3=use_3x3)
        # The paper scales the last convolutions of residual paths by 1/sqrt(depth) at init.
        with torch.no_grad():
            self.prior.c4.weight.mul_(0.0)
            self.prior.c4.bias.mul_(0.0)
            self.z_proj.weight.mul_(depth_scale)
            self.resnet.c4.weight.mul_(depth_scale)

    def prior_of(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.prior(x)
        zc = self.zc
        return h[:, :zc], torch.clamp(h[:, zc:2 * zc], -10.0, 6.0), h[:, 2 * zc:]

    def posterior_of(self, x: torch.Tensor, act: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        h = self.enc(torch.cat([x, act], 1))
        zc = self.zc
        return h[:, :zc], torch.clamp(h[:, zc:], -10.0, 6.0)

    def absorb(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The state after layer z: projection added, then the residual block."""
        return self.resnet(x + self.z_proj(z))


class FashionVdvae(nn.Module):
    """The model; layer tensors are [B, zc] at 1 x 1 and [B, zc, r, r] below."""
    strata_meta: str

    def __init__(self):
        super().__init__()
        self.strata_meta = ""
        plan = layer_plan()
        self.res = [r for r, _, _ in plan]
        self.zcs = [zc for _, zc, _ in plan]
        self.widths = [w for _, _, w in plan]
        n = len(plan)
        # ---- bottom-up: 28 -> 14 -> 7 -> 4 -> 1, one activation per latent resolution ----
        self.stem = nn.Conv2d(1, 32, 4, 2, 1)
        self.enc14 = Bottleneck(32, 8, 32, residual=True)
        self.to7 = nn.Conv2d(32, 48, 1)
        self.enc7 = Bottleneck(48, 12, 48, residual=True)
        self.to4 = nn.Conv2d(48, 64, 1)
        self.enc4 = Bottleneck(64, 16, 64, residual=True)
        self.enc1 = Bottleneck(64, 16, 64, residual=True, use_3x3=False)
        # ---- top-down ----
        self.blocks = nn.ModuleList([TopDownBlock(r, zc, w, (1.0 / n) ** 0.5) for r, zc, w in plan])
        self.bias1 = nn.Parameter(torch.zeros(1, 64, 1, 1))
        self.bias4 = nn.Parameter(torch.zeros(1, 64, 4, 4))
        self.bias7 = nn.Parameter(torch.zeros(1, 48, 7, 7))
        self.widen7 = nn.Conv2d(64, 48, 1)
        self.out = nn.Sequential(nn.GELU(), nn.ConvTranspose2d(48, 32, 4, 2, 1), nn.GELU(),
                                 nn.ConvTranspose2d(32, 1, 4, 2, 1))

    def bottom_up(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Activations at resolutions 1, 4, 7."""
        a14 = self.enc14(self.stem(x))
        a7 = self.enc7(self.to7(F.avg_pool2d(a14, 2)))
        a4 = self.enc4(self.to4(F.adaptive_avg_pool2d(a7, 4)))
        a1 = self.enc1(a4.mean([2, 3], keepdim=True))
        return [a1, a4, a7]

    def enter(self, x: torch.Tensor, res: int, batch: int) -> torch.Tensor:
        """The state at the first layer of resolution `res`, given the state above."""
        if res == 1:
            return self.bias1.expand(batch, -1, -1, -1)
        if res == 4:
            return F.interpolate(x, size=[4, 4], mode="nearest") + self.bias4
        return self.widen7(F.interpolate(x, size=[7, 7], mode="nearest")) + self.bias7

    def as_map(self, z: torch.Tensor) -> torch.Tensor:
        return z.reshape(z.shape[0], -1, 1, 1) if z.dim() == 2 else z

    def as_layer(self, z: torch.Tensor, res: int) -> torch.Tensor:
        return z.reshape(z.shape[0], -1) if res == 1 else z

    def act_index(self, res: int) -> int:
        if res == 1:
            return 0
        if res == 4:
            return 1
        return 2

    def logits_from_state(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(x)

    def top_down(self, z: List[torch.Tensor], batch: int) -> torch.Tensor:
        """The finest state for given latents of every layer."""
        x = torch.zeros(batch, 64, 1, 1)
        prev = 0
        for l, block in enumerate(self.blocks):
            r = self.res[l]
            if r != prev:
                x = self.enter(x, r, batch)
                prev = r
            _, _, xpp = block.prior_of(x)
            x = block.absorb(x + xpp, self.as_map(z[l]))
        return x

    @torch.jit.export
    def posterior(self, x: torch.Tensor, sample: bool) -> Dict[str, List[torch.Tensor]]:
        return self.inference(x, sample)[0]

    def inference(self, x: torch.Tensor, sample: bool) -> Tuple[Dict[str, List[torch.Tensor]], torch.Tensor]:
        """The posterior and the finest state it leads to (training reads logits from it rather
        than running the top-down path a second time)."""
        acts = self.bottom_up(x)
        batch = x.shape[0]
        s = torch.zeros(batch, 64, 1, 1)
        prev = 0
        zs: List[torch.Tensor] = []
        qm: List[torch.Tensor] = []
        qlv: List[torch.Tensor] = []
        pm: List[torch.Tensor] = []
        plv: List[torch.Tensor] = []
        for l, block in enumerate(self.blocks):
            r = self.res[l]
            if r != prev:
                s = self.enter(s, r, batch)
                prev = r
            p_m, p_lv, xpp = block.prior_of(s)
            q_m, q_lv = block.posterior_of(s, acts[self.act_index(r)])
            z = q_m + torch.exp(0.5 * q_lv) * torch.randn_like(q_m) if sample else q_m
            s = block.absorb(s + xpp, z)
            zs.append(self.as_layer(z, r))
            qm.append(self.as_layer(q_m, r))
            qlv.append(self.as_layer(q_lv, r))
            pm.append(self.as_layer(p_m, r))
            plv.append(self.as_layer(p_lv, r))
        return {"z": zs, "q_mean": qm, "q_logvar": qlv, "p_mean": pm, "p_logvar": plv}, s

    @torch.jit.export
    def prior_sample(self, fixed: List[torch.Tensor], eps: List[torch.Tensor],
                     temperature: List[float]) -> List[torch.Tensor]:
        batch = fixed[0].shape[0] if len(fixed) > 0 else eps[0].shape[0]
        k = len(fixed)
        s = torch.zeros(batch, 64, 1, 1)
        prev = 0
        out: List[torch.Tensor] = []
        for l, block in enumerate(self.blocks):
            r = self.res[l]
            if r != prev:
                s = self.enter(s, r, batch)
                prev = r
            p_m, p_lv, xpp = block.prior_of(s)
            if l < k:
                z = self.as_map(fixed[l])
            else:
                z = p_m + temperature[l - k] * torch.exp(0.5 * p_lv) * self.as_map(eps[l - k])
            s = block.absorb(s + xpp, z)
            out.append(self.as_layer(z, r))
        return out

    @torch.jit.export
    def decode(self, z: List[torch.Tensor]) -> torch.Tensor:
        return torch.sigmoid(self.logits_from_state(self.top_down(z, z[0].shape[0])))

    @torch.jit.export
    def log_px(self, x: torch.Tensor, z: List[torch.Tensor]) -> torch.Tensor:
        logits = self.logits_from_state(self.top_down(z, z[0].shape[0]))
        return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.posterior(x, False)["z"])
