import getpass
import secrets

from django.core.management.base import BaseCommand, CommandError

from fangkong.areas.services import user_create
from fangkong.core.management.base import print_json
from fangkong.core.permissions import CLI
from fangkong.core.roles import Role


class Command(BaseCommand):
    help = "Users: `add USERNAME --area CODE --role ROLE`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="create a user bound to an area and a role")
        add.add_argument("username")
        add.add_argument("--area", required=True, help="area code (short or 12-digit form)")
        add.add_argument("--role", required=True, choices=[r.value for r in Role])
        add.add_argument("--name", default="")
        add.add_argument("--password", help="default: ask, or generate one with --generate-password")
        add.add_argument("--generate-password", action="store_true")
        add.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        password = opts["password"]
        if not password:
            if opts["generate_password"]:
                password = secrets.token_urlsafe(12)
            else:
                password = getpass.getpass("password: ")
        try:
            user = user_create(
                by=CLI, username=opts["username"], area_code=opts["area"], role=opts["role"], password=password,
                full_name=opts["name"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        out = {"username": user.username, "area_code": user.area_code, "role": user.role}
        if opts["generate_password"]:
            out["password"] = password
        if opts["json"]:
            print_json(out)
        else:
            self.stdout.write(" ".join(f"{k}={v}" for k, v in out.items()))
