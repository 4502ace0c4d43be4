"""The rotation, best-posts and oversight pages through the app (no browser)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.serving.conftest import Keys, sign_in


def test_the_rotation_pages_list_the_due_and_their_best_posts(
    service: tuple[TestClient, Keys],
) -> None:
    client, keys = service
    people = client.get("/v1/rotation/due", headers=keys.header("committee")).json()["people"]
    sign_in(client, keys.committee)
    html = client.get("/rotation?unit_id=&job_family=").text
    assert 'id="past_five_years"' in html and people[0]["nip"] in html
    page = client.get(f"/rotation/{people[0]['nip']}")
    assert page.status_code == 200, page.text
    assert 'id="best-posts"' in page.text or 'id="no-posts"' in page.text
    assert client.get("/rotation/000000000000000000").status_code == 404
    csv = client.get("/rotation/due.csv")
    assert csv.status_code == 200 and csv.text.startswith("reason,nip,name")


def test_another_agencys_person_answers_like_a_missing_one(
    service: tuple[TestClient, Keys],
) -> None:
    client, keys = service
    people = client.get("/v1/rotation/due", headers=keys.header("committee")).json()["people"]
    sign_in(client, keys.other_committee)
    other = client.get(f"/rotation/{people[0]['nip']}")
    missing = client.get("/rotation/000000000000000000")
    assert other.status_code == missing.status_code == 404
    assert people[0]["name"] not in other.text


def test_the_oversight_page_shows_every_figure(service: tuple[TestClient, Keys]) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    html = client.get("/oversight?months=3").text
    for part in ('id="boxes"', 'id="long-open-count"', 'id="filled"', "Kotak talenta"[:5]):
        assert part in html
    assert client.get("/oversight.csv").text.startswith("section,item,value")
