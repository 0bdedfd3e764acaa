"""The Simplified Chinese catalogue is complete, compiled, and actually used.

Chinese is the default language (LANGUAGE_CODE = "zh-hans"); English stays one switch away.
A missing or fuzzy entry would show English to staff who may not read it, so the catalogue
is checked entry by entry here, with no dependency beyond the standard library.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

import fangkong
from fangkong.people.validation import PersonInvalid, clean_person

LC_MESSAGES = Path(fangkong.__file__).resolve().parent / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
HAN = re.compile(r"[\u4e00-\u9fff]")


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as dicts: flags (set), msgctxt, msgid, msgid_plural, msgstr (list of forms)."""
    entries: list[dict] = []
    entry: dict = {"flags": set(), "msgstr": []}
    key = None

    def close():
        nonlocal entry, key
        if "msgid" in entry:
            entries.append(entry)
        entry, key = {"flags": set(), "msgstr": []}, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            close()
        elif line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if key == "msgstr":
                entry["msgstr"][-1] += value
            else:
                entry[key] += value
        else:
            word, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if word.startswith("msgstr"):
                key = "msgstr"
                entry["msgstr"].append(value)
            else:
                key = word
                entry[key] = value
    close()
    return entries


@pytest.fixture(autouse=True)
def ui_language():
    """Override the suite-wide English of tests/conftest.py: this module checks the real default."""
    yield settings.LANGUAGE_CODE


ENTRIES = parse_po(PO)
MESSAGES = [e for e in ENTRIES if e["msgid"]]


def test_simplified_chinese_is_the_default_language():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_the_catalogue_has_a_header_for_simplified_chinese_with_one_plural_form():
    header = ENTRIES[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    text = header["msgstr"][0]
    assert "Language: zh_Hans\n" in text
    assert "Content-Type: text/plain; charset=UTF-8\n" in text
    assert "Plural-Forms: nplurals=1; plural=0;\n" in text


def test_every_message_is_translated_and_none_is_fuzzy():
    assert len(MESSAGES) > 400
    fuzzy = [e["msgid"] for e in MESSAGES if "fuzzy" in e["flags"]]
    untranslated = [e["msgid"] for e in MESSAGES if not all(s.strip() for s in e["msgstr"])]
    assert fuzzy == []
    assert untranslated == []


def test_plural_messages_have_exactly_one_form():
    plurals = [e for e in MESSAGES if "msgid_plural" in e]
    assert plurals
    assert [e["msgid"] for e in plurals if len(e["msgstr"]) != 1] == []


def test_translations_keep_every_placeholder():
    wrong = []
    for e in MESSAGES:
        # Chinese has one plural form, used for every count, so it follows the plural msgid.
        expected = sorted(PLACEHOLDER.findall(e.get("msgid_plural", e["msgid"])))
        for form in e["msgstr"]:
            if sorted(PLACEHOLDER.findall(form)) != expected:
                wrong.append((e["msgid"], form))
    assert wrong == []


def test_the_compiled_catalogue_matches_the_source():
    """django.mo is committed (`make demo` needs no gettext tools) and must not lag behind django.po."""
    with open(LC_MESSAGES / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)._catalog
    stale = []
    for e in MESSAGES:
        # gettext keys a message with a context as "context\x04msgid".
        key = f'{e["msgctxt"]}\x04{e["msgid"]}' if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            got = [compiled.get((key, i)) for i in range(len(e["msgstr"]))]
        else:
            got = [compiled.get(key)]
        if got != e["msgstr"]:
            stale.append(e["msgid"])
    assert stale == [], "django.mo is out of date: run `fangkong compilemessages` in src/fangkong"


@pytest.mark.django_db
def test_the_login_page_speaks_chinese_by_default_and_english_after_switching(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "登录" in html
    assert "用户名" in html
    assert "Log in" not in html

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert switched.status_code == 302
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Log in" in html
    assert "Username" in html
    assert "登录" not in html


def test_a_validation_reason_is_chinese_under_the_default_language():
    with translation.override("zh-hans"), pytest.raises(PersonInvalid) as caught:
        clean_person(name="   ", id_type="none")
    reason = caught.value.errors["name"]
    assert reason == "姓名为必填项"
    assert HAN.search(reason)

    with translation.override("en"), pytest.raises(PersonInvalid) as caught:
        clean_person(name="", id_type="none")
    assert caught.value.errors["name"] == "name is required"


def test_an_area_table_says_name_not_personal_name(client, city_user):
    """The children table names places (名称); 姓名 is only for people."""
    client.force_login(city_user)
    html = client.get("/areas/", follow=True).content.decode()
    assert "<th>名称</th>" in html
