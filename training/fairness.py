"""Fairness audit of the top-k: selection rate and impact ratio per protected group.

Protected attributes (gender, age band, religion, origin region) are joined here, for the
audit only; they are never model features. "Selected" means: in the top ``k`` of its round.
The impact ratio of an attribute is the lowest group selection rate over the highest, among
groups with at least ``min_group_size`` rows (the four-fifths rule reads it against 0.8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate

from features.ordinals import age_bands
from features.ranking import top_k_mask
from training.dataset import RankingData

AUDITED: tuple[str, ...] = ("gender", "age_band", "religion", "origin_region")


@dataclass(frozen=True)
class FairnessReport:
    """Per attribute: group selection rates and the impact ratio."""

    k: int
    rates: dict[str, pd.DataFrame]
    impact_ratio: dict[str, float]

    def metrics(self) -> dict[str, float]:
        """Flat metrics for MLflow (``fairness.<attribute>.impact_ratio``)."""
        return {f"fairness.{a}.impact_ratio": r for a, r in self.impact_ratio.items()
                if not np.isnan(r)}  # fmt: skip


def protected_frame(data: RankingData, employees: pd.DataFrame) -> pd.DataFrame:
    """The audited attributes of each row (age band at the round's date)."""
    emp = employees.set_index("nip")
    nips = data.frame["nip"].to_numpy()
    birth = emp["birth_date"].reindex(nips).to_numpy()
    out = pd.DataFrame({"age_band": age_bands(birth, data.frame["decided_on"].to_numpy())})
    for column in ("gender", "religion", "origin_region"):
        values = emp[column].reindex(nips).fillna("").astype(str).to_numpy()
        out[column] = np.where(values == "", "UNKNOWN", values)
    return out


def audit(
    data: RankingData, scores: np.ndarray, employees: pd.DataFrame, k: int, min_group_size: int
) -> FairnessReport:
    """Selection rate in the top ``k`` by group and impact ratio per audited attribute."""
    selected = top_k_mask(scores, data.frame["nip"].to_numpy(), data.groups, k).astype(int)
    groups = protected_frame(data, employees)
    rates: dict[str, pd.DataFrame] = {}
    ratios: dict[str, float] = {}
    for attribute in AUDITED:
        frame = MetricFrame(
            metrics=selection_rate,
            y_true=selected,
            y_pred=selected,
            sensitive_features=groups[attribute].to_numpy(),
        )
        counts = groups[attribute].value_counts()
        table = pd.DataFrame({
            "group": frame.by_group.index.astype(str),
            "selection_rate": frame.by_group.to_numpy(dtype=np.float64),
        })  # fmt: skip
        table["rows"] = table["group"].map(counts).fillna(0).astype(int)
        rates[attribute] = table
        big = table[(table["rows"] >= min_group_size) & (table["group"] != "UNKNOWN")]
        top = big["selection_rate"].max() if len(big) > 1 else float("nan")
        ratios[attribute] = (
            float(big["selection_rate"].min() / top) if len(big) > 1 and top > 0 else float("nan")
        )
    return FairnessReport(k=k, rates=rates, impact_ratio=ratios)
