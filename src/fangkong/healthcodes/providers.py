"""The statuses a health-code colour is derived from, contributed by the apps that know them.

A person's colour is `policy.health.colour_for(profile, statuses)`; the statuses come from status
providers: control contributes the categories of open orders, a positive test of an open order and a
test overdue past the grace period; mass testing, cases and contacts will add theirs the same way.
This app imports none of them: each registers its provider in its AppConfig.ready().

A provider answers in two forms, which must agree (tests/healthcodes/test_providers.py checks it):
- `statuses_of(person_ids, moment)`: (person_id, status) pairs for those persons, by the ORM, used for
  one person after an event and for batches of persons on SQLite;
- `statuses_sql(moment)`: a SELECT of (person_id, status) rows over everyone, with its parameters, that
  the set-based refresh on PostgreSQL joins to the persons being refreshed: a refresh of a million
  codes after a profile switch stays a few statements whatever the number of providers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from fangkong.policy.profile import Profile


@dataclass(frozen=True)
class Moment:
    """What a provider needs to decide a status: the time of the refresh and the profile in force."""

    now: dt.datetime
    profile: Profile


class StatusProvider(Protocol):
    name: str

    def statuses_of(self, person_ids: Sequence[int], moment: Moment) -> Iterable[tuple[int, str]]: ...

    def statuses_sql(self, moment: Moment) -> tuple[str, list]: ...


_providers: dict[str, StatusProvider] = {}


def register(provider: StatusProvider) -> StatusProvider:
    """Add (or, under the same name, replace) a provider; called from the owning app's ready()."""
    _providers[provider.name] = provider
    return provider


def unregister(name: str) -> None:
    _providers.pop(name, None)


def providers() -> list[StatusProvider]:
    return [_providers[name] for name in sorted(_providers)]


def statuses_of(person_ids: Sequence[int], moment: Moment) -> dict[int, set[str]]:
    """Every provider's statuses for these persons (a person with none maps to an empty set)."""
    found: dict[int, set[str]] = {pk: set() for pk in person_ids}
    for provider in providers():
        for person_id, status in provider.statuses_of(person_ids, moment):
            found[person_id].add(status)
    return found


def statuses_sql(moment: Moment) -> tuple[str, list]:
    """All providers' rows as one UNION ALL (person_id, status); a query that yields no row when none is registered."""
    parts, params = [], []
    for provider in providers():
        sql, provider_params = provider.statuses_sql(moment)
        parts.append(f"SELECT person_id, status FROM ({sql}) AS {provider.name}_statuses")  # noqa: S608 - code, not input
        params.extend(provider_params)
    if not parts:
        return "SELECT NULL::bigint AS person_id, NULL::text AS status WHERE false", []
    return " UNION ALL ".join(parts), params
