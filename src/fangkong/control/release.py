"""Release conditions beyond a complete schedule: a rule's `release_requires` (policy profile).

A rule may say that an order is released only when something else holds, e.g. the national 9th edition's
secondary contacts: "所关联密接前两次核酸均阴性方可解除" (`linked_close_contact_first_two_tests_negative`).
Each condition is checked by a function registered here by the app that holds its data; a condition that no
app can check yet (contacts are linked by the tracing work, not built yet) is never taken as met: the
scheduled release leaves such an order open, and a user may release it only by confirming the condition
by name (the confirmation is in the audit event). A condition a checker finds unmet blocks the release.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from fangkong.control.models import ControlOrder
from fangkong.policy.profile import ProfileError, load_profile

# What each condition means, for the person who confirms it.
LABELS = {
    "linked_close_contact_first_two_tests_negative": _(
        "the linked close contact's first two nucleic-acid tests were negative"),
}

# condition -> check(order): True met, False not met, None cannot tell (no data): a person must confirm it.
_CHECKS: dict[str, Callable[[ControlOrder], bool | None]] = {}


def register(condition: str, check: Callable[[ControlOrder], bool | None]) -> None:
    _CHECKS[condition] = check


def label(condition: str) -> str:
    return str(LABELS.get(condition, condition))


def requirements_of(order: ControlOrder) -> tuple[str, ...]:
    """The conditions of the rule the order was derived by, in the profile it was derived under."""
    try:
        profile = load_profile(order.profile_name)
    except ProfileError:
        return ()
    rule = next((r for r in profile.rules if r.id == order.rule_id), None)
    return tuple(rule.release_requires) if rule is not None else ()


def unmet(order: ControlOrder, *, confirmed: frozenset[str] = frozenset()) -> dict[str, str]:
    """condition -> why it stands in the way of releasing `order` (empty: nothing does)."""
    problems = {}
    for condition in requirements_of(order):
        check = _CHECKS.get(condition)
        answer = check(order) if check is not None else None
        if answer is False:
            problems[condition] = str(_("not met: %(condition)s") % {"condition": label(condition)})
        elif answer is None and condition not in confirmed:
            problems[condition] = str(_("to be confirmed by a person before release: %(condition)s")
                                      % {"condition": label(condition)})
    return problems
