"""Recomputing health-code colours: for one person after an event, for many after bulk work.

The colour rules are the profile's (policy.health.colour_for); the statuses come from the registered
providers (healthcodes.providers). A change of colour is written to the colour history in the same
transaction as the code, with the statuses that caused it. These are follow-ups of writes that were
guarded and audited by their own services (a test result, an order, a profile switch), so they call
no permission check of their own.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection, transaction
from django.utils import timezone

from fangkong.core.bulkwrite import batches, insert_model_rows, insert_rows, planner
from fangkong.people.models import Person
from fangkong.policy.health import GREEN, colour_for
from fangkong.policy.selectors import active_profile

from . import providers
from .models import HealthCode, HealthCodeChange
from .providers import Moment

SET_BASED_REFRESH_FROM = 5000  # persons: from here on PostgreSQL derives the statuses in SQL


def person_statuses(person: Person, *, now: dt.datetime | None = None) -> set[str]:
    """What the profile's colour rules look at for one person, from every provider."""
    moment = Moment(now or timezone.now(), active_profile())
    return providers.statuses_of([person.pk], moment)[person.pk]


def health_code_refresh(*, person: Person, now: dt.datetime | None = None) -> HealthCode:
    """Recompute one person's colour now (called on every event that affects it)."""
    now = now or timezone.now()
    profile = active_profile()
    statuses = providers.statuses_of([person.pk], Moment(now, profile))[person.pk]
    colour = colour_for(profile, statuses)
    with transaction.atomic():
        code, created = HealthCode.objects.get_or_create(
            person=person, defaults={"area_code": person.area_code, "colour": colour.colour,
                                     "reasons": list(colour.reasons), "updated_at": now})
        before = "" if created else code.colour
        if not created and (code.colour != colour.colour or code.reasons != list(colour.reasons)):
            code.colour, code.reasons, code.updated_at = colour.colour, list(colour.reasons), now
            code.save(update_fields=["colour", "reasons", "updated_at"])
        if before != code.colour and not (created and code.colour == GREEN):
            HealthCodeChange.objects.create(person_id=person.pk, area_code=code.area_code, at=code.updated_at,
                                            colour_from=before, colour_to=code.colour, cause=sorted(statuses))
    return code


def health_codes_refresh(*, person_ids, now: dt.datetime | None = None) -> int:
    """health_code_refresh for many persons with a few grouped queries per batch; how many codes changed.

    The same statuses and colours as the one-person version, and a code is created for a person who has
    none. On PostgreSQL, from SET_BASED_REFRESH_FROM persons on, the statuses are gathered in SQL.
    """
    now = now or timezone.now()
    profile = active_profile()
    moment = Moment(now, profile)
    person_ids = sorted(person_ids)
    if connection.vendor == "postgresql" and len(person_ids) >= SET_BASED_REFRESH_FROM:
        return _refresh_in_sql(person_ids, moment)
    colours: dict[frozenset, tuple[str, list[str]]] = {}
    changed = 0
    for batch in batches(person_ids):
        statuses = providers.statuses_of(batch, moment)
        codes = {person_id: (pk, colour, reasons) for pk, person_id, colour, reasons in
                 HealthCode.objects.filter(person_id__in=batch).values_list("pk", "person_id", "colour", "reasons")}
        updates: dict[tuple, list[int]] = {}
        missing = []
        history: list[tuple[int, str, str, list[str]]] = []  # person, from, to, cause
        for person_id, found in statuses.items():
            key = frozenset(found)
            if key not in colours:
                c = colour_for(profile, set(found))
                colours[key] = (c.colour, list(c.reasons))
            colour, reasons = colours[key]
            if person_id not in codes:
                missing.append((person_id, colour, reasons))
                if colour != GREEN:
                    history.append((person_id, "", colour, sorted(found)))
            elif codes[person_id][1:] != (colour, reasons):
                updates.setdefault((colour, tuple(reasons)), []).append(codes[person_id][0])
                if codes[person_id][1] != colour:
                    history.append((person_id, codes[person_id][1], colour, sorted(found)))
        areas = dict(Person.objects.filter(pk__in=[h[0] for h in history] + [m[0] for m in missing])
                     .values_list("pk", "area_code")) if history or missing else {}
        if missing:
            HealthCode.objects.bulk_create([
                HealthCode(person_id=pk, area_code=areas[pk], colour=colour, reasons=reasons, updated_at=now)
                for pk, colour, reasons in missing
            ])
        HealthCodeChange.objects.bulk_create([
            HealthCodeChange(person_id=pk, area_code=areas[pk], at=now, colour_from=old, colour_to=new, cause=cause)
            for pk, old, new, cause in history
        ], batch_size=2000)
        for (colour, reasons), pks in updates.items():
            HealthCode.objects.filter(pk__in=pks).update(colour=colour, reasons=list(reasons), updated_at=now)
            changed += len(pks)
        changed += len(missing)
    return changed


def _refresh_in_sql(person_ids: list[int], moment: Moment) -> int:
    """health_codes_refresh on PostgreSQL for many persons: statuses gathered (from every provider's SQL form)
    and codes rewritten by a few set-based statements over temporary tables, colours computed in Python once
    per distinct status set.

    A switch over a million orders touches a million codes; one grouped query per batch of persons
    cost minutes there, most of it round trips and rows shipped to Python and back.
    """
    quote = connection.ops.quote_name
    codes, persons = quote(HealthCode._meta.db_table), quote(Person._meta.db_table)
    changes = quote(HealthCodeChange._meta.db_table)
    provided_sql, provided_params = providers.statuses_sql(moment)
    # The temporary tables live until the commit: one transaction even when the caller has none.
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE hc_people (person_id bigint PRIMARY KEY) ON COMMIT DROP")
        insert_rows("hc_people", ["person_id"], [(pk,) for pk in person_ids])
        cur.execute("ANALYZE hc_people")
        # One row per person: the sorted statuses the colour rules look at (empty: none), and the code as it is
        # (none: to be created). Reading the code here lets the rewrite below join it by its key alone: joined
        # to itself inside the UPDATE (for the colour before), the planner took the pair for one row and, with
        # every person of a 1M city refreshed, looped over all statuses per code (minutes, not seconds).
        cur.execute(
            "CREATE TEMP TABLE hc_status ON COMMIT DROP AS "  # noqa: S608 - providers' SQL, values are parameters
            "SELECT a.person_id, a.statuses, c.id AS code_id, c.colour AS old_colour, c.reasons AS old_reasons FROM ("
            "  SELECT h.person_id, COALESCE(array_agg(DISTINCT s.status ORDER BY s.status) "
            "    FILTER (WHERE s.status IS NOT NULL), '{}'::text[]) AS statuses "
            f"  FROM hc_people h LEFT JOIN ({provided_sql}) s ON s.person_id = h.person_id GROUP BY h.person_id"
            f") a LEFT JOIN {codes} c ON c.person_id = a.person_id",
            provided_params,
        )
        cur.execute("ANALYZE hc_status")
        cur.execute("SELECT DISTINCT statuses FROM hc_status")
        sets = [row[0] for row in cur.fetchall()]
        cur.execute("CREATE TEMP TABLE hc_colour (statuses text[] PRIMARY KEY, colour text, reasons jsonb) ON COMMIT DROP")
        colours = {tuple(found): colour_for(moment.profile, set(found)) for found in sets}
        for found, colour in colours.items():
            cur.execute("INSERT INTO hc_colour VALUES (%s, %s, %s::jsonb)", [list(found), colour.colour, json.dumps(list(colour.reasons))])
        cur.execute("ANALYZE hc_colour")
        # The planner prices a probe of the codes' person index per person above hashing all of a city's
        # codes, as if index pages came from disk. In memory, for 670,000 of 10,000,000 codes, the probes
        # took 1.3 s and the hash 8.3 s (bench/results/README.md, Session 5).
        with planner(cur, enable_hashjoin="off", enable_mergejoin="off"):
            # The rewrite and its colour history in one statement: the joined `old` row is the code before the
            # update, so each changed colour is written with what it was and why (the statuses).
            cur.execute(
                f"WITH changed AS (UPDATE {codes} c SET colour = k.colour, reasons = k.reasons, updated_at = %s "  # noqa: S608
                "  FROM hc_status s JOIN hc_colour k ON k.statuses = s.statuses "
                "  WHERE c.id = s.code_id AND (s.old_colour <> k.colour OR s.old_reasons <> k.reasons) "
                "  RETURNING c.person_id, c.area_code, s.old_colour AS colour_from, c.colour AS colour_to, "
                "            to_jsonb(s.statuses) AS cause), "
                f"logged AS (INSERT INTO {changes} (person_id, area_code, at, colour_from, colour_to, cause) "
                "  SELECT person_id, area_code, %s, colour_from, colour_to, cause FROM changed "
                "  WHERE colour_from <> colour_to RETURNING 1) "
                "SELECT (SELECT count(*) FROM changed), (SELECT count(*) FROM logged)",
                [moment.now, moment.now],
            )
            changed = cur.fetchone()[0]
            cur.execute(
                f"SELECT s.person_id, p.area_code, s.statuses FROM hc_status s "  # noqa: S608
                f"JOIN {persons} p ON p.id = s.person_id WHERE s.code_id IS NULL"
            )
            missing = cur.fetchall()
        cur.execute("DROP TABLE hc_people, hc_status, hc_colour")
        new_token = HealthCode._meta.get_field("token").get_default
        now = moment.now
        insert_model_rows(HealthCode, ["person_id", "area_code", "token", "colour", "reasons", "updated_at"],
                          [(pk, area, new_token(), colours[tuple(found)].colour, list(colours[tuple(found)].reasons), now)
                           for pk, area, found in missing])
        insert_model_rows(HealthCodeChange, ["person_id", "area_code", "at", "colour_from", "colour_to", "cause"],
                          [(pk, area, now, "", colours[tuple(found)].colour, sorted(found))
                           for pk, area, found in missing if colours[tuple(found)].colour != GREEN])
    return changed + len(missing)


def codes_follow_person(person: Person) -> None:
    """A person who moved takes their code's area along (an accepted transfer, a household confirmed elsewhere)."""
    HealthCode.objects.filter(person=person).update(area_code=person.area_code)
