"""The `fangkong` console script: our management commands under one short name."""

from __future__ import annotations

import os
import sys

# Commands a user of the platform needs; Django's own remain reachable by name.
COMMANDS = {
    "migrate": "prepare the database (DATABASE_URL) or bring it up to date",
    "areas": "administrative divisions: import FILE.csv, show CODE",
    "people": "people registry: check-id NUMBER",
    "import": "import a households-and-persons spreadsheet (.xlsx or .csv)",
    "arrivals": "arrivals import FILE --kind xiecha|sheet --area CODE: a 协查 list or a sheet of arrivals",
    "risk": "risk areas: import FILE.csv --user USERNAME, level CODE|NAME --on DATE",
    "policy": "policy profiles: evaluate --profile NAME --input FACTS.json, check FILE, list",
    "control": "control scan [--every SECONDS]: escalate overdue work, release completed orders",
    "user": "user add USERNAME --area CODE --role ROLE",
    "token": "API bearer tokens: create USERNAME, list [USERNAME], revoke PREFIX",
    "otp": "otp add USERNAME: register a TOTP device for the admin sign-in",
    "demo": "build a synthetic city: --people N --seed S",
    "worker": "run background tasks (imports, exports, demo builds)",
    "serve": "serve the web UI and API (granian)",
    "purge": "apply the retention periods (PIPL): dry run, --apply to delete",
}
ALIASES = {"worker": "db_worker"}


def print_help() -> None:
    print("usage: fangkong COMMAND [ARGS]\n\ncommands:")
    for name, text in COMMANDS.items():
        print(f"  {name:<10} {text}")
    print("\n`fangkong COMMAND --help` for a command's options; any Django management command also works.")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print_help()
        return
    argv[0] = ALIASES.get(argv[0], argv[0])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fangkong", *argv])


if __name__ == "__main__":
    main()
