"""Building the synthetic city into the database: the one write path of the demo app.

`demo_build()` imports the shipped prefecture through the areas service, then, in one
transaction, streams the generator's rows into the tables through the bulk paths
(COPY on PostgreSQL, bulk_create on SQLite), sealing and masking ID numbers and phones
with the same helpers as people.services. Holding one village's rows at a time keeps
memory flat at any size.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import resource
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections, reset_queries, transaction
from django.db.models import Q
from django.utils import timezone

from fangkong.areas.models import Area, DutyShift, Responsible, Team, TeamMember
from fangkong.areas.services import divisions_import, read_division_csv, tallies_refresh, user_create
from fangkong.core import audit
from fangkong.core.clock import SHANGHAI
from fangkong.core.crypto import Sealer
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.permissions import DEMO, require
from fangkong.core.roles import Role
from fangkong.core.scoping import subtree_q, successor
from fangkong.people.models import Household, Person

from . import actions, control_data
from .bulk import IdBlock, IdRange, SuspendedIndexes, TableWriter, is_postgres
from .checkpoints import demo_checkpoints
from .generator import PREFECTURE_CSV, VILLAGE, CityGenerator, CountyCounts, Division
from .models import DemoBuild

FLUSH_PERSONS = 20_000  # rows per COPY / executemany round
# From this size on PostgreSQL, rows are made in other processes while this one runs COPY.
PIPELINE_MIN_PEOPLE = 50_000
# Producer processes on PostgreSQL: two keep both cores of a small server busy with COPY running too.
DEFAULT_WORKERS = 2
DUTY_DAYS = 7
DEMO_PASSWORD = "fangkong-demo-2026"

# One demo user per role, bound to where that role works. "grid" etc. name a node found after the build.
DEMO_USERS = (
    ("demo-city", Role.CITY_COMMAND, "city", "市指挥部"),
    ("demo-district", Role.DISTRICT, "county", "区指挥部"),
    ("demo-township", Role.TOWNSHIP, "township", "街道办"),
    ("demo-grid", Role.GRID_WORKER, "grid", "网格员"),
    ("demo-cdc", Role.CDC, "city", "市疾控中心"),
    ("demo-lab", Role.LAB, "city", "检测实验室"),
    ("demo-checkpoint", Role.CHECKPOINT, "checkpoint_county", "交通卡口"),
    ("demo-hospital", Role.HOSPITAL, "city", "定点医院"),
    ("demo-readonly", Role.READ_ONLY, "city", "只读"),
    ("demo-auditor", Role.AUDITOR, "city", "审计"),
)


class DemoError(Exception):
    pass


@dataclass
class DemoResult:
    status: str  # "done" / "skipped"
    people: int
    seed: int
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    users: list[dict] = field(default_factory=list)
    peak_rss_mib: dict = field(default_factory=dict)
    phase_seconds: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class Progress:
    """The CLI's progress bar and the DemoBuild row the UI reads.

    On PostgreSQL the row is updated through a second connection, so the UI sees progress
    while the build's own transaction is still open. SQLite allows one writer at a time,
    so there the row changes when the build commits.
    """

    def __init__(self, build: DemoBuild | None, advance: Callable[[int], None] | None) -> None:
        self.build = build
        self.advance = advance or (lambda n: None)
        self.persons = 0
        self.phase = ""
        self._last = 0.0
        self._phase_started = time.monotonic()
        self.seconds: dict[str, float] = {}  # wall time spent in each phase
        self._side = None
        if build is not None and is_postgres():
            self._side = connections.create_connection("default")

    def set_phase(self, phase: str) -> None:
        now = time.monotonic()
        if self.phase:
            self.seconds[self.phase] = round(self.seconds.get(self.phase, 0.0) + now - self._phase_started, 2)
        self.phase, self._phase_started = phase, now
        self._save(force=True)

    def add_persons(self, n: int) -> None:
        self.persons += n
        self.advance(n)
        self._save()

    def _save(self, force: bool = False) -> None:
        if self._side is None or (not force and time.monotonic() - self._last < 2.0):
            return
        self._last = time.monotonic()
        table = connection.ops.quote_name(DemoBuild._meta.db_table)
        with self._side.cursor() as cur:
            cur.execute(
                f"UPDATE {table} SET phase = %s, persons_written = %s WHERE id = %s",  # noqa: S608 - model table
                [self.phase, self.persons, self.build.pk],
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def prefecture_city_code(path: Path = PREFECTURE_CSV) -> str:
    with open(path, encoding="utf-8-sig") as fh:
        for line in fh:
            code = line.split(",", 1)[0]
            if len(code) == 4 and code.isdigit():
                return code
    raise DemoError(f"{path} has no city row")


def import_prefecture(path: Path = PREFECTURE_CSV) -> dict:
    """The real divisions of the shipped prefecture, through the areas import (idempotent)."""
    errors = Path(settings.MEDIA_ROOT) / "demo" / "prefecture.errors.csv"
    result = divisions_import(by=DEMO, records=read_division_csv(path), errors_path=errors)
    if result.rejected:
        raise DemoError(f"{result.rejected} division rows were rejected; see {result.errors_file}")
    return result.as_dict()


def _subtree_where(code: str, column: str = "area_code") -> tuple[str, list[str]]:
    upper = successor(code)
    if upper is None:
        return f"{column} >= %s", [code]
    return f"{column} >= %s AND {column} < %s", [code, upper]


def demo_wipe(city_code: str) -> None:
    """Remove a previous synthetic city under `city_code`: people, households, grids and below, staff."""
    require(DEMO, actions.CITY_BUILD, city_code)
    where, params = _subtree_where(city_code)
    control_data.wipe(city_code)  # arrivals, orders, codes and gatherings refer to the persons and places below
    with transaction.atomic(), connection.cursor() as cur:
        team_table = Team._meta.db_table
        for model in (Person, Household, DutyShift):
            cur.execute(f"DELETE FROM {model._meta.db_table} WHERE {where}", params)  # noqa: S608 - model tables
        cur.execute(
            f"DELETE FROM {TeamMember._meta.db_table} WHERE team_id IN (SELECT id FROM {team_table} WHERE {where})",  # noqa: S608
            params,
        )
        cur.execute(f"DELETE FROM {team_table} WHERE {where}", params)  # noqa: S608
        cur.execute(f"DELETE FROM {Responsible._meta.db_table} WHERE {where}", params)  # noqa: S608
        area_where, area_params = _subtree_where(city_code, "code")
        for level in (7, 6):
            cur.execute(f"DELETE FROM {Area._meta.db_table} WHERE level = %s AND {area_where}", [level, *area_params])  # noqa: S608
        audit.record(DEMO, actions.CITY_BUILD, object_type="area", object_id=city_code, area_code=city_code,
                     reason="previous synthetic city removed")


def demo_build(
    *,
    people: int,
    seed: int,
    if_empty: bool = False,
    replace: bool = False,
    build: DemoBuild | None = None,
    advance: Callable[[int], None] | None = None,
    workers: int = DEFAULT_WORKERS,
) -> DemoResult:
    """Build the synthetic city. With `if_empty`, do nothing when persons exist already.

    `workers` producer processes make the rows on PostgreSQL (the city is the same for any number).
    """
    require(DEMO, actions.CITY_BUILD)
    started = time.monotonic()
    if build is not None:
        DemoBuild.objects.filter(pk=build.pk).update(status=DemoBuild.Status.RUNNING, started_at=timezone.now())
    try:
        result = _build(people=people, seed=seed, if_empty=if_empty, replace=replace, build=build, advance=advance,
                        workers=workers)
    except Exception as exc:
        if build is not None:
            DemoBuild.objects.filter(pk=build.pk).update(
                status=DemoBuild.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
            )
        raise
    result.seconds = round(time.monotonic() - started, 2)
    result.peak_rss_mib = {  # this process, and the largest child (the row producer) if there was one
        "process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "producer": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }
    if build is not None:
        DemoBuild.objects.filter(pk=build.pk).update(
            status=result.status, phase="", persons_written=result.counts.get("persons", 0),
            counts={**result.counts, "seconds": result.seconds}, finished_at=timezone.now(),
        )
    return result


def _build(*, people, seed, if_empty, replace, build, advance, workers) -> DemoResult:
    city_code = prefecture_city_code()
    if Person.objects.exists():
        if if_empty:
            return DemoResult("skipped", people, seed, {"persons": Person.objects.count()}, users=demo_logins())
        if not replace:
            raise DemoError("persons exist already: use --if-empty to keep them or --replace to rebuild the city")
    progress = Progress(build, advance)
    counts: dict = {}
    try:
        progress.set_phase("divisions")
        counts["divisions"] = import_prefecture()
        if replace:
            progress.set_phase("wipe")
            demo_wipe(city_code)
        divisions = [Division(*row) for row in _division_areas(city_code).values_list("code", "name", "level")]
        generator = CityGenerator(divisions, people=people, seed=seed)
        with transaction.atomic():
            counts.update(_write_city(generator, progress, workers))
        # Fresh statistics after a bulk load, so the planners pick the area-code range scans.
        progress.set_phase("analyze")
        with connection.cursor() as cur:
            if is_postgres():
                for model in (Area, Responsible, Household, Person):
                    cur.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            else:
                # analysis_limit samples each index instead of reading all of it (SQLite >= 3.32).
                cur.execute("PRAGMA analysis_limit=1000")
                cur.execute("ANALYZE")
        progress.set_phase("users")
        users = demo_users(city_code)
        counts["checkpoints"] = demo_checkpoints(city_code, next((u["area_code"] for u in users if u["role"] == Role.CHECKPOINT), ""))
        counts["control"] = control_data.build(city_code=city_code, seed=seed, people=people)
        progress.set_phase("tallies")
        tallies_refresh(by=DEMO)
        with transaction.atomic():
            audit.record(DEMO, actions.CITY_BUILD, object_type="area", object_id=city_code, area_code=city_code,
                         count=counts.get("persons"), changes={"people": people, "seed": seed, "counts": counts})
        progress.set_phase("")
    finally:
        progress.close()
    return DemoResult("done", people, seed, counts, users=users, phase_seconds=progress.seconds)


def _division_areas(city_code: str):
    """The city's divisions from the province down to the villages."""
    return Area.objects.filter(subtree_q(city_code, "code") | Q(code=city_code[:2]), level__lte=VILLAGE)


def _write_city(gen: CityGenerator, progress: Progress, workers: int) -> dict:
    now = timezone.now()
    postgres = is_postgres()
    tables = [Area, Responsible, Household, Person]
    if postgres:
        with connection.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
            cur.execute(f"LOCK TABLE {names} IN EXCLUSIVE MODE")
    suspended = None
    if postgres and not Person.objects.exists() and not Household.objects.exists():
        suspended = SuspendedIndexes([Person._meta.db_table, Household._meta.db_table])
        suspended.drop()

    area_ids = IdBlock(Area)
    responsible_ids = IdBlock(Responsible)
    household_ids = IdBlock(Household)
    person_ids = IdBlock(Person)
    area_writer = TableWriter(Area, ["id", "code", "name", "level", "parent_id", "geometry", "updated_at"])
    responsible_writer = TableWriter(Responsible, ["id", "area_id", "area_code", "tier", "name", "phone", "title", "active"])
    household_writer = TableWriter(
        Household, ["id", "code", "area_id", "area_code", "address", "responsible_id", "created_at", "updated_at"]
    )
    person_writer = TableWriter(Person, [
        "id", "household_id", "area_id", "area_code", "name", "id_type", "id_number_sealed", "id_number_hash",
        "id_number_masked", "birth_date", "sex", "phone_sealed", "phone_hash", "phone_masked", "relation",
        "occupation", "workplace", "residence", "tags", "created_at", "updated_at",
    ])

    # Divisions: their polygons, and who answers for each.
    progress.set_phase("divisions")
    division_ids = dict(_division_areas(gen.city.code).values_list("code", "id"))
    geometries = gen.division_geometries()
    changed = [
        (json.dumps(geometries[code], separators=(",", ":")), pk)
        for pk, code, geometry in _division_areas(gen.city.code).values_list("id", "code", "geometry")
        if code in geometries and geometry != geometries[code]
    ]
    with connection.cursor() as cur:  # one prepared UPDATE: bulk_update's CASE per row is slow at 5,000 rows
        table = connection.ops.quote_name(Area._meta.db_table)
        cur.executemany(f"UPDATE {table} SET geometry = %s WHERE id = %s", changed)  # noqa: S608 - model table
    responsible_writer.write(
        (responsible_ids.take(), division_ids[r.area_code], r.area_code, r.tier, r.name, r.phone, r.title, True)
        for r in gen.division_responsibles()
    )

    # Villages: grids, buildings, households and persons, written in rounds.
    progress.set_phase("people")
    writers = (area_writer, responsible_writer, household_writer, person_writer)
    blocks = (area_ids, responsible_ids, household_ids, person_ids)
    if postgres and gen.people >= PIPELINE_MIN_PEOPLE:
        progress.set_phase("plan")
        plan = county_plan(gen, blocks)
        progress.set_phase("people")
        copying = 0.0  # of the phase, the time this process spent in COPY (the rest: waiting for rows)
        for encoded, counts in _produced_elsewhere(gen, division_ids, blocks, plan, now, writers, workers):
            started = time.monotonic()
            for writer, data, n in zip(writers, encoded, counts, strict=True):
                writer.write_encoded(data, n)
            copying += time.monotonic() - started
            progress.add_persons(counts[3])
            reset_queries()
        progress.seconds["people_copy"] = round(copying, 2)
    else:
        for batch in village_batches(gen, division_ids, blocks, now):
            for writer, rows in zip(writers, batch, strict=True):
                writer.write(rows)
            progress.add_persons(len(batch[3]))
            reset_queries()  # with DEBUG on, Django would keep every bulk statement in memory

    # Headquarters teams and the duty roster.
    progress.set_phase("headquarters")
    teams = gen.headquarters()
    team_ids = dict(Area.objects.filter(code__in={t.area_code for t in teams}).values_list("code", "id"))
    members = 0
    for spec in teams:
        team = Team.objects.create(
            area_id=team_ids[spec.area_code], area_code=spec.area_code, kind=spec.kind, name=spec.name,
            duties=spec.duties, min_members=spec.min_members, max_members=spec.max_members,
            min_police_share=spec.min_police_share,
        )
        TeamMember.objects.bulk_create(
            [TeamMember(team=team, name=m.name, phone=m.phone, unit=m.unit, position=m.position,
                        is_police=m.is_police, is_lead=m.is_lead) for m in spec.members]
        )
        members += len(spec.members)
    today = timezone.now().astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    shifts = gen.duty_roster(teams, today, DUTY_DAYS)
    DutyShift.objects.bulk_create([
        DutyShift(area_id=team_ids[s.area_code], area_code=s.area_code, starts_at=s.starts_at.astimezone(dt.UTC),
                  ends_at=s.ends_at.astimezone(dt.UTC), post=s.post, name=s.name, phone=s.phone)
        for s in shifts
    ], batch_size=1000)

    if suspended is not None:
        progress.set_phase("indexes")
        suspended.restore()
        progress.seconds["index_statements"] = suspended.seconds
    for block in (area_ids, responsible_ids, household_ids, person_ids):
        block.finish()
    return {
        "areas": area_writer.written, "responsibles": responsible_writer.written,
        "households": household_writer.written, "persons": person_writer.written,
        "teams": len(teams), "team_members": members, "duty_shifts": len(shifts),
        "divisions_with_geometry": len(geometries),
    }


def village_batches(
    gen: CityGenerator, division_ids: dict[str, int], blocks: tuple[IdRange, ...], now: dt.datetime | str,
    counties: list[str] | None = None,
) -> Iterator[tuple[list, list, list, list]]:
    """Rows for the area, responsible, household and person tables, about FLUSH_PERSONS persons at a time.

    `counties` (default: all, in code order) limits the stream to those counties; a batch never
    spans two counties. ID numbers and phones are sealed, hashed and masked here with the helpers
    people.services uses.
    """
    area_ids, responsible_ids, household_ids, person_ids = blocks
    sealer = Sealer()
    seal, digest = sealer.seal, sealer.lookup_hash
    shares = gen.village_people()
    areas: list[tuple] = []
    responsibles: list[tuple] = []
    households: list[tuple] = []
    persons: list[tuple] = []
    for county in counties if counties is not None else [c.code for c in gen.counties]:
        for chunk in gen.county_villages(county, shares):
            local = {chunk.village_code: division_ids[chunk.village_code]}
            for a in chunk.areas:
                local[a.code] = pk = area_ids.take()
                areas.append((pk, a.code, a.name, a.level, local[a.parent_code], a.geometry, now))
            cadre: dict[str, int] = {}
            for r in chunk.responsibles:
                pk = responsible_ids.take()
                if r.tier == "village_cadre":
                    cadre[r.area_code] = pk
                responsibles.append((pk, local[r.area_code], r.area_code, r.tier, r.name, r.phone, r.title, True))
            household_pk: dict[str, int] = {}
            for h in chunk.households:
                household_pk[h.code] = pk = household_ids.take()
                households.append((pk, h.code, local[h.area_code], h.area_code, h.address, cadre[h.responsible_area], now, now))
            for p in chunk.persons:
                phone = p.phone
                persons.append((
                    person_ids.take(), household_pk[p.household_code], local[p.area_code], p.area_code, p.name,
                    "resident_id", seal(p.id_number), digest(p.id_number), mask_id_number(p.id_number), p.birth_date,
                    p.sex, seal(phone) if phone else "", digest(phone) if phone else "", mask_phone(phone), p.relation,
                    p.occupation, "", p.residence, p.tags, now, now,
                ))
            if len(persons) >= FLUSH_PERSONS:
                yield areas, responsibles, households, persons
                areas, responsibles, households, persons = [], [], [], []
        if areas or persons:
            yield areas, responsibles, households, persons
            areas, responsibles, households, persons = [], [], [], []


def county_plan(gen: CityGenerator, blocks: tuple[IdRange, ...]) -> list[tuple[str, tuple[int, ...], CountyCounts]]:
    """Each county with the first primary key of each table it starts at and the rows it makes.

    The keys are those one process writing the counties in code order would hand out, so the
    city is the same whichever process makes which county.
    """
    shares = gen.village_people()
    starts = [block.next for block in blocks]
    plan = []
    for county in gen.counties:
        counts = gen.county_counts(county.code, shares)
        plan.append((county.code, tuple(starts), counts))
        starts = [start + n for start, n in zip(starts, counts, strict=True)]
    return plan


def _produce(queue, worker: int, gen: CityGenerator, division_ids: dict, plan: list, now: dt.datetime,
             writers: tuple[TableWriter, ...]) -> None:
    """In a producer process: generate, seal and encode the rows of some counties; never touch the database."""
    try:
        stamp = now.isoformat()  # COPY reads the text; str() of a datetime for every row costs more
        for county, starts, counts in plan:
            blocks = tuple(IdRange(start) for start in starts)
            for batch in village_batches(gen, division_ids, blocks, stamp, [county]):
                queue.put(("batch", tuple(w.encode(rows) for w, rows in zip(writers, batch, strict=True)),
                           tuple(len(rows) for rows in batch)))
            made = tuple(block.next - start for block, start in zip(blocks, starts, strict=True))
            if made != tuple(counts):
                raise DemoError(f"county {county} made {made} rows, its plan said {tuple(counts)}")
        queue.put(("done", worker))
    except BaseException:
        queue.put(("error", traceback.format_exc()))


def _produced_elsewhere(
    gen: CityGenerator, division_ids: dict[str, int], blocks: tuple[IdBlock, ...], plan: list, now: dt.datetime,
    writers: tuple[TableWriter, ...], workers: int,
) -> Iterator[tuple[tuple[bytes, ...], tuple[int, ...]]]:
    """The rows of village_batches as COPY input, made by `workers` forked processes while this one runs COPY.

    Generating, sealing and encoding rows is Python work; COPY is mostly the server's. Each
    producer takes whole counties (the largest first, to the least loaded producer), with the
    primary keys `county_plan` gives them, so the city does not depend on the number of
    producers. The queue is bounded, so memory stays flat whichever side is faster.
    """
    shares: list[list] = [[] for _ in range(max(1, workers))]
    loads = [0] * len(shares)
    for item in sorted(plan, key=lambda item: -item[2].persons):
        least = loads.index(min(loads))
        shares[least].append(item)
        loads[least] += item[2].persons
    shares = [share for share in shares if share]
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue(maxsize=3 * len(shares))
    producers = [
        ctx.Process(target=_produce, args=(queue, i, gen, division_ids, share, now, writers), daemon=True)
        for i, share in enumerate(shares)
    ]
    for producer in producers:
        producer.start()
    try:
        running = len(producers)
        while running:
            try:
                kind, *payload = queue.get(timeout=5)
            except Empty:
                stopped = [p for p in producers if not p.is_alive() and p.exitcode]
                if stopped:
                    raise DemoError(f"a row producer stopped (exit code {stopped[0].exitcode})") from None
                continue
            if kind == "batch":
                yield payload[0], payload[1]
            elif kind == "done":
                running -= 1
            else:
                raise DemoError(f"the row producer failed:\n{payload[0]}")
        if plan:
            for block, start, n in zip(blocks, plan[-1][1], plan[-1][2], strict=True):
                block.next = start + n
    finally:
        for producer in producers:
            if producer.is_alive():
                producer.kill()
            producer.join()


def demo_users(city_code: str) -> list[dict]:
    """One user per role, with the fixed demo password (a random one outside the demo and DEBUG)."""
    import secrets

    first_household = (
        Household.objects.filter(area_code__startswith=city_code).order_by("area_code").values_list("area_code", flat=True).first()
    )
    grid = (first_household or "")[:15]
    if not grid:
        grid = Area.objects.filter(code__startswith=city_code, level=6).order_by("code").values_list("code", flat=True).first()
    places = {
        "city": city_code, "county": grid[:6], "township": grid[:9], "grid": grid,
        "checkpoint_county": Area.objects.filter(code__startswith=city_code, level=3).exclude(code=grid[:6])
        .order_by("code").values_list("code", flat=True).first() or grid[:6],
    }
    names = dict(Area.objects.filter(code__in=set(places.values())).values_list("code", "name"))
    User = get_user_model()
    out = []
    for username, role, place, label in DEMO_USERS:
        password = DEMO_PASSWORD if settings.DEBUG or settings.FANGKONG_DEMO else secrets.token_urlsafe(12)
        code = places[place]
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(by=DEMO, username=username, area_code=code, role=role, password=password, full_name=label)
        else:
            user.area_code, user.role, user.first_name = code, role, label
            user.set_password(password)
            user.save()
        if role == Role.GRID_WORKER:
            Responsible.objects.filter(area__code=code, tier=Responsible.Tier.GRID_WORKER).update(user=user)
        out.append({"username": username, "password": password, "role": str(role), "area_code": code,
                    "area": names.get(code, "")})
    return out


def demo_logins() -> list[dict]:
    """The demo users that exist, for the login table; the password only while it is still the demo one."""
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in DEMO_USERS])}
    names = dict(Area.objects.filter(code__in={u.area_code for u in users.values()}).values_list("code", "name"))
    out = []
    for username, role, _, _ in DEMO_USERS:
        user = users.get(username)
        if user is None:
            continue
        password = DEMO_PASSWORD if user.check_password(DEMO_PASSWORD) else "(changed)"
        out.append({"username": username, "password": password, "role": str(role), "area_code": user.area_code,
                    "area": names.get(user.area_code, "")})
    return out


def demo_enqueue(*, people: int, seed: int, if_empty: bool = True, replace: bool = False) -> DemoBuild:
    """Queue a build for `fangkong worker`; the DemoBuild row shows its progress."""
    from .tasks import build_demo_city

    require(DEMO, actions.CITY_BUILD)
    with transaction.atomic():
        build = DemoBuild.objects.create(people=people, seed=seed)
        audit.record(DEMO, actions.CITY_BUILD, obj=build, reason="queued", changes={"people": people, "seed": seed})
    result = build_demo_city.enqueue(build_id=build.pk, if_empty=if_empty, replace=replace)
    DemoBuild.objects.filter(pk=build.pk).update(task_id=str(result.id))
    build.task_id = str(result.id)
    return build
