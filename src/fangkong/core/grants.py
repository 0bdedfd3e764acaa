"""Which role (or system actor) holds which actions: the one grant table, data, not `if role == ...`.

Patterns are shell-style (`control.order.*`) over the registered action names; `fangkong permissions`
prints the expanded role × action matrix that docs/permissions.md is generated from. Change a grant here and
say why in docs/permissions.md ("Why the matrix is as it is").
"""

from __future__ import annotations

from .roles import Role

# The territorial chain's daily work in its own area: registry, arrivals, orders, check-ins, results, escalations.
_TERRITORIAL = (
    "people.person.create", "people.person.update", "people.person.merge", "people.household.*", "people.import.run",
    "people.duplicate.decide", "people.transfer.*",
    "control.arrival.*", "control.arrival_import.run", "control.declaration.confirm",
    "control.order.*", "control.checkin.record", "control.checkin_link.*", "control.test_result.record",
    "control.escalation.resolve", "control.gathering.submit", "control.poster.print",
    "areas.responsible.manage", "areas.team.manage", "areas.roster.manage",
    "testing.sample.take", "testing.tube.pack",
)

GRANTS: dict[str, tuple[str, ...]] = {
    # Everything in its area; the city-wide actions only when bound at city level (core.permissions.CITY).
    # It works with figures and lists, not with numbers: it reveals none (the grid worker, CDC and hospital do).
    Role.CITY_COMMAND: ("*", "!people.person.reveal"),
    Role.DISTRICT: (
        *_TERRITORIAL, "control.risk_area.edit", "control.checkpoint.manage", "control.passage.record",
        "control.poster.rotate", "control.gathering.decide", "control.gathering.cancel", "areas.user.manage",
        "testing.campaign.manage",
    ),
    Role.TOWNSHIP: (
        *_TERRITORIAL, "control.passage.record", "control.poster.rotate", "control.gathering.decide",
        "control.gathering.cancel",
    ),
    # The same within its grid or village; it phones the people it monitors, so it reveals numbers.
    Role.GRID_WORKER: (*_TERRITORIAL, "people.person.reveal"),
    Role.CDC: (
        "control.order.*", "control.test_result.record", "control.escalation.resolve", "control.risk_area.edit",
        "people.person.reveal", "control.passage.record", "testing.campaign.manage", "testing.sample.take",
        "testing.tube.pack",
    ),
    # A lab receives the boxes sent to it and records their results, wherever the tubes were sampled (its unit).
    Role.LAB: ("control.test_result.record", "testing.tube.receive", "testing.result.record"),
    Role.HOSPITAL: ("control.hospital.*", "people.person.reveal"),
    Role.CHECKPOINT: ("control.passage.record", "control.health_code.verify"),
    Role.READ_ONLY: (),
    Role.AUDITOR: ("core.audit.read",),
    # System actors: writes made by no logged-in user.
    "system:public": ("control.declaration.submit", "control.checkin.self_record"),
    "system:scheduler": ("control.scan.run", "control.order.release", "areas.tally.refresh"),
    "system:cli": (
        "areas.division.import", "areas.tally.refresh", "areas.user.manage", "people.import.run",
        "control.arrival_import.run", "control.risk_area.edit", "control.scan.run", "core.token.issue",
        "core.audit.purge", "testing.result.record",
    ),
    "system:demo": ("*",),
}
