"""The message catalogues: every language has every key, with the same fields."""

from __future__ import annotations

import pytest

from features import i18n


def test_every_language_has_every_key():
    keys = {lang: set(i18n.catalogue(lang)) for lang in i18n.LANGUAGES}
    reference = keys[i18n.DEFAULT_LANGUAGE]
    assert len(reference) > 1
    for lang, have in keys.items():
        assert have == reference, (
            f"{lang}: missing {sorted(reference - have)[:5]}, extra {sorted(have - reference)[:5]}"
        )


def test_every_key_takes_the_same_fields_in_every_language():
    base = i18n.catalogue(i18n.DEFAULT_LANGUAGE)
    for lang in i18n.LANGUAGES:
        other = i18n.catalogue(lang)
        differ = [k for k in base if i18n.fields(base[k]) != i18n.fields(other[k])]
        assert differ == [], f"{lang}: fields differ in {differ[:5]}"


def test_text_fills_fields_and_falls_back_to_indonesian():
    assert i18n.text("common.yes", "en") == "yes"
    assert i18n.text("common.yes", "en-GB") == "yes"
    assert i18n.text("common.yes", "fr") == "ya"
    assert i18n.section("common", "id")["no"] == "tidak"
    with pytest.raises(KeyError):
        i18n.text("common.nothing", "id")
