"""Mass nucleic-acid testing: campaigns and their rounds, target areas and sites, tubes (10-in-1 pooled or
single) and the samples in them, transfer boxes to the labs, results, and what a positive sets off (recalls of a
positive pool's members, and a case to open for a positive single tube).

Laboratories are `core.Unit`s of kind `lab`: a lab user is bound to one (core.permissions.require(..., unit=)),
and sees the tubes sent to it wherever they were sampled. Every table that holds personal or area data carries
the `area_code` that scoping cuts by."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

POOL_CAPACITY = 10  # 10合1混采: a pooled tube takes up to ten persons' swabs


class Campaign(models.Model):
    """A mass-testing campaign (全员核酸检测), owned by the area that ordered it."""

    name = models.CharField(_("name"), max_length=100)
    area_code = models.CharField(_("area code"), max_length=24, db_index=True)  # the ordering node
    labs = models.ManyToManyField("core.Unit", blank=True, related_name="campaigns", verbose_name=_("laboratories"),
                                  limit_choices_to={"kind": "lab"})
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class TargetArea(models.Model):
    """An area a campaign must cover, with its own deadline (the centre in 2 days, the whole city in 3–5)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    area_code = models.CharField(_("area code"), max_length=24)
    deadline = models.DateTimeField(_("deadline"))

    class Meta:
        ordering = ["area_code"]
        constraints = [models.UniqueConstraint(fields=["campaign", "area_code"], name="testing_target_once")]

    def __str__(self) -> str:
        return f"{self.area_code} by {self.deadline:%Y-%m-%d %H:%M}"


class Round(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))

    class Meta:
        ordering = ["campaign", "number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="testing_round_once")]

    def __str__(self) -> str:
        return f"{self.campaign} #{self.number}"


class SamplingSite(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sites")
    area_code = models.CharField(_("area code"), max_length=24, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return self.name


class TransferBox(models.Model):
    """A sealed box of tubes from a site to a laboratory (转运箱)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="boxes")
    code = models.CharField(_("box code"), max_length=40)
    site = models.ForeignKey(SamplingSite, on_delete=models.PROTECT, related_name="boxes")
    area_code = models.CharField(max_length=24, db_index=True)  # the site's
    lab = models.ForeignKey("core.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("laboratory"))
    packed_at = models.DateTimeField(default=timezone.now)
    packed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="testing_box_code_once")]

    def __str__(self) -> str:
        return self.code


class Tube(models.Model):
    """One tube: its barcode is unique within the campaign. Its state moves collected → boxed → received →
    resulted, each step with its time and who."""

    class Kind(models.TextChoices):
        POOLED = "pooled", _("10-in-1 pooled")
        SINGLE = "single", _("Single")

    class State(models.TextChoices):
        COLLECTED = "collected", _("Collected")
        BOXED = "boxed", _("In a transfer box")
        RECEIVED = "received", _("Received at the laboratory")
        RESULTED = "resulted", _("Resulted")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tubes", db_index=False)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="tubes")
    site = models.ForeignKey(SamplingSite, on_delete=models.PROTECT, related_name="tubes")
    area_code = models.CharField(max_length=24, db_index=True)  # the site's
    barcode = models.CharField(_("tube barcode"), max_length=40)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.POOLED)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.COLLECTED)
    closed = models.BooleanField(_("closed"), default=False)  # no more persons: full, or closed by the sampler
    collected_at = models.DateTimeField(default=timezone.now)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    box = models.ForeignKey(TransferBox, null=True, blank=True, on_delete=models.SET_NULL, related_name="tubes")
    boxed_at = models.DateTimeField(null=True, blank=True)
    boxed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    lab = models.ForeignKey("core.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resulted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-collected_at"]
        constraints = [models.UniqueConstraint(fields=["campaign", "barcode"], name="testing_barcode_once")]
        indexes = [models.Index(fields=["lab", "state"], name="testing_tube_lab_state")]

    def __str__(self) -> str:
        return self.barcode

    @property
    def capacity(self) -> int:
        return POOL_CAPACITY if self.kind == self.Kind.POOLED else 1


class TubeSample(models.Model):
    """One person's swab in a tube. A second sample of a person in the same round at another site keeps why."""

    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="samples", db_index=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="tube_samples")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="+", db_index=False)
    area_code = models.CharField(max_length=24, db_index=True)  # the person's
    taken_at = models.DateTimeField(default=timezone.now)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    repeat_reason = models.CharField(_("reason for a repeat sample"), max_length=200, blank=True)

    class Meta:
        ordering = ["taken_at"]
        constraints = [models.UniqueConstraint(fields=["tube", "person"], name="testing_person_once_per_tube")]
        indexes = [models.Index(fields=["round", "person"], name="testing_sample_round_person")]

    def __str__(self) -> str:
        return f"sample {self.pk} in tube {self.tube_id}"


class Result(models.Model):
    class Outcome(models.TextChoices):
        NEGATIVE = "negative", _("Negative")
        POSITIVE = "positive", _("Positive")
        INVALID = "invalid", _("Invalid")

    tube = models.OneToOneField(Tube, on_delete=models.CASCADE, related_name="result")
    area_code = models.CharField(max_length=24, db_index=True)  # the tube's
    outcome = models.CharField(_("result"), max_length=8, choices=Outcome.choices)
    ct = models.DecimalField(_("Ct value"), max_digits=4, decimal_places=1, null=True, blank=True)
    tested_at = models.DateTimeField(_("tested at"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.outcome} (tube {self.tube_id})"


class Recall(models.Model):
    """A member of a positive pool, to be found, put under control and retested by single tube."""

    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="recalls")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=24, db_index=True)  # the person's
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    responsible = models.ForeignKey("areas.Responsible", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    order_id = models.BigIntegerField(null=True, blank=True)  # the control order it put the person under
    created_at = models.DateTimeField(default=timezone.now)
    retested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["tube", "person"], name="testing_recall_once")]

    def __str__(self) -> str:
        return f"recall {self.pk} (tube {self.tube_id})"


class CaseLead(models.Model):
    """A positive single tube: a case to open, on the CDC's list until the tracing work takes it up."""

    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="case_leads")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=24, db_index=True)  # the person's
    raised_at = models.DateTimeField(default=timezone.now)
    taken_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [models.UniqueConstraint(fields=["tube", "person"], name="testing_case_lead_once")]

    def __str__(self) -> str:
        return f"case to open {self.pk} (tube {self.tube_id})"
