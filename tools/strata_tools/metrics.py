"""Reference implementation of the disentanglement metrics defined in docs/metrics.md.

Written from that page only (NumPy, scikit-learn, SciPy; no torch), so that the C++
implementation in core/ can be checked against it on the same codes and the same
sampling plan. Every function takes codes as [N, D] and factor class indices as
[N, K] (see `factor_classes`) and returns plain Python numbers and lists, ready for JSON.

Readings of the page where it leaves a choice open (kept in one place here):
* "constant" (a factor, a code column, a unit) means all values are equal. It is
  tested on the values, not as "variance == 0": the computed variance of a constant
  float column can be a few ulps above 0 because its computed mean is rounded.
* MIG and SAP need at least two code dimensions (the gap between the two largest).
* Standard deviations are population ones (ddof=0) everywhere (DCI standardisation,
  FactorVAE scale and pruning variance).
* DCI: the train split is the first int(0.8 * N) items (= floor(4N / 5) exactly for
  N < 10^15); an entropy with log base 1 (a single factor, or a single code dimension)
  is taken as 0; if no dimension has any importance, disentanglement and completeness
  are 0.
* DCI: factor classes are standardised like codes, so a factor that is constant on the
  train split becomes 0 in both splits and gets a test R^2 of 1 (scikit-learn's value
  for a constant target predicted exactly).
* FactorVAE: if every dimension is pruned the score and train accuracy are 0.
* beta-VAE: the classifier predicts the class with the largest logit, the lowest class
  on ties; the labels it can predict are those seen in training.
"""
import warnings

import numpy as np
from scipy.optimize import linear_sum_assignment, minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.metrics import mutual_info_score, r2_score

BINS = 20                   # MIG code bins, and the bins of factors with > 20 values
FACTORVAE_MIN_VARIANCE = 0.05
DCI_ALPHA = 0.01
DCI_TRAIN_FRACTION = 0.8

# Keys of a plan file; `codes_b` (codes of a second model, same items) is optional.
PLAN_KEYS = ("codes", "factors", "fv_train", "fv_train_factor", "fv_eval", "fv_eval_factor",
             "bv_train", "bv_train_factor", "bv_eval", "bv_eval_factor")


def _as_codes(codes):
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2:
        raise ValueError("codes must be a 2-D array [N, D], got shape %s" % (codes.shape,))
    return codes


def _is_constant(x):
    """Per column of a 2-D array: all values equal."""
    return np.min(x, axis=0) == np.max(x, axis=0)


def discretise(x, bins=BINS):
    """Equal-width bins of a 1-D array, numbered 1..bins: edges = linspace(min, max,
    bins + 1) and bin = number of edges[0..bins-1] that are <= x. The maximum lands in
    bin `bins` (the last edge is not used), a constant array entirely in bin `bins`."""
    x = np.asarray(x, dtype=np.float64)
    edges = np.linspace(x.min(), x.max(), bins + 1)
    return np.digitize(x, edges[:-1])


def factor_classes(factors):
    """Factor values [N, K] -> (class indices [N, K'] int64, kept factor indices).

    Factors with a single value are dropped. A factor with more than 20 unique values
    is first discretised into 20 equal-width bins (as codes are for MIG). The class
    index is then the rank among the sorted unique (binned) values, so classes are
    always 0..n_k-1 without gaps, also when some of the 20 bins are empty."""
    factors = np.asarray(factors, dtype=np.float64)
    if factors.ndim != 2:
        raise ValueError("factors must be a 2-D array [N, K], got shape %s" % (factors.shape,))
    columns, kept = [], []
    for k in range(factors.shape[1]):
        v = factors[:, k]
        n_values = np.unique(v).size
        if n_values < 2:
            continue
        if n_values > BINS:
            v = discretise(v, BINS)
        columns.append(np.unique(v, return_inverse=True)[1].reshape(-1).astype(np.int64))
        kept.append(k)
    if not columns:
        return np.zeros((factors.shape[0], 0), dtype=np.int64), kept
    return np.stack(columns, axis=1), kept


def _entropy(labels):
    """Entropy (nats) of the empirical distribution of integer labels."""
    p = np.bincount(labels) / labels.size
    p = p[p > 0]
    return float(-np.sum(p * np.log(p)))


def mig(codes, classes):
    """Mutual information gap (Chen et al. 2018) with 20 equal-width code bins."""
    codes = _as_codes(codes)
    classes = np.asarray(classes)
    n_dims, n_factors = codes.shape[1], classes.shape[1]
    if n_dims < 2:
        raise ValueError("MIG needs at least two code dimensions")
    binned = [discretise(codes[:, j]) for j in range(n_dims)]
    info = np.array([[mutual_info_score(classes[:, k], binned[j]) for k in range(n_factors)]
                     for j in range(n_dims)])                                 # [D, K]
    entropy = np.array([_entropy(classes[:, k]) for k in range(n_factors)])
    top = -np.sort(-info, axis=0)                                             # descending
    per_factor = (top[0] - top[1]) / entropy
    return {"score": float(per_factor.mean()), "per_factor": per_factor.tolist(), "bins": BINS}


def sap(codes, classes):
    """SAP score (Kumar et al. 2018), continuous form: gap between the two largest R^2
    of one-variable linear regressions of each factor on each code dimension."""
    codes = _as_codes(codes)
    values = np.asarray(classes, dtype=np.float64)
    n_dims = codes.shape[1]
    if n_dims < 2:
        raise ValueError("SAP needs at least two code dimensions")
    cov = np.cov(np.hstack([codes, values]), rowvar=False)
    var = np.diag(cov)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = cov[:n_dims, n_dims:] ** 2 / np.outer(var[:n_dims], var[n_dims:])  # [D, K]
    s[_is_constant(codes), :] = 0.0
    s[:, _is_constant(values)] = 0.0
    top = -np.sort(-s, axis=0)
    per_factor = top[0] - top[1]
    return {"score": float(per_factor.mean()), "per_factor": per_factor.tolist()}


def standardise(train, test):
    """Standardise both splits with the train mean and (population) standard deviation;
    a column that is constant on the train split becomes 0 in both splits."""
    train = np.asarray(train, dtype=np.float64)
    test = np.asarray(test, dtype=np.float64)
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    constant = _is_constant(train)
    std[constant] = 1.0
    out_train, out_test = (train - mean) / std, (test - mean) / std
    out_train[:, constant] = 0.0
    out_test[:, constant] = 0.0
    return out_train, out_test


def fit_lasso(x, y, alpha=DCI_ALPHA):
    """min_w (1/2n) ||y - Xw - b||^2 + alpha ||w||_1 (scikit-learn's Lasso objective),
    solved to a tight tolerance so that it can be compared with another solver."""
    model = Lasso(alpha=alpha, fit_intercept=True, tol=1e-12, max_iter=100000)
    with warnings.catch_warnings():
        # A fit that stops at max_iter is still the best available answer; DCI's
        # tolerance against the C++ solver (1e-4) shows whether it was good enough.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x, y)
    return model


def _weighted_one_minus_entropy(r, base):
    """For the rows of a non-negative matrix r: 1 - H_base(row / row sum), averaged with
    weights row sum / total. Rows summing to 0 get weight 0; 0 log 0 = 0."""
    total = r.sum()
    if total == 0:
        return 0.0
    weight = r.sum(axis=1)
    used = weight > 0
    p = r[used] / weight[used, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(p), 0.0)
    # A distribution over a single outcome has entropy 0 in any base.
    h = terms.sum(axis=1) / np.log(base) if base > 1 else np.zeros(p.shape[0])
    return float(np.sum((1.0 - h) * weight[used] / total))


def dci(codes, classes, alpha=DCI_ALPHA, train_fraction=DCI_TRAIN_FRACTION):
    """DCI (Eastwood & Williams 2018) with one Lasso regressor per factor."""
    codes = _as_codes(codes)
    classes = np.asarray(classes, dtype=np.float64)
    n, n_dims = codes.shape
    n_factors = classes.shape[1]
    n_train = int(train_fraction * n)
    if n_train < 2 or n - n_train < 2:
        raise ValueError("DCI needs at least 2 train and 2 test items (N = %d)" % n)
    x_train, x_test = standardise(codes[:n_train], codes[n_train:])
    y_train, y_test = standardise(classes[:n_train], classes[n_train:])
    importance = np.zeros((n_dims, n_factors))
    r2 = np.zeros(n_factors)
    for k in range(n_factors):
        model = fit_lasso(x_train, y_train[:, k], alpha)
        importance[:, k] = np.abs(model.coef_)
        # R^2 = 1 - NRMSE^2; invariant to the (shared) standardisation of y. For a test
        # split where the factor is constant scikit-learn gives 1 if predicted exactly,
        # else 0.
        r2[k] = r2_score(y_test[:, k], model.predict(x_test))
    return {"disentanglement": _weighted_one_minus_entropy(importance, n_factors),
            "completeness": _weighted_one_minus_entropy(importance.T, n_dims),
            "informativeness": float(r2.mean()),
            "importance": importance.tolist()}


def factorvae(codes, classes, fv_train, fv_train_factor, fv_eval, fv_eval_factor):
    """FactorVAE score (Kim & Mnih 2018) from the sampled groups of the plan: each row of
    fv_train / fv_eval holds the L items of one vote, fv_*_factor the fixed factor."""
    codes = _as_codes(codes)
    n_dims, n_factors = codes.shape[1], np.asarray(classes).shape[1]
    variance = np.var(codes, axis=0)
    scale = np.std(codes, axis=0)
    active = np.flatnonzero(variance >= FACTORVAE_MIN_VARIANCE)
    pruned = np.flatnonzero(variance < FACTORVAE_MIN_VARIANCE).tolist()
    if active.size == 0:
        return {"score": 0.0, "train_accuracy": 0.0, "pruned_dims": pruned}
    normalised = codes[:, active] / scale[active]

    def votes(groups):
        # Population variance over the L items of each group, lowest index on ties.
        local = np.var(normalised[np.asarray(groups)], axis=1)               # [votes, D']
        return active[np.argmin(local, axis=1)]

    train_dims = votes(fv_train)
    counts = np.zeros((n_dims, n_factors), dtype=np.int64)
    np.add.at(counts, (train_dims, np.asarray(fv_train_factor)), 1)
    # Majority vote; argmax takes the lowest factor on ties and maps a dimension that
    # never won a vote to factor 0.
    classifier = np.argmax(counts, axis=1)
    train_accuracy = np.mean(classifier[train_dims] == np.asarray(fv_train_factor))
    score = np.mean(classifier[votes(fv_eval)] == np.asarray(fv_eval_factor))
    return {"score": float(score), "train_accuracy": float(train_accuracy),
            "pruned_dims": pruned}


def betavae_features(codes, pairs):
    """pairs [M, L, 2] of item indices -> features [M, D]: mean |z_a - z_b| over L pairs."""
    pairs = np.asarray(pairs)
    return np.mean(np.abs(codes[pairs[..., 0]] - codes[pairs[..., 1]]), axis=1)


def _logistic_objective(theta, x, onehot, c):
    """1/2 ||W||^2 + c * sum log-loss of a multinomial logistic regression and its
    gradient; theta holds [W | b] row by row, one row per class."""
    n_classes, n_dims = onehot.shape[1], x.shape[1]
    wb = theta.reshape(n_classes, n_dims + 1)
    logits = x @ wb[:, :-1].T + wb[:, -1]
    top = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - top)
    total = e.sum(axis=1, keepdims=True)
    log_loss = np.sum(top[:, 0] + np.log(total[:, 0]) - np.sum(logits * onehot, axis=1))
    residual = e / total - onehot                                             # [M, classes]
    grad = c * np.hstack([residual.T @ x, residual.sum(axis=0)[:, None]])
    grad[:, :-1] += wb[:, :-1]                                                # intercepts unpenalised
    return 0.5 * np.sum(wb[:, :-1] ** 2) + c * log_loss, grad.ravel()


def fit_logistic(features, labels, c=1.0):
    """Multinomial logistic regression, 1/2 ||W||^2 + C * sum log-loss with C = 1 and
    unpenalised intercepts, fitted to convergence. Returns (classes, W [classes, D],
    b [classes]); predict with classes[argmax(x W^T + b)].

    scikit-learn 1.2 passes `tol` to L-BFGS-B as its gradient tolerance only and keeps
    SciPy's default relative function tolerance (2.2e-9), at which it stops with
    gradient entries up to ~1e-2 on these features. Its solution is therefore
    continued with L-BFGS-B on the same objective until the objective stops
    decreasing (gradients ~1e-7 and below)."""
    features = np.asarray(features, dtype=np.float64)
    labels = np.asarray(labels)
    model = LogisticRegression(C=c, penalty="l2", multi_class="multinomial", solver="lbfgs",
                               max_iter=100000, tol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(features, labels)
    w, b = model.coef_, model.intercept_
    if model.classes_.size == 2:
        # With two classes scikit-learn keeps only class 1's row of the (symmetric,
        # W_0 = -W_1) multinomial solution.
        w, b = np.vstack([-w, w]), np.concatenate([-b, b])
    onehot = (labels[:, None] == model.classes_[None, :]).astype(np.float64)
    result = minimize(_logistic_objective, np.hstack([w, b[:, None]]).ravel(), jac=True,
                      args=(features, onehot, c), method="L-BFGS-B",
                      options={"ftol": 0.0, "gtol": 1e-12, "maxiter": 100000, "maxls": 50})
    wb = result.x.reshape(model.classes_.size, features.shape[1] + 1)
    return model.classes_, wb[:, :-1], wb[:, -1]


def _accuracy(fit, features, labels):
    classes, w, b = fit
    return float(np.mean(classes[np.argmax(features @ w.T + b, axis=1)] == labels))


def betavae(codes, bv_train, bv_train_factor, bv_eval, bv_eval_factor):
    """beta-VAE score (Higgins et al. 2017) from the sampled pairs of the plan."""
    codes = _as_codes(codes)
    train_x, train_y = betavae_features(codes, bv_train), np.asarray(bv_train_factor)
    eval_x, eval_y = betavae_features(codes, bv_eval), np.asarray(bv_eval_factor)
    if np.unique(train_y).size == 1:
        # A classifier that has seen one label can only predict that label.
        train_accuracy, score = 1.0, float(np.mean(eval_y == train_y[0]))
    else:
        fit = fit_logistic(train_x, train_y)
        train_accuracy, score = _accuracy(fit, train_x, train_y), _accuracy(fit, eval_x, eval_y)
    return {"score": score, "train_accuracy": train_accuracy}


def match_units(codes_a, codes_b):
    """Pearson correlations C [D_A, D_B] between the units of two models on the same
    items, and the one-to-one pairing maximising sum |C| (rectangular allowed). A
    constant unit has correlation 0 with every unit."""
    a, b = _as_codes(codes_a), _as_codes(codes_b)
    if a.shape[0] != b.shape[0]:
        raise ValueError("codes_a and codes_b must have the same items (rows)")
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.corrcoef(a, b, rowvar=False)[:a.shape[1], a.shape[1]:]
    c[_is_constant(a), :] = 0.0
    c[:, _is_constant(b)] = 0.0
    rows, cols = linear_sum_assignment(-np.abs(c))
    return {"correlation": c.tolist(), "rows": rows.tolist(), "cols": cols.tolist()}


def check_plan(plan):
    """Checks a plan (a mapping of the keys in PLAN_KEYS, optionally `codes_b`) against
    docs/metrics.md. Returns (codes, classes, kept factors); raises ValueError with a
    message naming the first problem found."""
    missing = [key for key in PLAN_KEYS if key not in plan]
    if missing:
        raise ValueError("plan is missing key(s): %s" % ", ".join(missing))
    arrays = {key: np.asarray(plan[key]) for key in plan}
    for key in ("codes", "factors") + (("codes_b",) if "codes_b" in arrays else ()):
        x = arrays[key]
        if x.ndim != 2 or not (np.issubdtype(x.dtype, np.floating)
                               or np.issubdtype(x.dtype, np.integer)):
            raise ValueError("%s must be a 2-D numeric array, got %s %s" % (key, x.dtype, x.shape))
        if x.size and not np.all(np.isfinite(x)):
            raise ValueError("%s contains non-finite values" % key)
    codes = arrays["codes"].astype(np.float64)
    n, n_dims = codes.shape
    if arrays["factors"].shape[0] != n:
        raise ValueError("factors has %d rows, codes %d" % (arrays["factors"].shape[0], n))
    if "codes_b" in arrays and arrays["codes_b"].shape[0] != n:
        raise ValueError("codes_b has %d rows, codes %d" % (arrays["codes_b"].shape[0], n))
    if n_dims < 2:
        raise ValueError("codes need at least 2 dimensions (MIG and SAP take a gap), got %d"
                         % n_dims)
    classes, kept = factor_classes(arrays["factors"])
    if not kept:
        raise ValueError("every factor is constant over the items")
    n_factors = len(kept)

    for prefix, ndim in (("fv", 2), ("bv", 3)):
        lengths = []
        for split in ("train", "eval"):
            items, factor = arrays["%s_%s" % (prefix, split)], arrays["%s_%s_factor" % (prefix, split)]
            name = "%s_%s" % (prefix, split)
            for key, x in ((name, items), (name + "_factor", factor)):
                if not np.issubdtype(x.dtype, np.integer):
                    raise ValueError("%s must be an integer array, got %s" % (key, x.dtype))
            if items.ndim != ndim or (ndim == 3 and items.shape[2] != 2) or items.shape[0] < 1 \
                    or items.shape[1] < 1:
                raise ValueError("%s must have shape %s, got %s"
                                 % (name, "[T, L]" if ndim == 2 else "[T, L, 2]", items.shape))
            if factor.shape != (items.shape[0],):
                raise ValueError("%s_factor must have shape (%d,), got %s"
                                 % (name, items.shape[0], factor.shape))
            if items.min() < 0 or items.max() >= n:
                raise ValueError("%s has item indices outside 0..%d" % (name, n - 1))
            if factor.min() < 0 or factor.max() >= n_factors:
                raise ValueError("%s_factor has factor indices outside 0..%d (kept factors)"
                                 % (name, n_factors - 1))
            # The sampling rules: the items of a FactorVAE vote share the class of the
            # fixed factor and are distinct; the two items of a beta-VAE pair share it.
            if prefix == "fv":
                cls = classes[items, factor[:, None]]                        # [T, L]
                if np.any(cls != cls[:, :1]):
                    raise ValueError("%s: the items of a vote do not share the class of "
                                     "its factor" % name)
                srt = np.sort(items, axis=1)
                if np.any(srt[:, 1:] == srt[:, :-1]):
                    raise ValueError("%s: a vote draws an item twice (must be without "
                                     "replacement)" % name)
            else:
                if np.any(classes[items[..., 0], factor[:, None]]
                          != classes[items[..., 1], factor[:, None]]):
                    raise ValueError("%s: a pair's items differ in the class of its factor"
                                     % name)
            lengths.append(items.shape[1])
        if lengths[0] != lengths[1]:
            raise ValueError("%s_train and %s_eval have different L (%d, %d)"
                             % (prefix, prefix, lengths[0], lengths[1]))
    return codes, classes, kept


def evaluate_plan(plan):
    """All scores of a plan (see check_plan) as one JSON-ready dict."""
    codes, classes, kept = check_plan(plan)
    out = {"kept_factors": kept,
           "mig": mig(codes, classes),
           "sap": sap(codes, classes),
           "dci": dci(codes, classes),
           "factorvae": factorvae(codes, classes, plan["fv_train"], plan["fv_train_factor"],
                                  plan["fv_eval"], plan["fv_eval_factor"]),
           "betavae": betavae(codes, plan["bv_train"], plan["bv_train_factor"],
                              plan["bv_eval"], plan["bv_eval_factor"])}
    if "codes_b" in plan:
        out["matching"] = match_units(codes, plan["codes_b"])
    return out
