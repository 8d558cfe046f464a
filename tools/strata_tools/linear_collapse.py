"""Dang et al.'s linear-theory predictor of posterior collapse in a conditional VAE (ICLR
2024), in NumPy, as docs/metrics.md ("Collapse predicted by the linear theory") states it:
the spectrum of the covariance of x left unexplained by a linear map of y, and the units a
linear CVAE with learnable encoder variance keeps active, those whose eigenvalue exceeds
beta * decoder_std^2."""
import numpy as np


def unexplained_spectrum(x: np.ndarray, condition: np.ndarray) -> np.ndarray:
    """Eigenvalues, largest first, of Cov(x) - Cov(x, y) Cov(y)^+ Cov(y, x) (population
    covariances, float64); x is [N, D], condition [N, K] (one-hot rows or vectors)."""
    x = x.reshape(len(x), -1).astype(np.float64)
    y = condition.reshape(len(condition), -1).astype(np.float64)
    xc = x - x.mean(0)
    yc = y - y.mean(0)
    n = len(x)
    sxx = xc.T @ xc / n
    sxy = xc.T @ yc / n
    syy = yc.T @ yc / n
    # rcond as Strata's kConditionRankCutoff: a one-hot y's covariance is singular.
    residual = sxx - sxy @ np.linalg.pinv(syy, rcond=1e-9, hermitian=True) @ sxy.T
    return np.sort(np.linalg.eigvalsh((residual + residual.T) / 2))[::-1]


def predicted_active(spectrum: np.ndarray, units: int, beta: float, decoder_std: float) -> int:
    return int(min(units, int((spectrum > beta * decoder_std ** 2).sum())))
