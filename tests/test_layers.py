"""Which app may import which (docs/architecture.md, "Layout"): arrows point down, so that a new capability
(mass testing, tracing) plugs in beside control instead of into it. Read from the source, so a new import
across the lines fails here with the file that made it."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1] / "src" / "fangkong"
DOMAIN_BELOW = {"core", "imports", "areas", "people", "policy", "healthcodes", "risk"}

MAY_IMPORT = {
    "core": set(),
    "imports": {"core"},  # the pipeline every kind of import runs on; the kinds register themselves
    "policy": {"core"},
    "areas": {"core", "policy"},
    "people": {"core", "imports", "areas"},
    "healthcodes": {"core", "people", "policy"},  # and none of the apps that contribute statuses
    "risk": {"core", "areas", "policy"},  # the list is public: it knows divisions, not persons
    "control": DOMAIN_BELOW,
    "gatherings": DOMAIN_BELOW,
    "arrivals": DOMAIN_BELOW | {"control"},  # an arrival puts its person under a control order
    "testing": DOMAIN_BELOW | {"control"},  # a recall puts its persons under orders, through testing/orders_bridge.py
    "demo": DOMAIN_BELOW | {"control", "gatherings", "arrivals"},
    "web": DOMAIN_BELOW | {"control", "gatherings", "arrivals", "testing", "demo"},
}

# Known edges that break the rule, each with where it is and why it is still there. The list may only shrink.
KNOWN: dict[tuple[str, str], str] = {}


def _imports(path: pathlib.Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found |= {name.split(".")[1] for name in names if name.startswith("fangkong.") and name.count(".") >= 1}
    return found


def edges() -> dict[tuple[str, str], list[str]]:
    seen: dict[tuple[str, str], list[str]] = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if len(parts) < 2 or "migrations" in parts:
            continue
        for other in _imports(path) - {parts[0]}:
            seen.setdefault((parts[0], other), []).append(str(path.relative_to(ROOT)))
    return seen


def test_every_app_imports_only_what_lies_below_it():
    wrong = {edge: files for edge, files in edges().items()
             if edge[0] in MAY_IMPORT and edge[1] not in MAY_IMPORT[edge[0]] and edge not in KNOWN}
    assert not wrong, f"imports across the layers (docs/architecture.md): {wrong}"


def test_every_app_is_placed_in_the_layers():
    apps = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "apps.py").exists()}
    assert apps <= set(MAY_IMPORT), f"add these apps to MAY_IMPORT: {apps - set(MAY_IMPORT)}"


def test_the_known_exceptions_are_still_needed():
    present = edges()
    assert not [edge for edge in KNOWN if edge not in present], "an exception no longer happens: take it off KNOWN"
