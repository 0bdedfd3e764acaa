"""One-off tool of the control split (issue 11 §9): moves blocks of code from control's modules into a new
app and rewrites every import and attribute use in src/, tests/ and bench/. Run once per app, then review.

Usage: python scripts/_split_control.py SPEC.json
SPEC: {"app": "gatherings",
       "blocks": [["control/models.py", 583, 686, "models.py"], ...],   # 1-based inclusive line ranges
       "files": [["control/gathering_rules.py", "rules.py"]],          # whole-file moves
       "templates": ["gathering_list.html", ...],                      # control/templates/control/<t>
       "url_names": ["gatherings", ...]}                               # control:<name> -> <app>:<name>
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "src" / "fangkong"


def header_of(text: str) -> str:
    """The module's leading docstring/comments and imports (everything before the first def/class/assignment)."""
    lines = text.splitlines(keepends=True)
    out, depth = [], 0
    for line in lines:
        stripped = line.strip()
        if depth == 0 and stripped and not line[0].isspace() and not stripped.startswith(
                ("from ", "import ", "#", '"""', ")")) and not stripped.startswith(("'", '"')):
            break
        out.append(line)
        depth += line.count("(") - line.count(")")
    return "".join(out)


def absolutise(text: str, package: str) -> str:
    text = re.sub(r"^([ \t]*)from \.(\w+) import", rf"\1from fangkong.{package}.\2 import", text, flags=re.M)
    text = re.sub(r"^([ \t]*)from \. import", rf"\1from fangkong.{package} import", text, flags=re.M)
    return text


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    app = spec["app"]
    target = PKG / app
    target.mkdir(exist_ok=True)
    (target / "__init__.py").touch()
    # symbol -> (old module, new module)
    moved: dict[tuple[str, str], str] = {}
    new_texts: dict[str, list[str]] = {}
    headers: dict[str, str] = {}
    cut: dict[str, list[tuple[int, int]]] = {}
    for src, start, end, dest in spec["blocks"]:
        text = (PKG / src).read_text()
        lines = text.splitlines(keepends=True)
        block = "".join(lines[start - 1:end])
        headers.setdefault(dest, absolutise(header_of(text), "control"))
        new_texts.setdefault(dest, []).append(absolutise(block, "control"))
        cut.setdefault(src, []).append((start, end))
        old_mod = src.removesuffix(".py").replace("/", ".")
        new_mod = f"{app}.{dest.removesuffix('.py')}"
        for m in re.finditer(r"^(?:class|def) (\w+)|^(\w+)(?:: [^=]+)? = ", block, flags=re.M):
            moved[(old_mod, m.group(1) or m.group(2))] = new_mod
    for src, dest in spec.get("files", []):
        text = (PKG / src).read_text()
        (target / dest).write_text(absolutise(text, "control"))
        (PKG / src).unlink()
        old_mod = src.removesuffix(".py").replace("/", ".")
        moved[(old_mod, "*")] = f"{app}.{dest.removesuffix('.py')}"
    for dest, blocks in new_texts.items():
        path = target / dest
        existing = path.read_text() if path.exists() else headers[dest]
        path.write_text(existing.rstrip("\n") + "\n\n\n" + "\n\n".join(b.strip("\n") + "\n" for b in blocks))
    for src, ranges in cut.items():
        lines = (PKG / src).read_text().splitlines(keepends=True)
        for start, end in sorted(ranges, reverse=True):
            del lines[start - 1:end]
        (PKG / src).write_text("".join(lines))
    rewrite_all(moved, app, spec)


def rewrite_all(moved: dict[tuple[str, str], str], app: str, spec: dict) -> None:
    files = [p for base in ("src", "tests", "bench") for p in (ROOT / base).rglob("*.py")
             if "migrations" not in p.parts and p.name != "_split_control.py"]
    whole = {old: new for (old, name), new in moved.items() if name == "*"}
    by_module: dict[str, dict[str, str]] = {}
    for (old, name), new in moved.items():
        if name != "*":
            by_module.setdefault(old, {})[name] = new
    for path in files:
        text = path.read_text()
        original = text
        rel = path.relative_to(PKG).parts if PKG in path.parents else ()
        if rel and rel[0] == "control":
            text = absolutise(text, "control")
        elif rel and rel[0] == app and not spec.get("keep_relative"):
            text = absolutise(text, app)
        # whole modules moved: plain renames of the dotted path
        for old, new in whole.items():
            text = text.replace(f"fangkong.{old}", f"fangkong.{new}")
            om, nm = old.rsplit(".", 1), new.rsplit(".", 1)
            text = re.sub(rf"^from fangkong\.{om[0]} import (.*)\b{om[1]}\b", lambda m: m.group(0), text, flags=re.M)
        # name imports: from fangkong.control.X import a, b
        def split_import(m: re.Match) -> str:
            indent, old = m.group(1), "control." + m.group(2)
            names_src = m.group(3).strip().strip("()").replace("\n", " ")
            names = [n.strip() for n in names_src.split(",") if n.strip() and not n.strip().startswith("#")]
            keep, moves = [], {}
            for n in names:
                base = n.split(" as ")[0].strip()
                dest = by_module.get(old, {}).get(base)
                if dest:
                    moves.setdefault(dest, []).append(n)
                else:
                    keep.append(n)
            if not moves:
                return m.group(0)
            out = []
            if keep:
                out.append(f"{indent}from fangkong.{old} import {', '.join(keep)}")
            for dest, ns in moves.items():
                out.append(f"{indent}from fangkong.{dest} import {', '.join(ns)}")
            return "\n".join(out)
        text = re.sub(r"^([ \t]*)from fangkong\.control\.(\w+) import (\([^)]*\)|[^\n]*)", split_import, text, flags=re.M)
        # module imports: from fangkong.control import services[ as alias], selectors; alias.name uses
        added: list[str] = []
        for m in list(re.finditer(r"^[ \t]+from fangkong\.control import ([^\n(]+)$", text, flags=re.M)):
            indent = m.group(0)[:len(m.group(0)) - len(m.group(0).lstrip())]
            extra = []
            for part in m.group(1).split(","):
                mod, _, alias = part.split("#")[0].strip().partition(" as ")
                mod, alias = mod.strip(), (alias.strip() or mod.strip())
                for name, dest in by_module.get(f"control.{mod}", {}).items():
                    new_alias = dest.replace(".", "_")
                    pattern = rf"(?<![\w.]){re.escape(alias)}\.{re.escape(name)}\b"
                    if re.search(pattern, text):
                        text = re.sub(pattern, f"{new_alias}.{name}", text)
                        line = f"{indent}from fangkong.{dest.rsplit('.', 1)[0]} import {dest.rsplit('.', 1)[1]} as {new_alias}"
                        if line not in extra:
                            extra.append(line)
            if extra:
                text = text.replace(m.group(0), m.group(0) + "\n" + "\n".join(extra), 1)
        for m in list(re.finditer(r"^from fangkong\.control import ([^\n(]+)$", text, flags=re.M)):
            for part in m.group(1).split(","):
                part = part.split("#")[0].strip()
                if not part:
                    continue
                mod, _, alias = part.partition(" as ")
                mod, alias = mod.strip(), (alias.strip() or mod.strip())
                names = by_module.get(f"control.{mod}", {})
                for name, dest in names.items():
                    new_alias = dest.replace(".", "_")
                    pattern = rf"(?<![\w.]){re.escape(alias)}\.{re.escape(name)}\b"
                    if re.search(pattern, text):
                        text = re.sub(pattern, f"{new_alias}.{name}", text)
                        line = f"from fangkong.{dest.rsplit('.', 1)[0]} import {dest.rsplit('.', 1)[1]} as {new_alias}"
                        if line not in added:
                            added.append(line)
                if f"control.{mod}" in whole:
                    dest = whole[f"control.{mod}"]
                    line = f"from fangkong.{dest.rsplit('.', 1)[0]} import {dest.rsplit('.', 1)[1]} as {alias}"
                    added.append(line)
        if added:
            first = re.search(r"^(from|import) ", text, flags=re.M)
            pos = first.start() if first else 0
            text = text[:pos] + "\n".join(added) + "\n" + text[pos:]
        # mock targets and dotted strings
        for (old, name), dest in moved.items():
            if name != "*":
                text = text.replace(f'"fangkong.{old}.{name}"', f'"fangkong.{dest}.{name}"')
        # urls and templates
        for name in spec.get("url_names", []):
            text = re.sub(rf"(['\"])control:{name}\1", rf"\1{app}:{name}\1", text)
        for t in spec.get("templates", []):
            text = text.replace(f"control/{t}", f"{app}/{t}")
        if rel and rel[0] == app:
            # inside the app: its own modules by their plain names
            for mod in ("models", "services", "selectors", "forms", "rules", "views", "actions", "api"):
                alias = f"{app}_{mod}"
                line = f"from fangkong.{app} import {mod} as {alias}"
                if line in text and not re.search(rf"^from fangkong\.control import .*\b{mod}\b", text, flags=re.M):
                    text = text.replace(line, f"from fangkong.{app} import {mod}")
                    text = re.sub(rf"\b{alias}\.", f"{mod}.", text)
        if text != original:
            path.write_text(text)
    tdir = PKG / "control" / "templates" / "control"
    for t in spec.get("templates", []):
        dest = PKG / app / "templates" / app / t
        dest.parent.mkdir(parents=True, exist_ok=True)
        (tdir / t).rename(dest)
    for html in list(PKG.rglob("*.html")) + list((ROOT / "tests").rglob("*.py")):
        text = html.read_text()
        original = text
        for name in spec.get("url_names", []):
            text = re.sub(rf"(['\"])control:{name}\1", rf"\1{app}:{name}\1", text)
        for t in spec.get("templates", []):
            text = text.replace(f"control/{t}", f"{app}/{t}")
        if text != original:
            html.write_text(text)


def names_defined(path: Path) -> list[str]:
    return re.findall(r"^(?:class|def) (\w+)|^([A-Za-z_]\w*)(?:: [^=]+)? = ", path.read_text(), flags=re.M)


def rewrite_only(app: str, spec: dict) -> None:
    """Again, for imports the first run missed: the names the app's modules define now."""
    moved = {}
    for path in (PKG / app).glob("*.py"):
        for a, b in names_defined(path):
            moved[(f"control.{path.stem}", a or b)] = f"{app}.{path.stem}"
    for old, new in spec.get("renamed", {}).items():
        for a, b in names_defined(PKG / (new.replace(".", "/") + ".py")):
            moved[(old, a or b)] = new
    rewrite_all(moved, app, {"url_names": spec.get("url_names", []), "templates": [], "keep_relative": spec.get("keep_relative")})


if __name__ == "__main__":
    if sys.argv[1] == "--rewrite-only":
        rewrite_only(json.loads(Path(sys.argv[2]).read_text())["app"], json.loads(Path(sys.argv[2]).read_text()))
    else:
        main(sys.argv[1])
