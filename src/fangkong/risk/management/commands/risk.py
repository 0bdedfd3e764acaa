import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fangkong.core.clock import today
from fangkong.core.errors import NotAllowed
from fangkong.core.management.base import print_json
from fangkong.risk.rows import RowError
from fangkong.risk.selectors import risk_level_on
from fangkong.risk.services import risk_areas_import


class Command(BaseCommand):
    help = "Risk areas: `import FILE.csv --user USERNAME` (the list pushed by the upper level), `level CODE|NAME --on DATE`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import")
        imp.add_argument("file")
        imp.add_argument("--user", required=True, help="the user on whose authority the list is imported")
        imp.add_argument("--json", action="store_true")
        level = sub.add_parser("level", help="the risk level of an area on a date")
        level.add_argument("area", help="a division code (short or 12 digits) or an area name")
        level.add_argument("--on", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")
        level.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        if action == "import":
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"no user {opts['user']!r}")
            try:
                text = Path(opts["file"]).read_text(encoding="utf-8-sig")
                result = risk_areas_import(user=user, text=text)
            except FileNotFoundError as exc:
                raise CommandError(f"no such file: {opts['file']}") from exc
            except (RowError, NotAllowed) as exc:
                raise CommandError(str(exc)) from exc
            if opts["json"]:
                print_json(result.as_dict())
            else:
                self.stdout.write(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}, rejected {len(result.rejected)}")
                for err in result.rejected:
                    self.stdout.write(f"  row {err['row']} {err['column']}: {err['reason']}")
            return
        area = opts["area"].strip()
        answer = risk_level_on(on=opts["on"] or today(), code=area if area.isdigit() else "", name="" if area.isdigit() else area)
        if opts["json"]:
            print_json(answer.as_dict())
        else:
            self.stdout.write(answer.level or "none")
