import os
import shutil
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web UI and API with granian (the production server) on HOST:PORT."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))

    def handle(self, *args, **opts):
        granian = shutil.which("granian") or os.path.join(os.path.dirname(sys.executable), "granian")
        argv = [
            granian, "--interface", "wsgi", "--host", opts["host"], "--port", str(opts["port"]),
            "--workers", str(opts["workers"]), "--static-path-route", "/static",
            "--static-path-mount", str(self._static_root()), "fangkong.wsgi:application",
        ]
        self.stdout.write(f"serving on http://{opts['host']}:{opts['port']}/")
        self.stdout.flush()
        os.execv(granian, argv)  # noqa: S606 - replace this process with the server

    def _static_root(self):
        from django.conf import settings

        return settings.STATIC_ROOT
