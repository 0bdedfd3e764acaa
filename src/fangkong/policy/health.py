"""Health-code colours (健康码): derived from a person's statuses by the profile's rules. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from .profile import Profile

RED, YELLOW, GREEN = "red", "yellow", "green"


@dataclass(frozen=True)
class Colour:
    colour: str
    reasons: tuple[str, ...]  # the statuses that made it so, for the person and the worker


def colour_for(profile: Profile, statuses: set[str]) -> Colour:
    """Red beats yellow beats green; the reasons are the statuses of the winning colour."""
    red = tuple(sorted(statuses & set(profile.health_colors.red)))
    if red:
        return Colour(RED, red)
    yellow = tuple(sorted(statuses & set(profile.health_colors.yellow)))
    if yellow:
        return Colour(YELLOW, yellow)
    return Colour(GREEN, ())
