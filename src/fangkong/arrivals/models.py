"""Arrivals: registrations, checkpoints (卡口) with their passages, public self-declarations with their posters,
and the rows of 协查 lists and arrival sheets.

The tables keep their names from before the split of control (control_arrival, control_checkpoint, …)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fangkong.core.fields import SealedField
from fangkong.risk.models import RiskLevel


class Transport(models.TextChoices):
    PLANE = "plane", _("Plane")
    TRAIN = "train", _("Train")
    CAR = "car", _("Car")
    BUS = "bus", _("Bus")
    OTHER = "other", _("Other")


class Arrival(models.Model):
    """A person arriving in the city (来返人员), from whichever channel reported it."""

    class Source(models.TextChoices):
        CHECKPOINT = "checkpoint", _("Checkpoint")
        SELF_DECLARATION = "self", _("Self-declaration")
        ASSIST_LIST = "assist", _("List pushed by another region (协查)")
        BIG_DATA = "big_data", _("Big-data push")
        IMPORT = "import", _("Spreadsheet import")
        MANUAL = "manual", _("Entered by staff")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="arrivals")
    area_code = models.CharField(max_length=24, db_index=True)  # the destination node
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.SET_NULL)
    category = models.CharField(_("category"), max_length=40)
    origin_code = models.CharField(_("origin code"), max_length=24, blank=True)
    origin_name = models.CharField(_("origin"), max_length=200)
    origin_risk = models.CharField(_("origin risk"), max_length=6, choices=RiskLevel.choices, blank=True)
    route = models.CharField(_("route"), max_length=300, blank=True)
    transport = models.CharField(_("transport"), max_length=10, choices=Transport.choices, default=Transport.OTHER)
    transport_number = models.CharField(_("flight / train / plate"), max_length=40, blank=True)
    arrived_on = models.DateField(_("arrival date"))
    negative_test_date = models.DateField(_("last negative test"), null=True, blank=True)
    released_from_centralized_isolation = models.BooleanField(default=False)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reported_at = models.DateTimeField(default=timezone.now)
    # The grid worker (responsible person) the arrival was routed to, and when.
    routed_to = models.ForeignKey("areas.Responsible", null=True, blank=True, on_delete=models.SET_NULL)
    routed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "control_arrival"
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["area_code", "arrived_on"])]

    def __str__(self) -> str:
        return f"{self.person_id} from {self.origin_name} on {self.arrived_on}"


# ---------------------------------------------------------------------------
# Capability 7: checkpoints (卡口) on the four channels, and what passes them
# ---------------------------------------------------------------------------


class Checkpoint(models.Model):
    """A checkpoint on one of the four channels (四大通道), under a county or township."""

    class Channel(models.TextChoices):
        AIRPORT = "airport", _("Airport")
        RAILWAY = "railway", _("Railway station")
        HIGHWAY = "highway", _("Highway")
        ROAD = "road", _("National / provincial road")

    # Channels where people arrive on foot from a plane or a train: a plate is not required there.
    FOOT_CHANNELS = (Channel.AIRPORT, Channel.RAILWAY)

    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="checkpoints", verbose_name=_("area"))
    area_code = models.CharField(max_length=24, db_index=True)  # the area's code, for scoping
    location = models.CharField(_("location"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    responsible_name = models.CharField(_("person in charge"), max_length=50, blank=True)
    # A work phone, published at the checkpoint like the grid boards' (not personal data).
    responsible_phone = models.CharField(_("phone of the person in charge"), max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(table_name="control_historicalcheckpoint")

    class Meta:
        db_table = "control_checkpoint"
        ordering = ["area_code", "channel", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="checkpoint_unique_name_per_area"),
            models.CheckConstraint(condition=models.Q(channel__in=["airport", "railway", "highway", "road"]),
                                   name="checkpoint_channel_known"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_plate(self) -> bool:
        return self.channel not in self.FOOT_CHANNELS

    def clean(self) -> None:
        """For the admin's form: a county or township, and the scoping code kept equal to the area's."""
        from django.core.exceptions import ValidationError

        if self.area_id is not None:
            if self.area.level not in (3, 4):
                raise ValidationError({"area": _("a checkpoint belongs to a county or a township")})
            self.area_code = self.area.code


class Passage(models.Model):
    """One stop at a checkpoint: a vehicle (or a group on foot) and the people in it."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="passages")
    area_code = models.CharField(max_length=24)  # the checkpoint's, for scoping
    at = models.DateTimeField(_("time"), default=timezone.now)
    plate = models.CharField(_("vehicle plate"), max_length=8, blank=True)
    trip_number = models.CharField(_("flight / train number"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "control_passage"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["checkpoint", "at"]), models.Index(fields=["area_code", "at"])]

    def __str__(self) -> str:
        return f"{self.checkpoint_id} {self.at:%Y-%m-%d %H:%M} {self.plate}"


class Passenger(models.Model):
    """One person checked at a checkpoint: temperature, health code, where from and to, and the outcome.

    The document and phone are kept sealed like a person's (the log must outlive the
    person's record, and may name someone who never enters the registry: turned back).
    """

    class Colour(models.TextChoices):
        GREEN = "green", _("Green")
        YELLOW = "yellow", _("Yellow")
        RED = "red", _("Red")

    class Outcome(models.TextChoices):
        LET_THROUGH = "let_through", _("Let through")
        TURNED_BACK = "turned_back", _("Turned back (劝返)")
        MEDICAL = "medical", _("Handed to medical staff")

    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="passengers")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=24)  # the checkpoint's, for scoping
    at = models.DateTimeField()  # the passage's, so a day's counts need one table
    seq = models.PositiveSmallIntegerField()  # the row on the entry screen, from 1
    name = models.CharField(_("name"), max_length=100)
    id_type = models.CharField(_("document type"), max_length=20, default="resident_id")
    id_number_sealed = SealedField(blank=True, default="")
    id_number_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    id_number_masked = models.CharField(_("document number"), max_length=40, blank=True, default="")
    phone_sealed = SealedField(blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="")
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, default="")
    origin_code = models.CharField(_("origin code"), max_length=24, blank=True)
    origin_name = models.CharField(_("coming from"), max_length=200)
    destination_code = models.CharField(_("destination"), max_length=32, blank=True)  # an area or a household code
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    fever = models.BooleanField(default=False)  # at or above the profile's threshold when recorded
    colour = models.CharField(_("health code"), max_length=6, choices=Colour.choices)
    code_scanned = models.BooleanField(default=False)  # the colour came from a verification of the code's token
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    arrival = models.ForeignKey(Arrival, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "control_passenger"
        ordering = ["passage", "seq"]
        indexes = [models.Index(fields=["checkpoint", "at"]), models.Index(fields=["area_code", "at"])]
        constraints = [
            models.UniqueConstraint(fields=["passage", "seq"], name="passenger_once_per_row"),
            models.CheckConstraint(condition=models.Q(temperature__gte=34) & models.Q(temperature__lte=43),
                                   name="passenger_temperature_plausible"),
            models.CheckConstraint(condition=models.Q(outcome__in=["let_through", "turned_back", "medical"]),
                                   name="passenger_outcome_known"),
            # A fever or a red code is handed to medical staff, never let through or sent away unchecked.
            models.CheckConstraint(condition=models.Q(outcome="medical") | (models.Q(fever=False) & ~models.Q(colour="red")),
                                   name="passenger_fever_or_red_to_medical"),
        ]

    def __str__(self) -> str:
        return f"{self.passage_id}#{self.seq} {self.outcome}"

    @property
    def masked_name(self) -> str:
        from fangkong.core.masking import mask_name

        return mask_name(self.name)


# ---------------------------------------------------------------------------
# Capability 2 and 4, public pages: self-declaration by QR poster, personal check-in links
# ---------------------------------------------------------------------------


class DeclarationPoster(models.Model):
    """The generation of a community's self-declaration QR code; rotating it voids printed posters.

    A community without a row is at generation 0: posters need no database row until one is rotated.
    """

    area_code = models.CharField(max_length=24, unique=True)
    generation = models.PositiveIntegerField(default=0)
    rotated_at = models.DateTimeField(null=True, blank=True)
    rotated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        db_table = "control_declarationposter"

    def __str__(self) -> str:
        return f"poster {self.area_code} g{self.generation}"


class SelfDeclaration(models.Model):
    """What a person declared on the public page, beside the arrival it registered.

    The declared name and phone are kept here, not written over a matched person's record
    (anyone can type anyone's ID number): the worker compares them when following up.
    """

    arrival = models.OneToOneField(Arrival, on_delete=models.CASCADE, related_name="declaration")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    community_code = models.CharField(max_length=24, db_index=True)
    area_code = models.CharField(max_length=24, db_index=True)  # where the arrival is now routed
    declared_name = models.CharField(_("declared name"), max_length=100)
    phone_sealed = SealedField(blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="")
    phone_masked = models.CharField(_("declared phone"), max_length=20, blank=True, default="")
    building_code = models.CharField(max_length=24, blank=True)
    address_text = models.CharField(_("declared address"), max_length=200)
    person_created = models.BooleanField(default=False)  # the declaration created the person record
    household_pending = models.BooleanField(_("household to be confirmed"), default=False, db_index=True)
    # Matched to a person already registered (by the document number typed on a public page): anyone who knows
    # a neighbour's number could type it, so the arrival places no order and changes no code until the
    # responsible worker confirms it.
    identity_pending = models.BooleanField(_("person to be confirmed"), default=False, db_index=True)
    # The typed origin named no single division (or one too wide): no order until the worker names the division.
    origin_pending = models.BooleanField(_("origin to be confirmed"), default=False, db_index=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    submissions = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "control_selfdeclaration"
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["person", "community_code", "submitted_at"], name="declaration_idempotency")]

    def __str__(self) -> str:
        return f"declaration {self.pk} to {self.community_code}"


# ---------------------------------------------------------------------------
# Arrivals from lists pushed by other regions (协查) and spreadsheet imports (issue 4, capability 2)
# ---------------------------------------------------------------------------


class ArrivalImportRow(models.Model):
    """What became of one row of an arrivals import (a 协查 list or a spreadsheet).

    The 协查 feedback is read from these rows; a list pushed again is matched on (pushing
    unit, reference), and the constraint keeps a reference from registering twice. The row's
    uploaded values are not kept here: a rejected row's are in its sealed ImportReject, an
    accepted row's are the person's and the arrival's.
    """

    class Outcome(models.TextChoices):
        CREATED = "created", _("Created: new person registered")
        MATCHED = "matched", _("Matched: registered person")
        UNCHANGED = "unchanged", _("Already registered")
        NOT_FOUND = "not_found", _("Not found in our area")
        REJECTED = "rejected", _("Rejected")
        # A person registered in an area outside the importer's: the arrival and its order go to that area's
        # worker (their list is the notification), and the importer's feedback does not name them.
        ELSEWHERE = "elsewhere", _("Registered in another area: passed to that area")

    REGISTERED = (Outcome.CREATED, Outcome.MATCHED, Outcome.ELSEWHERE)

    batch = models.ForeignKey("imports.ImportBatch", on_delete=models.CASCADE, related_name="arrival_rows")
    row_number = models.PositiveIntegerField()
    area_code = models.CharField(max_length=24, db_index=True)  # the batch's area: rows are scoped like it
    reference = models.CharField(_("reference (协查编号)"), max_length=64, blank=True)
    pushing_unit = models.CharField(_("pushing unit"), max_length=200, blank=True)
    pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # The person was created by the import that first registered this arrival (kept for unchanged rows too).
    person_created = models.BooleanField(default=False)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    arrival = models.ForeignKey(Arrival, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_rows")
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "control_arrivalimportrow"
        ordering = ["batch", "row_number"]
        indexes = [models.Index(fields=["pushing_unit", "reference"], name="arrival_row_reference")]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="arrival_row_once_per_batch"),
            models.UniqueConstraint(
                fields=["pushing_unit", "reference"],
                condition=models.Q(outcome__in=["created", "matched"]) & ~models.Q(reference=""),
                name="arrival_reference_registered_once",
            ),
        ]

    def __str__(self) -> str:
        return f"batch {self.batch_id} row {self.row_number}: {self.outcome}"
