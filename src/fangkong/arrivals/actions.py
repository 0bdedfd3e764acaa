"""Actions of arrivals: registration, 协查 and sheet imports, public declarations, checkpoints and posters.
Their names keep the `control.` prefix of before the split (the grant table and docs/permissions.md name them)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.permissions import SYSTEM, register

ARRIVAL_REGISTER = register("control.arrival.register", _("Register an arrival"))
ARRIVAL_IMPORT_RUN = register("control.arrival_import.run", _("Import a 协查 list or a sheet of arrivals"))
DECLARATION_SUBMIT = register("control.declaration.submit", _("Submit a self-declaration"), reach=SYSTEM)
DECLARATION_CONFIRM = register("control.declaration.confirm", _("Confirm a self-declaration"))
CHECKPOINT_MANAGE = register("control.checkpoint.manage", _("Set up checkpoints"))
PASSAGE_RECORD = register("control.passage.record", _("Record checkpoint passages"))
POSTER_ROTATE = register("control.poster.rotate", _("Replace a declaration poster"))
POSTER_PRINT = register("control.poster.print", _("Print a community's declaration poster"), writes=False)
