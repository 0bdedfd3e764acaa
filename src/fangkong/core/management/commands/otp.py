from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "TOTP devices for staff: `add USERNAME` registers one and prints its otpauth:// URL for an authenticator app."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="register a TOTP device and print the URL to scan (shown once)")
        add.add_argument("username")
        add.add_argument("--name", default="authenticator")

    def handle(self, *args, action, **opts):
        user = get_user_model().objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"no user {opts['username']!r}")
        device = TOTPDevice.objects.create(user=user, name=opts["name"], confirmed=True)
        # The command's purpose is to hand the secret to its owner, once.
        self.stdout.write(device.config_url)
