#!/usr/bin/env python3
"""The export adapters of tools/strata_tools/adapters*.py on small stand-in modules with each
codebase's interface (not its code): the exported file validates (in Python and, given the
strata executable, in Strata itself) and reproduces the wrapped modules' outputs exactly.

    /usr/bin/python3 tests/tools/test_adapters.py [STRATA_EXECUTABLE]
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))

import torch  # noqa: E402

from strata_tools import adapters, adapters_nvae, adapters_vdvae, contract  # noqa: E402


class InterleavedEncoder(torch.nn.Module):
    """disentangling-vae's encoder interface: one linear output holding mean and log-variance
    interleaved per unit, split with view(-1, D, 2).unbind(-1); a chained comparison that
    TorchScript cannot compile, as in their code, so the adapter has to trace."""

    def __init__(self, img_size, latent_dim):
        super().__init__()
        self.img_size = img_size
        self.latent_dim = latent_dim
        self.lin = torch.nn.Linear(img_size[0] * img_size[1] * img_size[2], 2 * latent_dim)

    def forward(self, x):
        if self.img_size[1] == self.img_size[2] == 64:
            x = x * 1.0
        mu_logvar = self.lin(x.view(x.size(0), -1))
        mu, logvar = mu_logvar.view(-1, self.latent_dim, 2).unbind(-1)
        return mu, logvar


class SigmoidDecoder(torch.nn.Module):
    def __init__(self, img_size, latent_dim):
        super().__init__()
        self.reshape = tuple(img_size)
        self.lin = torch.nn.Linear(latent_dim, img_size[0] * img_size[1] * img_size[2])

    def forward(self, z):
        return torch.sigmoid(self.lin(z).view(z.size(0), *self.reshape))


class StandInVae(torch.nn.Module):
    def __init__(self, img_size=(1, 32, 32), latent_dim=6):
        super().__init__()
        self.img_size = img_size
        self.latent_dim = latent_dim
        self.encoder = InterleavedEncoder(img_size, latent_dim)
        self.decoder = SigmoidDecoder(img_size, latent_dim)


def exported(model, meta, folder, strata):
    """Exports the adapted model into `folder`, checks it validates in Python and, given the
    strata executable, in Strata itself, and returns it loaded back."""
    path = os.path.join(folder, "model.pt")
    contract.export(model, path, meta)
    report = contract.validate(path, verbose=False)
    assert report["ok"], report["errors"]
    if strata:
        out = subprocess.run([strata, "validate", path], capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "valid model (contract 2)" in out.stdout, out.stdout
    return torch.jit.load(path)


def check_disentangling_vae(strata):
    torch.manual_seed(0)
    vae = StandInVae().eval()
    model, meta = adapters.disentangling_vae(vae, "stand-in disentangling-vae model")
    assert meta["contract"] == 2 and meta["output"]["decode"] == "mean", meta
    with tempfile.TemporaryDirectory() as folder:
        loaded = exported(model, meta, folder, strata)
        x = torch.rand(5, 1, 32, 32)
        with torch.no_grad():
            q = loaded.posterior(x, False)
            mu, logvar = vae.encoder(x)
            # The interleaved layout is read as the codebase reads it: unit k is outputs 2k, 2k+1.
            raw = vae.encoder.lin(x.view(5, -1))
            assert torch.equal(mu, raw[:, 0::2]) and torch.equal(logvar, raw[:, 1::2])
            assert torch.equal(q["q_mean"][0], mu) and torch.equal(q["q_logvar"][0], logvar)
            assert torch.equal(loaded.decode([mu]), vae.decoder(mu))
            p = vae.decoder(mu)
            expected = (x * p.log() + (1 - x) * (1 - p).log()).sum([1, 2, 3])
            assert torch.allclose(loaded.log_px(x, [mu]), expected, atol=1e-3)
    print("disentangling-vae adapter: ok")


class ModelOutput(dict):
    """pythae's ModelOutput: a dict whose entries are also attributes."""

    def __getattr__(self, key):
        return self[key]


class PythaeEncoder(torch.nn.Module):
    def __init__(self, latent_dim):
        super().__init__()
        self.embedding = torch.nn.Linear(784, latent_dim)
        self.log_var = torch.nn.Linear(784, latent_dim)

    def forward(self, x):
        h = x.reshape(x.shape[0], -1)
        return ModelOutput(embedding=self.embedding(h), log_covariance=self.log_var(h))


class PythaeDecoder(torch.nn.Module):
    def __init__(self, latent_dim):
        super().__init__()
        self.lin = torch.nn.Linear(latent_dim, 784)

    def forward(self, z):
        return ModelOutput(reconstruction=torch.sigmoid(self.lin(z)).reshape(-1, 1, 28, 28))


class PythaeConfig:
    def __init__(self, loss):
        self.input_dim = (1, 28, 28)
        self.latent_dim = 4
        self.reconstruction_loss = loss


class PythaeVae(torch.nn.Module):
    """pythae's BaseAE interface: model_config, encoder and decoder returning ModelOutput."""

    def __init__(self, loss):
        super().__init__()
        self.model_config = PythaeConfig(loss)
        self.encoder = PythaeEncoder(4)
        self.decoder = PythaeDecoder(4)


def check_pythae(strata):
    for loss in ("bce", "mse"):
        torch.manual_seed(1)
        vae = PythaeVae(loss).eval()
        model, meta = adapters.pythae_vae(vae, "stand-in pythae model (%s)" % loss)
        assert meta["input"]["likelihood"] == ("bernoulli" if loss == "bce" else "gaussian")
        with tempfile.TemporaryDirectory() as folder:
            loaded = exported(model, meta, folder, strata)
            x = torch.rand(3, 1, 28, 28)
            with torch.no_grad():
                out = vae.encoder(x)
                q = loaded.posterior(x, False)
                assert torch.equal(q["q_mean"][0], out.embedding)
                assert torch.equal(q["q_logvar"][0], out.log_covariance)
                recon = vae.decoder(out.embedding)["reconstruction"]
                assert torch.equal(loaded.decode([out.embedding]), recon)
                # pythae's reconstruction losses, per item: log p(x|z) is their negative, up to
                # the Gaussian's normalising constant for mse.
                if loss == "bce":
                    theirs = torch.nn.functional.binary_cross_entropy(
                        recon.reshape(3, -1), x.reshape(3, -1), reduction="none").sum(-1)
                    expected = -theirs
                else:
                    theirs = 0.5 * ((recon - x) ** 2).reshape(3, -1).sum(-1)
                    expected = -theirs - 784 * 0.9189385332046727
                assert torch.allclose(loaded.log_px(x, [out.embedding]), expected, atol=1e-3)
    vq = PythaeVae("mse")
    vq.model_name = "VQVAE"
    try:
        adapters.pythae_vae(vq, "a discrete model")
        raise AssertionError("a VQVAE was accepted as a Gaussian VAE")
    except ValueError as e:
        assert "VQVAE: not a Gaussian-encoder VAE" in str(e), e
    print("pythae adapter: ok")


class ChannelsLastEncoder(torch.nn.Module):
    """disentanglement_lib's encoder interface in a PyTorch port: images [B, H, W, C] (TensorFlow's
    layout, flattened in that order) to (means, log_var)."""

    def __init__(self, shape, latent_dim):
        super().__init__()
        c, h, w = shape
        self.means = torch.nn.Linear(h * w * c, latent_dim)
        self.log_var = torch.nn.Linear(h * w * c, latent_dim)

    def forward(self, x):
        flat = x.reshape(x.shape[0], -1)
        return self.means(flat), self.log_var(flat)


class ChannelsLastDecoder(torch.nn.Module):
    """... and its decoder: latents to logits [B, H, W, C]."""

    def __init__(self, shape, latent_dim):
        super().__init__()
        self.shape = shape
        self.lin = torch.nn.Linear(latent_dim, shape[0] * shape[1] * shape[2])

    def forward(self, z):
        c, h, w = self.shape
        return self.lin(z).reshape(-1, h, w, c)


def sigmoid_cross_entropy_with_logits(logits, labels):
    """TensorFlow's documented formula, which their bernoulli_loss sums per image."""
    return logits.clamp(min=0) - logits * labels + torch.log1p(torch.exp(-logits.abs()))


def check_disentanglement_lib(strata):
    shape = (3, 8, 6)                      # not square: a swapped H and W would show
    torch.manual_seed(2)
    enc, dec = ChannelsLastEncoder(shape, 5).eval(), ChannelsLastDecoder(shape, 5).eval()
    x = torch.rand(4, *shape)
    xl = x.permute(0, 2, 3, 1)
    for activation, decode_output in (("logits", "logits"), ("logits", "mean"), ("tanh", "mean")):
        model, meta = adapters.disentanglement_lib_vae(
            enc, dec, 5, "stand-in disentanglement_lib model", image_shape=shape,
            activation=activation, decode_output=decode_output)
        assert meta["contract"] == 2 and meta["output"]["decode"] == decode_output, meta
        with tempfile.TemporaryDirectory() as folder:
            loaded = exported(model, meta, folder, strata)
            with torch.no_grad():
                mu, logvar = enc(xl)
                q = loaded.posterior(x, False)
                assert torch.equal(q["q_mean"][0], mu) and torch.equal(q["q_logvar"][0], logvar)
                out = dec(mu).permute(0, 3, 1, 2)
                if activation == "tanh":
                    p = (torch.tanh(out) / 2 + 0.5).clamp(1e-6, 1 - 1e-6)
                    assert torch.allclose(loaded.decode([mu]), p)
                    theirs = -(x * p.log() + (1 - x) * (1 - p).log()).sum([1, 2, 3])
                else:
                    expected = out if decode_output == "logits" else torch.sigmoid(out)
                    assert torch.equal(loaded.decode([mu]), expected)
                    theirs = sigmoid_cross_entropy_with_logits(out, x).sum([1, 2, 3])
                assert torch.allclose(loaded.log_px(x, [mu]), -theirs, atol=1e-4)
    try:
        adapters.disentanglement_lib_vae(enc, dec, 5, "x", shape, activation="tanh")
        raise AssertionError("tanh with logits output was accepted")
    except ValueError as e:
        assert "decode_output" in str(e), e
    print("disentanglement_lib adapter: ok")


class Swish(torch.autograd.Function):
    """NVAE's interface: swish as a custom autograd Function, which TorchScript cannot hold."""

    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i * torch.sigmoid(i)

    @staticmethod
    def backward(ctx, grad):
        i = ctx.saved_tensors[0]
        s = torch.sigmoid(i)
        return grad * s * (1 + i * (1 - s))


def act(t):
    return Swish.apply(t)


class SwishActivation(torch.nn.Module):
    def forward(self, x):
        return act(x)


class FusedBatchNormSwish(torch.nn.modules.batchnorm._BatchNorm):
    """A batch norm whose forward ends in the custom Function (NVAE's SyncBatchNormSwish)."""

    def forward(self, x):
        out = torch.nn.functional.batch_norm(x, self.running_mean, self.running_var, self.weight,
                                             self.bias, self.training, 0.1, self.eps)
        return Swish.apply(out)


class Reduce(torch.nn.Module):
    """A module that calls the activation through a helper before its own layers."""

    def __init__(self, c):
        super().__init__()
        self.conv = torch.nn.Conv2d(c, c, 1, stride=2)

    def forward(self, x):
        return self.conv(act(x))


class NoNormConv(torch.nn.Conv2d):
    """NVAE's Conv2D without weight normalisation: its forward stores the weight parameter
    again under a second name, and a data-dependent initialisation waits for the first call."""

    def __init__(self, c):
        super().__init__(c, c, 3, padding=1)
        self.data_init, self.init_done = True, False
        self.weight_normalized = self.weight

    def forward(self, x):
        if self.data_init and not self.init_done:
            raise RuntimeError("data-dependent initialisation ran on a trained model")
        self.weight_normalized = self.weight
        return torch.nn.functional.conv2d(x, self.weight_normalized, self.bias, 1, 1)


class SwishNet(torch.nn.Module):
    def __init__(self, c=4, latent=3):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Conv2d(1, c, 3, padding=1), FusedBatchNormSwish(c),
                                        Reduce(c), SwishActivation(), NoNormConv(c))
        self.head = torch.nn.Linear(c * 4 * 4, 2 * latent)

    def forward(self, x):
        return self.head(self.body(x).flatten(1)).chunk(2, dim=1)


def check_nvae_helpers(strata):
    torch.manual_seed(3)
    net = SwishNet().eval()
    bn = net.body[1]
    bn.running_mean.uniform_(-0.5, 0.5)
    bn.running_var.uniform_(0.5, 2.0)
    net.body[-1].init_done = True
    x = torch.rand(2, 1, 8, 8)
    try:
        torch.jit.trace(SwishActivation(), x, check_trace=False).save(os.devnull)
        raise AssertionError("a custom autograd Function was saved in a trace")
    except RuntimeError as e:
        assert "Swish" in str(e), e
    keys = list(net.state_dict())
    _, changed = adapters.replace_custom_swish(net, example=x)
    assert changed == ["body.1", "body.2", "body.3"], changed
    assert type(net.body[1]) is adapters_nvae.BatchNormSwish
    assert type(net.body[3]) is adapters_nvae.Swish and type(net.body[2]) is Reduce
    assert list(net.state_dict()) == keys      # a checkpoint loads before or after the swap
    # the check compares outputs: a wrong replacement is refused
    bad = torch.nn.Sequential(SwishActivation(), torch.nn.Linear(4, 2))
    adapters_nvae.Swish.forward, good = (lambda self, v: torch.relu(v)), adapters_nvae.Swish.forward
    try:
        adapters.replace_custom_swish(bad, example=torch.randn(3, 4))
        raise AssertionError("a different activation passed the check")
    except AssertionError as e:
        assert "differs after the swap" in str(e), e
    finally:
        adapters_nvae.Swish.forward = good
    # synchronised batch norms and the conv quirks, then a traced encoder in a contract layer
    sync = torch.nn.Sequential(torch.nn.SyncBatchNorm(4))
    adapters.sync_batchnorm_to_batchnorm(sync)
    assert type(sync[0]) is torch.nn.BatchNorm2d
    fresh = SwishNet().eval()
    fresh.load_state_dict(net.state_dict())    # their checkpoint first: it names the alias too
    adapters.nvae_export_ready(fresh)
    assert "weight_normalized" not in fresh.body[-1]._parameters and fresh.body[-1].init_done
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(fresh(x), net(x)))
    encoder = torch.jit.trace(fresh, torch.rand(2, 1, 8, 8), check_trace=False)
    decoder = torch.jit.script(torch.nn.Sequential(torch.nn.Linear(3, 64), torch.nn.Unflatten(1, (1, 8, 8))))
    model = adapters.FlatGaussianVae(encoder, decoder, 3, "logits")
    meta = contract.make_meta("stand-in NVAE-style encoder", 1, 8, 8, [{"name": "z", "shape": [3], "group": "flat"}],
                              decode_output="logits")
    with tempfile.TemporaryDirectory() as folder:
        loaded = exported(model, meta, folder, strata)
        with torch.no_grad():
            assert torch.equal(loaded.posterior(x, False)["q_mean"][0], net(x)[0])
    # their Normal: soft clamp to [-5, 5], sigma = exp(log_sigma) + 0.01
    mu, ls = torch.tensor([-30.0, 0.3, 12.0]), torch.tensor([-9.0, 0.0, 7.0])
    mean, logvar = adapters.nvae_normal(mu, ls)
    assert torch.allclose(mean, 5 * torch.tanh(mu / 5))
    assert torch.allclose(logvar, 2 * torch.log(torch.exp(5 * torch.tanh(ls / 5)) + 0.01))
    print("NVAE helpers: ok")


class VdHyper(dict):
    """vdvae's Hyperparams: a dict read as attributes (their data set-up fills image_size and
    image_channels)."""

    def __getattr__(self, key):
        return self.get(key)


class VdBlock(torch.nn.Module):
    """A residual 1x1 block (their Block's interface: one tensor in, one out), optionally pooled."""

    def __init__(self, c_in, c_out, down=None, residual=False):
        super().__init__()
        self.conv, self.down, self.residual = torch.nn.Conv2d(c_in, c_out, 1), down, residual
        self.conv.weight.data *= 0.3       # tame: prior_sample at temperature 1 stays small

    def forward(self, x):
        out = self.conv(torch.nn.functional.gelu(x))
        out = x + out if self.residual else out
        return torch.nn.functional.avg_pool2d(out, self.down) if self.down else out


class VdEncoder(torch.nn.Module):
    """Their Encoder interface: NHWC input, dict of activations keyed by resolution, each padded
    with zero channels to its resolution's width."""

    def __init__(self, widths):
        super().__init__()
        self.widths = widths
        self.in_conv = torch.nn.Conv2d(3, widths[8], 3, padding=1)
        self.enc_blocks = torch.nn.ModuleList([VdBlock(widths[8], widths[8], residual=True),
                                               VdBlock(widths[8], widths[8], down=2),
                                               VdBlock(widths[4], widths[4], down=4)])

    def forward(self, x):
        x = self.in_conv(x.permute(0, 3, 1, 2))
        acts = {x.shape[2]: x}
        for block in self.enc_blocks:
            x = block(x)
            res = x.shape[2]
            pad = self.widths[res] - x.shape[1]
            x = torch.nn.functional.pad(x, [0, 0, 0, 0, 0, pad]) if pad else x
            acts[res] = x
        return acts


class VdDecBlock(torch.nn.Module):
    """Their DecBlock interface: base, mixin, zdim and the sub-networks enc, prior (p mean, p log
    std and a state update in one output), z_proj and resnet; forward on the dict of states."""

    def __init__(self, base, mixin, width, zdim):
        super().__init__()
        self.base, self.mixin, self.zdim = base, mixin, zdim
        self.enc = VdBlock(2 * width, 2 * zdim)
        self.prior = VdBlock(width, 2 * zdim + width)
        self.z_proj = torch.nn.Conv2d(zdim, width, 1)
        self.resnet = VdBlock(width, width, residual=True)

    def forward(self, n, xs, acts, latent=None, t=None):
        width = self.z_proj.out_channels
        x = xs.get(self.base)
        x = torch.zeros(n, width, self.base, self.base) if x is None else x
        if self.mixin is not None:
            x = x + torch.nn.functional.interpolate(xs[self.mixin][:, :width], scale_factor=self.base // self.mixin)
        feats = self.prior(x)
        pm, pv, update = feats[:, :self.zdim], feats[:, self.zdim:2 * self.zdim], feats[:, 2 * self.zdim:]
        stats = {}
        if acts is not None:                                   # posterior sample
            qm, qv = self.enc(torch.cat([x, acts], 1)).chunk(2, dim=1)
            z = torch.exp(qv) * torch.empty_like(qm).normal_() + qm
            stats = dict(z=z, kl=-0.5 + pv - qv + 0.5 * (torch.exp(2 * qv) + (qm - pm) ** 2) / torch.exp(2 * pv))
        elif latent is not None:
            z = latent
        else:                                                  # prior sample at temperature t
            z = torch.exp(pv + torch.log(torch.tensor(t))) * torch.empty_like(pm).normal_() + pm
        xs[self.base] = self.resnet(x + update + self.z_proj(z))
        return stats


class VdOut(torch.nn.Module):
    """Their DmolNet interface: forward gives mixture parameters NHWC [B, H, W, 10 M]; nll(px_z,
    x) a per-item loss per dimension (any function of them will do for the adapter)."""

    def __init__(self, width, mixtures):
        super().__init__()
        self.out_conv = torch.nn.Conv2d(width, 10 * mixtures, 1)

    def forward(self, px_z):
        return self.out_conv(px_z).permute(0, 2, 3, 1)

    def nll(self, px_z, x):
        return ((self.forward(px_z)[..., :3] - x) ** 2).mean([1, 2, 3])


class VdDecoder(torch.nn.Module):
    def __init__(self, H, widths, blocks):
        super().__init__()
        self.H = H
        self.dec_blocks = torch.nn.ModuleList([VdDecBlock(r, m, widths[r], H.zdim) for r, m in blocks])
        self.bias_xs = torch.nn.ParameterList([torch.nn.Parameter(torch.randn(1, widths[r], r, r)) for r in (1, 4)])
        self.out_net = VdOut(widths[8], H.num_mixtures)
        self.gain = torch.nn.Parameter(1 + 0.1 * torch.randn(1, widths[8], 1, 1))
        self.bias = torch.nn.Parameter(0.1 * torch.randn(1, widths[8], 1, 1))

    def run(self, n, acts=None, latents=None, t=None):
        xs = {b.shape[2]: b.repeat(n, 1, 1, 1) for b in self.bias_xs}
        stats = [blk(n, xs, None if acts is None else acts[blk.base], None if latents is None else latents[i],
                     None if t is None else t[i]) for i, blk in enumerate(self.dec_blocks)]
        return xs[self.H.image_size] * self.gain + self.bias, stats


class VdVae(torch.nn.Module):
    def __init__(self, dataset="cifar10"):
        super().__init__()
        widths = {1: 6, 4: 6, 8: 4}
        blocks = [(1, None), (1, None), (4, 1), (4, None), (8, 4)]
        self.H = VdHyper(dataset=dataset, image_size=8, image_channels=3, num_mixtures=2, zdim=2,
                         dec_blocks="1x2,4m1,4x1,8m4", enc_blocks="8x1,8d2,4d4")
        self.encoder = VdEncoder(widths)
        self.decoder = VdDecoder(self.H, widths, blocks)


def check_vdvae(strata):
    torch.manual_seed(4)
    vae = VdVae().eval()
    model, meta = adapters.vdvae_hierarchical(vae, "stand-in vdvae model")
    assert meta["input"]["range"] == [-1.0, 1.0] and meta["output"]["decode"] == "mean"
    assert [l["shape"] for l in meta["layers"]] == [[2, 1, 1]] * 2 + [[2, 4, 4]] * 2 + [[2, 8, 8]]
    assert [l["group"] for l in meta["layers"]][1:3] == ["1 x 1", "4 x 4"]
    B = 3
    raw = torch.randint(0, 256, (B, 8, 8, 3)).float()          # their data: uint8, NHWC
    shift, scale = adapters_vdvae.VDVAE_INPUT_SCALING["cifar10"]
    x = ((raw - 127.5) / 127.5).permute(0, 3, 1, 2)            # what Strata feeds: [-1, 1], NCHW
    with tempfile.TemporaryDirectory() as folder:
        loaded = exported(model, meta, folder, strata)
        with torch.no_grad():
            acts = vae.encoder((raw + shift) * scale)
            torch.manual_seed(5)
            px_z, stats = vae.decoder.run(B, acts=acts)
            torch.manual_seed(5)
            post = loaded.posterior(x, True)
            for s, z, qm, ql, pm, pl in zip(stats, *(post[k] for k in ("z", "q_mean", "q_logvar", "p_mean", "p_logvar"))):
                assert torch.allclose(s["z"], z, atol=1e-5)
                kl = 0.5 * (pl - ql + (ql.exp() + (qm - pm) ** 2) * torch.exp(-pl) - 1)
                assert torch.allclose(s["kl"], kl, atol=1e-5)
            lat = [s["z"] for s in stats]
            px_lat, _ = vae.decoder.run(B, latents=lat)
            assert torch.allclose(px_lat, px_z)
            expected = adapters.dmol_mean(vae.decoder.out_net(px_lat), 2)
            assert torch.allclose(loaded.decode(lat), expected, atol=1e-6)
            target = (raw - 127.5) / 127.5
            assert torch.allclose(loaded.log_px(x, lat), -vae.decoder.out_net.nll(px_lat, target) * 192, atol=1e-4)
            # per-layer temperatures, as their forward_uncond takes a list
            temps = [0.8, 0.0, 1.0, 0.5, 0.3]
            torch.manual_seed(6)
            px_unc, _ = vae.decoder.run(B, t=temps)
            torch.manual_seed(6)
            eps = [torch.empty([B] + l["shape"]).normal_() for l in meta["layers"]]
            zs = loaded.prior_sample([], eps, temps)
            px_mine, _ = vae.decoder.run(B, latents=zs)
            assert torch.allclose(px_mine, px_unc, atol=1e-5)
            assert torch.equal(loaded.prior_sample(zs[:2], eps[2:], temps[2:])[4], zs[4])
    print("vdvae adapter: ok")


def check_dmol_mean():
    """One logistic per pixel, no channel coefficients: channel means are E[clamp(X, -1, 1)],
    computed here by numerical integration; two components mix by their softmax weights."""
    loc = torch.tensor([-1.3, -0.2, 0.9])
    log_scale = torch.tensor([-2.0, 1.5, -1.0])
    grid = torch.linspace(-60, 60, 600001, dtype=torch.float64)
    expected = []
    for m, ls in zip(loc.double(), log_scale.double()):
        s = ls.exp()
        u = (grid - m) / s
        density = torch.exp(-u) / (s * (1 + torch.exp(-u)) ** 2)
        expected.append(torch.trapz(density * grid.clamp(-1, 1), grid))
    expected = torch.stack(expected).float()
    l = torch.zeros(1, 1, 1, 10)
    l[0, 0, 0, 1:].view(3, 3)[:, 0] = loc  # M = 1: logit, then per channel mean, log scale, coeff
    l[0, 0, 0, 1:].view(3, 3)[:, 1] = log_scale
    got = adapters.dmol_mean(l, 1)[0, :, 0, 0]
    assert torch.allclose(got, expected, atol=1e-4), (got, expected)
    l2 = torch.zeros(1, 1, 1, 20)          # M = 2, weights softmax([0, log 3]) = 1/4, 3/4;
    # per channel: 2 means, 2 log scales, 2 coeffs; the second component sits at 0.25
    l2[0, 0, 0, 1] = torch.log(torch.tensor(3.0))
    l2[0, 0, 0, 2:].view(3, 6)[:, 0] = loc
    l2[0, 0, 0, 2:].view(3, 6)[:, 2] = log_scale
    l2[0, 0, 0, 2:].view(3, 6)[:, 1] = 0.25
    l2[0, 0, 0, 2:].view(3, 6)[:, 3] = -7.0
    got2 = adapters.dmol_mean(l2, 2)[0, :, 0, 0]
    assert torch.allclose(got2, 0.25 * expected + 0.75 * 0.25, atol=1e-4), got2
    # very wide or huge scales: the clipped mean tends to 2 sigmoid(loc / s) - 1, finite
    l[0, 0, 0, 1:].view(3, 3)[:, 1] = torch.tensor([8.0, 40.0, 500.0])
    l[0, 0, 0, 1:].view(3, 3)[:, 0] = torch.tensor([3000.0, 0.0, -1e30])
    wide = adapters.dmol_mean(l, 1)[0, :, 0, 0]
    assert torch.allclose(wide, torch.tensor([2 * torch.sigmoid(torch.tensor(3000 / 2980.96)) - 1, 0, -1]),
                          atol=1e-3), wide
    print("mixture-of-logistics mean: ok")


if __name__ == "__main__":
    torch.set_num_threads(1)
    strata_executable = sys.argv[1] if len(sys.argv) > 1 else None
    check_disentangling_vae(strata_executable)
    check_pythae(strata_executable)
    check_disentanglement_lib(strata_executable)
    check_nvae_helpers(strata_executable)
    check_dmol_mean()
    check_vdvae(strata_executable)
