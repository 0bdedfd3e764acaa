from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fangkong.areas.models import Area, Responsible
from fangkong.core.fields import SealedField


class Household(models.Model):
    """A household (户) under a grid or building; its code extends its node's code."""

    code = models.CharField(_("household code"), max_length=32, unique=True)
    # Indexed by household_area_address, which begins with it.
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="households", db_index=False)
    area_code = models.CharField(max_length=24, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The village cadre answerable for this household (包户).
    responsible = models.ForeignKey(
        Responsible, null=True, blank=True, on_delete=models.SET_NULL, related_name="households"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # History is read per household (by id, which keeps its index); its copies of the
    # household's other indexes would only slow every insert.
    history = HistoricalRecords(no_db_index=["code", "area_code", "area", "responsible"])

    class Meta:
        ordering = ["code"]
        indexes = [
            # Imports match a household without a code by its address within its area.
            models.Index(fields=["area", "address"], name="household_area_address"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.address}"


class Person(models.Model):
    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("Resident ID card")
        PASSPORT = "passport", _("Passport")
        HK_MACAO = "hk_macao_permit", _("Hong Kong / Macao permit")
        TAIWAN = "taiwan_permit", _("Taiwan permit")
        FOREIGN_PR = "foreign_permanent", _("Foreign permanent resident ID")
        BIRTH_CERT = "birth_certificate", _("Birth certificate")
        NONE = "none", _("No document")

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")
        UNKNOWN = "U", _("Unknown")

    class Residence(models.TextChoices):
        RESIDENT = "resident", _("Living here")
        AWAY = "away", _("Away (外出)")
        TEMPORARY = "temporary", _("Temporary resident (暂住)")

    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="persons")
    # No index of its own: person_area_page (area_code, id) serves equality and subtree ranges.
    area_code = models.CharField(max_length=24)
    name = models.CharField(_("name"), max_length=100)
    id_type = models.CharField(_("document type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID)
    # The document number is sealed (encrypted); the keyed hash finds it by exact value;
    # the masked form is what lists show without decrypting anything.
    id_number_sealed = SealedField(blank=True, default="")
    id_number_hash = models.CharField(max_length=64, blank=True, default="")
    id_number_masked = models.CharField(_("document number"), max_length=40, blank=True, default="")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    phone_sealed = SealedField(blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="")  # indexed in Meta (exact lookups only)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, default="")
    relation = models.CharField(_("relation to head"), max_length=20, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    workplace = models.CharField(_("workplace"), max_length=200, blank=True)
    residence = models.CharField(_("residence"), max_length=12, choices=Residence.choices, default=Residence.RESIDENT)
    # Key-population tags (student, cold_chain, medical, migrant_worker…), set by imports and services.
    tags = models.JSONField(default=list, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # History is read per person (by id, which keeps its index); copies of the person's other
    # indexes (area, household, phone hash…) would double the index writes of every import.
    history = HistoricalRecords(
        excluded_fields=["updated_at"], no_db_index=["area_code", "phone_hash", "household", "area", "merged_into"])

    class Meta:
        ordering = ["area_code", "household_id", "id"]
        indexes = [
            models.Index(fields=["area_code", "id"], name="person_area_page"),
            models.Index(fields=["name", "birth_date"], name="person_name_birth"),
            # Imports look documents up in bulk, merged records included (they lead to the kept one).
            models.Index(fields=["id_number_hash"], name="person_doc_hash"),
            # Exact lookups by phone: one plain B-tree (db_index would add a second, LIKE-pattern one on PostgreSQL).
            models.Index(fields=["phone_hash"], name="person_phone_hash"),
            # Few records are merged: only they are indexed (merged_from, and the foreign key check on delete).
            models.Index(fields=["merged_into"], name="person_merged_into", condition=models.Q(merged_into__isnull=False)),
        ]
        constraints = [
            # One live record per document: the exact-ID lookup and idempotent imports rely on it.
            models.UniqueConstraint(
                fields=["id_type", "id_number_hash"],
                condition=models.Q(merged_into__isnull=True) & ~models.Q(id_number_hash=""),
                name="person_unique_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"


class DuplicateCandidate(models.Model):
    """Two records that may be one person: queued for review, never blocking an import."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        DISTINCT = "distinct", _("Kept both")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    area_code = models.CharField(max_length=24, db_index=True)
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    found_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-found_at"]
        constraints = [models.UniqueConstraint(fields=["person", "other"], name="duplicate_pair_once")]

    def __str__(self) -> str:
        return f"{self.person_id} ~ {self.other_id}: {self.reason}"


class TransferRequest(models.Model):
    """A request to move a person registered in another area into the requester's (迁入申请).

    Seen from two sides: the owning area (where the person is now, `area_code`) decides it; the requesting
    area (`to_area_code`) follows it. Neither side learns more of the other than the request itself.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="transfer_requests")
    area_code = models.CharField(max_length=24, db_index=True)  # the person's area when asked: it decides
    to_area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    to_area_code = models.CharField(max_length=24, db_index=True)  # the requesting side
    to_household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    owner = models.ForeignKey(Responsible, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="the owning area's responsible worker who receives the request")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open request per person and destination: a second click does not file a second request.
            models.UniqueConstraint(fields=["person", "to_area"], condition=models.Q(status="pending"),
                                    name="one_pending_transfer_per_person_and_area"),
        ]

    def __str__(self) -> str:
        return f"transfer {self.pk} person {self.person_id} {self.area_code}→{self.to_area_code} {self.status}"
