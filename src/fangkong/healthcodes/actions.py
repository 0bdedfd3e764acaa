"""Actions of health codes. The name keeps the `control.` prefix of before the split (the grant table names it)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.permissions import register

HEALTH_CODE_VERIFY = register("control.health_code.verify", _("Verify a health code"))
