from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .codes import LEVEL_NAMES, Level, to_national


class Area(models.Model):
    """A node of the administrative tree, from province down to a building or village group."""

    class LevelChoice(models.IntegerChoices):
        PROVINCE = Level.PROVINCE, _("Province")
        CITY = Level.CITY, _("City")
        COUNTY = Level.COUNTY, _("District / county")
        TOWNSHIP = Level.TOWNSHIP, _("Township / street")
        VILLAGE = Level.VILLAGE, _("Community / village")
        GRID = Level.GRID, _("Grid")
        BUILDING = Level.BUILDING, _("Building / village group")

    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=LevelChoice.choices, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Simple polygon for the command map: a GeoJSON geometry object, no map tiles needed.
    geometry = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=7), name="area_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def national_code(self) -> str:
        return to_national(self.code)

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[Level(self.level)]


class Responsible(models.Model):
    """A named person answerable for a node (包保责任人): published on the grid's board."""

    class Tier(models.TextChoices):
        COUNTY_LEADER = "county_leader", _("County leader (包乡)")
        TOWNSHIP_CADRE = "township_cadre", _("Township cadre (包村)")
        VILLAGE_CADRE = "village_cadre", _("Village cadre (包户)")
        GRID_WORKER = "grid_worker", _("Grid worker (网格员)")
        GRID_LEADER = "grid_leader", _("Grid leader (网格长)")
        DOCTOR = "doctor", _("Village doctor (村医)")
        OTHER = "other", _("Other")

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="responsibles")
    # Denormalised path of `area`, so scoping is the same range query as everywhere.
    area_code = models.CharField(max_length=24, db_index=True)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    name = models.CharField(_("name"), max_length=50)
    # A work phone that is published at the grid by design (公示), so not sealed.
    phone = models.CharField(_("phone"), max_length=20)
    title = models.CharField(_("title"), max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["area_code", "tier", "name"]
        indexes = [models.Index(fields=["area", "active"])]

    def __str__(self) -> str:
        return f"{self.name} — {self.get_tier_display()} — {self.area_id}"


class Team(models.Model):
    """A headquarters team: the office, a working group or a task force (一办六组六专班)."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("Office")
        GROUP = "group", _("Working group")
        TASK_FORCE = "task_force", _("Task force")
        TRACING = "tracing", _("Tracing team")

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="teams")
    area_code = models.CharField(max_length=24, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    duties = models.TextField(_("duties"), blank=True)
    min_members = models.PositiveIntegerField(_("minimum members"), null=True, blank=True)
    max_members = models.PositiveIntegerField(_("maximum members"), null=True, blank=True)
    min_police_share = models.DecimalField(
        _("minimum police share"), max_digits=3, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["area_code", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="team_unique_name_per_area")]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    unit = models.CharField(_("unit"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=50, blank=True)
    is_police = models.BooleanField(_("police"), default=False)
    is_lead = models.BooleanField(_("team lead"), default=False)

    class Meta:
        ordering = ["team", "-is_lead", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.team})"


class DutyShift(models.Model):
    """One shift of the 24-hour duty roster (24小时值班) for a node."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="duty_shifts")
    area_code = models.CharField(max_length=24, db_index=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    post = models.CharField(_("post"), max_length=50, default="值班员")
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)

    class Meta:
        ordering = ["area_code", "starts_at"]
        indexes = [models.Index(fields=["area", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_at:%Y-%m-%d %H:%M}"


# --- Precomputed counts under the big nodes (tree page and dashboard at city scale) ---------------


class AreaTally(models.Model):
    """Households and persons under a node at township level or above, as counted at `counted_at`.

    Counting live under a city of ten million means reading millions of index entries per page;
    these rows are recounted in one pass by `areas.services.tallies_refresh` (after every demo
    build and spreadsheet import, and by `fangkong areas tally`). areas.selectors uses them for
    province, city, county and township nodes and counts villages and below live.
    """

    code = models.CharField(max_length=24, unique=True)
    households = models.PositiveBigIntegerField(default=0)
    unassigned_households = models.PositiveBigIntegerField(default=0)  # with no responsible person
    persons = models.PositiveBigIntegerField(default=0)  # records merged into another not counted
    counted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.code}: {self.households} households, {self.persons} persons"
