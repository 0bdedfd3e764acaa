"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject

from .permissions import actions_for


def actions(request):
    """`{% if "control.arrival.register" in actions %}`: what the signed-in user may do (core.permissions)."""
    return {"actions": SimpleLazyObject(lambda: actions_for(getattr(request, "user", None)))}
