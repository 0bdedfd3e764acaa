"""Actions of areas: divisions, the responsibility chain (包保), teams, duty rosters and users."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.permissions import SYSTEM, register

DIVISION_IMPORT = register("areas.division.import", _("Import administrative divisions"), reach=SYSTEM)
TALLY_REFRESH = register("areas.tally.refresh", _("Refresh the area tallies"), reach=SYSTEM)
RESPONSIBLE_MANAGE = register("areas.responsible.manage", _("Assign and replace responsible persons"))
TEAM_MANAGE = register("areas.team.manage", _("Manage teams and their members"))
ROSTER_MANAGE = register("areas.roster.manage", _("Manage duty rosters"))
USER_MANAGE = register("areas.user.manage", _("Manage the users of the area"))
