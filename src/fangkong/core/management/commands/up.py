import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Run everything a working platform needs in one command: the web server, the background worker and "
            "the overdue scan every --scan-every seconds. Ctrl-C (or SIGTERM) stops all three; if one of them "
            "stops, the others are stopped too.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument("--scan-every", type=int, default=300, metavar="SECONDS")

    def handle(self, *args, host, port, workers, scan_every, **opts):
        fangkong = [sys.executable, "-m", "fangkong.cli"]
        commands = {
            "worker": [*fangkong, "worker"],
            "scan": [*fangkong, "control", "scan", "--every", str(scan_every)],
            "web": [*fangkong, "serve", "--host", host, "--port", str(port), "--workers", str(workers)],
        }
        children = {name: subprocess.Popen(argv) for name, argv in commands.items()}  # noqa: S603 - our own commands
        self.stdout.write(f"web, worker and scan (every {scan_every} s) running; Ctrl-C stops them")
        self.stdout.flush()
        stopping = []

        def stop(signum, frame):
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping:
                ended = [name for name, child in children.items() if child.poll() is not None]
                if ended:
                    self.stderr.write(f"{', '.join(ended)} stopped (exit {children[ended[0]].returncode}); stopping the rest")
                    break
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + 10
            for child in children.values():
                try:
                    child.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        if not stopping and any(child.returncode for child in children.values()):
            sys.exit(1)
