"""Reference relevance of latent units in the ARD-VAE convention (PyTorch).

Source: S. Saha, S. Joshi, R. Whitaker, "ARD-VAE: A Statistical Formulation to Find the
Relevant Latent Dimensions of Variational Autoencoders" (arXiv 2501.10901; the authors'
PDF of April 2024, surojit-utah.github.io/files/ARD_VAE.pdf, is the version read here, and
its equation numbers are the ones cited). Written from the paper's equations; the authors'
TensorFlow code (github.com/Surojit-Utah/ARD-VAE,
eval/study_fid/generate_samples/gen_samples/get_encoded_statistics.py) was read to settle
what the text leaves open, and its readings are available as options. No code is taken
from it. docs/metrics.md, "Relevant dimensions (ARD-VAE)", states the same definitions for
the C++ side.

Per latent unit l (units of all chosen layers concatenated top first, as for the codes):

* Prior variance, Eq. 17 with Eqs. 6-7 (a0 = b0 = 0, mu_alpha = 0, Sec. 3.3):
  sigma_hat^2_l = b_l / a_l = (1/n) sum_i z_il^2 over the latent data set D_z of
  Algorithm 1 (one posterior sample z_i = mu_i + sigma_i * eps_i per item). This is the
  *uncentred* second moment of the aggregate posterior, normalised by 1/n (not 1/(n-1),
  not the variance of mu). By default the reference uses its expectation,
  (1/n) sum_i (mu_il^2 + sigma_il^2), which needs no random numbers; given `prior_eps`
  it uses the sample exactly as Algorithm 1 does.
* Jacobian weight, Eq. 18: w_l = sum_k (1/N) sum_i J_i[k, l]^2 = (1/N) sum_i
  ||d xhat(z_i) / d z_l||^2, the mean over N items (100 in the paper, "the size of a
  minibatch") of the squared Euclidean norm of column l of the decoder's Jacobian, the
  output flattened. Evaluated at the posterior means z_i = mu_i ("with respect to the mean
  representation", Sec. 3.4); given `jacobian_eps`, at mu_i + sigma_i * eps_i as the
  authors' code does. The authors' code reduces differently: sum_k (mean_i |J_i[k, l]|)^2
  (`reduce="sq_mean_abs"`), which is <= the paper's value and equal when the Jacobian is
  the same for every item (a linear decoder). Both are returned.
* Relevance score, Eq. 19: r_l = w_l * sigma_hat^2_l (the variance, not its square root).
* Units are sorted by decreasing r (ties: lower index first); share_l = r_l / sum r;
  the number of relevant units is the smallest k whose cumulative share of the k largest
  scores exceeds 0.99 ("explaining 99% of the variance in sigma_hat^2_w", Sec. 3.4; the
  authors' code tests cumulative percentage > 99, strictly). If every score is 0 the shares
  are 0 and k = 0.

`decode` is any callable taking z [B, D] (or, for layered models, a list of [B, D_l]
tensors, Strata's `decode(List[Tensor])`) and returning [B, ...]; the output is flattened
per item. The batched Jacobian methods ("forward", "reverse", "fd") assume the decoder
treats the rows of a batch independently (eval mode, no batch statistics); "loop" decodes
one item at a time and assumes nothing. For the reference, pass a float64 copy of the
model (`copy.deepcopy(model).double().eval()`); everything here is computed in float64.
"""
import numpy as np
import torch
import torch.autograd.forward_ad as fwAD

JACOBIAN_ITEMS = 100          # Sec. 3.4: Jacobian over "the size of a minibatch (100)"
EXPLAINED = 0.99              # Sec. 3.4: "explaining 99% of the variance in sigma_hat^2_w"
ACTIVE_VARIANCE = 0.01        # docs/metrics.md: active units, Var_i(mu_il) > 0.01
COLLAPSED_KL = 0.01           # docs/metrics.md: collapsed units, mean KL < 0.01 nats
MAX_ELEMENTS = 1 << 22        # bound on b * P * D Jacobian entries held at once
FD_STEP = 1e-5                # central-difference step for method="fd" (float64)
METHODS = ("forward", "reverse", "loop", "fd")
REDUCES = ("mean_sq", "sq_mean_abs")


# ---------------------------------------------------------------- inputs

def _as_units(x, dtype):
    """A tensor [N, D] or a list of layer tensors [N, D_l] -> ([N, sum D_l], sizes or None)."""
    if isinstance(x, (list, tuple)):
        parts = [torch.as_tensor(p, dtype=dtype).reshape(len(p), -1) for p in x]
        return torch.cat(parts, dim=1), [p.shape[1] for p in parts]
    t = torch.as_tensor(x, dtype=dtype)
    if t.dim() != 2:
        raise ValueError("means / logvars must be [N, D] or a list of [N, D_l], got shape %s"
                         % (tuple(t.shape),))
    return t, None


def flat_decoder(decode, sizes=None):
    """Wrap `decode` as z [B, D] -> [B, P]: splits z into layers when `sizes` is given
    (Strata's List[Tensor] decode) and flattens the output per item."""
    def f(z):
        arg = list(torch.split(z, sizes, dim=1)) if sizes is not None else z
        out = decode(arg)
        return out.reshape(z.shape[0], -1)
    return f


def strata_model_decoder(model, meta, points):
    """A Strata model file's decoder as z [M, D] -> [M, P] in data units (what Strata shows,
    strata_tools.contract.to_data_units), with `points` (one array [M, *shape] per layer,
    top first) flattened into that z; the tensors take the points' dtype."""
    from strata_tools import contract
    shapes = [tuple(layer["shape"]) for layer in meta["layers"]]
    flat = [torch.as_tensor(p).reshape(len(p), -1) for p in points]

    def decode(z):
        layers = [t.reshape((t.shape[0],) + s) for t, s in zip(z, shapes)]
        return contract.to_data_units(model.decode(layers), meta)

    return flat_decoder(decode, [p.shape[1] for p in flat]), torch.cat(flat, dim=1)


# ---------------------------------------------------------------- prior variance

def prior_variance(means, logvars, prior_eps=None):
    """Data-driven prior variance per unit, Eq. 17 with Eqs. 6-7, a0 = b0 = 0, mu_alpha = 0.

    b_l / a_l = (sum_i z_il^2 / 2) / (n / 2) = (1/n) sum_i z_il^2. Without `prior_eps` the
    expectation over Algorithm 1's sample is returned, (1/n) sum_i (mu_il^2 + exp(logvar_il));
    with `prior_eps` [N, D] the sample z = mu + exp(logvar / 2) * eps is used. float64 [D]."""
    mu, _ = _as_units(means, torch.float64)
    lv, _ = _as_units(logvars, torch.float64)
    if mu.shape != lv.shape:
        raise ValueError("means %s and logvars %s differ in shape"
                         % (tuple(mu.shape), tuple(lv.shape)))
    var = torch.exp(lv)                      # logvar = -inf gives sigma^2 = 0
    if prior_eps is None:
        second = mu ** 2 + var
    else:
        eps, _ = _as_units(prior_eps, torch.float64)
        second = (mu + torch.sqrt(var) * eps) ** 2
    return second.mean(dim=0)


# ---------------------------------------------------------------- Jacobian

def _chunk_items(n_items, n_out, n_units, max_elements):
    return max(1, int(max_elements // max(1, n_out * n_units)))


def jacobian_blocks(f, z, method="forward", max_elements=MAX_ELEMENTS, fd_step=FD_STEP):
    """Yield the decoder Jacobians J [b, P, D] (J[i, k, l] = d f(z)_ik / d z_il) for
    consecutive blocks of the rows of z [N, D].

    forward: forward-mode AD (torch.autograd.forward_ad) on D copies of the block, copy l
             carrying the tangent e_l: one forward pass gives every column.
    reverse: torch.autograd.functional.jacobian(vectorize=True) of the block-summed output
             (rows independent, so d sum_i f_ik / d z_il = J[i, k, l]).
    loop:    the same, one item at a time (no independence assumption; slow).
    fd:      central differences (f(z + h e_l) - f(z - h e_l)) / 2h, h = fd_step."""
    if method not in METHODS:
        raise ValueError("method must be one of %s" % (METHODS,))
    n, d = z.shape
    with torch.no_grad():
        n_out = f(z[:1]).shape[1]
    b = _chunk_items(n, n_out, d, max_elements)
    eye = torch.eye(d, dtype=z.dtype)
    for start in range(0, n, b):
        zb = z[start:start + b]
        nb = zb.shape[0]
        if method == "forward":
            primal = zb.repeat(d, 1)                             # row l*nb + i = z_i
            tangent = eye.repeat_interleave(nb, dim=0)            # row l*nb + i = e_l
            with fwAD.dual_level():
                out = f(fwAD.make_dual(primal, tangent))
                jt = fwAD.unpack_dual(out).tangent               # [d*nb, P]
            if jt is None:                                       # output independent of z
                jt = torch.zeros(d * nb, n_out, dtype=z.dtype)
            yield jt.reshape(d, nb, n_out).permute(1, 2, 0).detach()
        elif method == "reverse":
            jac = torch.autograd.functional.jacobian(lambda v: f(v).sum(dim=0), zb,
                                                     vectorize=True)   # [P, nb, d]
            yield jac.permute(1, 0, 2).detach()
        elif method == "loop":
            rows = [torch.autograd.functional.jacobian(lambda v: f(v[None])[0], zb[i],
                                                       vectorize=True)  # [P, d]
                    for i in range(nb)]
            yield torch.stack(rows).detach()
        else:
            cols = []
            with torch.no_grad():
                for l in range(d):
                    step = torch.zeros_like(zb)
                    step[:, l] = fd_step
                    cols.append((f(zb + step) - f(zb - step)) / (2.0 * fd_step))
            yield torch.stack(cols, dim=2)


def jacobian_weights(f, z, method="forward", max_elements=MAX_ELEMENTS, fd_step=FD_STEP):
    """Both reductions of the Jacobians at the rows of z [N, D] (float64 [D] each):

    mean_sq     (Eq. 18):          w_l = (1/N) sum_i sum_k J_i[k, l]^2
    sq_mean_abs (authors' code):   w_l = sum_k ((1/N) sum_i |J_i[k, l]|)^2"""
    n, d = z.shape
    sq = torch.zeros(d, dtype=torch.float64)
    abs_sum = None
    for jac in jacobian_blocks(f, z, method, max_elements, fd_step):
        jac = jac.to(torch.float64)
        sq += (jac ** 2).sum(dim=(0, 1))
        a = jac.abs().sum(dim=0)                                 # [P, D]
        abs_sum = a if abs_sum is None else abs_sum + a
    return {"mean_sq": (sq / n).numpy(),
            "sq_mean_abs": ((abs_sum / n) ** 2).sum(dim=0).numpy()}


# ---------------------------------------------------------------- ranking

def rank_units(relevance, explained=EXPLAINED):
    """Order, shares and the number of units explaining `explained` of the total (Sec. 3.4).

    order: unit indices by decreasing relevance, ties by lower index first. share = r / sum r.
    cumulative[k-1] = share of the k largest. n_explained = smallest k with
    cumulative[k-1] > explained (strict, as the authors' code); 0 if every score is 0."""
    r = np.asarray(relevance, dtype=np.float64)
    if not np.all(np.isfinite(r)) or np.any(r < 0):
        raise ValueError("relevance must be finite and >= 0")
    order = np.argsort(-r, kind="stable")
    total = r.sum()
    if total <= 0.0:
        return {"order": order, "share": np.zeros_like(r), "cumulative": np.zeros_like(r),
                "n_explained": 0, "relevant": np.zeros(r.shape, dtype=bool)}
    share = r / total
    cumulative = np.cumsum(r[order]) / total
    above = np.flatnonzero(cumulative > explained)
    k = int(above[0]) + 1 if above.size else int(r.size)
    relevant = np.zeros(r.shape, dtype=bool)
    relevant[order[:k]] = True
    return {"order": order, "share": share, "cumulative": cumulative, "n_explained": k,
            "relevant": relevant}


# ---------------------------------------------------------------- all together

def relevance_scores(decode, means, logvars, jacobian_items=JACOBIAN_ITEMS, prior_eps=None,
                     jacobian_eps=None, method="forward", reduce="mean_sq",
                     explained=EXPLAINED, max_elements=MAX_ELEMENTS, fd_step=FD_STEP):
    """ARD-VAE relevance of every latent unit (Eqs. 17-19, Sec. 3.4).

    decode:   z [B, D] -> [B, ...] (or List[[B, D_l]] -> [B, ...] when means is a list),
              called with float64 tensors.
    means, logvars: posterior means and log-variances [N, D] (or lists of [N, D_l]) of the
              items; all N give the prior variance, the first `jacobian_items` (None: all)
              the Jacobian weight.
    prior_eps [N, D]: use Algorithm 1's sample instead of its expectation.
    jacobian_eps [n_jac, D]: evaluate the Jacobian at mu + sigma * eps instead of mu.
    method:   "forward" | "reverse" | "loop" | "fd" (see `jacobian_blocks`).
    reduce:   "mean_sq" (Eq. 18, default) | "sq_mean_abs" (the authors' code).

    Returns float64 NumPy arrays per unit: prior_variance, jacobian_weight (the chosen
    reduction), jacobian_weight_mean_sq, jacobian_weight_sq_mean_abs, relevance, share,
    relevant (bool); order (indices, decreasing relevance), cumulative (share of the k
    largest, in that order); n_explained, explained, n_items, n_jacobian_items, method,
    reduce, evaluated_at ("mean" or "sample")."""
    if reduce not in REDUCES:
        raise ValueError("reduce must be one of %s" % (REDUCES,))
    mu, sizes = _as_units(means, torch.float64)
    lv, _ = _as_units(logvars, torch.float64)
    if mu.shape != lv.shape:
        raise ValueError("means %s and logvars %s differ in shape"
                         % (tuple(mu.shape), tuple(lv.shape)))
    if (not torch.all(torch.isfinite(mu)) or torch.any(torch.isnan(lv))
            or torch.any(lv == float("inf"))):
        raise ValueError("means must be finite and logvars not NaN or +inf")
    n, d = mu.shape
    pv = prior_variance(mu, lv, prior_eps)

    m = n if jacobian_items is None else min(int(jacobian_items), n)
    if m < 1:
        raise ValueError("the Jacobian needs at least one item")
    z = mu[:m].clone()
    if jacobian_eps is not None:
        eps, _ = _as_units(jacobian_eps, torch.float64)
        z = z + torch.exp(0.5 * lv[:m]) * eps[:m]
    f = flat_decoder(decode, sizes)
    w = jacobian_weights(f, z, method, max_elements, fd_step)
    weight = w[reduce]
    relevance = weight * pv.numpy()
    ranked = rank_units(relevance, explained)
    return {"prior_variance": pv.numpy(), "jacobian_weight": weight,
            "jacobian_weight_mean_sq": w["mean_sq"],
            "jacobian_weight_sq_mean_abs": w["sq_mean_abs"],
            "relevance": relevance, "share": ranked["share"], "order": ranked["order"],
            "cumulative": ranked["cumulative"], "n_explained": ranked["n_explained"],
            "relevant": ranked["relevant"], "explained": explained, "n_items": n,
            "n_jacobian_items": m, "method": method, "reduce": reduce,
            "evaluated_at": "mean" if jacobian_eps is None else "sample"}


def unit_criteria(means, logvars, p_means=None, p_logvars=None):
    """The two criteria Strata already shows, for side-by-side display (docs/metrics.md,
    "Likelihood bounds"): mean analytic KL(q || p) per unit over the items (p = N(0, 1)
    unless p_means / p_logvars are given), active units Var_i(mu_il) > 0.01 (population
    variance), collapsed units mean KL < 0.01 nats. float64 NumPy."""
    mu, _ = _as_units(means, torch.float64)
    lv, _ = _as_units(logvars, torch.float64)
    pm = torch.zeros_like(mu) if p_means is None else _as_units(p_means, torch.float64)[0]
    pl = torch.zeros_like(lv) if p_logvars is None else _as_units(p_logvars, torch.float64)[0]
    kl = 0.5 * (pl - lv + (torch.exp(lv) + (mu - pm) ** 2) / torch.exp(pl) - 1.0)
    kl_mean = kl.mean(dim=0).numpy()
    mean_variance = mu.var(dim=0, unbiased=False).numpy()
    return {"kl": kl_mean, "mean_variance": mean_variance,
            "active": mean_variance > ACTIVE_VARIANCE, "collapsed": kl_mean < COLLAPSED_KL}
