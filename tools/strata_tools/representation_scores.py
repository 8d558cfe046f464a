"""Mean and sampled representations of a Gaussian encoder (Bonheme & Grzes).

docs/metrics.md, "Mean and sampled representations (Bonheme & Grzes)", defines these numbers;
this module is written from that page (NumPy, scikit-learn) so that a later C++
implementation can be checked against it. The definitions are those of L. Bonheme and
M. Grzes, "Be More Active! Understanding the Differences between Mean and Sampled
Representations of Variational Autoencoders" (arXiv 2109.12679; JMLR 2023), as their
experiments compute them, with the unsupervised scores of disentanglement_lib v1.4:

* `unit_classes`     per unit, mean and variance over the items of the posterior variance
                     sigma^2 = exp(logvar); passive if the variance is < 0.1 and the mean
                     in [0.9, 1.1], active if the variance is < 0.1 and the mean <= 0.1,
                     mixed otherwise (the "polarised regime" extended to a data set)
* `gaussian_total_correlation`  KL between N(0, S) and N(0, diag S), S the sample
                     covariance (ddof = 1) of the codes
* `mean_pairwise_mi` mean over unit pairs of the discrete mutual information of the codes
                     in 20 equal-width histogram bins (nats, not normalised)
* `evaluate`         both scores on mean codes mu(x) and on sampled codes
                     z = mu + exp(logvar / 2) * eps, on all units, without the passive
                     units, and on each class; Pearson correlation matrices of both codes

Inputs are means, logvars (and samples) [N, D], one row per item, the same items for the
classes and the scores. Readings where the authors' code leaves a case open (kept here):
* a subset of fewer than two units has no scores (None);
* total correlation is None if a unit of the subset is constant, and +inf ("singular")
  if the smallest eigenvalue of the correlation matrix is <= 1e-10 (the authors' code
  returns NaN and +inf or a large rounding-dependent number there);
* `mean_variance_classes` is the authors' earlier rule (variance of mu over the items,
  ddof = 1: passive < 0.1 <= mixed < 0.9 <= active), replaced before publication; it is
  reported beside the published rule because it is what is often assumed.
"""
import math

import numpy as np
from sklearn.metrics import mutual_info_score

from . import metrics

BINS = 20                   # histogram bins of the mutual information score
VAR_THRESHOLD = 0.1         # variance of sigma^2 over the items: low if < 0.1
MEAN_RANGE = 0.1            # mean of sigma^2: "0" if <= 0.1, "1" if in [1 - 0.1, 1 + 0.1]
LEGACY_PASSIVE, LEGACY_ACTIVE = 0.1, 0.9   # `mean_variance_classes` thresholds
SINGULAR_EIGENVALUE = 1e-10  # smallest eigenvalue of the correlation matrix
PASSIVE, MIXED, ACTIVE = "passive", "mixed", "active"
SUBSETS = ("all", "without_passive", ACTIVE, MIXED, PASSIVE)


def _finite(x, name, shape=None):
    x = metrics._as_codes(x)
    if shape is not None and x.shape != shape:
        raise ValueError("%s has shape %s, expected %s" % (name, x.shape, shape))
    if not np.all(np.isfinite(x)):
        raise ValueError("%s has non-finite values" % name)
    return x


def classify(s2_mean, s2_var):
    """Class of each unit from the mean and the variance (over the items) of its posterior
    variance: low = s2_var < 0.1; passive = low and 0.9 <= s2_mean <= 1.1; active = low
    and s2_mean <= 0.1; mixed otherwise. Bounds are 1 - 0.1 and 1 + 0.1 in double."""
    s2_mean, s2_var = np.asarray(s2_mean, np.float64), np.asarray(s2_var, np.float64)
    low = s2_var < VAR_THRESHOLD
    near_one = (1.0 - MEAN_RANGE <= s2_mean) & (s2_mean <= 1.0 + MEAN_RANGE)
    out = np.full(s2_mean.shape, MIXED, dtype=object)
    out[low & near_one] = PASSIVE
    out[low & (s2_mean <= MEAN_RANGE)] = ACTIVE
    return out.tolist()


def unit_classes(logvars):
    """Per unit j: sigma^2_ij = exp(logvar_ij); m_j = mean_i sigma^2_ij and
    v_j = (1/N) sum_i (sigma^2_ij - m_j)^2 (population variance, ddof = 0); class by
    `classify`. The posterior means do not enter (Bonheme & Grzes, polarised regime over
    a data set: passive units keep the prior variance 1 on every item, active units a
    variance near 0 on every item)."""
    s2 = np.exp(_finite(logvars, "logvars"))
    if not np.all(np.isfinite(s2)):
        raise ValueError("exp(logvars) overflows")
    m, v = s2.mean(axis=0), s2.var(axis=0)
    return {"posterior_variance_mean": m.tolist(), "posterior_variance_var": v.tolist(),
            "class": classify(m, v)}


def mean_variance_classes(means):
    """Earlier rule (not the published one): w_j = sample variance (ddof = 1) of mu_j
    over the items; passive if w_j < 0.1, mixed if 0.1 <= w_j < 0.9, active if >= 0.9."""
    w = np.var(_finite(means, "means"), axis=0, ddof=1)
    cls = np.where(w < LEGACY_PASSIVE, PASSIVE, np.where(w < LEGACY_ACTIVE, MIXED, ACTIVE))
    return {"mean_variance": w.tolist(), "class": cls.tolist()}


def correlation_matrix(codes):
    """Pearson correlation R = S_jk / sqrt(S_jj S_kk) of the columns (S the sample
    covariance; ddof cancels). Rows and columns of constant units are NaN."""
    codes = metrics._as_codes(codes)
    cov = np.cov(codes, rowvar=False, ddof=1).reshape(codes.shape[1], codes.shape[1])
    sd = np.sqrt(np.diag(cov))
    sd[metrics._is_constant(codes)] = np.nan
    return cov / np.outer(sd, sd)


def gaussian_total_correlation(codes):
    """Total correlation of the Gaussian fitted to the codes [N, D], D >= 2 (nats):
    TC = KL(N(0, S) || N(0, diag S)) = 0.5 * (sum_j log S_jj - log det S), S the sample
    covariance (ddof = 1), which equals -0.5 * log det R = -0.5 * sum log lambda_k(R)
    (R the correlation matrix, lambda its eigenvalues; computed so). Invariant to the
    scale of each unit. None if a unit is constant; +inf if min lambda <= 1e-10."""
    codes = metrics._as_codes(codes)
    if codes.shape[1] < 2:
        raise ValueError("total correlation needs at least two units")
    if np.any(metrics._is_constant(codes)):
        return None
    lam = np.linalg.eigvalsh(correlation_matrix(codes))
    if lam[0] <= SINGULAR_EIGENVALUE:
        return math.inf
    return float(-0.5 * np.sum(np.log(lam)))


def mean_pairwise_mi(codes, bins=BINS):
    """Mean over the D (D - 1) / 2 unit pairs j < k of I(b_j; b_k) (nats, unnormalised),
    b_j the code of unit j in `bins` equal-width bins (edges = linspace(min, max, bins + 1),
    bin = number of edges[0..bins-1] <= z, `metrics.discretise`) and I the mutual
    information of the empirical joint distribution. I is symmetric, so this is the
    mean of the off-diagonal entries of the D x D matrix. D >= 2."""
    codes = metrics._as_codes(codes)
    n_dims = codes.shape[1]
    if n_dims < 2:
        raise ValueError("pairwise mutual information needs at least two units")
    binned = [metrics.discretise(codes[:, j], bins) for j in range(n_dims)]
    info = [mutual_info_score(binned[j], binned[k])
            for j in range(n_dims) for k in range(j + 1, n_dims)]
    return float(np.mean(info))


def _json_matrix(r):
    return [[None if not np.isfinite(x) else float(x) for x in row] for row in r]


def subset_scores(codes, units, bins=BINS):
    """Scores of codes[:, units]: TC (None / status as in `gaussian_total_correlation`)
    and mean pairwise MI; both None with fewer than two units."""
    out = {"units": [int(j) for j in units], "gaussian_total_correlation": None,
           "tc_status": "fewer than 2 units", "mean_pairwise_mi": None}
    if len(units) < 2:
        return out
    sub = codes[:, list(units)]
    tc = gaussian_total_correlation(sub)
    out["tc_status"] = ("constant unit" if tc is None else
                        "singular" if math.isinf(tc) else "ok")
    out["gaussian_total_correlation"] = tc if out["tc_status"] == "ok" else None
    out["mean_pairwise_mi"] = mean_pairwise_mi(sub, bins)
    return out


def evaluate(means, logvars, samples=None, seed=0, bins=BINS):
    """JSON-ready report: per-unit statistics and classes, class counts, Pearson
    correlation matrices of mean and sampled codes, and TC and mean pairwise MI of both
    codes on each subset of SUBSETS ("without_passive" = active and mixed units).
    Sampled codes are `samples` if given, else mu + exp(logvar / 2) * eps with eps drawn
    from numpy.random.default_rng(seed) (one sample per item)."""
    means = _finite(means, "means")
    logvars = _finite(logvars, "logvars", means.shape)
    if samples is None:
        eps = np.random.default_rng(seed).standard_normal(means.shape)
        samples, source = means + np.exp(0.5 * logvars) * eps, "drawn, seed %d" % seed
    else:
        samples, source = _finite(samples, "samples", means.shape), "given"
    units = unit_classes(logvars)
    legacy = mean_variance_classes(means)
    cls = np.array(units["class"], dtype=object)
    n_dims = means.shape[1]
    subsets = {"all": list(range(n_dims)),
               "without_passive": np.flatnonzero(cls != PASSIVE).tolist()}
    subsets.update({c: np.flatnonzero(cls == c).tolist() for c in (ACTIVE, MIXED, PASSIVE)})
    per_unit = [{"unit": j, "class": units["class"][j],
                 "posterior_variance_mean": units["posterior_variance_mean"][j],
                 "posterior_variance_var": units["posterior_variance_var"][j],
                 "mean_variance": legacy["mean_variance"][j],
                 "class_mean_variance_rule": legacy["class"][j]} for j in range(n_dims)]
    return {"n_items": int(means.shape[0]), "n_units": n_dims, "bins": bins,
            "samples": source, "units": per_unit,
            "counts": {c: len(subsets[c]) for c in (ACTIVE, MIXED, PASSIVE)},
            "correlation": {"mean": _json_matrix(correlation_matrix(means)),
                            "sampled": _json_matrix(correlation_matrix(samples))},
            "scores": {name: {s: subset_scores(codes, subsets[s], bins) for s in SUBSETS}
                       for name, codes in (("mean", means), ("sampled", samples))}}
