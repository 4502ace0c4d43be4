"""The review pages say reasons per merit factor: values first, the direction apart."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from features import i18n
from tests.serving.conftest import Keys
from tests.serving.test_pages_kit import shortlist_id, sign_in  # noqa: F401

pytestmark = pytest.mark.slow


def test_the_shortlist_page_gives_each_factor_its_values_and_its_direction(
    service: tuple[TestClient, Keys],
    shortlist_id: str,  # noqa: F811
) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    page = client.get(f"/shortlists/{shortlist_id}").text
    labels = set(i18n.section("features.factors", "id").values())
    said = re.findall(
        r"<li><strong>([^<]+)</strong>: ([^<]+)\.<br><span class=\"(pos|neg)\">", page
    )
    assert said and {label for label, _, _ in said} <= labels
    moves = re.findall(r'<span class="(pos|neg)">[+−] ([^<(]+)\(', page)
    assert moves
    for side, words in moves:
        expected = "menaikkan" if side == "pos" else "menurunkan"
        assert words.startswith(f"Faktor ini {expected} skor dibanding rata-rata kandidat")


def test_the_comparison_shows_factors_and_each_features_contribution(
    service: tuple[TestClient, Keys],
    shortlist_id: str,  # noqa: F811
) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    body = client.get(f"/v1/shortlists/{shortlist_id}", headers=keys.header("committee")).json()
    first, second = body["candidates"][:2]
    page = client.get(
        f"/shortlists/{shortlist_id}/compare", params={"nip": [first["nip"], second["nip"]]}
    ).text
    assert i18n.text("page.merit_factor", "id") in page
    for factor in first["factors"]:
        assert f'<th scope="row">{factor["label"]}</th>' in page
    for item in first["contributions"]:
        assert f'<th scope="row">{item["feature"]}</th>' in page
    jpm = next(c for c in first["contributions"] if c["feature"] == "jpm")
    assert f"{jpm['says']} <span" in page
