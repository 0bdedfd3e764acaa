from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fangkong.policy.models import ActiveProfile  # noqa: F401 - moved to policy; kept importable here


class ControlOrder(models.Model):
    """A control measure plan for one person (管控措施), derived from the policy profile in force."""

    class Status(models.TextChoices):
        ORDERED = "ordered", _("Ordered")
        IN_PROGRESS = "in_progress", _("In progress")
        RELEASED = "released", _("Released")
        ESCALATED = "escalated", _("Escalated")
        HOSPITAL = "hospital", _("Transferred to hospital")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN = (Status.ORDERED, Status.IN_PROGRESS, Status.ESCALATED)
    # Orders whose category and positive results still colour a code: open ones, and a stay in hospital
    # (a positive person transferred there must not turn green). Overdue tests count for open orders only.
    COLOURING = (*OPEN, Status.HOSPITAL)

    # Indexed by (person, status) and (status, area_code) below: no single-column twins, whose upkeep a
    # profile switch pays on every order it updates.
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="control_orders", db_index=False)
    area_code = models.CharField(max_length=24)
    arrival = models.ForeignKey("arrivals.Arrival", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    category = models.CharField(_("category"), max_length=40)
    facts = models.JSONField(default=dict)  # the facts the plan was derived from, to re-derive on a profile switch
    profile_name = models.CharField(max_length=60)
    profile_version = models.PositiveIntegerField()
    rule_id = models.CharField(max_length=60)
    explanation = models.TextField()
    checkins_per_day = models.PositiveSmallIntegerField(default=1)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ORDERED)
    owner = models.ForeignKey("areas.Responsible", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_reason = models.CharField(max_length=200, blank=True)
    # A person transferred to hospital (转运): the hospital that took them over, and when.
    hospital = models.ForeignKey("core.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    admitted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "area_code"]), models.Index(fields=["person", "status"]),
                   models.Index(fields=["area_code"], name="order_area")]  # subtree ranges; no LIKE twin

    def __str__(self) -> str:
        return f"order {self.pk} {self.category} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class OrderMeasure(models.Model):
    # Found by the (order, seq) constraint's index.
    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="measures", db_index=False)
    seq = models.PositiveSmallIntegerField()
    measure = models.CharField(max_length=30)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["order", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="measure_once_per_seq")]

    def __str__(self) -> str:
        return f"{self.measure} {self.starts_on}–{self.ends_on}"


class ScheduledTest(models.Model):
    """A nucleic-acid test a person under control is due on a day."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        NEGATIVE = "negative", _("Negative")
        POSITIVE = "positive", _("Positive")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")
        WAIVED = "waived", _("Waived: added to the schedule after its day had passed")

    # Found by the (order, due_on) constraint's index.
    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="tests", db_index=False)
    # The order's person, copied for per-person queries. Its existence is the order's foreign key's to
    # check: a constraint here cost a profile switch a row lock on a person per test it adds.
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="scheduled_tests",
                               db_constraint=False)
    area_code = models.CharField(max_length=24)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    result_at = models.DateTimeField(null=True, blank=True)
    # Who entered the result (a lab, a worker): a positive turns a code red, so it is never anonymous.
    # No database constraint: a profile switch inserts tests by the million and none of them has a result yet.
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", db_constraint=False)

    # What an order's release does not wait for: a result, or no test to take.
    SETTLED = (Status.NEGATIVE, Status.CANCELLED, Status.WAIVED)

    class Meta:
        ordering = ["due_on"]
        indexes = [models.Index(fields=["area_code", "due_on", "status"])]
        constraints = [models.UniqueConstraint(fields=["order", "due_on"], name="test_once_per_order_day")]

    def __str__(self) -> str:
        return f"test {self.due_on} {self.status}"


class CheckIn(models.Model):
    """A daily health check-in: temperature and symptoms, by the worker or the person."""

    class By(models.TextChoices):
        WORKER = "worker", _("Grid worker")
        SELF = "self", _("The person (personal link)")

    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="checkins")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="checkins")
    area_code = models.CharField(max_length=24)
    at = models.DateTimeField(default=timezone.now)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    note = models.CharField(max_length=200, blank=True)
    by = models.CharField(max_length=6, choices=By.choices)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["order", "at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(temperature__gte=34) & models.Q(temperature__lte=43),
                                   name="checkin_temperature_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.temperature}"


class Escalation(models.Model):
    """Overdue or alarming work passed up the responsibility chain."""

    class Kind(models.TextChoices):
        FEVER = "fever", _("Fever or symptoms")
        MISSED_CHECKIN = "missed_checkin", _("Missed check-in")
        MISSED_TEST = "missed_test", _("Missed test")
        POSITIVE = "positive", _("Positive result")
        UNROUTED = "unrouted", _("Arrival not taken up")

    order = models.ForeignKey(ControlOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="escalations")
    scheduled_test = models.ForeignKey("ScheduledTest", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="escalations")
    area_code = models.CharField(max_length=24, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    detail = models.CharField(max_length=300)
    level = models.PositiveSmallIntegerField(default=1)  # 1 = grid's village cadre, 2 = township, 3 = county
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["resolved_at", "area_code"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} L{self.level}"

    @property
    def text(self) -> str:
        """What happened, in the reader's language. `detail` is written once in a fixed form (the API answers it
        as is); the page reads its figures and dates out of it, so no English sentence or symptom code shows."""
        from django.utils.translation import gettext, pgettext

        from fangkong.policy.labels import SYMPTOM_LABELS

        detail = self.detail
        day = re.search(r"\d{4}-\d{2}-\d{2}", detail)
        if self.kind == self.Kind.FEVER and (found := re.match(r"^([\d.]+) °C(?:, (.*))?$", detail)):
            symptoms = [str(SYMPTOM_LABELS.get(s.strip(), s.strip())) for s in (found.group(2) or "").split(",") if s.strip()]
            return pgettext("list separator", ", ").join([f"{found.group(1)} °C", *symptoms])
        if self.kind == self.Kind.MISSED_TEST and day:
            return gettext("the test of %(day)s has no result") % {"day": day.group(0)}
        if self.kind == self.Kind.POSITIVE and day:
            return gettext("the test of %(day)s was positive") % {"day": day.group(0)}
        if self.kind == self.Kind.MISSED_CHECKIN and (since := re.search(r"since (.+)$", detail)):
            return gettext("no check-in since %(since)s") % {"since": since.group(1)}
        return detail




class CheckinLink(models.Model):
    """A personal, revocable, expiring link through which a person under an order checks in."""

    order = models.ForeignKey(ControlOrder, on_delete=models.CASCADE, related_name="checkin_links")
    area_code = models.CharField(max_length=24, db_index=True)
    nonce = models.CharField(max_length=32)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"check-in link {self.pk} for order {self.order_id}"


