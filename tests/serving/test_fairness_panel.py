"""The per-shortlist fairness panel: exact finite-pool tests, small cells, words, the API."""

from __future__ import annotations

import json
import re
from math import comb

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape

from serving import fairness
from serving.engine import Engine
from serving.fairness import PanelRules, composition_test, panel, protected_groups
from serving.settings import ServiceSettings
from tests.serving.conftest import service_settings, sign_in

RULES = PanelRules(min_cell=10, alpha=0.05, draws=4000)


def _pool(
    gender: list[str], religion: list[str] | None = None, region: list[str] | None = None
) -> pd.DataFrame:
    """A pool's audited groups: ``gender`` given, everyone 30-39, one religion and region."""
    n = len(gender)
    return pd.DataFrame({
        "gender": gender,
        "age_band": ["30-39"] * n,
        "religion": religion or ["ISLAM"] * n,
        "origin_region": region or ["LAMPUNG"] * n,
    })  # fmt: skip


def _attribute(body: dict, name: str) -> dict:
    return next(a for a in body["attributes"] if a["attribute"] == name)


def _hypergeom_cdf(x: int, n: int, group: int, k: int) -> float:
    """P(X <= x) by hand: C(group, i) C(n - group, k - i) / C(n, k) summed over i <= x."""
    return sum(comb(group, i) * comb(n - group, k - i) for i in range(x + 1)) / comb(n, k)


def test_group_test_is_the_hand_computed_hypergeometric_tail():
    # 20 women and 20 men; the top 10 holds 2 women.
    groups = _pool(["F"] * 20 + ["M"] * 20)
    selected = np.zeros(40, dtype=bool)
    selected[[0, 1, *range(20, 28)]] = True
    women = next(g for g in _attribute(panel(groups, selected, RULES), "gender")["groups"]
                 if g["group"] == "F")  # fmt: skip
    assert women["pool"] == 20 and women["actual"] == 2 and women["expected"] == 5.0
    assert women["p_fewer"] == pytest.approx(_hypergeom_cdf(2, 40, 20, 10), abs=1e-4)
    # (C(20,0) C(20,10) + C(20,1) C(20,9) + C(20,2) C(20,8)) / C(40,10), by hand:
    # (184 756 + 20 * 167 960 + 190 * 125 970) / 847 660 528 = 27 478 256 / 847 660 528
    assert women["p_fewer"] == pytest.approx(27_478_256 / 847_660_528, abs=1e-4)
    assert women["p_fewer"] == pytest.approx(0.0324, abs=1e-4)


def test_two_group_exact_test_is_the_two_sided_hypergeometric_by_hand():
    # Two groups: the composition test sums P(X = x) over x at least as far from 5 as 2 is.
    p, method = composition_test(np.array([20, 20]), np.array([2, 8]), draws=100)
    by_hand = sum(comb(20, x) * comb(20, 10 - x) for x in range(11) if abs(x - 5) >= 3) / comb(
        40, 10
    )
    assert method == "exact"
    assert p == pytest.approx(by_hand, rel=1e-9)
    assert p == pytest.approx(2 * _hypergeom_cdf(2, 40, 20, 10), rel=1e-9)


def test_three_group_exact_test_matches_brute_force_enumeration():
    pool, actual = np.array([12, 9, 15]), np.array([0, 2, 6])
    k, n = 8, 36
    expected = pool * k / n
    observed = (((actual - expected) ** 2) / expected).sum()
    total = 0.0
    for a in range(k + 1):
        for b in range(k + 1 - a):
            x = np.array([a, b, k - a - b])
            if (x <= pool).all() and (((x - expected) ** 2) / expected).sum() >= observed - 1e-12:
                total += comb(12, a) * comb(9, b) * comb(15, k - a - b) / comb(n, k)
    p, method = composition_test(pool, actual, draws=100)
    assert method == "exact" and p == pytest.approx(total, rel=1e-9)


def test_permutation_test_agrees_with_the_exact_one_when_both_can_run(monkeypatch):
    pool, actual = np.array([30, 25, 20, 25]), np.array([2, 3, 9, 6])
    exact, _ = composition_test(pool, actual, draws=100)
    monkeypatch.setattr(fairness, "EXACT_LIMIT", 0)
    estimate, method = composition_test(pool, actual, draws=20_000, seed=1)
    assert method == "permutation"
    assert estimate == pytest.approx(exact, abs=0.01)


def test_a_top_k_all_from_one_group_of_a_balanced_pool_is_flagged():
    groups = _pool(["F"] * 50 + ["M"] * 50)
    selected = np.zeros(100, dtype=bool)
    selected[50:60] = True  # ten men
    body = panel(groups, selected, RULES)
    gender = _attribute(body, "gender")
    assert gender["status"] == "unusual"
    assert gender["worst"]["group"] == "F" and gender["worst"]["one_in"] > 1000
    assert gender["p_value"] < body["threshold"]


def test_random_top_ks_of_a_balanced_pool_are_rarely_flagged():
    rng = np.random.default_rng(7)
    religion = ["ISLAM"] * 40 + ["KRISTEN"] * 30 + ["HINDU"] * 30
    region = ["LAMPUNG"] * 50 + ["JAMBI"] * 50
    genders = ["F"] * 50 + ["M"] * 50
    flagged = 0
    for _ in range(200):
        groups = _pool(list(rng.permutation(genders)), religion, region)
        selected = np.zeros(100, dtype=bool)
        selected[rng.choice(100, 10, replace=False)] = True
        body = panel(groups, selected, RULES)
        flagged += any(a["status"] == "unusual" for a in body["attributes"])
    assert flagged / 200 <= 0.06  # at most alpha = 0.05 in law, with some slack


def test_one_random_top_k_is_said_to_be_usual():
    rng = np.random.default_rng(3)
    groups = _pool(list(rng.permutation(["F"] * 50 + ["M"] * 50)))
    selected = np.zeros(100, dtype=bool)
    selected[rng.choice(100, 10, replace=False)] = True
    gender = _attribute(panel(groups, selected, RULES), "gender")
    assert gender["status"] == "usual"
    assert gender["p_value"] > 0.05


def test_a_group_under_min_cell_never_appears_by_name_or_count():
    # 7 HINDU (under min_cell) and 3 BUDDHA are merged into OTHER, itself 10: shown as OTHER.
    religion = ["ISLAM"] * 30 + ["KRISTEN"] * 20 + ["HINDU"] * 7 + ["BUDDHA"] * 3
    groups = _pool(["F"] * 30 + ["M"] * 30, religion)
    selected = np.zeros(60, dtype=bool)
    selected[[0, 1, 2, 30, 31, 50, 51, 57]] = True
    body = fairness.with_sentences(panel(groups, selected, RULES), "en")
    text = json.dumps(body)
    assert "HINDU" not in text and "BUDDHA" not in text
    rows = _attribute(body, "religion")["groups"]
    assert [r["group"] for r in rows] == ["ISLAM", "KRISTEN", "OTHER"]
    assert [r["pool"] for r in rows] == [30, 20, 10]
    assert all(r["pool"] != 7 and r["pool"] != 3 for r in rows)
    assert _attribute(body, "religion")["merged"] is True


def test_a_small_remainder_takes_the_next_smallest_group_with_it():
    # HINDU (6) alone as OTHER could be read off the pool's size (60 - 30 - 24): KRISTEN, the
    # smallest group shown, is merged with it.
    religion = ["ISLAM"] * 30 + ["KRISTEN"] * 24 + ["HINDU"] * 6
    groups = _pool(["F"] * 30 + ["M"] * 30, religion)
    selected = np.zeros(60, dtype=bool)
    selected[:10] = True
    body = panel(groups, selected, RULES)
    religion_row = _attribute(body, "religion")
    assert [(r["group"], r["pool"]) for r in religion_row["groups"]] == [
        ("ISLAM", 30),
        ("OTHER", 30),
    ]
    assert religion_row["merged"] is True
    assert "HINDU" not in json.dumps(body) and "KRISTEN" not in json.dumps(body)
    shown = sum(r["pool"] for r in religion_row["groups"])
    assert body["pool"] - shown == 0  # nothing left to subtract a small group's count from


def test_attributes_that_cannot_be_judged_say_why():
    groups = _pool(["F"] * 5 + ["M"] * 45, ["UNKNOWN"] * 50)
    selected = np.zeros(50, dtype=bool)
    selected[:10] = True
    body = fairness.with_sentences(panel(groups, selected, RULES), "en")
    gender, religion, age = (_attribute(body, a) for a in ("gender", "religion", "age_band"))
    assert gender["reason"] == "small_groups" and gender["groups"] == []
    assert "fewer than two groups have 10 people or more" in gender["summary"]
    assert religion["reason"] == "not_recorded"
    assert age["reason"] == "small_groups"  # everyone in one band: nothing to compare
    everyone = fairness.with_sentences(panel(groups, np.ones(50, dtype=bool), RULES), "id")
    assert _attribute(everyone, "origin_region")["reason"] == "whole_pool"
    assert "seluruh kumpulan" in _attribute(everyone, "gender")["summary"]
    empty = panel(groups.iloc[:0], np.zeros(0, dtype=bool), RULES)
    assert {a["reason"] for a in empty["attributes"]} == {"whole_pool"}


def test_sentences_in_both_languages():
    groups = _pool(["F"] * 50 + ["M"] * 50)
    selected = np.zeros(100, dtype=bool)
    selected[50:60] = True
    body = panel(groups, selected, RULES)
    gender = _attribute(body, "gender")
    english = fairness.sentence(body, gender, "en")
    indonesian = fairness.sentence(body, gender, "id")
    assert english.startswith("Unusual: fewer women in the top 10")
    assert "random draws" in english
    assert indonesian.startswith("Tidak biasa: perempuan di 10 teratas lebih sedikit")
    usual = {**gender, "status": "usual", "p_value": 0.41}
    assert fairness.sentence(body, usual, "id") == (
        "Komposisi 10 teratas menurut jenis kelamin wajar untuk kumpulan yang memenuhi syarat "
        "(p = 0.41)."
    )


def test_protected_groups_read_age_band_at_the_date_and_mark_missing():
    employees = pd.DataFrame({
        "gender": ["F", "M"],
        "birth_date": pd.to_datetime(["1990-06-01", None]),
        "religion": ["ISLAM", ""],
        "origin_region": [None, "JAMBI"],
    })  # fmt: skip
    groups = protected_groups(employees, pd.Timestamp("2026-05-31"))
    assert groups["age_band"].tolist() == ["30-39", "UNKNOWN"]
    assert groups["religion"].tolist() == ["ISLAM", "UNKNOWN"]
    assert groups["origin_region"].tolist() == ["UNKNOWN", "JAMBI"]
    assert protected_groups(employees, pd.Timestamp("2020-06-01"))["age_band"].iat[0] == "30-39"
    assert protected_groups(employees, pd.Timestamp("2020-05-31"))["age_band"].iat[0] == "<30"


def test_the_thresholds_come_from_the_settings():
    rules = PanelRules.from_settings(ServiceSettings(fairness_min_cell=12, fairness_alpha=0.01))
    assert (rules.min_cell, rules.alpha) == (12, 0.01)
    assert PanelRules.from_settings(ServiceSettings()).min_cell == 10


# -- the API -----------------------------------------------------------------------------------


def _api_shortlist(client, keys, vacancy: str, lang: str = "id") -> dict:
    response = client.post(
        "/v1/shortlists",
        json={"position_id": vacancy, "k": 10},
        headers={**keys.header("committee"), "Accept-Language": lang},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_the_api_shortlist_carries_its_panel_and_keeps_it(service, vacancy, small_export):
    client, keys = service
    body = _api_shortlist(client, keys, vacancy)
    panel_ = body["fairness"]
    assert panel_["k"] == len(body["candidates"])
    assert panel_["pool"] == body["eligible_count"]
    assert [a["attribute"] for a in panel_["attributes"]] == list(fairness.AUDITED)
    for attribute in panel_["attributes"]:
        assert attribute["summary"]
        assert all(g["pool"] >= panel_["min_cell"] for g in attribute["groups"])
        rest = panel_["pool"] - sum(g["pool"] for g in attribute["groups"])
        assert rest == 0 or rest >= panel_["min_cell"] or not attribute["groups"]
        if attribute["groups"]:
            assert sum(g["actual"] for g in attribute["groups"]) <= panel_["k"]
    # the counts are the eligible pool's and the top k's, read from the export's employees
    gender = _attribute(panel_, "gender")
    if gender["groups"]:
        sex = small_export.employees.set_index("nip")["gender"]
        top = [sex[c["nip"]] for c in body["candidates"]]
        for group in gender["groups"]:
            assert group["actual"] == top.count(group["group"])
    stored = client.get(f"/v1/shortlists/{body['shortlist_id']}", headers=keys.header("committee"))
    assert stored.json()["fairness"] == panel_


def test_the_api_panel_speaks_the_request_language(service, vacancy):
    client, keys = service
    english = _api_shortlist(client, keys, vacancy, "en")["fairness"]["attributes"]
    indonesian = _api_shortlist(client, keys, vacancy, "id")["fairness"]["attributes"]
    assert [a["status"] for a in english] == [a["status"] for a in indonesian]
    words = {
        "usual": ("is usual for the eligible pool", "wajar untuk kumpulan"),
        "unusual": ("Unusual:", "Tidak biasa:"),
        "cannot_judge": ("Cannot be judged", "Tidak dapat dinilai"),
    }
    for en, id_ in zip(english, indonesian, strict=True):
        assert words[en["status"]][0] in en["summary"]
        assert words[id_["status"]][1] in id_["summary"]


# -- the page ----------------------------------------------------------------------------------


def _eligible_groups(small_export, ranker, tmp_path, vacancy: str) -> pd.DataFrame:
    """The audited groups of the vacancy's eligible pool, as the service sees them."""
    settings = service_settings(tmp_path)
    engine = Engine.build(small_export, ranker, settings)
    scored = engine.score(engine.candidates({}), engine.position(vacancy))
    return protected_groups(scored.pool.employees.iloc[scored.eligible], engine.as_of)


def _panel_section(html: str) -> str:
    match = re.search(r'<section class="fairness-panel".*?</section>', html, re.S)
    assert match, "no fairness panel on the page"
    return match.group(0)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_shortlist_page_shows_the_panel_without_small_groups(
    service, vacancy, small_export, ranker, tmp_path, lang
):
    client, keys = service
    body = _api_shortlist(client, keys, vacancy, lang)
    sign_in(client, keys.committee)
    html = client.get(f"/shortlists/{body['shortlist_id']}?lang={lang}").text
    section = _panel_section(html)
    title = {"id": "Keadilan daftar ini", "en": "Fairness of this list"}[lang]
    assert title in section and "{" not in section  # words, no raw JSON
    for attribute in body["fairness"]["attributes"]:
        assert escape(fairness.sentence(body["fairness"], attribute, lang)) in section
    groups = _eligible_groups(small_export, ranker, tmp_path, vacancy)
    hidden = 0
    for attribute in fairness.AUDITED:
        counts = groups[attribute].value_counts()
        shown = {g["group"]: g["pool"] for g in _attribute(body["fairness"], attribute)["groups"]}
        for group, count in counts.items():
            if count >= 10 or group == fairness.UNKNOWN:
                continue
            hidden += 1
            words = fairness.group_words(attribute, str(group), lang)
            assert group not in shown
            assert f">{words}<" not in section and str(group) not in json.dumps(body["fairness"])
    assert hidden > 0, "the small export should have some group under min_cell"
    rows = re.findall(r"<td>([^<]+)</td><td class=\"num\">(\d+)</td>", section)
    shown_rows = [
        (fairness.group_words(a["attribute"], g["group"], lang), str(g["pool"]))
        for a in body["fairness"]["attributes"]
        for g in a["groups"]
    ]
    assert rows == shown_rows


@pytest.mark.browser
def test_the_panel_reads_in_a_real_browser(small_export, ranker, tmp_path, vacancy):
    from playwright.sync_api import expect, sync_playwright

    from serving.app import create_app
    from serving.auth import create_api_key
    from tests.conftest import CHROMIUM
    from tests.serving.test_browser_review import ARTIFACTS, FLAGS, _serving

    settings = service_settings(tmp_path)
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    agency = str(small_export.positions["agency_id"].iloc[0])
    ARTIFACTS.mkdir(exist_ok=True)
    with _serving(app) as base, sync_playwright() as playwright:
        key = create_api_key(app.state.db, "committee", agency)[1]
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(base)
        page.fill("#key", key)
        page.click("button[type=submit]")
        page.locator(f"form:has(input[value='{vacancy}']) button").click()
        page.wait_for_url("**/shortlists/*")
        panel_ = page.locator("section.fairness-panel")
        expect(panel_.get_by_role("heading", name="Keadilan daftar ini")).to_be_visible()
        expect(panel_.locator("li.verdict")).to_have_count(len(fairness.AUDITED))
        expect(panel_.locator("li.verdict").first).to_contain_text("Jenis kelamin")
        panel_.locator("summary").click()
        expect(panel_.locator("table")).to_be_visible()
        panel_.screenshot(path=str(ARTIFACTS / "fairness-panel.png"))

        page.goto(base)
        page.check("input[name=scope][value=agency]")
        page.click("text=Jalankan kampanye")
        page.wait_for_url("**/campaigns/*")
        campaign = page.locator("section.fairness-panel")
        expect(campaign.get_by_role("heading", name=f"Keadilan usulan, instansi {agency}"))
        expect(campaign.locator("li.verdict")).to_have_count(len(fairness.AUDITED))
        campaign.locator("summary").click()
        campaign.screenshot(path=str(ARTIFACTS / "fairness-panel-campaign.png"))
        browser.close()


# -- campaigns ---------------------------------------------------------------------------------


def test_a_campaign_carries_a_panel_per_agency_on_its_page(service, small_export):
    client, keys = service
    agency = str(small_export.positions["agency_id"].iloc[0])
    sign_in(client, keys.committee)
    response = client.post("/campaigns", data={"scope": "agency"}, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    location = response.headers["location"]
    report = client.get(f"/v1{location}", headers=keys.header("committee")).json()
    [entry] = report["fairness_panels"]
    body = entry["panel"]
    assert entry["agency_id"] == agency and body["kind"] == "campaign"
    assert body["k"] == len({p["nip"] for p in report["placements"]}) > 0
    considered = sum(g["considered"] for g in report["fairness"] if g["attribute"] == "gender")
    assert body["pool"] == considered
    for attribute in body["attributes"]:
        assert all(g["pool"] >= body["min_cell"] for g in attribute["groups"])
    for lang, title in (("id", f"Keadilan usulan, instansi {agency}"),
                        ("en", f"Fairness of the proposal, agency {agency}")):  # fmt: skip
        page = client.get(f"{location}?lang={lang}").text
        section = _panel_section(page)
        assert title in section
        for attribute in body["attributes"]:
            assert escape(fairness.sentence(body, attribute, lang)) in section
        selection = {"id": f"{body['k']} orang yang diusulkan", "en": f"the {body['k']} people"}
        assert selection[lang] in section
    # the older audit table shows no group of fewer than min_cell people either
    table = re.search(r'<table id="fairness">.*?</table>', page, re.S).group(0)
    considered_cells = re.findall(r'<td class="num">(\d+)</td><td class="num">\d+</td>', table)
    assert considered_cells
    assert all(int(cell) >= body["min_cell"] for cell in considered_cells)


def test_the_campaign_text_report_says_the_panel():
    from serving.campaigns.models import CampaignReport
    from serving.campaigns.rendering import render_text

    groups = _pool(["F"] * 50 + ["M"] * 50)
    selected = np.zeros(100, dtype=bool)
    selected[50:60] = True
    body = panel(groups, selected, RULES, kind="campaign")
    report = CampaignReport.model_validate({
        "scope": {"kind": "agency", "agency_id": "A"}, "as_of": "2026-11-01", "options": {},
        "model": "m v1", "vacancies": [], "placements": [], "open_vacancies": [], "chains": [],
        "baselines": {k: 0 for k in ("optimal_filled", "optimal_total_fit", "greedy_filled",
                      "greedy_total_fit", "top1_filled", "top1_total_fit",
                      "top1_double_booked_people", "top1_conflicts")},
        "units": [], "fairness": [], "fairness_max_gap": {}, "solver": "none",
        "timings_s": {"scoring": 0.0, "solving": 0.0, "total": 0.0},
        "fairness_panels": [{"agency_id": "A", "panel": body}],
    })  # fmt: skip
    text = render_text(report, "en")
    assert "Fairness of the proposal, agency A" in text
    assert "Unusual: fewer women in the 10 people proposed than the candidates on the " in text
