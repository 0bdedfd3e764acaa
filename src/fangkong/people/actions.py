"""Actions of people: the registry of households and persons."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.permissions import register

PERSON_CREATE = register("people.person.create", _("Register a person"))
PERSON_UPDATE = register("people.person.update", _("Change a person's record"))
PERSON_MERGE = register("people.person.merge", _("Merge two records of one person"))
PERSON_REVEAL = register("people.person.reveal", _("See a full ID number or phone"), writes=False)
HOUSEHOLD_CREATE = register("people.household.create", _("Register a household"))
HOUSEHOLD_UPDATE = register("people.household.update", _("Change a household"))
IMPORT_RUN = register("people.import.run", _("Import a households-and-persons spreadsheet"))
DUPLICATE_DECIDE = register("people.duplicate.decide", _("Decide on a likely duplicate"))
TRANSFER_REQUEST = register("people.transfer.request", _("Ask for a person registered elsewhere to move in"))
TRANSFER_DECIDE = register("people.transfer.decide", _("Accept or refuse a person's transfer"))
