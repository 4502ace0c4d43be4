"""requirements.lock pins every dependency of pyproject exactly, inside pyproject's ranges."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
KEY_PACKAGES = ("lightgbm", "lleaves", "mlflow", "scikit-learn", "pandas", "fastapi")


def declared() -> dict[str, Requirement]:
    """pyproject's dependencies and dev extra, by canonical name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def pinned() -> dict[str, Requirement]:
    """The lock's requirements (comments and pip options left out), by canonical name."""
    out: dict[str, Requirement] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text and not text.startswith("-"):
            requirement = Requirement(text)
            out[canonicalize_name(requirement.name)] = requirement
    return out


def exact(requirement: Requirement) -> str:
    """The one ``==`` version of a pin, or a failure naming the requirement."""
    specs = list(requirement.specifier)
    assert len(specs) == 1 and specs[0].operator == "==", f"{requirement} is not an exact pin"
    return specs[0].version


@pytest.mark.parametrize("name", KEY_PACKAGES)
def test_key_packages_are_pinned_exactly_within_range(name: str) -> None:
    pins = pinned()
    assert name in pins, f"{name} is not in requirements.lock"
    version = exact(pins[name])
    assert declared()[name].specifier.contains(version, prereleases=True), (
        f"{name}=={version} is outside pyproject's {declared()[name].specifier}"
    )


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = pinned()
    missing = sorted(set(declared()) - set(pins))
    assert not missing, f"run make lock: not in requirements.lock: {missing}"
    outside = [
        f"{name}=={exact(pins[name])} not in {req.specifier}"
        for name, req in declared().items()
        if not req.specifier.contains(exact(pins[name]), prereleases=True)
    ]
    assert not outside, f"run make lock: {outside}"


def test_every_pin_is_exact() -> None:
    loose = [str(r) for r in pinned().values() if len(r.specifier) != 1
             or next(iter(r.specifier)).operator != "=="]  # fmt: skip
    assert not loose
    assert len(pinned()) > len(declared())  # the transitive dependencies are pinned too


def test_install_uses_the_lock_and_its_stamp_depends_on_it() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(STAMP): pyproject.toml $(LOCK)" in makefile
    assert "pip install --quiet -c $(LOCK) -e '.[dev]'" in makefile
    assert "LOCK   := requirements.lock" in makefile
