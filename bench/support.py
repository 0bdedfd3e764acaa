"""What the API benchmarks share: the machine's figures, the production server, the load generator.

- `machine()`: cores, memory, load averages, Python: written into every result.
- `Server`: `fangkong serve` (granian, the production server) on loopback, with production
  settings (DEBUG off) against a given database, started and stopped by the benchmark.
- `wrk()`: runs `wrk` (Debian package `wrk`: `apt-get install -y wrk`), a load generator in C,
  as a separate process; request bodies are taken in turn from a file, and the answer's status
  codes are counted. Returns requests per second and latency percentiles in milliseconds.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
PG = os.environ.get("BENCH_PG", "postgres://fangkong:fangkong@127.0.0.1:5432")
# The key the demo city was sealed with (settings' demo default): the server must read the same.
DEMO_DATA_KEY = "ZGVtby1vbmx5LWRhdGEta2V5LWZhbmdrb25nLTMyYg=="


def machine() -> dict:
    with open("/proc/meminfo") as fh:
        mem_kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024**2, 1),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "load_average": load_average(),
    }


def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def django_env(database: str, **extra: str) -> dict:
    """Environment of a child that uses the project against `database` with production settings."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fangkong.settings",
        "DATABASE_URL": f"{PG}/{database}",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "x" * 50,
        "FANGKONG_DATA_KEY": os.environ.get("FANGKONG_DATA_KEY", DEMO_DATA_KEY),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",  # loopback, no TLS proxy in front
        **extra,
    }


def fangkong(database: str, *args: str) -> str:
    """Run a `fangkong` command against the database; its standard output."""
    proc = subprocess.run([str(BIN / "fangkong"), *args], env=django_env(database), capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise SystemExit(f"fangkong {args[0]} failed: {proc.stderr[-2000:]}")
    return proc.stdout


def city_token(database: str, username: str = "bench-city", area: str = "4114") -> str:
    """A bearer token of a city-command user (created if missing) through the CLI."""
    existing = subprocess.run(
        [str(BIN / "fangkong"), "shell", "-c",
         f"from fangkong.core.models import User; print(User.objects.filter(username='{username}').exists())"],
        env=django_env(database), capture_output=True, text=True, check=True,
    ).stdout.split()
    if existing[-1:] != ["True"]:  # the shell may print its auto-imports first
        fangkong(database, "user", "add", username, "--area", area, "--role", "city_command", "--generate-password")
    out = fangkong(database, "token", "create", username)
    return next(w for w in out.split() if w.startswith("fk_"))


def scanner_tokens(database: str, count: int, area: str = "4114") -> list[str]:
    """Bearer tokens of `count` checkpoint users (made if missing, without passwords: they only scan): the scan is
    limited per user (control.health_code.verify, 120 a minute), as a city's thousands of scanners are."""
    script = (
        "from fangkong.core.models import ApiToken, User\n"
        f"for i in range({count}):\n"
        f"    user, made = User.objects.get_or_create(username=f'bench-scanner-{{i}}', "
        f"defaults={{'role': 'checkpoint', 'area_code': '{area}'}})\n"
        "    if made:\n"
        "        user.set_unusable_password(); user.save()\n"
        "    print('TOKEN', ApiToken.issue(user)[1])\n"
    )
    out = subprocess.run([str(BIN / "fangkong"), "shell", "-c", script], env=django_env(database),
                         capture_output=True, text=True, check=True).stdout
    return [line.split()[1] for line in out.splitlines() if line.startswith("TOKEN ")]


class Server:
    """`fangkong serve` on 127.0.0.1:PORT with `workers` granian workers; stopped on exit."""

    def __init__(self, database: str, *, port: int = 8765, workers: int = 2, env: dict | None = None) -> None:
        self.database, self.port, self.workers = database, port, workers
        self.env = env or {}
        self.url = f"http://127.0.0.1:{port}"
        self.static = tempfile.mkdtemp(prefix="fk-bench-static-")

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            [str(BIN / "fangkong"), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers",
             str(self.workers)],
            env=django_env(self.database, STATIC_ROOT=self.static, **self.env),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
            if self.proc.poll() is not None:
                raise SystemExit(f"the server stopped: {self.proc.stderr.read().decode()[-2000:]}")
        raise SystemExit("the server did not answer within 60 s")

    def __exit__(self, *exc) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)  # the server and its workers: the group we started
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        shutil.rmtree(self.static, ignore_errors=True)


# A wrk script: POST (or GET) bodies from a file in turn, count the status codes, print JSON at the end.
_LUA = r"""
local bodies = {}
local method, path, auth = "__METHOD__", "__PATH__", "__AUTH__"
for line in io.lines("__BODIES__") do bodies[#bodies + 1] = line end
local threads = {}
function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end
local i = 0
counts = {}  -- a global: done() reads it from each thread with thread:get
function init(args)
  i = offset or 0
end
function request()
  i = i + 1
  local headers = {["Content-Type"] = "application/json"}
  local token, body = auth, nil
  if #bodies > 0 then
    body = bodies[(i % #bodies) + 1]
    -- A line "TOKEN<tab>BODY" is sent with its own bearer token (many scanners, each under its own rate limit).
    local tab = string.find(body, "\t", 1, true)
    if tab then token, body = string.sub(body, 1, tab - 1), string.sub(body, tab + 1) end
  end
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format(method, path, headers, body)
end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local statuses = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    if c then for k, v in pairs(c) do statuses[tostring(k)] = (statuses[tostring(k)] or 0) + v end end
  end
  local parts = {}
  for k, v in pairs(statuses) do parts[#parts + 1] = string.format('"%s": %d', k, v) end
  io.write(string.format(
    'WRKJSON {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "p999_ms": %.3f, ' ..
    '"max_ms": %.3f, "mean_ms": %.3f, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency:percentile(99.9) / 1e3, latency.max / 1e3, latency.mean / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", ")))
end
"""


def wrk(url: str, path: str, *, method: str = "GET", bodies: list[str] | None = None, token: str = "",
        seconds: int = 30, connections: int = 8, threads: int = 1) -> dict:
    """Drive `method path` for `seconds` with `connections` open connections; figures as a dict.

    Bodies (one JSON document each) are written to a private temporary file that is removed after.
    """
    exe = shutil.which("wrk")
    if exe is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory(prefix="fk-bench-wrk-") as tmp:
        body_file = Path(tmp) / "bodies.txt"
        body_file.write_text("".join(b + "\n" for b in (bodies or [])))
        body_file.chmod(0o600)
        script = Path(tmp) / "bench.lua"
        script.write_text(_LUA.replace("__METHOD__", method).replace("__PATH__", path).replace("__AUTH__", token)
                          .replace("__BODIES__", str(body_file)))
        proc = subprocess.run(
            [exe, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(script),
             url],
            capture_output=True, text=True, check=False,
        )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    out = json.loads(line[len("WRKJSON "):])
    out["requests_per_second"] = round(out["requests"] / out["seconds"], 1)
    return out


def ensure_health_codes(database: str) -> dict:
    """Bench set-up: a green health code for every person who has none, made by the database itself.

    Tokens are 32 random bytes from gen_random_uuid() (PostgreSQL 13+, a cryptographic source),
    written as the app writes them (URL-safe base64 without padding, 43 characters).
    """
    import psycopg

    started = time.monotonic()
    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        before = conn.execute("SELECT count(*) FROM control_healthcode").fetchone()[0]
        conn.execute(
            "INSERT INTO control_healthcode (person_id, area_code, token, colour, reasons, updated_at) "
            "SELECT p.id, p.area_code, rtrim(translate(encode(decode(replace(gen_random_uuid()::text, '-', '') "
            "|| replace(gen_random_uuid()::text, '-', ''), 'hex'), 'base64'), '+/', '-_'), '='), 'green', '[]', now() "
            "FROM people_person p WHERE NOT EXISTS (SELECT 1 FROM control_healthcode h WHERE h.person_id = p.id)"
        )
        conn.execute("ANALYZE control_healthcode")
        after = conn.execute("SELECT count(*) FROM control_healthcode").fetchone()[0]
    return {"created": after - before, "total": after, "seconds": round(time.monotonic() - started, 1)}
