#!/usr/bin/env python3
"""The export adapters of tools/strata_tools/adapters.py on small stand-in modules with each
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

from strata_tools import adapters, contract  # noqa: E402


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


if __name__ == "__main__":
    torch.set_num_threads(1)
    strata_executable = sys.argv[1] if len(sys.argv) > 1 else None
    check_disentangling_vae(strata_executable)
    check_pythae(strata_executable)
