"""Actions of gatherings. Their names keep the `control.` prefix they had before the split: the grant
table and docs/permissions.md name them."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.permissions import register

GATHERING_SUBMIT = register("control.gathering.submit", _("Apply for a gathering"))
GATHERING_DECIDE = register("control.gathering.decide", _("Approve or reject a gathering"))
GATHERING_CANCEL = register("control.gathering.cancel", _("Cancel an approved gathering"))
