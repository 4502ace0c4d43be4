"""The fairness panel of a shortlist or campaign: is this top k unusual for its eligible pool?

For each audited protected attribute (gender, age band at the serving date, religion, origin
region; read from the export's employees for this audit only, never model features) the panel
gives, per group, the count in the eligible pool, the count a random draw of ``k`` from that
pool would give on average, and the count actually selected, with two exact tests for a
finite pool:

- per group, the one-sided hypergeometric probability that a random draw of ``k`` holds as
  few of the group as the top k does (``p_fewer``: the direction of under-representation, the
  one a committee must answer for; over-representing one group under-represents another);
- per attribute, all groups at once: the probability under the multivariate hypergeometric
  law (``k`` drawn at random from the pool) of a composition at least as far from the
  expected one (Pearson's statistic) as the top k's; summed exactly over every composition
  when there are at most ``EXACT_LIMIT`` of them, else estimated from ``rules.draws`` seeded
  random draws (a permutation test).

An attribute is flagged "unusual" when its p-value is below ``alpha`` divided by the number
of attributes judged (Bonferroni), so that a fair shortlist is flagged on some attribute with
probability at most ``alpha``. Small cells re-identify people: a group with fewer than
``rules.min_cell`` people in the pool is never shown, by name or by count; such groups are
merged into ``OTHER`` (shown only when the merged group itself reaches ``min_cell``).

The panel holds codes and numbers; :func:`sentence` and :func:`view` put them into words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import gammaln
from scipy.stats import hypergeom

from features import i18n
from features.ordinals import AGE_BAND_LABELS, age_bands
from training.fairness import AUDITED

UNKNOWN = "UNKNOWN"
"""The group of people whose attribute the export does not record."""
OTHER = "OTHER"
"""Groups smaller than ``min_cell`` merged into one."""
Kind = Literal["shortlist", "campaign"]
EXACT_LIMIT = 200_000
"""Most compositions summed exactly; beyond, the test is a seeded permutation test."""


@dataclass(frozen=True)
class PanelRules:
    """The panel's thresholds (from ``ServiceSettings``: ``fairness_min_cell``, ...)."""

    min_cell: int
    alpha: float
    draws: int
    seed: int = 0

    @classmethod
    def from_settings(cls, settings: Any) -> PanelRules:
        """The thresholds of ``settings`` (a :class:`serving.settings.ServiceSettings`)."""
        return cls(settings.fairness_min_cell, settings.fairness_alpha, settings.fairness_draws)


def protected_groups(employees: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each person's audited groups (age band at ``as_of``; ``UNKNOWN`` where not recorded,
    a column the frame lacks included)."""
    out = pd.DataFrame(index=employees.index)
    for attribute in AUDITED:
        column = "birth_date" if attribute == "age_band" else attribute
        if column not in employees.columns:
            out[attribute] = UNKNOWN
        elif attribute == "age_band":
            out[attribute] = age_bands(employees[column].to_numpy(), as_of)
        else:
            values = employees[column].fillna("").astype(str).str.strip()
            out[attribute] = values.where(values != "", UNKNOWN)
    return out


def panel(
    groups: pd.DataFrame, selected: np.ndarray, rules: PanelRules, kind: Kind = "shortlist"
) -> dict[str, Any]:
    """The panel of a selection (``selected``, a boolean mask) over its pool (``groups``' rows).

    ``kind`` says what was selected: a shortlist's top k from its eligible pool, or a
    campaign's proposed moves from the candidates on its lists.

    Returns
    -------
    dict
        ``kind``, ``k``, ``pool``, ``min_cell``, ``alpha``, ``threshold`` and per attribute
        (``attributes``): ``status`` ("usual", "unusual" or "cannot_judge"), ``reason`` of a
        "cannot_judge", ``p_value``, ``method`` ("exact" or "permutation"), ``groups`` (shown
        ones only: ``group``, ``pool``, ``expected``, ``actual``, ``p_fewer``), ``merged``
        (whether small groups were merged or hidden) and ``worst`` (the group with the lowest
        ``p_fewer``, ``p_fewer`` and ``one_in``).
    """
    selected = np.asarray(selected, dtype=bool)
    attributes = [_attribute(a, groups[a].to_numpy(), selected, rules) for a in AUDITED]
    judged = [a for a in attributes if a["status"] != "cannot_judge"]
    threshold = rules.alpha / max(len(judged), 1)
    for attribute in judged:
        attribute["status"] = "unusual" if attribute["p_value"] < threshold else "usual"
    return {
        "kind": kind,
        "k": int(selected.sum()),
        "pool": int(len(selected)),
        "min_cell": rules.min_cell,
        "alpha": rules.alpha,
        "threshold": round(threshold, 6),
        "attributes": attributes,
    }


def _attribute(
    attribute: str, values: np.ndarray, selected: np.ndarray, rules: PanelRules
) -> dict[str, Any]:
    """One attribute's groups and tests (status "pending" until the threshold is known)."""
    out: dict[str, Any] = {"attribute": attribute, "status": "cannot_judge", "reason": None,
                           "p_value": None, "method": None, "groups": [], "merged": False,
                           "worst": None}  # fmt: skip
    n, k = len(values), int(selected.sum())
    labels = np.where(_hidden(values, rules.min_cell), OTHER, values.astype(object))
    codes, uniques = pd.factorize(labels)
    names = np.asarray(uniques, dtype=object)
    pool = np.bincount(codes, minlength=len(names))
    actual = np.bincount(codes[selected], minlength=len(names))
    out["merged"] = bool((names == OTHER).any())
    shown = [i for i, name in enumerate(names) if pool[i] >= rules.min_cell]
    if k == 0 or k == n:
        out["reason"] = "whole_pool"
    elif (values == UNKNOWN).all():
        out["reason"] = "not_recorded"
    elif len(shown) < 2:
        out["reason"] = "small_groups"
    if out["reason"] is not None:
        return out
    p_fewer = hypergeom.cdf(actual, n, pool, k)
    out["groups"] = [
        {
            "group": str(names[i]),
            "pool": int(pool[i]),
            "expected": round(float(pool[i] * k / n), 2),
            "actual": int(actual[i]),
            "p_fewer": _rounded(p_fewer[i]),
        }
        for i in _ordered(names, shown)
    ]
    worst = min(shown, key=lambda i: (p_fewer[i], str(names[i])))
    out["worst"] = {
        "group": str(names[worst]),
        "p_fewer": _rounded(p_fewer[worst]),
        "one_in": max(1, round(1 / p_fewer[worst])) if p_fewer[worst] > 0 else None,
    }
    p_value, method = composition_test(pool, actual, rules.draws, rules.seed)
    out.update(status="pending", p_value=_rounded(p_value), method=method)
    return out


def _hidden(values: np.ndarray, min_cell: int) -> np.ndarray:
    """Whether each value's group is merged into ``OTHER``: groups of fewer than ``min_cell``
    people, and then the smallest others until the merged group is empty or reaches
    ``min_cell`` (else its count, the pool's size minus the groups shown, would show it)."""
    codes, _ = pd.factorize(values)
    counts = np.bincount(codes)
    hidden = counts < min_cell
    while 0 < counts[hidden].sum() < min_cell and not hidden.all():
        visible = np.flatnonzero(~hidden)
        hidden[visible[np.argmin(counts[visible])]] = True
    return hidden[codes]


def _rounded(p: float) -> float:
    """A probability to four significant digits (a tiny one stays above zero)."""
    return float(f"{float(p):.4g}")


def _ordered(names: np.ndarray, shown: Sequence[int]) -> list[int]:
    """Shown groups in reading order: age bands youngest first, others by name, then OTHER
    and UNKNOWN last."""
    bands = {label: i for i, label in enumerate(AGE_BAND_LABELS)}
    last = {OTHER: 1, UNKNOWN: 2}
    return sorted(shown, key=lambda i: (last.get(names[i], 0), bands.get(names[i], -1), names[i]))


def composition_test(
    pool: np.ndarray, actual: np.ndarray, draws: int, seed: int = 0
) -> tuple[float, str]:
    """P-value of the top k's composition ``actual`` among ``pool`` (counts per group).

    The probability, for ``k = actual.sum()`` drawn at random without replacement, of a
    composition whose Pearson statistic is at least the observed one: exact (every
    composition, multivariate hypergeometric probabilities) when there are at most
    ``EXACT_LIMIT`` compositions, else ``(1 + hits) / (1 + draws)`` over seeded draws.

    Returns
    -------
    p_value : float
    method : {"exact", "permutation"}
    """
    pool, actual = np.asarray(pool, dtype=np.int64), np.asarray(actual, dtype=np.int64)
    k, n = int(actual.sum()), int(pool.sum())
    expected = pool * k / n
    observed = _pearson(actual[None, :], expected)[0]
    tolerance = 1e-9 * max(1.0, observed)
    if math.comb(k + len(pool) - 1, len(pool) - 1) <= EXACT_LIMIT:
        every = _compositions(pool, k)
        log_p = gammaln(pool + 1).sum() - gammaln(n + 1) + gammaln(k + 1) + gammaln(n - k + 1)
        log_p = log_p - (gammaln(every + 1) + gammaln(pool - every + 1)).sum(axis=1)
        far = _pearson(every, expected) >= observed - tolerance
        return float(min(1.0, np.exp(log_p[far]).sum())), "exact"
    rng = np.random.default_rng(seed)
    method = "count" if k <= 4 * len(pool) else "marginals"  # the faster: time ~ k or ~ groups
    sample = rng.multivariate_hypergeometric(pool, k, size=draws, method=method)
    hits = int((_pearson(sample, expected) >= observed - tolerance).sum())
    return (1 + hits) / (1 + draws), "permutation"


def _pearson(counts: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Pearson's statistic of each row of ``counts`` against ``expected`` (rows summing to
    ``expected.sum()``: ``sum((x - e)**2 / e) = sum(x**2 / e) - sum(e)``)."""
    counts = np.asarray(counts, dtype=np.float64)
    return (counts * counts) @ (1.0 / expected) - expected.sum()


def _compositions(pool: np.ndarray, k: int) -> np.ndarray:
    """Every vector of counts ``x`` with ``0 <= x <= pool`` summing to ``k``."""
    partial = np.zeros((1, 0), dtype=np.int64)
    for i, size in enumerate(pool):
        taken = partial.sum(axis=1)
        if i == len(pool) - 1:
            last = k - taken
            keep = last <= size
            return np.column_stack([partial[keep], last[keep]])
        rows = [
            np.column_stack([partial[taken + x <= k], np.full((taken + x <= k).sum(), x)])
            for x in range(min(int(size), k) + 1)
        ]
        partial = np.vstack(rows)
    return partial


# -- words ----------------------------------------------------------------------------------


def group_words(attribute: str, group: str, lang: str) -> str:
    """A group's name in ``lang`` (codes such as SUMATERA_SELATAN read "Sumatera Selatan")."""
    words = i18n.section("fairness.group", lang)
    return words.get(group) or words.get(f"{attribute}_{group}") or group.replace("_", " ").title()


def _context(body: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The words every sentence of ``body`` shares: what was selected, from which pool."""
    kind, k = body.get("kind", "shortlist"), body["k"]
    return {
        "k": k,
        "min_cell": body["min_cell"],
        "selection": i18n.text(f"fairness.selection.{kind}", lang, k=k),
        "pool": i18n.text(f"fairness.pool.{kind}", lang),
    }


def sentence(body: Mapping[str, Any], attribute: Mapping[str, Any], lang: str) -> str:
    """What one attribute of the panel ``body`` says, in ``lang``, for a committee."""
    words = _context(body, lang)
    words["attribute"] = i18n.text(f"fairness.attribute.{attribute['attribute']}", lang)
    status = attribute["status"]
    if status == "cannot_judge":
        return i18n.text(f"fairness.cannot_judge.{attribute['reason']}", lang, **words)
    words["p"] = _p_words(attribute["p_value"])
    if status == "usual":
        return i18n.text("fairness.usual", lang, **words)
    worst = attribute["worst"]
    group = group_words(attribute["attribute"], worst["group"], lang)
    one_in = worst["one_in"] if worst["one_in"] is not None else "∞"
    return i18n.text("fairness.unusual", lang, group=group, one_in=one_in, **words)


def _p_words(p: float) -> str:
    """A p-value as a committee reads it: two decimals, two significant digits below 0.01."""
    return f"{p:.2g}" if p < 0.01 else f"{p:.2f}"


def with_sentences(body: dict[str, Any], lang: str) -> dict[str, Any]:
    """``body`` (a :func:`panel`) with a ``summary`` sentence in ``lang`` on each attribute."""
    for attribute in body["attributes"]:
        attribute["summary"] = sentence(body, attribute, lang)
    return body


def view(body: Mapping[str, Any] | None, lang: str, **heading: Any) -> dict[str, Any] | None:
    """The panel as the page shows it, every row in words in ``lang`` (None: no panel).

    ``heading`` fills the title's fields (a campaign's ``agency_id``).
    """
    if not body:
        return None
    rows = [
        {
            "attribute": i18n.text(f"fairness.attribute.{a['attribute']}", lang),
            "status": a["status"],
            "sentence": sentence(body, a, lang),
            "merged": a["merged"],
            "groups": [
                {**g, "name": group_words(a["attribute"], g["group"], lang)} for g in a["groups"]
            ],
        }
        for a in body["attributes"]
    ]
    context = _context(body, lang)
    note = i18n.text(
        "fairness.note", lang, size=body["pool"], alpha=body["alpha"],
        threshold=f"{body['threshold']:.3g}", **context,
    )  # fmt: skip
    words = {key: i18n.fill(template, k=body["k"]) for key, template in
             i18n.section("fairness.table", lang).items()}  # fmt: skip
    kind = body.get("kind", "shortlist")
    title = i18n.text(f"fairness.title.{kind}", lang, **heading)
    return {"rows": rows, "note": note, "words": words, "title": title}
