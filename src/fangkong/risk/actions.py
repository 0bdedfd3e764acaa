"""Actions of the risk-area list. Names keep the `control.` prefix of before the split (the grant table names them)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.permissions import register

RISK_AREA_EDIT = register("control.risk_area.edit", _("Edit the risk-area list"))
