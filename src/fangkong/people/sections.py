"""Sections that other apps add to a person's page: the health-code colour and why, control orders, arrivals,
and next test results and cases. people imports none of those apps; each registers its section in its
AppConfig.ready(), as health codes take statuses from registered providers.

A section's `context(user, person)` reads through that app's own scoped selectors and answers None when it has
nothing to show; its template gets that dict as `section`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    name: str
    template: str
    context: Callable[..., dict | None]
    order: int = 100  # lower first


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    _SECTIONS[section.name] = section


def sections_for(*, user, person) -> list[dict]:
    shown = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name)):
        context = section.context(user=user, person=person)
        if context is not None:
            shown.append({"name": section.name, "template": section.template, "section": context})
    return shown
