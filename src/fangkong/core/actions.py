"""Actions of core: reading the audit and access logs, issuing tokens, purging past retention."""

from django.utils.translation import gettext_lazy as _

from .permissions import SYSTEM, register

AUDIT_READ = register("core.audit.read", _("Search the audit and access logs"), writes=False)
AUDIT_PURGE = register("core.audit.purge", _("Purge records past their retention period"), reach=SYSTEM)
TOKEN_ISSUE = register("core.token.issue", _("Issue an API token"))
