from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fangkong.core.models import ApiToken


class Command(BaseCommand):
    help = "API tokens: `create USERNAME` prints a new bearer token (shown once, only its hash is kept)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args, action, **opts):
        user = get_user_model().objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"no user {opts['username']!r}")
        _, token = ApiToken.issue(user, name=opts["name"])
        self.stdout.write(token)
