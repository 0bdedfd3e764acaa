import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangkong.core.management.base import print_json
from fangkong.policy.engine import FactsInvalid, evaluate_all, parse_facts
from fangkong.policy.profile import ProfileError, load_profile, shipped_profiles


class Command(BaseCommand):
    help = "Policy profiles: `evaluate --profile NAME --input FACTS.json`, `check FILE`, `list`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("evaluate", help="derive order plans for a list of facts")
        ev.add_argument("--profile", required=True, help="a shipped profile name or a path to a YAML file")
        ev.add_argument("--input", required=True, help="JSON list of facts, or - for standard input")
        ev.add_argument("--json", action="store_true")
        check = sub.add_parser("check", help="validate a profile file")
        check.add_argument("file")
        sub.add_parser("list", help="list shipped profiles")

    def handle(self, *args, action, **opts):
        if action == "list":
            for name in shipped_profiles():
                profile = load_profile(name)
                self.stdout.write(f"{name}\tv{profile.version}\t{profile.effective_from}\t{profile.title}")
            return
        if action == "check":
            try:
                profile = load_profile(Path(opts["file"]))
            except ProfileError as exc:
                raise CommandError("\n".join([f"{opts['file']}: invalid profile", *exc.problems])) from exc
            self.stdout.write(f"{opts['file']}: valid profile {profile.name} v{profile.version}, {len(profile.rules)} rules")
            return
        try:
            profile = load_profile(opts["profile"])
        except ProfileError as exc:
            raise CommandError(str(exc)) from exc
        try:
            raw = sys.stdin.read() if opts["input"] == "-" else Path(opts["input"]).read_text(encoding="utf-8")
            items = json.loads(raw)
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {opts['input']}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{opts['input']}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
        try:
            plans = evaluate_all(profile, parse_facts(items))
        except FactsInvalid as exc:
            raise CommandError("\n".join(["invalid facts:", *exc.problems])) from exc
        if opts["json"]:
            print_json([p.as_dict() for p in plans])
            return
        for plan in plans:
            self.stdout.write(f"{plan.id}: {plan.explanation}")
            for m in plan.measures:
                tests = ", ".join(d.isoformat() for d in m.test_days)
                self.stdout.write(f"  {m.measure} {m.start} .. {m.end}  tests: {tests}")
