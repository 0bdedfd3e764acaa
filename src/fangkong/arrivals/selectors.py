"""Reads for control. The risk-area list is public (announced), so not scoped; everything about persons is."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from fangkong.areas.codes import Level
from fangkong.areas.models import Area
from fangkong.arrivals.models import Arrival, DeclarationPoster, SelfDeclaration
from fangkong.control.public_tokens import community_token, parse_community_token
from fangkong.core.permissions import role_allows
from fangkong.core.scoping import get_scoped_or_404, scope, subtree_q

# ---------------------------------------------------------------------------
# Orders, a grid worker's day, escalations, health codes (personal data: always scoped)
# ---------------------------------------------------------------------------


def arrivals_for(*, user) -> QuerySet[Arrival]:
    return scope(Arrival.objects.select_related("person", "routed_to"), user)


# ---------------------------------------------------------------------------
# Capability 7: checkpoints (卡口): the list under a user's node, passages, and daily counts
# ---------------------------------------------------------------------------

COUNT_KEYS = ("vehicles", "people", "let_through", "turned_back", "medical", "fever")


def checkpoints_for(*, user, channel: str = "", active: bool | None = None) -> QuerySet:
    """Checkpoints under the user's node (a command user sees its whole subtree)."""
    from fangkong.arrivals.models import Checkpoint

    qs = scope(Checkpoint.objects.select_related("area"), user)
    if channel:
        qs = qs.filter(channel=channel)
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def checkpoint_get(*, user, pk: int):
    from fangkong.arrivals.models import Checkpoint

    return get_scoped_or_404(Checkpoint.objects.select_related("area"), user, pk=pk)


def _day_bounds(on: dt.date) -> tuple[dt.datetime, dt.datetime]:
    from fangkong.core.clock import SHANGHAI

    start = dt.datetime.combine(on, dt.time(), tzinfo=SHANGHAI)
    return start, start + dt.timedelta(days=1)


def checkpoint_day_counts(*, user, on: dt.date, checkpoint=None) -> dict[int, dict[str, int]]:
    """Per checkpoint id, for one local day: vehicles, people, let through, turned back, to medical staff, fever.

    Two grouped queries on the (area_code, at) indexes, whatever the number of checkpoints.
    """
    from fangkong.arrivals.models import Passage, Passenger

    start, end = _day_bounds(on)
    people = scope(Passenger.objects.all(), user).filter(at__gte=start, at__lt=end)
    passages = scope(Passage.objects.all(), user).filter(at__gte=start, at__lt=end).exclude(plate="")
    if checkpoint is not None:
        people, passages = people.filter(checkpoint=checkpoint), passages.filter(checkpoint=checkpoint)
    counts: dict[int, dict[str, int]] = {}
    rows = people.values("checkpoint_id").order_by().annotate(
        people=Count("pk"),
        let_through=Count("pk", filter=Q(outcome="let_through")),
        turned_back=Count("pk", filter=Q(outcome="turned_back")),
        medical=Count("pk", filter=Q(outcome="medical")),
        fever=Count("pk", filter=Q(fever=True)),
    )
    for row in rows:
        checkpoint_id = row.pop("checkpoint_id")
        counts[checkpoint_id] = {"vehicles": 0, **row}
    for checkpoint_id, n in passages.values("checkpoint_id").order_by().annotate(n=Count("pk")).values_list("checkpoint_id", "n"):
        counts.setdefault(checkpoint_id, dict.fromkeys(COUNT_KEYS, 0))["vehicles"] = n
    return counts


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)


def passages_of(*, user, checkpoint, on: dt.date | None = None) -> QuerySet:
    """Passages at a checkpoint, newest first (one day's when `on` is given), with their passengers."""
    from fangkong.arrivals.models import Passage

    qs = scope(Passage.objects.filter(checkpoint=checkpoint), user).prefetch_related("passengers")
    if on is not None:
        start, end = _day_bounds(on)
        qs = qs.filter(at__gte=start, at__lt=end)
    return qs.order_by("-at", "-pk")


def destinations_in_city(*, checkpoint, query: str, limit: int = 20) -> list:
    """Townships, villages and grids of the checkpoint's city whose name contains `query`, for the destination list.

    Division names and codes are public (national statistical codes), and a checkpoint routes
    arrivals to the whole city, so this is cut to the city rather than to the user's node.
    """
    from fangkong.areas.models import Area
    from fangkong.core.scoping import subtree_q

    query = " ".join((query or "").split())
    if not query:
        return []
    qs = Area.objects.filter(subtree_q(checkpoint.area_code[:4], "code"), level__in=(4, 5, 6)).select_related("parent")
    qs = qs.filter(code__startswith=query) if query.isdigit() else qs.filter(name__contains=query)
    return list(qs.order_by("level", "code")[:limit])


# ---------------------------------------------------------------------------
# Capability 2 and 4, public pages: self-declaration by QR poster, personal check-in links
# ---------------------------------------------------------------------------


# The origin picker of the public page offers divisions down to townships: names the statistics office publishes.
PICKER_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP)


def poster_generation(code: str) -> int:
    return DeclarationPoster.objects.filter(area_code=code).values_list("generation", flat=True).first() or 0


def declaration_token(community: Area) -> str:
    return community_token(community.code, poster_generation(community.code))


def declaration_community(token: str) -> Area | None:
    """The community a poster's token names, while that poster is current. Public: the signed token is the credential."""
    ref = parse_community_token(token)
    if ref is None or ref.generation != poster_generation(ref.code):
        return None
    return Area.objects.filter(code=ref.code, level=Level.VILLAGE).select_related("parent").first()


def _may_print_posters(user) -> bool:
    """The chain from the grid worker to the district (and the city): control.poster.print."""
    return role_allows(user, "control.poster.print")


def poster_communities(*, user) -> QuerySet[Area]:
    """Communities whose poster the user may print: those in their subtree, or the one their grid lies in."""
    if not _may_print_posters(user):
        return Area.objects.none()
    qs = Area.objects.filter(level=Level.VILLAGE).select_related("parent")
    own = user.area_code[:12] if len(user.area_code or "") > 12 else None
    if own:
        return qs.filter(code=own)
    return scope(qs, user, field="code")


def poster_community_get(*, user, code: str) -> Area:
    """One community whose poster the user may print; 404 otherwise (no existence leak)."""
    from django.http import Http404

    area = poster_communities(user=user).filter(code=code).first()
    if area is None:
        raise Http404
    return area


def places_under(parent_code: str | None) -> list[Area]:
    """Divisions offered by the public origin picker: the provinces, or the children of one, down to townships."""
    qs = Area.objects.filter(level__in=PICKER_LEVELS)
    qs = qs.filter(parent__code=parent_code) if parent_code else qs.filter(level=Level.PROVINCE)
    return list(qs.only("code", "name", "level").order_by("code")[:2000])


def community_buildings(community: Area) -> list[tuple[str, str]]:
    """Buildings / village groups of a community, labelled with their grid: no person or household in them."""
    grids = {a.code: a.name for a in Area.objects.filter(subtree_q(community.code, "code"), level=Level.GRID).only("code", "name")}
    buildings = Area.objects.filter(subtree_q(community.code, "code"), level=Level.BUILDING).only("code", "name")
    return [(b.code, f"{grids.get(b.code[:15], '')} {b.name}".strip()) for b in buildings.order_by("code")[:1000]]


def declarations_pending(*, user) -> QuerySet[SelfDeclaration]:
    """Self-declarations waiting for the worker, under the user's node: the household to confirm, or the
    person (a declaration matched to someone already registered)."""
    return (scope(SelfDeclaration.objects.select_related("arrival", "person"), user)
            .filter(Q(household_pending=True) | Q(identity_pending=True) | Q(origin_pending=True)).order_by("submitted_at"))


def declaration_get(*, user, pk: int) -> SelfDeclaration:
    return get_scoped_or_404(SelfDeclaration.objects.select_related("arrival", "person", "arrival__routed_to"), user, pk=pk)


def declaration_households(*, user, declaration: SelfDeclaration, query: str = "", limit: int = 50):
    """Households of the declared community, in the user's scope, whose address contains the query."""
    from fangkong.people.models import Household

    qs = scope(Household.objects.filter(subtree_q(declaration.community_code)), user)
    if query.strip():
        qs = qs.filter(address__icontains=query.strip())
    return qs.order_by("code")[:limit]


# ---------------------------------------------------------------------------
# Arrivals imports (协查 lists and sheets, issue 4 capability 2): batches, scoped by the batch's area
# ---------------------------------------------------------------------------

ARRIVAL_IMPORT_KINDS = ("xiecha", "arrival_sheet")


def arrival_batches(*, user) -> QuerySet:
    from fangkong.imports.models import ImportBatch

    return scope(ImportBatch.objects.filter(kind__in=ARRIVAL_IMPORT_KINDS), user)


def arrival_batch_get(*, user, pk: int):
    from fangkong.imports.models import ImportBatch

    return get_scoped_or_404(ImportBatch.objects.filter(kind__in=ARRIVAL_IMPORT_KINDS), user, pk=pk)


# ---------------------------------------------------------------------------


def new_arrivals_of_day(*, user, on: dt.date) -> list[Arrival]:
    """The worker's day section of arrivals reported since yesterday (control.selectors.register_day_section)."""
    return list(arrivals_for(user=user).filter(arrived_on__gte=on - dt.timedelta(days=1)).order_by("-reported_at")[:200])
