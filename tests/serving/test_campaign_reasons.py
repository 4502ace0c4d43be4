"""Campaign reasons are the shortlist's: per merit factor, values first, the direction apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.catalogue import FACTOR_NAMES
from features.export import Export
from serving import explain
from serving.campaigns.models import CampaignOptions
from serving.campaigns.planning import run_campaign
from serving.campaigns.scoring import RankerScorer
from serving.engine import Engine
from serving.settings import ServiceSettings
from training.bundle import RankerBundle


@pytest.mark.parametrize(("lang", "raises"), [("en", "raises the score"), ("id", "menaikkan skor")])
def test_a_placement_is_explained_by_the_factors_that_raise_its_score(
    small_export: Export, ranker: RankerBundle, tmp_path, lang: str, raises: str
) -> None:
    settings = ServiceSettings(as_of=pd.Timestamp("2026-11-22").date(), compiled_dir=tmp_path)
    engine = Engine.build(small_export, ranker, settings)
    scorer = RankerScorer(engine, lang=lang)
    agency = small_export.positions["agency_id"].iloc[0]
    options = CampaignOptions(chain_depth=0, top_n=10)
    report = run_campaign(
        small_export, scorer, position_ids=None, agency_id=agency, options=options, model="c"
    )
    placed = [p for p in report.placements if p.reasons]
    assert placed
    labels = {
        f.label
        for f in explain.factors(
            list(ranker.feature_columns),
            np.zeros(len(ranker.feature_columns)),
            np.zeros(len(ranker.feature_columns)),
            lang,
        )
    }
    assert len(labels) == len(FACTOR_NAMES)
    for placement in placed:
        for reason in placement.reasons:
            assert reason.split(":")[0] in labels, reason
            assert raises in reason, reason
