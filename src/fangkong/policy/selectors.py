"""The policy profile in force, for every app (reads only; the switch is control's service)."""

from __future__ import annotations

from django.conf import settings

from .models import ActiveProfile
from .profile import Profile, load_profile


def profile_in_force() -> ActiveProfile | None:
    """The latest profile switch, or None while the deployment's default profile applies. Not personal data."""
    return ActiveProfile.objects.order_by("-activated_at").first()


def active_profile() -> Profile:
    current = profile_in_force()
    return load_profile(current.name if current else settings.FANGKONG_DEFAULT_PROFILE)
