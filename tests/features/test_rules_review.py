"""The national rule set v2: v1 reviewed against the regulation text (docs/eligibility-rules.md).

Each test would fail on v1's behaviour or on the experience feature as it was.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.build import build_features
from features.candidates import prepare_candidates
from features.config import FeatureConfig
from features.experience import experience_features
from features.rules import DEFAULT_RULESET, RuleSet, RuleSetError, evaluate_rules, load_ruleset
from tests.features.factories import employee, make_export, position
from tests.features.test_rules import evaluate, outcome, v1_raw, write

PELAKSANA_THEN_PENGAWAS = "198001012005031001"
AHLI_MUDA_THEN_MADYA = "198502022010012002"
AS_OF = pd.Timestamp("2024-07-01")


@pytest.fixture(scope="module")
def national() -> RuleSet:
    return load_ruleset()


def test_the_national_default_is_v2_and_v1_is_kept(national: RuleSet) -> None:
    assert DEFAULT_RULESET == national.version == "v2"
    assert load_ruleset("v1").rule("min_years_in_position").severity == "hard"


def test_one_year_in_post_is_eligible_with_a_warning(national: RuleSet) -> None:
    result = evaluate(national, "ADMINISTRATOR", {"years_in_current_position": 1.0})

    assert result.eligible.tolist() == [True]
    assert result.warning_counts["min_years_in_position"] == 1
    assert "min_years_in_position" not in result.excluded_counts
    warned = outcome(result, 0, "min_years_in_position", "en")
    assert warned.severity == "soft" and not warned.passed
    assert "an exception needs written reasons" in warned.message
    assert "Pasal 190 ayat (3)" in warned.citation
    v1 = evaluate(load_ruleset("v1"), "ADMINISTRATOR", {"years_in_current_position": 1.0})
    assert v1.eligible.tolist() == [False]


def test_unknown_start_of_post_warns_only(national: RuleSet) -> None:
    result = evaluate(national, "PELAKSANA", {"years_in_current_position": np.nan})
    assert result.eligible.tolist() == [True]
    assert (
        "TMT jabatan saat ini tidak tercatat" in outcome(result, 0, "min_years_in_position").message
    )


@pytest.mark.parametrize(
    ("rule_id", "kind", "cited", "not_cited"),
    [
        ("experience_below", "PENGAWAS", "Pasal 54 ayat (2) huruf d", "Pasal 55"),
        ("education_type_minimum", "PENGAWAS", "Pasal 54 ayat (2) huruf b", "Pasal 55"),
        ("experience_below", "ADMINISTRATOR", "PermenPANRB 28/2019 dan 17/2021", "Pasal 55"),
        ("jpm_floor", "PELAKSANA", "bukan angka peraturan", "Pasal 55"),
        ("jpt_age_limit", "JPT_UTAMA", "Pasal 107 huruf c angka 6", "Pasal 55"),
    ],
)
def test_citations_name_the_article_and_ayat(
    national: RuleSet, rule_id: str, kind: str, cited: str, not_cited: str
) -> None:
    citation = national.rule(rule_id).citation
    assert cited in citation and not_cited not in citation
    assert national.rule(rule_id).covers(kind)


def test_jpt_madya_rank_range_starts_at_iv_c(national: RuleSet) -> None:
    result = evaluate(national, "JPT_MADYA", {"rank": "IV/c"}, {"rank": "IV/b"}, min_rank="IV/a")
    assert result.passed("rank_eselon_range").tolist() == [True, False]
    assert "I (I.a–I.b) range (IV/c–IV/e" in outcome(result, 1, "rank_eselon_range", "en").message
    v1 = evaluate(load_ruleset("v1"), "JPT_MADYA", {"rank": "IV/c"}, min_rank="IV/a")
    assert v1.passed("rank_eselon_range").tolist() == [False]


def test_rank_range_is_the_whole_type_and_says_so(national: RuleSet) -> None:
    # An eselon III.a administrator at IV/b is inside the type's range (v1 checked III.b only).
    result = evaluate(national, "ADMINISTRATOR", {"rank": "IV/b"})
    assert result.passed("rank_eselon_range").tolist() == [True]
    message = outcome(result, 0, "rank_eselon_range", "en").message
    assert "the sub-level is not recorded" in message


def test_jpt_utama_has_its_rules(national: RuleSet) -> None:
    utama = {"rank": "IV/d", "years_in_job_family": 12.0}
    result = evaluate(
        national,
        "JPT_UTAMA",
        utama,
        {**utama, "years_in_job_family": 9.0},
        {**utama, "years_one_level_below": 1.5},
        {**utama, "birth_date": pd.Timestamp("1967-02-28")},
        min_rank="IV/c",
    )
    assert result.eligible.tolist() == [True, False, False, False]
    assert "minimum 10 years" in outcome(result, 1, "experience_related", "en").message
    assert (
        "as JPT Madya, Ahli Utama, or higher"
        in outcome(result, 2, "experience_below", "en").message
    )
    assert "age limit of 58" in outcome(result, 3, "jpt_age_limit", "en").message
    assert result.results["jpt_age_limit"].applies


def test_jpm_bands_must_be_ordered(tmp_path) -> None:
    raw = v1_raw()
    rule = next(r for r in raw["rules"] if r["id"] == "jpm_floor")
    rule["params"]["meets"] = 60
    with pytest.raises(RuleSetError, match="rule 'jpm_floor': field 'params': meets 60 is below"):
        load_ruleset(write(tmp_path, raw))


# ---- experience by level: the one place it is computed ----------------------------------------


def _span(nip: str, ptype: str, title: str, start: str, end: str = "") -> dict[str, str]:
    return {
        "nip": nip, "position_id": "", "title": title, "position_type": ptype,
        "job_family": "pemerintahan", "unit_id": "U1", "start_date": start, "end_date": end,
    }  # fmt: skip


@pytest.fixture(scope="module")
def export():
    return make_export(
        employees=[
            employee(PELAKSANA_THEN_PENGAWAS, position_since="2019-07-01"),
            employee(AHLI_MUDA_THEN_MADYA, rank="IV/a", position_since="2020-07-01"),
        ],
        position_history=[
            _span(PELAKSANA_THEN_PENGAWAS, "PELAKSANA", "Analis", "2014-07-01", "2019-07-01"),
            _span(PELAKSANA_THEN_PENGAWAS, "PENGAWAS", "Kasubbag Umum", "2019-07-01"),
            _span(
                AHLI_MUDA_THEN_MADYA,
                "FUNGSIONAL",
                "Analis Kebijakan Ahli Muda",
                "2016-07-01",
                "2020-07-01",
            ),
            _span(AHLI_MUDA_THEN_MADYA, "FUNGSIONAL", "Analis Kebijakan Ahli Madya", "2020-07-01"),
        ],  # fmt: skip
    )


def _years(export, **changes) -> np.ndarray:
    pool = prepare_candidates(export, AS_OF)
    out = experience_features(pool, position(**changes), FeatureConfig())
    return out["years_one_level_below"]


def test_ahli_muda_years_count_for_an_administrator_post(export) -> None:
    years = _years(export, position_type="ADMINISTRATOR")
    # pengawas 2019-07-01..as_of; Ahli Muda and the higher Ahli Madya 2016-07-01..as_of
    assert years[0] == pytest.approx(1827 / 365.25)
    assert years[1] == pytest.approx(2922 / 365.25)


def test_same_or_higher_level_counts_for_a_pengawas_post(export) -> None:
    years = _years(export, position_type="PENGAWAS")
    # pelaksana 5 years and the pengawas post since: all count
    assert years[0] == pytest.approx(3653 / 365.25)
    assert years[1] == pytest.approx(2922 / 365.25)


def test_functional_posts_keep_their_own_ladder(export) -> None:
    years = _years(export, position_type="FUNGSIONAL", functional_level="AHLI_MADYA")
    assert years.tolist() == [0.0, pytest.approx(1461 / 365.25)]
    assert _years(export, position_type="PELAKSANA").tolist() == [0.0, 0.0]


def test_the_administrator_experience_rule_passes_a_former_ahli_muda(
    export, national: RuleSet
) -> None:
    as_of = AS_OF
    pool = prepare_candidates(export, as_of)
    post = position(position_type="ADMINISTRATOR", min_rank="III/c", min_experience_years=0)
    features = build_features(pool, post, as_of)
    result = evaluate_rules(pool, post, features, as_of, national)
    assert result.passed("experience_below").tolist() == [True, True]


def test_docs_list_and_review_every_rule_of_v2(national: RuleSet) -> None:
    docs = (Path(__file__).parents[2] / "docs" / "eligibility-rules.md").read_text("utf-8")
    review = docs[docs.index("## Review of v1") : docs.index("## Sanctions under examination")]
    for rule in (*national.rules, *national.vacancy_rules):
        assert f"| `{rule.id}`" in docs, f"docs/eligibility-rules.md lacks rule {rule.id}"
        assert f"| `{rule.id}`" in review, f"the review lacks rule {rule.id}"


def test_v2_rules_read_only_the_features_they_declare(small_export, national: RuleSet) -> None:
    as_of = pd.Timestamp("2026-11-01")
    pool = prepare_candidates(small_export, as_of)
    for post in small_export.positions.groupby("position_type").head(1).to_dict("records"):
        features = build_features(pool, post, as_of)
        together = evaluate_rules(pool, post, features, as_of, national)
        for rule in national.rules:
            only = national.model_copy(update={"rules": (rule,), "vacancy_rules": ()})
            alone = evaluate_rules(pool, post, features[list(rule.features_read())], as_of, only)
            assert np.array_equal(alone.passed(rule.id), together.passed(rule.id)), rule.id


def test_exclusions_name_every_failing_hard_rule_as_outcomes_do(national: RuleSet) -> None:
    result = evaluate(
        national,
        "ADMINISTRATOR",
        {},
        {"years_one_level_below": 1.0, "perf_rating_y1": 2.0},
        {"years_one_level_below": 1.0},
        {"years_one_level_below": 2.5, "perf_rating_y1": np.nan, "status": "INACTIVE"},
        {"years_in_current_position": 0.5},
    )
    exclusions = result.exclusions("en")

    assert list(exclusions) == result.excluded_rows().tolist() == [1, 2, 3]
    for i, failed in exclusions.items():
        expected = [
            o for o in result.outcomes_for(i, "en") if o.severity == "hard" and not o.passed
        ]
        assert failed == expected and failed == result.failed_hard(i, "en")
    assert [o.id for o in exclusions[3]] == [
        "status_active", "experience_below", "performance_last_two_years",
    ]  # fmt: skip
    assert exclusions[1][0].message != exclusions[3][1].message  # 1 year, 2.5 years
