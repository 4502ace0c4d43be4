"""Reading rule sets: a built-in version or an agency's own file, ``extends`` and ``overrides``.

An agency file may hold a whole rule set, or ``extends: <version or path>`` with
``overrides: {rule_id: {params: {...}, enabled: false, ...}}`` merged field by field into the
base (nested mappings merge; lists and scalars replace). Every rule is validated on its own
first, so one error lists every problem in the file, each named by file, rule and field.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from features.errors import JobfitError
from features.rules.checks import CHECKS
from features.rules.freeze import ElectionFreezeRule
from features.rules.ruleset import RuleSet

logger = logging.getLogger(__name__)

RULESET_PACKAGE_DIR = "rulesets"
"""Folder of the built-in rule sets inside the ``features`` package."""
DEFAULT_RULESET = "v2"
"""The national rule set: what a shortlist is checked against when no agency policy applies."""

_MAX_EXTENDS_DEPTH = 5
_RULE_LISTS = ("rules", "vacancy_rules")
AGENCY_SECTIONS = ("meeting",)
"""Sections of an agency's policy file that are not rules (``features.rules.policy`` reads them)."""


class RuleSetError(JobfitError):
    """A rule file is missing, unreadable or malformed; the message names the rule and field."""


def available_rulesets() -> list[str]:
    """The built-in rule-set versions (``features/rulesets/*.yaml``)."""
    folder = resources.files("features").joinpath(RULESET_PACKAGE_DIR)
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_ruleset(version: str | Path = DEFAULT_RULESET) -> RuleSet:
    """Load a rule set: a built-in version (``"v2"``) or the path of an agency's own file.

    An agency file may hold a whole rule set, or ``extends: <version or path>`` with
    ``overrides: {rule_id: {params: {...}, enabled: false, ...}}`` merged into the base.

    Parameters
    ----------
    version : str or pathlib.Path
        A built-in version name (default: the national :data:`DEFAULT_RULESET`), or a path
        to a YAML file (anything with a ``/`` or ending in ``.yaml``/``.yml`` is a path).

    Returns
    -------
    RuleSet

    Raises
    ------
    RuleSetError
        The file is missing or unreadable, or a rule is malformed (the message names the file,
        the rule and the field).
    """
    raw, source = _read_resolved(version, depth=0)
    return _validate(raw, source)


def read_policy_header(path: Path) -> dict[str, Any]:
    """The top-level mapping of a rule file as written (before ``extends`` is resolved)."""
    text, source, _ = _read_text(path, None)
    return _parse_yaml(text, source)


# --- reading ---------------------------------------------------------------------------------


def _is_path(version: str | Path) -> bool:
    text = str(version)
    return isinstance(version, Path) or "/" in text or text.endswith((".yaml", ".yml"))


def _read_text(version: str | Path, base_dir: Path | None) -> tuple[str, str, Path | None]:
    """The file's text, how messages name it, and the folder its ``extends`` is relative to."""
    if _is_path(version):
        path = Path(version)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        if not path.is_file():
            raise RuleSetError(f"rule file {path}: not found")
        return path.read_text(encoding="utf-8"), str(path), path.parent
    resource = resources.files("features").joinpath(RULESET_PACKAGE_DIR, f"{version}.yaml")
    if not resource.is_file():
        raise RuleSetError(
            f"rule set {version!r}: no such built-in version (available: "
            f"{', '.join(available_rulesets())}); pass a path for an agency's own file"
        )
    return resource.read_text(encoding="utf-8"), f"built-in {version}", None


def _parse_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise RuleSetError(f"rule file {source}{where}: not valid YAML ({problem})") from None
    if not isinstance(raw, dict):
        raise RuleSetError(f"rule file {source}: expected a mapping with version, date and rules")
    return raw


def _read_resolved(
    version: str | Path, depth: int, base_dir: Path | None = None
) -> tuple[dict[str, Any], str]:
    """The file's mapping with its ``extends`` chain resolved, and how messages name it."""
    if depth > _MAX_EXTENDS_DEPTH:
        raise RuleSetError(
            f"rule file {version}: 'extends' nests more than {_MAX_EXTENDS_DEPTH} levels"
        )
    text, source, folder = _read_text(version, base_dir)
    raw = _parse_yaml(text, source)
    for section in AGENCY_SECTIONS:
        raw.pop(section, None)
    if "extends" not in raw:
        if "overrides" in raw:
            raise RuleSetError(f"rule file {source}: 'overrides' needs 'extends: <base version>'")
        return raw, source
    base, _ = _read_resolved(str(raw.pop("extends")), depth + 1, folder)
    overrides = raw.pop("overrides", None) or {}
    if not isinstance(overrides, dict):
        raise RuleSetError(f"rule file {source}: 'overrides' must map rule ids to changes")
    return _extend(base, raw, overrides, source), source


# --- extends and overrides -------------------------------------------------------------------


def _extend(
    base: dict[str, Any], raw: dict[str, Any], overrides: dict[Any, Any], source: str
) -> dict[str, Any]:
    """``base`` with the file's own top-level fields and its rule ``overrides`` merged in."""
    merged = {**base, **raw}
    for key in _RULE_LISTS:
        merged[key] = list(base.get(key) or [])
    index = {
        (rule.get("id") if isinstance(rule, dict) else None): (key, position)
        for key in _RULE_LISTS
        for position, rule in enumerate(merged[key])
    }
    for rule_id, change in overrides.items():
        if rule_id not in index:
            raise RuleSetError(
                f"rule file {source}: overrides rule {rule_id!r}, which the base does not have"
            )
        if not isinstance(change, dict) or {"id", "check"} & set(change):
            raise RuleSetError(
                f"rule file {source}: override of rule {rule_id!r} must be a mapping of fields "
                "other than id and check"
            )
        key, position = index[rule_id]
        _refuse_loosening(merged[key][position], rule_id, change, source)
        merged[key][position] = _deep_merge(merged[key][position], change)
    merged.setdefault("description", "")
    return merged


def _refuse_loosening(
    base: dict[str, Any], rule_id: str, change: dict[str, Any], source: str
) -> None:
    """A file that extends a base may make it stricter, never switch a hard rule off."""
    if base.get("severity") != "hard":
        return
    for key, loose in (("enabled", False), ("severity", "soft")):
        if key in change and change[key] == loose:
            raise RuleSetError(
                f"rule file {source}: key 'overrides.{rule_id}.{key}': {rule_id!r} is a hard "
                f"rule of the base; an override may make rules stricter, not set {key}: "
                f"{str(loose).lower()}"
            )


def _deep_merge(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


# --- validation ------------------------------------------------------------------------------


def _validate(raw: dict[str, Any], source: str) -> RuleSet:
    """The rule set, or a RuleSetError listing every problem: each rule's, then the set's."""
    problems = [problem for key in _RULE_LISTS for problem in _problems_of_list(raw.get(key), key)]
    if problems:
        raise RuleSetError(f"rule file {source}: " + "; ".join(problems))
    try:
        ruleset = RuleSet.model_validate(raw)
    except ValidationError as error:
        raise RuleSetError(f"rule file {source}: " + "; ".join(_describe(error))) from None
    logger.info("loaded eligibility rule set %s (%s)", ruleset.version, source)
    return ruleset


def _problems_of_list(rules: Any, key: str) -> list[str]:
    if rules is None:
        return []
    if not isinstance(rules, list):
        return [f"field '{key}': expected a list of rules"]
    problems = []
    for position, rule in enumerate(rules):
        label, errors = _validate_rule(rule, key, position)
        problems.extend(f"{label}: {line}" for line in errors)
    return problems


def _validate_rule(raw: Any, key: str, position: int) -> tuple[str, list[str]]:
    """How messages name the rule, and its problems (none when it is valid)."""
    if not isinstance(raw, dict):
        return f"{key}[{position}]", ["expected a mapping of rule fields"]
    label = f"rule {raw.get('id')!r}" if raw.get("id") else f"{key}[{position}]"
    model, unknown = _model_for(raw.get("check"), key)
    if model is None:
        return label, [unknown]
    try:
        model.model_validate(raw)
    except ValidationError as error:
        return label, _describe(error)
    return label, []


def _model_for(check: Any, key: str) -> tuple[type[BaseModel] | None, str]:
    """The model of the ``check`` a rule names, or ``None`` and why it is unknown."""
    if key == "vacancy_rules":
        if check != "election_freeze":
            return None, f"field 'check': unknown vacancy check {check!r} (known: election_freeze)"
        return ElectionFreezeRule, ""
    if check not in CHECKS:
        return None, f"field 'check': unknown check {check!r} (known: {', '.join(sorted(CHECKS))})"
    return CHECKS[check], ""


def _describe(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors(include_url=False):
        field = _field(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"field '{field}': {message}" if field else message)
    return lines


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    return ".".join(parts).replace("pass_", "pass") if parts else ""
