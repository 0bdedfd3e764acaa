"""Actions of demo: building the synthetic city (drills use the same platform on it)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.permissions import SYSTEM, register

CITY_BUILD = register("demo.city.build", _("Build or rebuild the synthetic city"), reach=SYSTEM)
