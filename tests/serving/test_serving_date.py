"""Serving reads an export as of the day it describes, not the clock's."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine, serving_date
from serving.settings import ServiceSettings
from tests.features.factories import employee, make_export
from tests.serving.conftest import AS_OF, service_settings, sign_in
from training.bundle import RankerBundle


def test_serving_uses_the_export_date_and_warns_when_it_is_old(
    caplog: pytest.LogCaptureFixture,
) -> None:
    export = make_export(
        employees=[employee("196501011990031001")],
        export_metadata=[{"extracted_on": "2020-06-30"}],
    )
    with caplog.at_level(logging.WARNING, logger="serving.engine"):
        assert serving_date(export, ServiceSettings()) == pd.Timestamp("2020-06-30")
    assert "2020-06-30" in caplog.text and "ASN_JOBFIT_AS_OF" in caplog.text
    pinned = ServiceSettings(as_of="2024-02-01")
    assert serving_date(export, pinned) == pd.Timestamp("2024-02-01")


def test_the_page_says_when_the_export_is_old(
    small_export: Export, ranker: RankerBundle, tmp_path: Path
) -> None:
    settings = service_settings(tmp_path)  # pinned as of AS_OF, 30 days before the clock
    engine = Engine.build(small_export, ranker, settings)
    age = engine.export_age_days
    for limit, shown in ((age + 1, False), (age - 1, True)):
        app = create_app(settings.model_copy(update={"stale_after_days": limit}), engine=engine)
        with TestClient(app) as client:
            sign_in(client, create_api_key(app.state.db, "auditor", None)[1])
            page = client.get("/?lang=en").text
        assert ("The export describes " + AS_OF.isoformat() in page) is shown, limit
