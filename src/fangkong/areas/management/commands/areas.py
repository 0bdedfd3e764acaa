import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangkong.areas.services import area_describe, divisions_import, read_division_csv, tallies_refresh
from fangkong.core.management.base import print_json, progress_bar
from fangkong.core.permissions import CLI


class Command(BaseCommand):
    help = "Administrative divisions: `import FILE.csv` (code,name,parent_code), `show CODE`, `tally` (recount the tree)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import divisions from a CSV of code,name,parent_code")
        imp.add_argument("file")
        imp.add_argument("--errors", help="where to write rejected rows (default: FILE.errors.csv)")
        imp.add_argument("--json", action="store_true")
        show = sub.add_parser("show", help="show one division and its counts")
        show.add_argument("code")
        show.add_argument("--json", action="store_true")
        tally = sub.add_parser("tally", help="recount households and persons under the big nodes (tree counts)")
        tally.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        if action == "import":
            return self._import(opts)
        if action == "tally":
            result = tallies_refresh(by=CLI)
            if opts["json"]:
                print_json(result)
            else:
                self.stdout.write(f"counted {result['nodes']} nodes")
            return None
        return self._show(opts)

    def _import(self, opts):
        path = Path(opts["file"])
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        errors = Path(opts["errors"]) if opts.get("errors") else path.with_name(path.name + ".errors.csv")
        try:
            with progress_bar("importing divisions", enabled=sys.stderr.isatty()) as advance:
                result = divisions_import(by=CLI, records=read_division_csv(path), errors_path=errors.resolve(), progress=advance)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if opts["json"]:
            print_json(result.as_dict())
        else:
            self.stdout.write(
                f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
                f"rejected {result.rejected} (see {result.errors_file})"
            )

    def _show(self, opts):
        code = opts["code"].strip()
        if not code.isdigit():
            raise CommandError(f"not a division code: {code!r}")
        info = area_describe(code)
        if info is None:
            raise CommandError(f"no division with code {code}")
        if opts["json"]:
            print_json(info)
        else:
            for key, value in info.items():
                self.stdout.write(f"{key:12} {value}")
