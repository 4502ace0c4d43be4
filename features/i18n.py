"""Words for people, from one message catalogue per language (``features/locales/<lang>/``).

The page, the reasons, the rule messages and the PDFs all say things through :func:`text`.
A language's catalogue is a folder of YAML files, one per domain (``page.yaml``,
``reasons.yaml`` ...); a key is the file's stem and the dotted path inside it
(``page.sign_in``); a value is a ``str.format`` template with named fields. Every language has
every key with the same fields (``tests/features/test_i18n.py`` checks).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

import yaml

Lang = Literal["id", "en"]
LANGUAGES: tuple[Lang, ...] = ("id", "en")
DEFAULT_LANGUAGE: Lang = "id"
"""Indonesian is the default: the product's users are Indonesian personnel offices."""


def language(wanted: str | None) -> Lang:
    """``wanted`` when it is a supported language (``en-US`` reads as ``en``), else Indonesian."""
    code = (wanted or "").strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE  # type: ignore[return-value]


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{path}."))
        else:
            out[path] = str(value)
    return out


@cache
def catalogue(lang: Lang) -> Mapping[str, str]:
    """Every key of ``lang``'s catalogue and its template (read once, then cached)."""
    folder = resources.files("features").joinpath("locales", language(lang))
    out: dict[str, str] = {}
    for source in sorted(folder.iterdir(), key=lambda f: f.name):
        if source.name.endswith(".yaml"):
            tree = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
            out.update(_flatten(tree, f"{source.name.removesuffix('.yaml')}."))
    return out


def section(prefix: str, lang: str) -> Mapping[str, str]:
    """The templates under ``prefix`` (``page``) keyed by the rest of their path (``sign_in``).

    Read-only and cached: every page render asks for its words.
    """
    return _section(prefix, language(lang))


@cache
def _section(prefix: str, lang: Lang) -> Mapping[str, str]:
    start = f"{prefix}."
    words = {k[len(start) :]: v for k, v in catalogue(lang).items() if k.startswith(start)}
    return MappingProxyType(words)


def has(key: str) -> bool:
    """Whether ``key`` is in the catalogues."""
    return key in catalogue(DEFAULT_LANGUAGE)


def fields(template: str) -> set[str]:
    """The named fields of a template (``"{actual} < {required}"`` -> actual, required)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def fill(template: str, /, **params: Any) -> str:
    """A template with its fields filled: the one formatting of catalogue and rule-set texts."""
    return template.format(**params)


def text(key: str, lang: str, /, **params: Any) -> str:
    """The words of ``key`` in ``lang``, with ``params`` filled in.

    Raises ``KeyError`` for a key no catalogue has: a missing text is a bug, not user input.
    """
    return fill(catalogue(language(lang))[key], **params)
