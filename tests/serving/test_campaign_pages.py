"""Rotation campaigns on the review page: start one, read it, export it, and every refusal.

Runs the real app over the small export and the few-tree champion (the ``service`` fixture),
signing in through ``/login`` like a browser, so the HttpOnly key cookie carries the caller.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from features import i18n
from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.campaigns.models import Said
from serving.campaigns.rendering import say
from serving.routers.pages import home as home_page
from serving.routers.pages.home import RECENT_CAMPAIGNS
from serving.runtime import Runtime
from serving.tables import audit_log, campaigns
from tests.serving.conftest import Keys, service_settings

CAMPAIGN_URL = re.compile(r"^/campaigns/([0-9a-f-]{36})$")


class _Rows(HTMLParser):
    """The text of each body row of the table with a given id (cells joined by ' | ')."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.depth, self.rows = table_id, 0, []
        self.cells: list[str] | None = None
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (self.depth or dict(attrs).get("id") == self.table_id):
            self.depth += 1
        elif self.depth and tag == "tbody":
            self.in_body = True
        elif self.depth and self.in_body and tag == "tr":
            self.cells = []
        elif self.cells is not None and tag in ("td", "th"):
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag == "tr" and self.cells is not None:
            self.rows.append(" | ".join(" ".join(c.split()) for c in self.cells))
            self.cells = None

    def handle_data(self, data: str) -> None:
        if self.cells:
            self.cells[-1] += data + " "


def table_rows(text: str, table_id: str) -> list[str]:
    parser = _Rows(table_id)
    parser.feed(text)
    return parser.rows


def sign_in(client: TestClient, key: str) -> None:
    client.cookies.clear()
    response = client.post("/login", data={"key": key}, follow_redirects=False)
    assert response.status_code == 303 and "ajf_key" in client.cookies


def stored(client: TestClient) -> int:
    with client.app.state.db.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(campaigns)).scalar_one()


def start(client: TestClient, **form: str | list[str]):
    return client.post("/campaigns", data=form, follow_redirects=False)


def started_id(response) -> str:
    assert response.status_code == 303, response.text[:2000]
    match = CAMPAIGN_URL.match(response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def vacancies_of(export: Export, agency: str) -> list[str]:
    positions = export.positions
    chosen = positions["is_vacant"] & (positions["agency_id"] == agency)
    return positions.loc[chosen, "position_id"].tolist()


@pytest.fixture(scope="module")
def agency(small_export: Export) -> str:
    return str(small_export.positions["agency_id"].iloc[0])


def test_committee_starts_a_campaign_and_it_is_stored_and_audited(
    service: tuple[TestClient, Keys], small_export: Export, agency: str
) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    home = client.get("/")
    assert home.status_code == 200
    assert 'action="/campaigns"' in home.text
    for position_id in vacancies_of(small_export, agency):
        assert f'form="campaign" name="position_id" value="{position_id}"' in home.text
    before = stored(client)
    response = start(
        client,
        scope="agency",
        agency_id="PEMKAB-LAIN",  # a committee's agency is always its own
        chain_depth="1",
        max_unit_pct="20",
        aspiration_mode="weighted",
        aspiration_weight="0,2",  # a decimal comma, as typed in Indonesian
    )
    campaign_id = started_id(response)
    assert stored(client) == before + 1
    api = client.get(f"/v1/campaigns/{campaign_id}", headers=keys.header("committee"))
    assert api.status_code == 200
    report = api.json()
    assert report["vacancies"] == vacancies_of(small_export, agency)
    assert report["scope"] == {"kind": "agency", "agency_id": agency}
    options = report["options"]
    assert (options["chain_depth"], options["max_unit_share"]) == (1, 0.2)
    assert (options["aspiration_mode"], options["aspiration_weight"]) == ("weighted", 0.2)
    with client.app.state.db.connect() as connection:
        entries = connection.execute(
            sa.select(audit_log.c.action, audit_log.c.key_id).where(
                audit_log.c.subject == campaign_id
            )
        ).all()
    assert [e.action for e in entries] == ["campaign.create"]
    listed = client.get("/")
    assert f'href="/campaigns/{campaign_id}"' in listed.text
    page = client.get(f"/campaigns/{campaign_id}").text
    assert f"Kampanye rotasi: instansi {agency}, semua lowongan terbuka" in page
    assert page.count('<ol class="links">') == len(report["chains"]) > 0
    names = {p["nip"]: p["name"] for p in report["placements"]}
    for chain in report["chains"]:  # each link: position <- nip from origin, with the name
        for link in chain:
            assert link["nip"] in page and names[link["nip"]] in page
    refill = next(p for p in report["placements"] if p["round"] == 1)  # a post a move opens
    decide = client.post(
        "/shortlists",
        data={"position_id": refill["position_id"], "k": "10"},
        follow_redirects=False,
    )
    assert decide.status_code == 303 and decide.headers["location"].startswith("/shortlists/")


def test_campaign_page_shows_what_the_api_returns(
    service: tuple[TestClient, Keys], small_export: Export, agency: str
) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    ticked = vacancies_of(small_export, agency)[:2]
    campaign_id = started_id(start(client, scope="selected", position_id=ticked))
    report = client.get(f"/v1/campaigns/{campaign_id}", headers=keys.header("committee")).json()
    assert report["vacancies"] == ticked
    assert report["placements"], "the small export should fill at least one of two vacancies"

    page = client.get(f"/campaigns/{campaign_id}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    rows = table_rows(page.text, "moves")
    assert len(rows) == len(report["placements"])
    for row, placement in zip(rows, report["placements"], strict=True):
        for expected in (
            placement["position_id"],
            placement["position_title"],
            placement["nip"],
            placement["name"],
            f"#{placement['rank_on_shortlist']}",
            f"{placement['fit']:.3f}",
            *placement["reasons"][:3],
        ):
            assert expected in row, (expected, row)
    assert [r.split(" | ")[1] for r in table_rows(page.text, "open")] == [
        f"{o['position_title']} {o['position_id']}" for o in report["open_vacancies"]
    ]
    for o in report["open_vacancies"]:  # the Indonesian page says why in Indonesian
        reason = Said.model_validate(o["reason"])
        indonesian, english = say(reason, "id"), say(reason, "en")
        assert indonesian.startswith("formasi ") and indonesian in html.unescape(page.text)
        assert english not in html.unescape(page.text)
    baselines = table_rows(page.text, "baselines")
    assert f"{report['baselines']['optimal_total_fit']:.3f}" in baselines[0]
    assert f"{report['baselines']['greedy_total_fit']:.3f}" in baselines[1]
    assert len(table_rows(page.text, "units")) == len(report["units"])
    assert len(table_rows(page.text, "fairness")) == (
        len(report["fairness"]) + len(report["fairness_max_gap"])
    )
    assert "keputusan tetap di tangan tim" in page.text
    for placement in report["placements"]:  # each move leads to its shortlist, to decide there
        assert f'name="position_id" value="{placement["position_id"]}"' in page.text
    assert f"/campaigns/{campaign_id}/export.csv" in page.text

    english = client.get(f"/campaigns/{campaign_id}?lang=en")
    assert "Proposed moves" in english.text and "the committee still decides" in english.text

    csv_page = client.get(f"/campaigns/{campaign_id}/export.csv")
    csv_api = client.get(f"/v1/campaigns/{campaign_id}/csv", headers=keys.header("committee"))
    assert csv_page.status_code == 200 and csv_page.text == csv_api.text
    assert "attachment" in csv_page.headers["content-disposition"]
    pdf = client.get(f"/campaigns/{campaign_id}/export.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_another_agencys_campaign_and_unknown_ids_are_404(
    service: tuple[TestClient, Keys], agency: str
) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    campaign_id = started_id(start(client, scope="agency"))
    sign_in(client, keys.other_committee)
    assert f"/campaigns/{campaign_id}" not in client.get("/").text
    for path in ("", "/export.csv", "/export.pdf"):
        response = client.get(f"/campaigns/{campaign_id}{path}")
        assert response.status_code == 404, path
        assert "bukan milik instansi Anda" in response.text
    for unknown in ("00000000-0000-0000-0000-000000000000", "not-a-campaign"):
        response = client.get(f"/campaigns/{unknown}?lang=en")
        assert response.status_code == 404
        assert "does not exist or does not belong to your agency" in response.text


def test_auditor_reads_campaigns_but_cannot_start_one(
    service: tuple[TestClient, Keys], agency: str, small_export: Export
) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    campaign_id = started_id(start(client, scope="agency"))
    sign_in(client, keys.auditor)
    home = client.get("/")
    assert 'action="/campaigns"' not in home.text
    assert "tidak dapat menjalankannya" in home.text
    assert f'href="/campaigns/{campaign_id}"' in home.text
    assert client.get(f"/campaigns/{campaign_id}").status_code == 200
    before = stored(client)
    ticked = vacancies_of(small_export, agency)
    for form in (
        {"scope": "agency", "agency_id": agency},
        {"scope": "selected", "position_id": ticked},
    ):
        refused = start(client, **form)
        assert refused.status_code == 403
        assert "Hanya admin atau tim penilai kinerja" in refused.text
    assert stored(client) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("chain_depth", "9"),
        ("chain_depth", "dua"),
        ("chain_depth", "1.5"),
        ("max_unit_pct", "0"),
        ("max_unit_pct", "150"),
        ("min_tenure_years", "-1"),
        ("aspiration_mode", "sometimes"),
        ("aspiration_weight", "nan"),
        ("top_n", "0"),
        ("fill_priority", "perhaps"),
    ],
)
def test_bad_option_gives_the_form_back_with_a_message(
    service: tuple[TestClient, Keys], field: str, value: str
) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    before = stored(client)
    response = start(client, scope="agency", **{field: value})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    label = i18n.text(f"page.opt_{field}", "id")  # the message names the field, by its label
    assert f"{label}: nilai tidak valid" in html.unescape(response.text)
    assert 'role="alert"' in response.text and 'action="/campaigns"' in response.text
    assert stored(client) == before


def test_scope_errors_are_messages_on_the_page(
    service: tuple[TestClient, Keys], small_export: Export, agency: str
) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    before = stored(client)
    none_ticked = start(client, scope="selected")
    assert none_ticked.status_code == 422 and "Centang minimal satu lowongan" in none_ticked.text
    unknown = start(client, scope="selected", position_id=["NOPE-1"])
    assert unknown.status_code == 404 and "1 unknown position id(s)" in unknown.text
    filled = small_export.positions.loc[~small_export.positions["is_vacant"], "position_id"]
    not_vacant = start(client, scope="selected", position_id=[str(filled.iloc[0])])
    assert not_vacant.status_code == 422 and "not vacant" in not_vacant.text
    ticked = vacancies_of(small_export, agency)[:1]
    kept = start(client, scope="selected", position_id=ticked, chain_depth="7")
    assert kept.status_code == 422 and 'value="7"' in kept.text
    assert f'value="{ticked[0]}" checked' in kept.text  # the ticks survive the error
    switched = client.get("/campaigns?lang=en", follow_redirects=False)  # the header's link
    assert switched.status_code == 303 and switched.headers["location"] == "/?lang=en"

    sign_in(client, keys.other_committee)  # PEMKAB-LAIN has no vacancy in the export
    empty = start(client, scope="agency")
    assert empty.status_code == 422
    assert "Instansi PEMKAB-LAIN tidak memiliki lowongan terbuka" in empty.text
    foreign = start(client, scope="selected", position_id=ticked)
    assert foreign.status_code == 403 and "own agency" in foreign.text
    assert stored(client) == before


def test_admin_chooses_the_agency(
    service: tuple[TestClient, Keys], agency: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, keys = service
    sign_in(client, keys.admin)
    home = client.get("/").text
    assert 'name="agency_id"' in home and f">{agency}</option>" in home
    assert start(client, scope="agency").status_code == 422  # no agency chosen
    campaign_id = started_id(start(client, scope="agency", agency_id=agency))
    sign_in(client, keys.committee)  # stored under the agency: its committee reads it
    assert client.get(f"/campaigns/{campaign_id}").status_code == 200
    listed = re.findall(r'href="/campaigns/([0-9a-f-]{36})"', client.get("/").text)
    assert listed[0] == campaign_id, "the most recent campaign comes first"
    assert len(listed) == len(set(listed)) == min(RECENT_CAMPAIGNS, stored(client))
    monkeypatch.setattr(home_page, "RECENT_CAMPAIGNS", 2)
    assert len(re.findall(r'href="/campaigns/[0-9a-f-]{36}"', client.get("/").text)) == 2


def test_signed_out_posts_change_nothing_and_not_ready_is_a_message(
    service: tuple[TestClient, Keys], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, keys = service
    client.cookies.clear()
    before = stored(client)
    response = start(client, scope="agency")  # e.g. a cross-site post: no SameSite cookie
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.get("/campaigns/x", follow_redirects=False).status_code == 303
    sign_in(client, keys.committee)
    holder = client.app.state.runtime
    monkeypatch.setattr(holder, "_current", Runtime.not_ready("no champion registered"))
    down = start(client, scope="agency")
    assert down.status_code == 503 and "no champion registered" in down.text
    assert stored(client) == before


def test_a_service_without_champion_answers_campaign_pages_with_503(
    small_export: Export, tmp_path: Path
) -> None:
    app = create_app(service_settings(tmp_path), data_dir=tmp_path / "no-export")
    with TestClient(app) as client:
        assert app.state.runtime.current.engine is None and app.state.runtime.current.reason
        agency = str(small_export.positions["agency_id"].iloc[0])
        sign_in(client, create_api_key(app.state.db, "committee", agency)[1])
        home = client.get("/")
        assert home.status_code == 200 and "Layanan belum siap" in home.text
        refused = start(client, scope="agency")
        assert refused.status_code == 503 and "Layanan belum siap" in refused.text
        unknown = client.get("/campaigns/00000000-0000-0000-0000-000000000000")
        assert unknown.status_code == 503 and "Layanan belum siap" in unknown.text


def test_a_campaign_stored_before_schema_versions_shows_as_before(
    service: tuple[TestClient, Keys],
) -> None:
    """A version-0 report (prose scope, chains and reasons) on the page, in both languages."""
    client, _ = service
    fixture = Path(__file__).with_name("fixtures") / "campaign_report_v0.json"
    raw = fixture.read_text(encoding="utf-8")
    old = json.loads(raw)
    campaign_id = old["campaign_id"]
    with client.app.state.db.begin() as connection:
        connection.execute(
            campaigns.insert().values(
                campaign_id=campaign_id,
                created_at=dt.datetime.now(dt.UTC),
                agency_id="AG1",
                created_by="k0",
                vacancies=len(old["vacancies"]),
                report_json=raw,
            )
        )
    sign_in(client, create_api_key(client.app.state.db, "committee", "AG1")[1])
    page = client.get(f"/campaigns/{campaign_id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Kampanye rotasi: instansi AG1, semua lowongan terbuka" in text
    assert [r.split(" | ")[2] for r in table_rows(page.text, "open")] == [
        " ".join(o["reason_id"].split()) for o in old["open_vacancies"]
    ]
    assert page.text.count('<ol class="links">') == 1 and "Pegawai z" in text
    english = html.unescape(client.get(f"/campaigns/{campaign_id}?lang=en").text)
    assert "Rotation campaign: agency AG1, all open vacancies" in english
    assert all(o["reason"] in english for o in old["open_vacancies"])
    listed = client.get("/")
    assert f'href="/campaigns/{campaign_id}"' in listed.text and "agency AG1" in listed.text
