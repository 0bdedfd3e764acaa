from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fangkong.core.api_support import token_expires_at
from fangkong.core.management.base import print_json
from fangkong.core.models import ApiToken


class Command(BaseCommand):
    help = (
        "API tokens: `create USERNAME` prints a new bearer token (shown once, only its hash is kept; "
        "its expiry, API_TOKEN_DAYS after issue, goes to stderr); "
        "`list [USERNAME]` shows prefixes only; `revoke PREFIX` (or `revoke --user USERNAME --all`)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token and print it once")
        create.add_argument("username")
        create.add_argument("--name", default="cli")
        lst = sub.add_parser("list", help="list tokens by prefix (the token itself is never stored)")
        lst.add_argument("username", nargs="?")
        lst.add_argument("--all", action="store_true", help="include revoked tokens")
        lst.add_argument("--json", action="store_true")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix, or every token of a user")
        revoke.add_argument("prefix", nargs="?")
        revoke.add_argument("--user", help="with --all: every live token of this user")
        revoke.add_argument("--all", action="store_true")
        revoke.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        return getattr(self, f"_{action}")(opts)

    def _user(self, username):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        return user

    def _create(self, opts):
        row, token = ApiToken.issue(self._user(opts["username"]), name=opts["name"])
        self.stdout.write(token)  # alone on stdout, so a script can capture it
        expires = timezone.localtime(token_expires_at(row.created_at))
        self.stderr.write(f"expires {expires:%Y-%m-%d %H:%M %Z} (API_TOKEN_DAYS={settings.API_TOKEN_DAYS})")

    def _list(self, opts):
        qs = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
        if opts["username"]:
            qs = qs.filter(user=self._user(opts["username"]))
        if not opts["all"]:
            qs = qs.filter(revoked=False)
        rows = [
            {
                "prefix": t.prefix, "user": t.user.username, "name": t.name, "created_at": t.created_at.isoformat(),
                "expires_at": token_expires_at(t.created_at).isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None, "revoked": t.revoked,
            }
            for t in qs
        ]
        if opts["json"]:
            print_json(rows)
            return
        now = timezone.now().isoformat()
        for r in rows:
            state = "revoked" if r["revoked"] else "expired" if r["expires_at"] <= now else "live"
            self.stdout.write(
                f"{r['prefix']}…  {r['user']:<20} {r['name']:<12} created {r['created_at'][:16]}  "
                f"last used {(r['last_used_at'] or 'never')[:16]}  expires {r['expires_at'][:16]}  {state}"
            )

    def _revoke(self, opts):
        if opts["all"]:
            if not opts["user"]:
                raise CommandError("--all needs --user USERNAME")
            qs = ApiToken.objects.filter(user=self._user(opts["user"]), revoked=False)
        else:
            prefix = (opts["prefix"] or "").rstrip("…")
            if len(prefix) < 8:
                raise CommandError("give the token's 8-character prefix (see `fangkong token list`), or --user U --all")
            qs = ApiToken.objects.filter(prefix=prefix[:8], revoked=False)
            if prefix[8:]:  # the whole token was given: revoke exactly that one
                qs = qs.filter(digest=ApiToken.digest_of(prefix))
            if qs.count() > 1:
                raise CommandError(f"{qs.count()} live tokens share the prefix {prefix[:8]}; give the whole token")
            if not qs.exists():
                raise CommandError(f"no live token with prefix {prefix[:8]}")
        revoked = [t.prefix for t in qs]
        qs.update(revoked=True)
        if opts["json"]:
            print_json({"revoked": revoked})
        else:
            self.stdout.write(f"revoked {len(revoked)} token(s): {', '.join(revoked) or '-'}")
