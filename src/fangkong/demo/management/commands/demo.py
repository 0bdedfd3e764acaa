import sys

from django.core.management.base import BaseCommand, CommandError

from fangkong.core.management.base import print_json, progress_bar
from fangkong.demo.services import DEFAULT_WORKERS, DemoError, demo_build, demo_enqueue


class Command(BaseCommand):
    help = (
        "Build a deterministic synthetic city on the real prefecture of Shangqiu (商丘市): grids, households, "
        "persons with valid ID numbers, responsible people, headquarters teams, duty roster, map polygons "
        "and one demo user per role."
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=200_000, help="number of persons (default 200000, as `make demo`)")
        parser.add_argument("--seed", type=int, default=7, help="the same seed gives the same city")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when persons exist already")
        parser.add_argument("--replace", action="store_true", help="remove a previous synthetic city first")
        parser.add_argument("--background", action="store_true", help="queue the build for `fangkong worker`")
        parser.add_argument(
            "--workers", type=int, default=DEFAULT_WORKERS,
            help=f"processes that make the rows on PostgreSQL (default {DEFAULT_WORKERS}); the city is the same for any number",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        people, seed = opts["people"], opts["seed"]
        if people < 0:
            raise CommandError("--people must be zero or more")
        if opts["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        if opts["background"]:
            build = demo_enqueue(people=people, seed=seed, if_empty=opts["if_empty"], replace=opts["replace"])
            out = {"status": "queued", "build": build.pk, "task_id": build.task_id}
            if opts["json"]:
                print_json(out)
            else:
                self.stdout.write(f"queued demo build {build.pk}; `fangkong worker` runs it")
            return
        try:
            with progress_bar("building the city", total=people, enabled=sys.stderr.isatty() and not opts["json"]) as advance:
                result = demo_build(
                    people=people, seed=seed, if_empty=opts["if_empty"], replace=opts["replace"], advance=advance,
                    workers=opts["workers"],
                )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if opts["json"]:
            print_json(result.as_dict())
            return
        c = result.counts
        if result.status == "skipped":
            self.stdout.write(f"persons exist already ({c['persons']}): the city was not rebuilt")
        else:
            self.stdout.write(
                f"built the city in {result.seconds:.1f} s: {c['persons']} persons in {c['households']} households, "
                f"{c['areas']} grids and buildings, {c['responsibles']} responsible people, {c['teams']} teams, "
                f"{c['duty_shifts']} duty shifts"
            )
        if not result.users:
            return
        self.stdout.write("\ndemo logins:")
        rows = [("username", "password", "role", "area")] + [
            (u["username"], u["password"], u["role"], f"{u['area']} {u['area_code']}") for u in result.users
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for row in rows:
            self.stdout.write(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
