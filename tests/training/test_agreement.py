"""Committee grades against outcome grades: the measure, and the weight it gives committee rows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from training.config import LabelPolicy
from training.outcomes import CommitteeAgreement, committee_agreement, committee_weight

FEATURES = ("a", "b", "c")


def _grade(score: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.quantile(score, [0.2, 0.45, 0.7, 0.9]), score, side="right")


def _rounds(committee_follows: str, n_rounds: int = 80, size: int = 15) -> pd.DataFrame:
    """Rounds whose fit is ``2a + b``; the placed person's OUTCOME grade follows the fit, the
    others' COMMITTEE grades follow ``committee_follows`` (``fit`` or the unrelated ``c``)."""
    rng = np.random.default_rng(3)
    frames = []
    for r in range(n_rounds):
        x = rng.normal(size=(size, 3))
        fit = 2 * x[:, 0] + x[:, 1] + rng.normal(0, 0.3, size)
        view = fit if committee_follows == "fit" else x[:, 2]
        placed = int(rng.integers(size))
        frames.append(pd.DataFrame({
            "round_id": f"R{r:03d}", "a": x[:, 0], "b": x[:, 1], "c": x[:, 2],
            "label": np.where(np.arange(size) == placed, _grade(fit), _grade(view)),
            "label_source": np.where(np.arange(size) == placed, "OUTCOME", "COMMITTEE"),
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def test_committee_grades_that_follow_the_outcomes_agree_and_unrelated_ones_do_not():
    agreeing = committee_agreement(_rounds("fit"), FEATURES, min_rounds=20)
    unrelated = committee_agreement(_rounds("c"), FEATURES, min_rounds=20)
    assert agreeing.rounds == unrelated.rounds == 80
    assert agreeing.committee_rho > 0.5 and unrelated.committee_rho > 0.5  # each learns its view
    assert agreeing.agreement > 0.7
    assert unrelated.agreement < 0.3
    keys = ("rounds", "outcome_rho", "committee_rho", "ratio")
    assert set(agreeing.metrics()) == {f"labels.agreement.{k}" for k in keys}


def test_too_few_outcomes_is_not_measured_and_committee_grades_are_trusted_fully():
    few = committee_agreement(_rounds("c", n_rounds=8), FEATURES, min_rounds=20)
    assert few.rounds == 8 and not few.measured and math.isnan(few.agreement)
    assert committee_weight("measured", 1.0, 0.1, few) == 1.0
    assert few.metrics() == {"labels.agreement.rounds": 8.0}


def test_the_weight_follows_the_measure_with_a_floor_unless_fixed():
    half = CommitteeAgreement(rounds=50, outcome_rho=0.3, committee_rho=0.6, agreement=0.5)
    none = CommitteeAgreement(rounds=50, outcome_rho=-0.1, committee_rho=0.6, agreement=0.0)
    assert committee_weight("measured", 2.0, 0.1, half) == 1.0
    assert committee_weight("measured", 1.0, 0.1, none) == 0.1
    assert committee_weight(0.6, 1.0, 0.1, half) == 0.6


def test_training_rows_carry_the_measured_weight_and_uncapped_grades(training_data, small_export):
    agreement = training_data.agreement
    assert agreement is not None and agreement.measured
    assert 0.0 <= agreement.agreement <= 1.0
    frame = training_data.data.frame
    committee = frame["label_source"] == "COMMITTEE"
    assert np.allclose(frame.loc[committee, "weight"], training_data.committee_weight)
    assert training_data.committee_weight == max(0.1, agreement.agreement)
    assert (frame.loc[frame["label_source"] == "OUTCOME", "weight"] == 1.0).all()
    assert LabelPolicy().committee_max_label == 4  # no fixed cap: a committee grade may be 4
    assert frame.loc[committee, "label"].max() == 4
