"""The page kit: one signed-in dependency for every page, and the shortlist pages through it."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from serving import exports
from tests.serving.conftest import Keys, form_token, sign_in

pytestmark = pytest.mark.slow

SIGNED_IN_ONLY = [
    ("get", "/shortlists/{sid}"),
    ("get", "/shortlists/{sid}/compare"),
    ("get", "/shortlists/{sid}/export.csv"),
    ("get", "/shortlists/{sid}/export.pdf"),
    ("post", "/shortlists/{sid}/decisions"),
    ("post", "/shortlists"),
]


@pytest.fixture(scope="module")
def shortlist_id(service: tuple[TestClient, Keys], vacancy: str) -> str:
    client, keys = service
    sign_in(client, keys.committee)
    made = client.post("/shortlists", data={"position_id": vacancy, "k": 5}, follow_redirects=False)
    assert made.status_code == 303
    return made.headers["location"].rsplit("/", 1)[1]


@pytest.mark.parametrize(("method", "path"), SIGNED_IN_ONLY)
@pytest.mark.parametrize("key", [None, "not-a-key"])
def test_every_signed_in_page_sends_a_caller_without_a_valid_key_to_sign_in(
    service: tuple[TestClient, Keys], shortlist_id: str, method: str, path: str, key: str | None
) -> None:
    client, _ = service
    client.cookies.clear()
    if key:
        client.cookies.set("ajf_key", key)
    response = client.request(
        method, path.format(sid=shortlist_id), data={"position_id": "x"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_an_unknown_key_is_refused_in_the_chosen_language(
    service: tuple[TestClient, Keys],
) -> None:
    client, _ = service
    client.cookies.clear()
    data = {"key": "nope", "csrf_token": form_token(client)}
    refused = client.post("/login?lang=en", data=data, follow_redirects=False)
    assert refused.status_code == 401 and "Unknown key" in refused.text
    assert "Bahasa Indonesia" in refused.text  # the other language's link, in its own words


def test_the_shortlist_pages_read_decide_and_compare(
    service: tuple[TestClient, Keys], shortlist_id: str
) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    page = client.get(f"/shortlists/{shortlist_id}")
    assert page.status_code == 200 and "Daftar calon" in page.text
    nips = re.findall(r'name="nip" value="(\d{18})"', page.text)
    assert len(nips) >= 2
    declared = client.post(
        f"/shortlists/{shortlist_id}/declarations", data={"kind": "none"}, follow_redirects=False
    )
    assert declared.status_code == 303
    soft = sorted(set(re.findall(r'name="warning_rule" value="([a-z_]+)"', page.text)))
    answers = {"warning_rule": soft, "warning_answer": ["dibahas dalam rapat tim"] * len(soft)}
    refused = client.post(
        f"/shortlists/{shortlist_id}/decisions",
        data={"nip": nips[-1], "decision": "SELECTED", "reason": "r", **answers},
    )
    assert refused.status_code == 422 and 'id="justify"' in refused.text  # below others: justify
    bad = client.post(
        f"/shortlists/{shortlist_id}/decisions",
        data={"nip": "123", "decision": "SELECTED", "reason": "r"},
    )
    assert bad.status_code == 422
    done = client.post(
        f"/shortlists/{shortlist_id}/decisions",
        data={"nip": nips[0], "decision": "SHORTLISTED", "reason": "r"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("#decide")
    compared = client.get(f"/shortlists/{shortlist_id}/compare", params={"nip": nips[:2]})
    assert compared.status_code == 200 and compared.text.count('scope="row"') > 10
    assert client.get(f"/shortlists/{shortlist_id}/export.csv").text.startswith("# shortlist")
    assert client.get(f"/shortlists/{shortlist_id}/export.pdf").content.startswith(b"%PDF")


def _pdf_text(pdf: bytes) -> bytes:
    """The text layer (the font is embedded: glyph ids, not bytes of text, in the streams)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages).encode()


def test_the_pdf_minutes_take_their_words_from_the_catalogue() -> None:
    shortlist = {
        "shortlist_id": "s1",
        "position_id": "P1",
        "model": {"name": "asn-jobfit", "version": "3"},
        "ruleset_version": "r2",
        "data_hash": "abcdef0123456789abcdef",
        "as_of": "2026-01-01",
        "eligible_count": 3,
        "pool_size": 9,
        "candidates": [],
    }
    history = {"decisions": []}
    minutes = _pdf_text(exports.to_pdf(shortlist, history, "Kepala Seksi"))
    assert b"Daftar Calon untuk Tim Penilai Kinerja - Kepala Seksi" in minutes
    assert b"Kandidat memenuhi syarat: 3 dari 9" in minutes
    english = _pdf_text(exports.to_pdf(shortlist, history, "Head", "en"))
    assert b"Shortlist for the performance-review committee - Head" in english
    assert b"Main reasons" in english
