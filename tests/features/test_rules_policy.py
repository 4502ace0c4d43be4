"""Agency policy files: stricter local rules, versioned, hashed, refused with a clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from features.rules import (
    NATIONAL,
    RuleSetError,
    load_policies,
    load_policy,
    load_ruleset,
    ruleset_digest,
)
from tests.features.test_rules import evaluate, outcome

AGENCY = "PEMKOT-PLG"


def policy_file(folder: Path, agency: str = AGENCY, **content: Any) -> Path:
    raw = {"version": "plg-2026.1", "date": "2026-12-01", "extends": "v2", "overrides": {}}
    raw.update(content)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{agency}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def test_a_policy_making_the_two_year_period_hard_again_excludes(tmp_path: Path) -> None:
    path = policy_file(tmp_path, overrides={"min_years_in_position": {"severity": "hard"}})
    policy = load_policy(path)
    short = {"years_in_current_position": 1.0}

    national = evaluate(load_ruleset(), "ADMINISTRATOR", short)
    strict = evaluate(policy.ruleset, "ADMINISTRATOR", short)

    assert national.eligible.tolist() == [True]
    assert strict.eligible.tolist() == [False]
    assert strict.excluded_counts["min_years_in_position"] == 1
    assert strict.ruleset_version == "plg-2026.1"
    assert policy.ref() == {
        "id": AGENCY,
        "version": "plg-2026.1",
        "extends": "v2",
        "sha256": ruleset_digest(policy.ruleset),
    }


def test_a_policy_can_raise_a_threshold(tmp_path: Path) -> None:
    raised = {"experience_below": {"params": {"by_type": {"ADMINISTRATOR": {"years": 5}}}}}
    policy = load_policy(policy_file(tmp_path, overrides=raised))
    result = evaluate(policy.ruleset, "ADMINISTRATOR", {"years_one_level_below": 4.0})
    assert result.eligible.tolist() == [False]
    assert "minimum 5 years" in outcome(result, 0, "experience_below", "en").message
    # the rest of the table is the national one
    assert policy.ruleset.rule("experience_below").params.by_type["PENGAWAS"].years == 4


def test_each_agency_gets_its_own_policy_and_the_rest_the_national_rules(tmp_path: Path) -> None:
    policy_file(tmp_path, overrides={"jpm_floor": {"params": {"threshold": 78, "meets": 90}}})
    policy_file(tmp_path, agency="PEMKAB-BA", version="ba-1")
    (tmp_path / "README.txt").write_text("not a policy", encoding="utf-8")
    national = load_ruleset()

    policies = load_policies(tmp_path, national)

    assert sorted(policies.by_agency) == ["PEMKAB-BA", AGENCY]
    assert policies.for_agency(AGENCY).ruleset.rule("jpm_floor").params.meets == 90
    other = policies.for_agency("PEMPROV-SS")
    assert other.id == NATIONAL and other.ruleset is national and other.extends is None
    digests = {p.sha256 for p in (*policies.by_agency.values(), policies.national)}
    assert len(digests) == 3
    assert load_policies(None, national).for_agency(AGENCY).id == NATIONAL


def test_the_hash_follows_the_rules_not_the_file(tmp_path: Path) -> None:
    same = load_policy(policy_file(tmp_path / "a", overrides={}))
    spelled = policy_file(tmp_path / "b")
    spelled.write_text(spelled.read_text("utf-8") + "\n# a comment\n", encoding="utf-8")
    changed = load_policy(
        policy_file(tmp_path / "c", overrides={"jpm_floor": {"params": {"threshold": 70}}})
    )
    assert same.sha256 == load_policy(spelled).sha256 != changed.sha256


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"overrides": {"min_years": {"severity": "hard"}}},
         "overrides rule 'min_years', which the base does not have"),
        ({"overrides": {"no_active_sanction": {"enabled": False}}},
         "key 'overrides.no_active_sanction.enabled': 'no_active_sanction' is a hard rule"),
        ({"overrides": {"experience_below": {"severity": "soft"}}},
         "key 'overrides.experience_below.severity'"),
        ({"overrides": {"jpm_floor": {"params": {"threshold": "tinggi"}}}},
         "rule 'jpm_floor': field 'params.threshold'"),
        ({"overrides": {"jpm_floor": {"severity": "fatal"}}},
         "rule 'jpm_floor': field 'severity'"),
        ({"version": ""}, "key 'version': a policy needs its own version"),
        ({"version": "v2"}, "key 'version': 'v2' is the version of its base"),
        ({"version": "x" * 40}, "key 'version': at most 32 characters"),
        ({"extends": None}, "key 'extends': a policy extends a national rule set"),
        ({"extends": "v9"}, "rule set 'v9': no such built-in version"),
        ({"colour": "red"}, "field 'colour': Extra inputs are not permitted"),
    ],
)  # fmt: skip
def test_an_invalid_policy_names_file_and_key(
    tmp_path: Path, content: dict[str, Any], expected: str
) -> None:
    path = policy_file(tmp_path, **content)
    with pytest.raises(RuleSetError) as caught:
        load_policies(tmp_path, load_ruleset())
    assert expected in str(caught.value)
    if "no such built-in" not in expected:
        assert str(path) in str(caught.value)


def test_a_missing_folder_or_a_bad_file_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="policy folder .*absent: not found"):
        load_policies(tmp_path / "absent", load_ruleset())
    policy_file(tmp_path, agency="bad name")
    with pytest.raises(RuleSetError, match="must be <agency_id>.yaml"):
        load_policies(tmp_path, load_ruleset())
