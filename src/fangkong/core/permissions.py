"""The one permission policy: what a user (or a system actor) may *do*, and where.

Each app names its actions in its `actions.py` (`register("control.test_result.record", ...)`), loaded when
Django starts; one table (`core.grants.GRANTS`) grants actions to roles and to system actors. Every service that
writes calls `require(by, action, area_code)` before it writes:

- the role (or system actor) lacks the action, or the action is city-wide and the user is bound below the city,
  or the user is bound to no area at all: `NotPermitted` (403);
- the object lies outside the user's area (or the action is done for a unit and the user is not bound to it):
  `Http404`, so another area's object is indistinguishable from one that does not exist.

`actions_for(user)` is what the UI uses to decide which buttons and menu items to show; the API checks the role
part in the operation's authentication step (`core.api_support.may`), before the body is read.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from functools import cache

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _

# How far an action reaches.
AREA = "area"  # anything in the actor's subtree
CITY = "city"  # the whole city: only a user bound at city level (or above) holds it
SYSTEM = "system"  # done by no person: the public pages, the scheduled scan, the command line
# The deepest code length that counts as "bound at city level": province "41" (2) or city "4114" (4).
CITY_CODE_LENGTH = 4


@dataclass(frozen=True)
class Action:
    name: str
    label: str | Promise
    reach: str = AREA
    writes: bool = True


_REGISTRY: dict[str, Action] = {}


def register(name: str, label: str | Promise, *, reach: str = AREA, writes: bool = True) -> str:
    """Name an action (`app.object.verb`) once; returns the name so an app can keep it as a constant."""
    if name.count(".") < 2 or name != name.lower():
        raise ValueError(f"action names are app.object.verb in lower case: {name!r}")
    if reach not in (AREA, CITY, SYSTEM):
        raise ValueError(f"unknown reach {reach!r} for {name}")
    action = Action(name, label, reach, writes)
    if _REGISTRY.get(name, action) != action:
        raise ValueError(f"action {name} registered twice with different terms")
    _REGISTRY[name] = action
    _granted.cache_clear()
    return name


def registered() -> dict[str, Action]:
    return dict(_REGISTRY)


def action(name: str) -> Action:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LookupError(f"unregistered action {name!r}; register it in its app's actions.py") from None


class NotPermitted(PermissionDenied):
    """The caller's role, level or binding does not allow the action (403)."""

    def __init__(self, name: str, reason: str = ""):
        self.action = name
        super().__init__(reason or _("your role may not do this: %(action)s") % {"action": str(action(name).label)})


@dataclass(frozen=True)
class SystemActor:
    """A writer that is no logged-in user: the public pages, the scheduled scan, the CLI, the demo build.

    It quacks like a user where services read one (`is_authenticated`, `role`, `area_code`) and is known to
    the grant table and to the audit log by its name.
    """

    username: str
    label: str
    area_code: str = ""  # empty: the whole tree; a command-line import of one node's area is bound to it

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None
    id = None
    unit_id = None

    def within(self, area_code: str) -> SystemActor:
        """The same actor, bound to one node's subtree."""
        return replace(self, area_code=area_code)

    @property
    def role(self) -> str:
        return self.username

    def get_role_display(self) -> str:
        return self.label

    def __str__(self) -> str:
        return self.username


PUBLIC = SystemActor("system:public", "public page")
SCHEDULER = SystemActor("system:scheduler", "scheduled scan")
CLI = SystemActor("system:cli", "command line")
DEMO = SystemActor("system:demo", "demo build")
SYSTEM_ACTORS = {a.username: a for a in (PUBLIC, SCHEDULER, CLI, DEMO)}


def is_system(actor) -> bool:
    return isinstance(actor, SystemActor)


@cache
def _granted(role: str) -> frozenset[str]:
    from .grants import GRANTS

    patterns = GRANTS.get(role, ())
    grant = [p for p in patterns if not p.startswith("!")]
    deny = [p[1:] for p in patterns if p.startswith("!")]
    system = role.startswith("system:")
    return frozenset(
        name for name, act in _REGISTRY.items()
        if any(fnmatch.fnmatchcase(name, p) for p in grant)
        and not any(fnmatch.fnmatchcase(name, p) for p in deny)
        and (system or act.reach != SYSTEM)
    )


def granted(role: str) -> frozenset[str]:
    """The actions a role (or system actor name) holds by the grant table, wherever it is bound."""
    return _granted(role)


def _bound(user) -> bool:
    return bool(getattr(user, "area_code", "")) or is_system(user)


def at_city_level(user) -> bool:
    """Bound at city level or above (or the system, or a superuser): holds the city-wide view."""
    return _at_city_level(user)


def _at_city_level(user) -> bool:
    return is_system(user) or getattr(user, "is_superuser", False) or 0 < len(user.area_code) <= CITY_CODE_LENGTH


def role_allows(user, name: str) -> bool:
    """Whether the user may do the action somewhere (role, level and binding; not yet a particular area)."""
    act = action(name)
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return False
    if getattr(user, "is_superuser", False):
        return act.reach != SYSTEM
    if not _bound(user) or name not in _granted(user.role):
        return False
    return act.reach != CITY or _at_city_level(user)


def actions_for(user) -> frozenset[str]:
    """Every action the user may do somewhere: drives which buttons and menu items the UI shows."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if getattr(user, "is_superuser", False):
        return frozenset(name for name, act in _REGISTRY.items() if act.reach != SYSTEM)
    return frozenset(name for name in _granted(getattr(user, "role", "")) if role_allows(user, name))


def in_area(user, area_code: str) -> bool:
    """Whether a node lies in the user's subtree. A system actor reaches everywhere; an unbound user nowhere."""
    bound = getattr(user, "area_code", "")
    if (is_system(user) or getattr(user, "is_superuser", False)) and not bound:
        return True
    return bool(bound) and area_code.startswith(bound)


def require(user, name: str, area_code: str | None = None, *, unit=None):
    """Allow the action or raise: 403 for the role / level / binding, then 404 for the area or the unit."""
    if not role_allows(user, name):
        if getattr(user, "is_authenticated", False) and not _bound(user):
            raise NotPermitted(name, _("your account is bound to no area; ask the command to bind it"))
        if action(name).reach == CITY and name in _granted(getattr(user, "role", "")):
            raise NotPermitted(name, _("a city-wide action needs a user bound at city level"))
        raise NotPermitted(name)
    if area_code is not None and not in_area(user, area_code):
        raise Http404
    exempt = is_system(user) or getattr(user, "is_superuser", False)
    if unit is not None and not exempt and getattr(user, "unit_id", None) != unit.pk:
        raise Http404
    return user


def may(user, name: str, area_code: str | None = None) -> bool:
    """`require` as a yes/no, for views that decide what to show."""
    try:
        require(user, name, area_code)
    except (PermissionDenied, Http404):
        return False
    return True
