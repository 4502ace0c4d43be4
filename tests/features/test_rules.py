"""Eligibility rules: each rule on a two-candidate pool, messages, counts, freeze, rule files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from features.build import FEATURE_COLUMNS, build_columns, build_features
from features.candidates import prepare_candidates
from features.errors import JobfitError
from features.export import PROTECTED_ATTRIBUTES
from features.i18n import LANGUAGES
from features.rules import (
    Eligibility,
    PositionError,
    RuleSet,
    RuleSetError,
    available_rulesets,
    evaluate_rules,
    load_ruleset,
)
from features.rules.render import not_applicable, rating_term, type_label
from features.vocabulary import POSITION_TYPES, RATINGS_BEST_FIRST

AS_OF = pd.Timestamp("2026-03-01")
AGENCY = "PEMKOT-PLG"


@dataclass(frozen=True)
class StandInPool:
    """The attributes of ``features.candidates.CandidatePool`` that the rules read."""

    as_of: pd.Timestamp
    nips: np.ndarray
    employees: pd.DataFrame
    active_sanction_level: np.ndarray
    pending_proceedings: np.ndarray


RANK_FOR_TYPE = {
    "PELAKSANA": "III/a",
    "FUNGSIONAL": "III/c",
    "PENGAWAS": "III/c",
    "ADMINISTRATOR": "III/d",
    "JPT_PRATAMA": "IV/b",
    "JPT_MADYA": "IV/d",
    "JPT_UTAMA": "IV/e",
}


def position(kind: str, **changes: Any) -> dict[str, Any]:
    """A position of type ``kind`` whose requirements the default candidate meets."""
    base = {
        "position_id": "POS-001",
        "title": "Jabatan uji",
        "agency_id": AGENCY,
        "unit_id": "DINKES",
        "position_type": kind,
        "functional_level": "",
        "job_family": "kesehatan",
        "min_education_level": "S1",
        "accepted_majors": "",
        "min_rank": "III/a",
        "min_experience_years": 2,
    }
    return {**base, **changes}


def candidate(kind: str, index: int) -> dict[str, Any]:
    """Employee columns, features and sanction of a candidate meeting every rule for ``kind``."""
    return {
        "nip": f"19800101200501100{index}",
        "status": "ACTIVE",
        "employment_type": "PNS",
        "education_level": "S2",
        "rank": RANK_FOR_TYPE[kind],
        "current_position_id": "POS-OTHER",
        "birth_date": pd.Timestamp("1980-01-01"),
        "agency_id": AGENCY,
        "jpm": 85.0,
        "years_in_current_position": 3.0,
        "years_at_position_type": 4.0,
        "years_one_level_below": 6.0,
        "years_in_job_family": 10.0,
        "perf_rating_y1": 5.0,
        "perf_rating_y2": 4.0,
        "sanction": 0,
        "pending": 0,
    }


FEATURES = (
    "jpm",
    "years_in_current_position",
    "years_at_position_type",
    "years_one_level_below",
    "years_in_job_family",
    "perf_rating_y1",
    "perf_rating_y2",
)


def pool_of(
    kind: str, *changes: dict[str, Any], as_of: pd.Timestamp = AS_OF
) -> tuple[StandInPool, pd.DataFrame]:
    """A pool: one default candidate per entry of ``changes``, each with the changes applied."""
    rows = [{**candidate(kind, i), **change} for i, change in enumerate(changes)]
    frame = pd.DataFrame(rows)
    nips = frame["nip"].to_numpy(dtype=object)
    employees = frame.drop(columns=[*FEATURES, "sanction", "pending"])
    features = frame[list(FEATURES)].astype(float).set_index(pd.Index(nips, name="nip"))
    sanctions = frame["sanction"].to_numpy(dtype=np.int8)
    pending = frame["pending"].to_numpy(dtype=np.int8)
    return StandInPool(as_of, nips, employees, sanctions, pending), features


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_ruleset("v1")


def evaluate(
    ruleset: RuleSet,
    kind: str,
    *changes: dict[str, Any],
    calendar: pd.DataFrame | None = None,
    as_of: pd.Timestamp = AS_OF,
    **position_changes: Any,
) -> Eligibility:
    pool, features = pool_of(kind, *changes, as_of=as_of)
    return evaluate_rules(
        pool, position(kind, **position_changes), features, as_of, ruleset, calendar
    )


def outcome(result: Eligibility, i: int, rule_id: str, lang: str = "id"):
    (found,) = [o for o in result.outcomes_for(i, lang=lang) if o.id == rule_id]
    return found


# One case per rule: (rule id, position type, position changes, the failing candidate's changes,
# fragments of the Indonesian and the English message, a fragment of the citation).
CASES = [
    ("status_active", "PELAKSANA", {}, {"status": "INACTIVE"},
     "Status pegawai INACTIVE, harus ACTIVE", "status is INACTIVE; must be ACTIVE", "UU 20/2023"),
    ("pns_for_managerial", "ADMINISTRATOR", {}, {"employment_type": "PPPK", "rank": "IX"},
     "Jenis kepegawaian PPPK; jabatan Administrator harus diisi PNS",
     "type is PPPK; Administrator posts must be held by a PNS", "UU 20/2023"),
    ("education_minimum", "PELAKSANA", {}, {"education_level": "D3"},
     "Pendidikan D3 di bawah minimum jabatan S1", "Education D3 is below the position's minimum S1",
     "PP 17/2020"),
    ("education_type_minimum", "ADMINISTRATOR", {"min_education_level": "D3"},
     {"education_level": "D3"}, "Pendidikan D3 di bawah minimum S1 untuk jabatan Administrator",
     "Education D3 is below the minimum S1 for Administrator posts", "Pasal 54"),
    ("rank_minimum", "FUNGSIONAL", {"min_rank": "III/c"}, {"rank": "III/b"},
     "Pangkat III/b di bawah minimum III/c", "Rank III/b is below the minimum III/c", "PP 11/2017"),
    ("rank_eselon_range", "ADMINISTRATOR", {"min_rank": "III/c"}, {"rank": "III/c"},
     "Pangkat III/c di luar rentang eselon III.b (III/d–IV/a)",
     "Rank III/c is outside the eselon III.b range (III/d–IV/a)", "PP 13/2002"),
    ("no_active_sanction", "PELAKSANA", {}, {"sanction": 2},
     "Sedang menjalani hukuman disiplin tingkat SEDANG", "Serving a SEDANG disciplinary sanction",
     "Peraturan BKN 5/2019 Pasal 3"),
    ("not_current_holder", "PENGAWAS", {}, {"current_position_id": "POS-001"},
     "Sudah menduduki jabatan ini", "Already holds this position", "Pasal 190"),
    ("min_years_in_position", "PELAKSANA", {}, {"years_in_current_position": 1.5},
     "Baru 1.5 tahun pada jabatan saat ini; minimum 2 tahun",
     "Only 1.5 years in the current position; minimum 2 years", "Pasal 190 ayat (3)"),
    ("long_tenure_note", "PELAKSANA", {}, {"years_in_current_position": 6.5},
     "Sudah 6.5 tahun pada jabatan saat ini (lebih dari 5 tahun)",
     "6.5 years in the current position (more than 5): due for rotation, not a bar",
     "Pasal 190 ayat (3)"),
    ("experience_below", "ADMINISTRATOR", {}, {"years_one_level_below": 2.0},
     "Pengalaman sebagai pengawas atau setara 2 tahun; minimum 3 tahun",
     "2 years as pengawas or equivalent; minimum 3 years", "PP 11/2017"),
    ("experience_below", "PENGAWAS", {}, {"years_one_level_below": 3.5},
     "Pengalaman sebagai pelaksana atau setara 3.5 tahun; minimum 4 tahun",
     "3.5 years as pelaksana or equivalent; minimum 4 years", "Pasal 55"),
    ("experience_below", "JPT_PRATAMA", {}, {"years_one_level_below": 1.0},
     "Pengalaman sebagai administrator atau JF Ahli Madya 1 tahun; minimum 2 tahun",
     "1 years as administrator or Ahli Madya; minimum 2 years", "Pasal 107"),
    ("experience_related", "JPT_PRATAMA", {"min_experience_years": 3},
     {"years_in_job_family": 4.0}, "Pengalaman di bidang terkait 4 tahun; minimum 5 tahun",
     "4 years in the related field; minimum 5 years", "Pasal 107"),
    ("experience_related", "JPT_MADYA", {"min_experience_years": 3},
     {"years_in_job_family": 6.0}, "Pengalaman di bidang terkait 6 tahun; minimum 7 tahun",
     "6 years in the related field; minimum 7 years", "Pasal 107"),
    ("position_min_experience", "PELAKSANA", {"min_experience_years": 3},
     {"years_in_job_family": 2.5},
     "Pengalaman di rumpun kesehatan 2.5 tahun; jabatan mensyaratkan 3 tahun",
     "2.5 years in the kesehatan family; the position requires 3 years", "PP 11/2017"),
    ("performance_last_two_years", "PELAKSANA", {}, {"perf_rating_y2": 3.0},
     "Predikat kinerja 2 tahun terakhir Sangat Baik, Butuh Perbaikan; minimum Baik setiap tahun",
     "last 2 years: Sangat Baik, Butuh Perbaikan; minimum Baik in each year", "PP 11/2017"),
    ("jpt_age_limit", "JPT_PRATAMA", {}, {"birth_date": pd.Timestamp("1969-02-28")},
     "Melebihi batas usia 56 tahun", "Exceeds the age limit of 56 years", "Pasal 107"),
    ("jpt_age_limit", "JPT_MADYA", {}, {"birth_date": pd.Timestamp("1967-02-28")},
     "Melebihi batas usia 58 tahun", "Exceeds the age limit of 58 years", "Pasal 107"),
    ("jpm_floor", "PELAKSANA", {}, {"jpm": 60.0},
     "JPM 60% di bawah 68%: Kurang Memenuhi Syarat", "JPM 60% below 68%", "PermenPANRB 38/2017"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule_id", "kind", "position_changes", "change", "text_id", "text_en", "citation"),
    CASES,
    ids=[f"{case[0]}-{case[1]}" for case in CASES],
)
def test_each_rule_fails_exactly_the_candidate_that_breaks_it(
    ruleset: RuleSet,
    rule_id: str,
    kind: str,
    position_changes: dict[str, Any],
    change: dict[str, Any],
    text_id: str,
    text_en: str,
    citation: str,
) -> None:
    result = evaluate(ruleset, kind, {}, change, **position_changes)

    assert result.passed(rule_id).tolist() == [True, False]
    for other, outcome_ in result.results.items():
        if other != rule_id:
            assert outcome_.passed.all(), f"{other} should pass both candidates"
    hard = ruleset.rule(rule_id).severity == "hard"
    assert result.eligible.tolist() == ([True, False] if hard else [True, True])
    counts = result.excluded_counts if hard else result.warning_counts
    assert counts[rule_id] == 1
    assert sum(counts.values()) == 1
    assert result.excluded_total == (1 if hard else 0)

    failed_id, failed_en = outcome(result, 1, rule_id, "id"), outcome(result, 1, rule_id, "en")
    assert not failed_id.passed and failed_id.applies
    assert text_id in failed_id.message
    assert text_en in failed_en.message
    assert citation in failed_id.citation and failed_en.citation == failed_id.citation
    passed = outcome(result, 0, rule_id, "id")
    assert passed.passed and passed.message != failed_id.message


def test_outcomes_for_returns_every_rule_in_order(ruleset: RuleSet) -> None:
    result = evaluate(ruleset, "ADMINISTRATOR", {})

    outcomes = result.outcomes_for(0, lang="en")

    assert [o.id for o in outcomes] == [rule.id for rule in ruleset.rules]
    assert all(o.passed and o.message and o.citation for o in outcomes)
    age = next(o for o in outcomes if o.id == "jpt_age_limit")
    assert not age.applies and age.message == "Does not apply to Administrator posts"
    with pytest.raises(IndexError):
        result.outcomes_for(5)


def test_ruleset_version_is_recorded_on_the_result(ruleset: RuleSet) -> None:
    result = evaluate(ruleset, "PELAKSANA", {})
    assert ruleset.version == "v1" and result.ruleset_version == "v1"
    assert str(ruleset.date) == "2026-11-22"


def test_counts_add_up_over_several_failing_rules(ruleset: RuleSet) -> None:
    result = evaluate(
        ruleset,
        "PENGAWAS",
        {},
        {"status": "INACTIVE", "sanction": 3},
        {"sanction": 3},
        {"sanction": 1, "jpm": 50.0},
    )
    assert result.eligible.tolist() == [True, False, False, True]
    assert result.excluded_counts["no_active_sanction"] == 2
    assert result.excluded_counts["status_active"] == 1
    assert result.excluded_total == 2
    assert result.warning_counts["jpm_floor"] == 1
    assert "BERAT" in outcome(result, 2, "no_active_sanction").message


def test_equal_education_d4_meets_s1(ruleset: RuleSet) -> None:
    result = evaluate(
        ruleset, "ADMINISTRATOR", {"education_level": "D4"}, {"education_level": "D3"}
    )
    assert result.passed("education_minimum").tolist() == [True, False]
    assert result.passed("education_type_minimum").tolist() == [True, False]


def test_pppk_is_not_compared_on_pns_rank_outside_managerial_posts(ruleset: RuleSet) -> None:
    result = evaluate(
        ruleset, "FUNGSIONAL", {"employment_type": "PPPK", "rank": "IX"}, min_rank="III/c"
    )
    assert result.eligible.tolist() == [True]
    assert result.results["pns_for_managerial"].applies is False


def test_missing_data_fails_with_a_clear_reason(ruleset: RuleSet) -> None:
    result = evaluate(
        ruleset,
        "PELAKSANA",
        {"perf_rating_y1": np.nan},
        {"years_in_current_position": np.nan},
        {"jpm": np.nan},
    )
    assert result.eligible.tolist() == [False, False, True]
    perf = outcome(result, 0, "performance_last_two_years", "en")
    assert "incomplete (-, Baik)" in perf.message
    tenure = outcome(result, 1, "min_years_in_position")
    assert "TMT jabatan saat ini tidak tercatat" in tenure.message
    assert result.passed("long_tenure_note").tolist() == [True, True, True]
    assert "Belum ada hasil penilaian kompetensi" in outcome(result, 2, "jpm_floor").message
    assert result.warning_counts["jpm_floor"] == 1


def test_more_than_five_years_in_post_is_not_a_bar(ruleset: RuleSet) -> None:
    result = evaluate(ruleset, "PENGAWAS", {"years_in_current_position": 9.0})
    assert result.eligible.tolist() == [True]
    assert result.warning_counts["long_tenure_note"] == 1


def test_sanction_ringan_does_not_exclude(ruleset: RuleSet) -> None:
    result = evaluate(ruleset, "PELAKSANA", {"sanction": 1}, {"sanction": 3})
    assert result.passed("no_active_sanction").tolist() == [True, False]


def test_years_are_never_rounded_up_past_a_threshold(ruleset: RuleSet) -> None:
    result = evaluate(ruleset, "PELAKSANA", {"years_in_current_position": 1.99})
    assert "Baru 1.9 tahun" in outcome(result, 0, "min_years_in_position").message


def test_age_limit_boundary_and_only_for_jpt(ruleset: RuleSet) -> None:
    # On 2026-03-01 someone born 1969-03-01 has just turned 57; born a day later, still 56.
    born = [pd.Timestamp("1969-03-01"), pd.Timestamp("1969-03-02"), pd.Timestamp("1967-03-02")]
    changes = [{"birth_date": day} for day in born]

    pratama = evaluate(ruleset, "JPT_PRATAMA", *changes)
    madya = evaluate(ruleset, "JPT_MADYA", *changes)
    administrator = evaluate(ruleset, "ADMINISTRATOR", *changes)

    assert pratama.passed("jpt_age_limit").tolist() == [False, True, False]
    assert madya.passed("jpt_age_limit").tolist() == [True, True, True]
    assert administrator.results["jpt_age_limit"].applies is False
    assert administrator.eligible.tolist() == [True, True, True]


def test_age_is_never_shown_or_kept(ruleset: RuleSet) -> None:
    result = evaluate(ruleset, "JPT_PRATAMA", {"birth_date": pd.Timestamp("1961-07-04")})
    assert dict(result.results["jpt_age_limit"].values) == {"limit": 56}
    for lang in ("id", "en"):
        text = " ".join(o.message for o in result.outcomes_for(0, lang=lang))
        assert "1961" not in text and "64" not in text and "65" not in text
        assert "56" in text


def test_protected_attributes_are_not_features() -> None:
    columns = set(FEATURE_COLUMNS)
    assert not columns & {*PROTECTED_ATTRIBUTES, "age", "birth_date", "birth_year"}
    assert not [c for c in columns if "age" in c.split("_") or "birth" in c]


FREEZE_CALENDAR = pd.DataFrame(
    {
        "agency_id": [AGENCY, AGENCY, AGENCY, "PEMPROV-SS"],
        "event": ["CANDIDATES_SET", "TERM_END", "INAUGURATION", "CANDIDATES_SET"],
        "date": pd.to_datetime(["2026-08-01", "2027-02-01", "2027-02-15", "2026-03-01"]),
    }
)


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        ("2026-01-31", None),
        ("2026-02-01", "before_election"),
        ("2026-12-01", "before_election"),
        ("2027-02-01", "before_election"),
        ("2027-02-10", None),
        ("2027-02-15", "after_inauguration"),
        ("2027-08-14", "after_inauguration"),
        ("2027-08-15", None),
    ],
)
def test_election_freeze_flags_the_vacancy_inside_the_window(
    ruleset: RuleSet, day: str, kind: str | None
) -> None:
    as_of = pd.Timestamp(day)
    result = evaluate(ruleset, "ADMINISTRATOR", {}, calendar=FREEZE_CALENDAR, as_of=as_of)

    assert result.eligible.tolist() == [True]  # a vacancy flag, never a candidate exclusion
    assert [flag.kind for flag in result.vacancy_flags] == ([kind] if kind else [])
    assert result.frozen is (kind is not None)
    if kind:
        flag = result.vacancy_flags[0]
        assert "UU 10/2016 Pasal 71 ayat (2)" in flag.citation and "162" in flag.citation
        assert "persetujuan tertulis Menteri" in flag.message("id")
        assert "written approval of the Minister" in flag.message("en")
        assert AGENCY in flag.message("en")


def test_election_freeze_concerns_only_the_positions_agency(ruleset: RuleSet) -> None:
    result = evaluate(
        ruleset, "PENGAWAS", {}, calendar=FREEZE_CALENDAR, as_of=pd.Timestamp("2026-01-15")
    )
    assert result.vacancy_flags == ()
    other = evaluate(
        ruleset,
        "PENGAWAS",
        {},
        calendar=FREEZE_CALENDAR,
        as_of=pd.Timestamp("2026-01-15"),
        agency_id="PEMPROV-SS",
    )
    (flag,) = other.vacancy_flags
    assert "2025-09-01 s.d. akhir masa jabatan" in flag.message("id")


def test_no_calendar_means_no_flag(ruleset: RuleSet) -> None:
    empty = FREEZE_CALENDAR.iloc[0:0]
    assert evaluate(ruleset, "PENGAWAS", {}, calendar=empty).vacancy_flags == ()
    assert evaluate(ruleset, "PENGAWAS", {}, calendar=None).vacancy_flags == ()


def test_position_without_requirements_skips_those_rules(ruleset: RuleSet) -> None:
    result = evaluate(
        ruleset,
        "PELAKSANA",
        {"education_level": "SMA", "current_position_id": "POS-001"},
        min_education_level="",
        min_rank=None,
        min_experience_years=0,
        position_id="",
    )
    assert result.eligible.tolist() == [True]
    for rule_id in ("education_minimum", "rank_minimum", "position_min_experience"):
        assert result.results[rule_id].applies is False
    assert result.results["not_current_holder"].applies is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"position_type": "ESELON_II"}, "position_type"),
        ({"min_education_level": "S4"}, "min_education_level"),
        ({"min_rank": "V/a"}, "min_rank"),
        ({"min_experience_years": "lima"}, "min_experience_years"),
    ],
)
def test_bad_position_is_a_clear_user_error(
    ruleset: RuleSet, change: dict[str, Any], field: str
) -> None:
    pool, features = pool_of("PELAKSANA", {})
    with pytest.raises(PositionError, match=field) as caught:
        evaluate_rules(pool, position("PELAKSANA", **change), features, AS_OF, ruleset, None)
    assert isinstance(caught.value, JobfitError)


def test_misaligned_features_are_refused(ruleset: RuleSet) -> None:
    pool, features = pool_of("PELAKSANA", {}, {})
    with pytest.raises(ValueError, match="pool's nips"):
        evaluate_rules(pool, position("PELAKSANA"), features.iloc[::-1], AS_OF, ruleset, None)
    with pytest.raises(ValueError, match="prepared for"):
        evaluate_rules(pool, position("PELAKSANA"), features, "2026-04-01", ruleset, None)


def test_vectorised_over_a_larger_pool(ruleset: RuleSet) -> None:
    rng = np.random.default_rng(3)
    years = rng.uniform(0, 8, 2000)
    pool, features = pool_of("PELAKSANA", *({"years_in_current_position": y} for y in years))
    result = evaluate_rules(pool, position("PELAKSANA"), features, AS_OF, ruleset, None)
    assert result.eligible.tolist() == (years >= 2).tolist()
    assert result.warning_counts["long_tenure_note"] == int((years > 5).sum())


# ---- rule files --------------------------------------------------------------------------------


def v1_raw() -> dict[str, Any]:
    return yaml.safe_load(
        (Path(__file__).parents[2] / "features" / "rulesets" / "v1.yaml").read_text("utf-8")
    )


def write(tmp_path: Path, raw: dict[str, Any], name: str = "agency.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def rule_in(raw: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(rule for rule in raw["rules"] if rule["id"] == rule_id)


def test_builtin_versions_are_listed() -> None:
    assert "v1" in available_rulesets()
    with pytest.raises(RuleSetError, match="available: .*v1"):
        load_ruleset("v0")


def test_a_copied_file_loads_like_the_builtin(tmp_path: Path, ruleset: RuleSet) -> None:
    assert load_ruleset(write(tmp_path, v1_raw())) == ruleset


def test_malformed_parameter_names_rule_and_field(tmp_path: Path) -> None:
    raw = v1_raw()
    rule_in(raw, "min_years_in_position")["params"]["years"] = -1
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(write(tmp_path, raw))
    message = str(caught.value)
    assert "rule 'min_years_in_position'" in message
    assert "field 'params.years'" in message and "greater than 0" in message
    assert str(tmp_path) in message
    assert isinstance(caught.value, JobfitError)


@pytest.mark.parametrize(
    ("rule_id", "edit", "expected"),
    [
        ("jpm_floor", lambda r: r.pop("citation"), "field 'citation': Field required"),
        ("jpm_floor", lambda r: r.update(severity="fatal"), "field 'severity'"),
        ("jpm_floor", lambda r: r.update(check="jpm_ceiling"), "field 'check': unknown check"),
        ("jpm_floor", lambda r: r["messages"]["fail"].update(en="JPM {jpm}"),
         "messages.fail.en: unknown placeholder {jpm}"),
        ("jpm_floor", lambda r: r["messages"].pop("missing"), "messages.missing is required"),
        ("jpm_floor", lambda r: r.update(colour="red"), "field 'colour': Extra inputs"),
        ("jpt_age_limit", lambda r: r.update(applies_to=["JPT_PRATAMA", "ADMINISTRATOR"]),
         "params.max_age_by_type: no entry for ADMINISTRATOR"),
        ("jpt_age_limit", lambda r: r["params"]["max_age_by_type"].update(JPT_PRATAMA=560),
         "560 is not between 18 and 70"),
        ("rank_eselon_range", lambda r: r["params"]["range_by_type"]["PENGAWAS"].update(low="IV/e"),
         "field 'params.range_by_type.PENGAWAS': low IV/e is above high III/d"),
        ("education_type_minimum",
         lambda r: r["params"]["minimum_by_type"].update(PENGAWAS="D5"),
         "field 'params.minimum_by_type.PENGAWAS'"),
        ("status_active", lambda r: r.update(applies_to=["ESELON_IV"]), "field 'applies_to"),
    ],
)  # fmt: skip
def test_malformed_rules_name_the_rule_and_field(
    tmp_path: Path, rule_id: str, edit: Any, expected: str
) -> None:
    raw = v1_raw()
    edit(rule_in(raw, rule_id))
    with pytest.raises(RuleSetError, match=f"rule '{rule_id}'") as caught:
        load_ruleset(write(tmp_path, raw))
    assert expected in str(caught.value)


def test_malformed_file_level_errors(tmp_path: Path) -> None:
    raw = v1_raw()
    raw["rules"].append(dict(rule_in(raw, "jpm_floor")))
    with pytest.raises(RuleSetError, match="'jpm_floor' appears more than once"):
        load_ruleset(write(tmp_path, raw))

    raw = v1_raw()
    del raw["version"]
    with pytest.raises(RuleSetError, match="field 'version': Field required"):
        load_ruleset(write(tmp_path, raw))

    bad = tmp_path / "broken.yaml"
    bad.write_text("version: v1\nrules: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(RuleSetError, match=r"broken.yaml line \d+: not valid YAML"):
        load_ruleset(bad)

    with pytest.raises(RuleSetError, match="not found"):
        load_ruleset(tmp_path / "absent.yaml")

    vacancy = v1_raw()
    vacancy["vacancy_rules"][0]["params"]["months_after_inauguration"] = -3
    with pytest.raises(RuleSetError, match="rule 'election_freeze': field 'params.months_after"):
        load_ruleset(write(tmp_path, vacancy))


def test_agency_file_overrides_parameters_of_a_base_version(tmp_path: Path) -> None:
    agency = {
        "version": "pemkot-plg-2026.1",
        "date": "2026-11-01",
        "extends": "v2",
        "overrides": {
            "jpm_floor": {"params": {"threshold": 78}},
            "min_years_in_position": {"enabled": False},
            "election_freeze": {"params": {"months_after_inauguration": 12}},
        },
    }
    custom = load_ruleset(write(tmp_path, agency))

    assert custom.version == "pemkot-plg-2026.1"
    assert custom.rule("jpm_floor").params.threshold == 78
    assert (
        custom.rule("jpm_floor").messages.fail.id
        == load_ruleset().rule("jpm_floor").messages.fail.id
    )
    result = evaluate(custom, "PELAKSANA", {"jpm": 75.0, "years_in_current_position": 0.5})
    assert result.ruleset_version == "pemkot-plg-2026.1"
    assert result.eligible.tolist() == [True]
    assert "min_years_in_position" not in result.results
    assert "JPM 75% di bawah 78%" in outcome(result, 0, "jpm_floor").message
    flagged = evaluate(
        custom, "PELAKSANA", {}, calendar=FREEZE_CALENDAR, as_of=pd.Timestamp("2027-10-01")
    )
    assert [flag.kind for flag in flagged.vacancy_flags] == ["after_inauguration"]


def test_agency_override_errors_are_clear(tmp_path: Path) -> None:
    unknown = {"version": "x1", "date": "2026-11-01", "extends": "v1", "overrides": {"nope": {}}}
    with pytest.raises(RuleSetError, match="overrides rule 'nope', which the base does not have"):
        load_ruleset(write(tmp_path, unknown))
    bad_value = {
        "version": "x1",
        "date": "2026-11-01",
        "extends": "v1",
        "overrides": {"jpm_floor": {"params": {"threshold": "tinggi"}}},
    }
    with pytest.raises(RuleSetError, match="rule 'jpm_floor': field 'params.threshold'"):
        load_ruleset(write(tmp_path, bad_value))


def test_as_frame_and_arrays_are_read_only(ruleset: RuleSet) -> None:
    result = evaluate(ruleset, "PELAKSANA", {}, {"status": "INACTIVE"})
    frame = result.as_frame()
    assert list(frame.columns) == [*(rule.id for rule in ruleset.rules), "eligible"]
    assert frame.index.tolist() == result.nips.tolist()
    assert frame["status_active"].tolist() == [True, False]
    assert frame["eligible"].tolist() == [True, False]
    with pytest.raises(ValueError, match="read-only"):
        result.eligible[0] = False


def test_docs_table_lists_every_rule_of_v1(ruleset: RuleSet) -> None:
    docs = (Path(__file__).parents[2] / "docs" / "eligibility-rules.md").read_text("utf-8")
    for rule in (*ruleset.rules, *ruleset.vacancy_rules):
        assert f"| `{rule.id}`" in docs, f"docs/eligibility-rules.md lacks rule {rule.id}"


def test_each_rule_reads_only_the_features_it_declares(small_export) -> None:
    """Screening builds only the declared features: a rule reading another would fail here."""
    ruleset = load_ruleset("v1")
    as_of = pd.Timestamp("2026-11-01")
    pool = prepare_candidates(small_export, as_of)
    full = build_features(pool, small_export.positions.iloc[0].to_dict(), as_of)
    for position in small_export.positions.groupby("position_type").head(1).to_dict("records"):
        features = build_features(pool, position, as_of)
        for rule in ruleset.rules:
            only = ruleset.model_copy(update={"rules": (rule,), "vacancy_rules": ()})
            declared = features[list(rule.features_read())]
            alone = evaluate_rules(pool, position, declared, as_of, only)
            together = evaluate_rules(pool, position, features, as_of, ruleset)
            assert np.array_equal(alone.passed(rule.id), together.passed(rule.id)), rule.id
    screening = ruleset.screening()
    assert screening.features_read() == ()
    assert not any(r.PER_POSITION for r in screening.rules)
    assert {r.id for r in ruleset.feature_screening().rules} | {r.id for r in screening.rules} | {
        "not_current_holder"
    } >= {r.id for r in ruleset.rules if r.severity == "hard"}
    assert set(ruleset.features_read()) <= set(full.columns)


def test_build_columns_gives_the_same_values_as_build_features(small_export) -> None:
    as_of = pd.Timestamp("2026-11-01")
    pool = prepare_candidates(small_export, as_of)
    position = small_export.positions.iloc[3].to_dict()
    wanted = ["years_in_current_position", "perf_rating_y1", "jpm"]
    partial = build_columns(pool, position, as_of, wanted)
    full = build_features(pool, position, as_of)
    pd.testing.assert_frame_equal(partial[wanted], full[wanted])
    with pytest.raises(KeyError, match="talent_box"):
        build_columns(pool, position, as_of, ["talent_box"])


# ---- words -------------------------------------------------------------------------------------


def test_every_position_type_and_rating_has_words_in_the_catalogue() -> None:
    for lang in LANGUAGES:
        for kind in POSITION_TYPES:
            assert type_label(kind, lang)
            assert type_label(kind, lang) in not_applicable(kind, lang)
        for rating in RATINGS_BEST_FIRST:
            assert rating_term(rating).get(lang)


def test_vacancy_messages_are_checked_like_rule_messages(tmp_path: Path) -> None:
    raw = v1_raw()
    raw["vacancy_rules"][0]["messages"]["before_election"]["en"] = "Frozen until {when}"
    with pytest.raises(RuleSetError, match="rule 'election_freeze'") as caught:
        load_ruleset(write(tmp_path, raw))
    assert "messages.before_election.en: unknown placeholder {when}" in str(caught.value)


def test_a_regional_language_tag_reads_in_its_language(ruleset: RuleSet) -> None:
    result = evaluate(
        ruleset, "ADMINISTRATOR", {}, calendar=FREEZE_CALENDAR, as_of=pd.Timestamp("2026-12-01")
    )
    assert result.outcomes_for(0, lang="en-US") == result.outcomes_for(0, lang="en")
    (flag,) = result.vacancy_flags
    assert flag.message("en-US") == flag.message("en") != flag.message("id")
