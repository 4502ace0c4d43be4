"""Serving reads an export as of the day it describes, not the clock's."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from serving.engine import serving_date
from serving.settings import ServiceSettings
from tests.features.factories import employee, make_export


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
