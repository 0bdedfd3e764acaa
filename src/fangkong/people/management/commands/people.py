from django.core.management.base import BaseCommand

from fangkong.core.ids import check_resident_id
from fangkong.core.management.base import print_json


class Command(BaseCommand):
    help = "People registry tools: `check-id NUMBER` validates a resident ID number."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check-id", help="validate a resident ID number (GB 11643-1999)")
        check.add_argument("number")
        check.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        result = check_resident_id(opts["number"])
        if opts["json"]:
            print_json(result.as_dict())
            return
        if result.valid:
            self.stdout.write(f"valid {result.normalized} born {result.birth_date} sex {result.sex}")
        else:
            self.stdout.write(f"invalid: {result.reason}")
