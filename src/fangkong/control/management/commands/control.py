import json
import time

from django.core.management.base import BaseCommand

from fangkong.control.services import orders_release_due, overdue_scan
from fangkong.core import ratelimit


class Command(BaseCommand):
    help = ("Key-population control: `scan` marks missed tests and check-ins, escalates overdue work up the chain, "
            "releases orders whose schedule is complete, and clears ended rate-limit windows. Idempotent.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        scan = sub.add_parser("scan", help="one pass (or one every --every seconds)")
        scan.add_argument("--every", type=int, default=0, metavar="SECONDS",
                          help="repeat forever with this pause (for hosts without cron or a systemd timer)")
        scan.add_argument("--json", action="store_true")

    def handle(self, *args, action, every, **opts):
        while True:
            result = {**overdue_scan(), "released": orders_release_due(), "rate_windows_cleared": ratelimit.sweep()}
            if opts["json"]:
                self.stdout.write(json.dumps(result))
            else:
                self.stdout.write(", ".join(f"{key}: {value}" for key, value in result.items()))
            if every <= 0:
                return
            time.sleep(every)
