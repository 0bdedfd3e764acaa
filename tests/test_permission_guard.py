"""A service cannot write unguarded: every public function of a services module calls the permission policy
(`require`) and records its audit event (`audit.record`), directly or through another guarded function of the
module; the few that are reads or pure helpers are named below, each with its reason.

Adding a write without `require` makes this test fail; so does adding a function to the lists without a reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "fangkong"
# Modules whose public functions are services (they write).
SERVICE_MODULES = sorted(
    p for p in SRC.rglob("*.py")
    if "migrations" not in p.parts and (p.name == "services.py" or p.parent.name == "services")
)

# Public functions of services modules that write nothing (reads, parsers, pure helpers), with the reason.
NOT_WRITES: dict[str, str] = {
    "areas.services.read_division_csv": "parses a file",
    "areas.services.area_describe": "a read for the CLI",
    "areas.services.normalize_area_code": "pure",
    "people.services.set_document": "sets fields on an unsaved person for its caller",
    "people.services.set_phone": "sets fields on an unsaved person for its caller",
    "people.services.person_find_by_document": "a lookup for guarded callers",
    "people.services.person_register": "a step of guarded services (person_create, an arrival, a declaration, a "
    "checkpoint passage): each requires its own action and its audit event names the person",
    "control.services.active_profile": "a read",
    "healthcodes.services.person_statuses": "a read",
    "control.services.arrival_categories": "a read of the profile in force",
    "control.services.checkin_link_state": "a read",
    "gatherings.services.plan_file_max_bytes": "a setting",
    "control.services.verification_subject": "pure",
    "control.services.order_from_facts": "a step of guarded services (arrival, declaration, passage, import), whose "
    "audit event names the order",
    "control.services.order_rederive": "a step of the guarded profile switch and declaration update",
    "control.services.verification_record": "a step of guarded services (a verification, a passage); it writes the "
    "verification log",
    "healthcodes.services.health_code_refresh": "a follow-up of guarded writes, run on their commit",
    "healthcodes.services.health_codes_refresh": "a follow-up of guarded bulk writes (the profile switch)",
    "healthcodes.services.codes_follow_person": "a follow-up of a guarded move (a transfer decided, a household confirmed)",
    "demo.services.prefecture_city_code": "reads a file",
    "demo.services.village_batches": "pure generator",
    "demo.services.county_plan": "pure generator",
    "demo.services.demo_users": "a read",
    "demo.services.demo_logins": "a read",
}


# Guarded services whose record is another log than the audit log, with the reason.
AUDITED_ELSEWHERE: dict[str, str] = {
    "control.services.verification_by_token": "a scan: the verification log records it (checkpoints scan all day)",
    "control.services.verification_by_bearer": "a scan: the verification log records it",
}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts)


def _calls(func: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                names.add(f.id)
            elif isinstance(f, ast.Attribute):
                names.add(f.attr)
                if isinstance(f.value, ast.Name):
                    names.add(f"{f.value.id}.{f.attr}")
    return names


def _closure(funcs: dict[str, ast.FunctionDef], marker: set[str]) -> set[str]:
    """Functions that reach a marker call, directly or through each other (by name)."""
    calls = {name: _calls(f) for name, f in funcs.items()}
    reached = {name for name, c in calls.items() if c & marker}
    changed = True
    while changed:
        changed = False
        for name, c in calls.items():
            if name not in reached and c & reached:
                reached.add(name)
                changed = True
    return reached


def _module_functions(path: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _unguarded() -> tuple[list[str], list[str]]:
    no_policy, no_audit = [], []
    modules = {path: _module_functions(path) for path in SERVICE_MODULES}
    # Another module's public services count too (matched by name): demo imports divisions through
    # areas.services.divisions_import. Private helpers only vouch within their own module.
    public = {name: f for funcs in modules.values() for name, f in funcs.items() if not name.startswith("_")}
    for path, funcs in modules.items():
        merged = {**public, **funcs}
        guarded = _closure(merged, {"require"})
        audited = _closure(merged, {"record", "audit.record"})
        for name in funcs:
            qualified = f"{_module_name(path)}.{name}"
            if name.startswith("_") or qualified in NOT_WRITES:
                continue
            if name not in guarded:
                no_policy.append(qualified)
            if name not in audited and qualified not in AUDITED_ELSEWHERE:
                no_audit.append(qualified)
    return no_policy, no_audit


def test_the_guard_finds_the_service_modules():
    names = {_module_name(p) for p in SERVICE_MODULES}
    assert {"people.services", "areas.services"} <= names


def test_every_service_calls_the_permission_policy():
    no_policy, _ = _unguarded()
    assert no_policy == [], "services that write without require(by, action, area): " + ", ".join(no_policy)


def test_every_service_records_its_audit_event():
    _, no_audit = _unguarded()
    assert no_audit == [], "services that write without audit.record(...): " + ", ".join(no_audit)


def test_the_exemptions_name_existing_functions_with_a_reason():
    existing = set()
    for path in SERVICE_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        existing |= {f"{_module_name(path)}.{n.name}" for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert set(NOT_WRITES) <= existing and set(AUDITED_ELSEWHERE) <= existing
    assert all(reason.strip() for reason in [*NOT_WRITES.values(), *AUDITED_ELSEWHERE.values()])


def test_the_guard_catches_an_unguarded_write(tmp_path):
    # The guard's own logic, on a module written here: one guarded service, one that only delegates, one bare.
    source = (
        "def _helper(by):\n    require(by, 'x.y.z')\n    audit.record(by, 'x.y.z')\n"
        "def guarded(*, by):\n    _helper(by)\n"
        "def bare(*, by):\n    Model.objects.create()\n"
    )
    tree = ast.parse(source)
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert _closure(funcs, {"require"}) == {"_helper", "guarded"}
    assert _closure(funcs, {"record", "audit.record"}) == {"_helper", "guarded"}
