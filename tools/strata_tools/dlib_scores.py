"""Reference disentanglement scores in Google disentanglement_lib's convention.

docs/metrics.md, "disentanglement_lib convention", defines these scores; this module is
written from that page (NumPy, scikit-learn; no code of disentanglement_lib), so that a
later C++ implementation can be checked against it. It sits beside `metrics.py`, whose
functions (Strata's own convention) it does not change. The four scores follow, in
disentanglement_lib (evaluation/metrics/*.py and the metric configs of its studies):

* `mig`       mig.py `_compute_mig`, 20 histogram bins (utils `_histogram_discretize`)
* `sap`       sap_score.py `compute_score_matrix` with continuous_factors=False
* `dci`       dci.py `_compute_dci` (gradient boosted trees)
* `factorvae` factor_vae.py `compute_factor_vae` with prune_dims.threshold = 0.05

Inputs are codes [N, D] (float64) and raw factor values [N, K]. Factor values are used
as they are (no binning): each factor becomes the rank of its value among the sorted
unique values (`factor_labels`). Every score here is unchanged by that strictly
increasing relabelling (mutual information by any bijection; scikit-learn sorts the
class labels of LinearSVC and GradientBoostingClassifier, so the fitted problems are the
same), and disentanglement_lib's own factors are such ranks (indices into the factor
grid). Constant factors are dropped, as in Strata (disentanglement_lib never has one: it
would divide 0 by 0 in MIG and stop in the classifiers).

Readings where disentanglement_lib leaves a case open or fails on it (kept here):
* SAP, DCI: the train split is the first `n_train` items and the test split the rest;
  `n_train` defaults to int(0.8 * N) (Strata's DCI split). disentanglement_lib draws two
  independent sets instead (10000 train, 5000 test); N = 15000 with n_train = 10000
  reproduces those sizes.
* SAP, DCI: a factor with a single value on the train split (scikit-learn raises) is
  predicted as that value for every test item and gets importance 0 in DCI.
* DCI: an entropy with log base 1 (one factor, or one code dimension) is taken as 0
  (disentanglement_lib computes 0 / 0 = NaN there).
* FactorVAE: the global variances are taken over all N items unless the plan gives
  `fv_variance_items` (disentanglement_lib: a separate sample of 10000 items); a vote
  is recorded under the dimension's own index (disentanglement_lib records the position
  among the active dimensions; the accuracies are the same). If every dimension is
  pruned, the score and train accuracy are 0.
"""
import warnings

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mutual_info_score
from sklearn.svm import LinearSVC

from . import metrics

BINS = 20                   # MIG code bins (discretizer.num_bins = 20)
TRAIN_FRACTION = 0.8        # default split of SAP and DCI (Strata's DCI split)
SAP_C = 0.01                # LinearSVC(C=0.01, class_weight="balanced")
DCI_SMOOTHING = 1e-11       # added to every importance before the entropies
FACTORVAE_MIN_STD = 0.05    # prune_dims.threshold: a dimension is kept if std >= 0.05
# The convention treats every factor as a class label (one classifier class per value);
# a plan factor with more values is taken to be continuous and refused.
MAX_FACTOR_VALUES = 256
# scikit-learn's solvers take a seed where they have randomness. disentanglement_lib
# leaves it unset (random_state=None), so its results depend on NumPy's global random
# state; a fixed seed makes this reference repeatable. See `svc_accuracy` and `fit_gbt`
# for what the seed changes.
RANDOM_STATE = 0

PLAN_KEYS = ("codes", "factors", "fv_train", "fv_train_factor", "fv_eval", "fv_eval_factor")


def factor_labels(factors):
    """Raw factor values [N, K] -> (labels [N, K'] int64, kept factor indices).

    Constant factors are dropped; a kept factor's label is the rank of its value among
    the sorted unique values (0..n_k-1), with no binning however many values it has."""
    factors = np.asarray(factors, dtype=np.float64)
    if factors.ndim != 2:
        raise ValueError("factors must be a 2-D array [N, K], got shape %s" % (factors.shape,))
    columns, kept = [], []
    for k in range(factors.shape[1]):
        values, labels = np.unique(factors[:, k], return_inverse=True)
        if values.size < 2:
            continue
        columns.append(labels.reshape(-1).astype(np.int64))
        kept.append(k)
    if not columns:
        return np.zeros((factors.shape[0], 0), dtype=np.int64), kept
    return np.stack(columns, axis=1), kept


def split_index(n, n_train=None):
    """Number of train items: n_train if given, else int(0.8 * n); both splits non-empty."""
    n_train = int(TRAIN_FRACTION * n) if n_train is None else int(n_train)
    if n_train < 1 or n - n_train < 1:
        raise ValueError("the train / test split needs at least one item on each side "
                         "(N = %d, n_train = %d)" % (n, n_train))
    return n_train


# ---------------------------------------------------------------- MIG

def mig(codes, labels):
    """MIG (disentanglement_lib mig.py): codes in 20 histogram bins, factors raw.

    Bins: edges = linspace(min, max, 21) (NumPy's histogram edges) and bin = number of
    edges[0..19] <= z, i.e. `metrics.discretise` (a constant dimension falls in one bin
    either way, so its information is 0). I(z_j; v_k) is the discrete mutual information
    of the binned code and the factor's raw value (natural log, empirical frequencies),
    H(v_k) the entropy of the raw factor; MIG_k = (I_(1) - I_(2)) / H(v_k) over the two
    largest informations; MIG is their mean. Deterministic."""
    codes = metrics._as_codes(codes)
    labels = np.asarray(labels)
    n_dims, n_factors = codes.shape[1], labels.shape[1]
    if n_dims < 2:
        raise ValueError("MIG needs at least two code dimensions")
    binned = [metrics.discretise(codes[:, j], BINS) for j in range(n_dims)]
    info = np.array([[mutual_info_score(labels[:, k], binned[j]) for k in range(n_factors)]
                     for j in range(n_dims)])                                 # [D, K]
    entropy = np.array([metrics._entropy(labels[:, k]) for k in range(n_factors)])
    top = -np.sort(-info, axis=0)
    per_factor = (top[0] - top[1]) / entropy
    return {"score": float(per_factor.mean()), "per_factor": per_factor.tolist(),
            "bins": BINS}


# ---------------------------------------------------------------- SAP

def svc_accuracy(z_train, y_train, z_test, y_test, tol=1e-4, max_iter=1000):
    """Test accuracy of a linear SVM on one code dimension (sap_score.py, discrete form).

    scikit-learn LinearSVC(C=0.01, class_weight="balanced") with the defaults of the
    scikit-learn releases disentanglement_lib was run with, spelled out (dual=True is
    pinned because scikit-learn >= 1.5 defaults to dual="auto", a different solver):
    penalty l2, squared hinge loss, one-vs-rest, intercept as a feature of value
    intercept_scaling = 1 (so penalised like the weight), liblinear's dual coordinate
    descent with tol = 1e-4 and at most 1000 passes. The solver visits the samples in
    a random order each pass; random_state fixes that order. It only moves the solution
    within the solver's tolerance, which can move a threshold across a test item.
    `tol` and `max_iter` can be tightened to get the converged solution."""
    classes = np.unique(y_train)
    if classes.size < 2:
        return float(np.mean(y_test == classes[0]))
    model = LinearSVC(C=SAP_C, class_weight="balanced", penalty="l2", loss="squared_hinge",
                      dual=True, tol=tol, max_iter=max_iter, multi_class="ovr",
                      fit_intercept=True, intercept_scaling=1.0, random_state=RANDOM_STATE)
    with warnings.catch_warnings():
        # disentanglement_lib runs with the default iteration cap and accepts the result.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(np.asarray(z_train, dtype=np.float64)[:, None], y_train)
    pred = model.predict(np.asarray(z_test, dtype=np.float64)[:, None])
    return float(np.mean(pred == y_test))


def sap_split(codes_train, labels_train, codes_test, labels_test, **svc_options):
    """SAP score matrix S[i, j] = test accuracy of `svc_accuracy` on code dimension i and
    factor j; per factor the gap between the two largest S[:, j]; SAP is the mean."""
    codes_train, codes_test = metrics._as_codes(codes_train), metrics._as_codes(codes_test)
    labels_train, labels_test = np.asarray(labels_train), np.asarray(labels_test)
    n_dims, n_factors = codes_train.shape[1], labels_train.shape[1]
    if n_dims < 2:
        raise ValueError("SAP needs at least two code dimensions")
    s = np.array([[svc_accuracy(codes_train[:, i], labels_train[:, j], codes_test[:, i],
                                labels_test[:, j], **svc_options)
                   for j in range(n_factors)] for i in range(n_dims)])         # [D, K]
    top = np.sort(s, axis=0)
    per_factor = top[-1] - top[-2]
    return {"score": float(per_factor.mean()), "per_factor": per_factor.tolist(),
            "score_matrix": s.tolist()}


def sap(codes, labels, n_train=None, **svc_options):
    """SAP on one item set split in order: first n_train items train, the rest test."""
    codes = metrics._as_codes(codes)
    labels = np.asarray(labels)
    n_train = split_index(codes.shape[0], n_train)
    out = sap_split(codes[:n_train], labels[:n_train], codes[n_train:], labels[n_train:],
                    **svc_options)
    out["n_train"] = n_train
    return out


# ---------------------------------------------------------------- DCI

def fit_gbt(x_train, y_train):
    """scikit-learn GradientBoostingClassifier() with its defaults (dci.py): log-loss
    (binomial deviance for two classes, else one tree per class and stage), init = the
    log class priors, 100 stages, learning rate 0.1, regression trees of depth 3 with the
    friedman_mse criterion, min_samples_split 2, min_samples_leaf 1, subsample 1, all
    features at every split. Its only randomness is the order in which a split search
    visits the features, which decides between splits of exactly equal improvement;
    random_state fixes it. The trees see the codes as float32."""
    model = GradientBoostingClassifier(random_state=RANDOM_STATE)
    model.fit(x_train, y_train)
    return model


def _one_minus_entropy(r, base):
    """1 - H_base(row) for each row of r after adding 1e-11 to every entry and
    normalising the row (scipy.stats.entropy as dci.py calls it); base 1 gives 1."""
    p = r + DCI_SMOOTHING
    p = p / p.sum(axis=1, keepdims=True)
    if base <= 1:
        return np.ones(r.shape[0])
    return 1.0 - (-np.sum(p * np.log(p), axis=1)) / np.log(base)


def _weighted(per_row, r):
    """Sum of per_row weighted by the row sums of r over its total (uniform if r is 0)."""
    total = r.sum()
    weight = r.sum(axis=1) / total if total > 0 else np.full(r.shape[0], 1.0 / r.shape[0])
    return float(np.sum(per_row * weight))


def dci_importance_scores(importance):
    """Disentanglement and completeness of an importance matrix R [D, K] (dci.py):
    D = sum_j rho_j (1 - H_K(R[j, :] + 1e-11)), rho_j = sum_k R[j, k] / sum R;
    C = sum_k rho_k (1 - H_D(R[:, k] + 1e-11)), rho_k = sum_j R[j, k] / sum R;
    uniform weights if R is all 0."""
    r = np.asarray(importance, dtype=np.float64)
    n_dims, n_factors = r.shape
    return (_weighted(_one_minus_entropy(r, n_factors), r),
            _weighted(_one_minus_entropy(r.T, n_dims), r.T))


def dci_split(codes_train, labels_train, codes_test, labels_test):
    """DCI with one gradient boosted classifier per factor (`fit_gbt`): importance
    R[:, k] = |feature_importances_| (each column sums to 1, or is 0 if every tree is a
    single leaf); informativeness = mean over factors of the test (and train) accuracy."""
    x_train, x_test = metrics._as_codes(codes_train), metrics._as_codes(codes_test)
    y_train, y_test = np.asarray(labels_train), np.asarray(labels_test)
    n_dims, n_factors = x_train.shape[1], y_train.shape[1]
    importance = np.zeros((n_dims, n_factors))
    train_acc, test_acc = np.zeros(n_factors), np.zeros(n_factors)
    for k in range(n_factors):
        classes = np.unique(y_train[:, k])
        if classes.size < 2:
            train_acc[k] = 1.0
            test_acc[k] = np.mean(y_test[:, k] == classes[0])
            continue
        model = fit_gbt(x_train, y_train[:, k])
        importance[:, k] = np.abs(model.feature_importances_)
        train_acc[k] = np.mean(model.predict(x_train) == y_train[:, k])
        test_acc[k] = np.mean(model.predict(x_test) == y_test[:, k])
    d, c = dci_importance_scores(importance)
    return {"disentanglement": d, "completeness": c,
            "informativeness_test": float(test_acc.mean()),
            "informativeness_train": float(train_acc.mean()),
            "test_accuracy": test_acc.tolist(), "train_accuracy": train_acc.tolist(),
            "importance": importance.tolist()}


def dci(codes, labels, n_train=None):
    """DCI on one item set split in order: first n_train items train, the rest test."""
    codes = metrics._as_codes(codes)
    labels = np.asarray(labels)
    n_train = split_index(codes.shape[0], n_train)
    out = dci_split(codes[:n_train], labels[:n_train], codes[n_train:], labels[n_train:])
    out["n_train"] = n_train
    return out


# ---------------------------------------------------------------- FactorVAE

def factorvae(codes, n_factors, fv_train, fv_train_factor, fv_eval, fv_eval_factor,
              variance_items=None, chunk=1024):
    """FactorVAE score (factor_vae.py) from given votes: row t of fv_train / fv_eval holds
    the L items of one vote, fv_*_factor[t] the index of its fixed (kept) factor.

    s_j^2 = sample variance (ddof = 1) of dimension j over `variance_items` (default all
    items); dimension j is active if s_j >= 0.05. A vote is the active j with the
    smallest v_j / s_j^2, v_j the sample variance (ddof = 1) over the vote's items (first
    such j on ties). votes[k, j] counts the votes of factor k for dimension j; the
    classifier maps j to argmax_k votes_train[k, j] (lowest k on ties, factor 0 for a
    dimension without votes); an accuracy is sum_j votes[class(j), j] / sum votes."""
    codes = metrics._as_codes(codes)
    n_dims = codes.shape[1]
    sample = codes if variance_items is None else codes[np.asarray(variance_items)]
    global_var = np.var(sample, axis=0, ddof=1)
    active = np.flatnonzero(np.sqrt(global_var) >= FACTORVAE_MIN_STD)
    inactive = np.flatnonzero(~(np.sqrt(global_var) >= FACTORVAE_MIN_STD)).tolist()
    if active.size == 0:
        return {"score": 0.0, "train_accuracy": 0.0, "active_dims": [],
                "pruned_dims": inactive}
    scale = global_var[active]

    def vote_counts(groups, factor):
        groups, factor = np.asarray(groups), np.asarray(factor)
        dims = np.empty(groups.shape[0], dtype=np.int64)
        for start in range(0, groups.shape[0], chunk):
            g = groups[start:start + chunk]
            local = np.var(codes[g][:, :, active], axis=1, ddof=1)           # [T, D']
            dims[start:start + chunk] = active[np.argmin(local / scale, axis=1)]
        counts = np.zeros((n_factors, n_dims), dtype=np.int64)
        np.add.at(counts, (factor, dims), 1)
        return counts

    train = vote_counts(fv_train, fv_train_factor)
    classifier = np.argmax(train, axis=0)                                     # [D]
    columns = np.arange(n_dims)
    train_accuracy = train[classifier, columns].sum() / train.sum()
    evaluation = vote_counts(fv_eval, fv_eval_factor)
    score = evaluation[classifier, columns].sum() / evaluation.sum()
    return {"score": float(score), "train_accuracy": float(train_accuracy),
            "active_dims": active.tolist(), "pruned_dims": inactive}


# ---------------------------------------------------------------- plans

def check_plan(plan):
    """Checks a plan for these scores: codes, factors, fv_* as in docs/metrics.md, plus
    optional `n_train` (scalar) and `fv_variance_items` [V] i8. A kept factor may have at
    most MAX_FACTOR_VALUES distinct values (the convention has no continuous factors;
    every value is a class of the classifiers). The items of a vote must
    share the raw value of its fixed factor; unlike Strata's plans they may repeat
    (disentanglement_lib draws them with replacement). Returns (codes, labels, kept)."""
    missing = [key for key in PLAN_KEYS if key not in plan]
    if missing:
        raise ValueError("plan is missing key(s): %s" % ", ".join(missing))
    codes = np.asarray(plan["codes"])
    factors = np.asarray(plan["factors"])
    for key, x in (("codes", codes), ("factors", factors)):
        if x.ndim != 2 or not (np.issubdtype(x.dtype, np.floating)
                               or np.issubdtype(x.dtype, np.integer)):
            raise ValueError("%s must be a 2-D numeric array, got %s %s" % (key, x.dtype, x.shape))
        if x.size and not np.all(np.isfinite(x)):
            raise ValueError("%s contains non-finite values" % key)
    n, n_dims = codes.shape
    if factors.shape[0] != n:
        raise ValueError("factors has %d rows, codes %d" % (factors.shape[0], n))
    if n_dims < 2:
        raise ValueError("codes need at least 2 dimensions, got %d" % n_dims)
    labels, kept = factor_labels(factors)
    if not kept:
        raise ValueError("every factor is constant over the items")
    for k, column in zip(kept, labels.T):
        if column.max() + 1 > MAX_FACTOR_VALUES:
            raise ValueError("factor %d has %d distinct values; disentanglement_lib's convention "
                             "needs discrete factors (at most %d values)"
                             % (k, column.max() + 1, MAX_FACTOR_VALUES))
    for split in ("train", "eval"):
        name = "fv_" + split
        items, factor = np.asarray(plan[name]), np.asarray(plan[name + "_factor"])
        if not (np.issubdtype(items.dtype, np.integer) and np.issubdtype(factor.dtype, np.integer)):
            raise ValueError("%s and %s_factor must be integer arrays" % (name, name))
        if items.ndim != 2 or items.shape[0] < 1 or items.shape[1] < 2:
            raise ValueError("%s must have shape [T, L] with L >= 2, got %s" % (name, items.shape))
        if factor.shape != (items.shape[0],):
            raise ValueError("%s_factor must have shape (%d,)" % (name, items.shape[0]))
        if items.min() < 0 or items.max() >= n:
            raise ValueError("%s has item indices outside 0..%d" % (name, n - 1))
        if factor.min() < 0 or factor.max() >= len(kept):
            raise ValueError("%s_factor has factor indices outside 0..%d (kept factors)"
                             % (name, len(kept) - 1))
        lab = labels[items, factor[:, None]]
        if np.any(lab != lab[:, :1]):
            raise ValueError("%s: the items of a vote do not share the value of its factor"
                             % name)
    if "fv_variance_items" in plan:
        v = np.asarray(plan["fv_variance_items"])
        if v.ndim != 1 or v.size < 2 or not np.issubdtype(v.dtype, np.integer) \
                or v.min() < 0 or v.max() >= n:
            raise ValueError("fv_variance_items must be >= 2 item indices in 0..%d" % (n - 1))
    return codes.astype(np.float64), labels, kept


def evaluate_plan(plan):
    """MIG, SAP, DCI and FactorVAE in disentanglement_lib's convention, as one JSON-ready
    dict (the plan may be a Strata plan; bv_* and codes_b are ignored)."""
    codes, labels, kept = check_plan(plan)
    n_train = int(np.asarray(plan["n_train"])) if "n_train" in plan else None
    return {"kept_factors": kept,
            "mig": mig(codes, labels),
            "sap": sap(codes, labels, n_train),
            "dci": dci(codes, labels, n_train),
            "factorvae": factorvae(codes, len(kept), plan["fv_train"], plan["fv_train_factor"],
                                   plan["fv_eval"], plan["fv_eval_factor"],
                                   plan.get("fv_variance_items"))}
