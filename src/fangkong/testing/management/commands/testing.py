import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangkong.core.management.base import print_json
from fangkong.testing.planning import PlanInvalid, best_pool_size, parse_plan, plan


def _prevalence(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CommandError(f"--prevalence: a number between 0 and 1 is needed, got {text!r}") from None


class Command(BaseCommand):
    help = ("Mass nucleic-acid testing: `pool-size --prevalence P` (the Dorfman pool size that needs the fewest "
            "tests), `plan --input PLAN.json` (days to sample and to test, the bottleneck, the deadline).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        pool = sub.add_parser("pool-size", help="the pool size in 2..100 that minimises expected tests per person")
        pool.add_argument("--prevalence", required=True, help="the expected share of positives, 0 < P < 1")
        pool.add_argument("--json", action="store_true")
        p = sub.add_parser("plan", help="can a campaign finish by its deadline, and where is the bottleneck")
        p.add_argument("--input", required=True, help="PLAN.json, or - for standard input")
        p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        if action == "pool-size":
            try:
                k, e = best_pool_size(_prevalence(opts["prevalence"]))
            except PlanInvalid as exc:
                raise CommandError(str(exc)) from exc
            if opts["json"]:
                print_json({"pool_size": k, "tests_per_person": e})
            else:
                self.stdout.write(f"pool size {k}: {e:.4f} tests per person")
            return
        name = opts["input"]
        try:
            raw = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
            data = json.loads(raw)
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {name}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{name}: cannot be read ({exc.__class__.__name__})") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
        try:
            result = plan(parse_plan(data, allow_optional=False))
        except PlanInvalid as exc:
            raise CommandError("\n".join([f"{name}: invalid plan", *exc.problems])) from exc
        if opts["json"]:
            print_json(result.as_dict())
            return
        self.stdout.write(
            f"sampling {result.sampling_days:.2f} days, lab {result.lab_days:.2f} days; "
            f"bottleneck: {result.bottleneck}; deadline {'met' if result.meets_deadline else 'missed'}")
