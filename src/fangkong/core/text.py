"""Free text typed by people (names, addresses, notes): one cleaner for the forms, the API schemas and the imports.

Two kinds of invisible characters are taken out before anything is validated or stored:

- bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F) make a name or an address display in
  another order than it is stored ("Trojan Source"): a list would show one thing and a search find another.
  They are removed.
- zero-width characters (U+200B, U+200C, U+200D, U+2060, U+FEFF) come in with copied text and make two equal
  names differ. In a one-line field they count as a space, so a name made only of them is empty ("name required").
"""

from __future__ import annotations

import re

from django import forms

BIDI_CONTROLS = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
INVISIBLE = BIDI_CONTROLS + ZERO_WIDTH  # a regex character class body

_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_ZERO_WIDTH = re.compile(f"[{ZERO_WIDTH}]")


def strip_bidi(value: str) -> str:
    """Text with its bidirectional controls removed; everything else (line breaks included) kept."""
    return _BIDI.sub("", value)


def clean_line(value: str | None) -> str:
    """A one-line value (a name, an address, a place): no bidi controls, zero-width characters and every run of
    spaces as one space, trimmed. Empty when nothing visible is left."""
    if not value:
        return ""
    text = _ZERO_WIDTH.sub(" ", strip_bidi(value))
    return " ".join(text.split())


def clean_lines(value: str | None) -> str:
    """A multi-line value (a note, a plan): no bidi controls, zero-width characters out, lines kept, trimmed."""
    if not value:
        return ""
    return _ZERO_WIDTH.sub("", strip_bidi(value)).strip()


class TextField(forms.CharField):
    """A form's free-text field, cleaned like the API and the import: `clean_line`, or `clean_lines` under a
    Textarea. A required field whose text is only invisible characters is empty, so "required"."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        multiline = isinstance(self.widget, forms.Textarea)
        return clean_lines(value) if multiline else clean_line(value)


def is_digits(value: str) -> bool:
    """ASCII digits only. `str.isdigit()` also takes "²" and "٣", which `int()` or an area code then refuses."""
    return value.isascii() and value.isdigit()


def record_number(value: str | None) -> int | None:
    """A record's number typed in a query parameter (?household=12): a positive 64-bit integer, else None."""
    if not value or not is_digits(value) or len(value) > 18:
        return None
    return int(value) or None
