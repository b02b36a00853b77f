"""The benchmark behind ``make bench``: this app against the bare-Flask ceiling.

In one run, with the same gunicorn settings (2 workers, the repository's
gunicorn.conf.py with its threads), it starts a hello-world Flask app
(``bench/hello.py``, the ceiling) and this app on a fresh PostgreSQL
database seeded with the workshop, 50,000 demo registrations and an
organiser, and a second copy of the app on an event of 50 registrations
(the registration POST must not slow down with the event's size). wrk then
loads the ceiling and each page alternately, so both see the same machine at
nearly the same time, and the CSV export is timed against PostgreSQL's own
``COPY ... TO STDOUT``. The table goes to standard output and a JSON file to
``bench/results/``.

Needs ``wrk`` (``apt-get install wrk``) and a PostgreSQL server reachable at
``BENCH_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``,
a role that may create databases); the databases ``score_bench`` and
``score_bench_small`` are created and dropped again at the end.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
SLUG = "score-bogor-2011"
DATABASE = "score_bench"
SMALL_DATABASE = "score_bench_small"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ORGANISER = "bench-organiser@example.org"
ORGANISER_PASSWORD = "bench: correct horse battery staple"  # noqa: S105
# Flask-Login's "strong" session protection ties the session to the client's
# user agent: wrk must send the one the login was made with.
USER_AGENT = "score-bench/1"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CSV_PATH = f"/admin/events/{SLUG}/attendees.csv"
XLSX_PATH = f"/admin/events/{SLUG}/attendees.xlsx"


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    path: str
    # The targets: the least ratio to the ceiling, the most p99.
    min_ratio: float | None
    max_p99_ms: float
    needs_login: bool = False
    register: bool = False
    # wrk's connections for this target and its ceiling run, when not the
    # default: the organiser pages one at a time show their own latency.
    connections: int | None = None
    # Measured against the server of the small event (SMALL_EVENT
    # registrations) instead of the large one.
    small_event: bool = False


TARGETS = [
    Target("event", "event page  GET /", "/", 0.8, 100),
    Target("agenda", "agenda.ics", f"/events/{SLUG}/agenda.ics", 0.8, 100),
    Target(
        "register",
        "registration POST",
        f"/events/{SLUG}/register",
        0.10,
        150,
        register=True,
    ),
    # The same POST on an event of 50 registrations: registering must not
    # grow slower with the event's size (measured on a second database).
    Target(
        "register-50",
        "registration POST, 50 regs",
        f"/events/{SLUG}/register",
        0.10,
        150,
        register=True,
        small_event=True,
    ),
    # One request at a time: the page's own latency, without a queue.
    Target(
        "dashboard",
        "organiser dashboard, 1 conn.",
        f"/admin/events/{SLUG}/",
        None,
        150,
        needs_login=True,
        connections=1,
    ),
    Target(
        "attendees",
        "attendee list, 1 conn.",
        f"/admin/events/{SLUG}/attendees",
        None,
        150,
        needs_login=True,
        connections=1,
    ),
]
# Measured in this order: registrations last, so that the other pages and the
# CSV see exactly the seeded registrations.
MEASURE_ORDER = ["event", "agenda", "dashboard", "attendees", "register", "register-50"]
# The CSV export's goal: at most this many times COPY's time, and this much
# growth of a worker's memory.
CSV_TIMES_COPY = 3
CSV_GROWTH_MIB = 30
# The workbook's: within this many times the CSV's time, and this much growth.
XLSX_TIMES_CSV = 10
XLSX_GROWTH_MIB = 50
SMALL_EVENT = 50


class BenchError(RuntimeError):
    pass


def fail(message: str) -> None:
    print(f"\nbench: {message}", file=sys.stderr)
    sys.exit(2)


# --- prerequisites and the database ------------------------------------------


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        fail(
            "wrk is not installed. Install it with `apt-get install wrk` "
            "(Debian/Ubuntu) and run `make bench` again."
        )
    return wrk


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def connect(url: str):
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        fail(
            f"cannot connect to PostgreSQL at {url}:\n  {error}\n"
            "Start a PostgreSQL server (`apt-get install postgresql`) or point "
            "BENCH_POSTGRES_URL at one, as a role that may create databases."
        )


def create_database(admin_url: str, name: str = DATABASE) -> None:
    with connect(admin_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def drop_database(admin_url: str, name: str = DATABASE) -> None:
    with connect(admin_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def flask_command(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
    )


def prepare_app_database(env: dict, registrations: int, vacuum: bool = True) -> None:
    name = env["DATABASE_URL"].rsplit("/", 1)[1]
    print(f"Building {name}: schema, workshop, {registrations:,} registrations")
    flask_command(env, "db", "upgrade")
    flask_command(env, "seed", "--demo-registrations", str(registrations))
    flask_command(env, "create-organiser", ORGANISER, "--role", "organiser")
    if vacuum:
        # As autovacuum would, some time after the load (seed already ran
        # ANALYZE; VACUUM sets the visibility map for index-only scans).
        with connect(env["DATABASE_URL"]) as conn:
            conn.execute("VACUUM ANALYZE")


# --- servers -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    base: str
    process: subprocess.Popen

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's children."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with suppress(OSError):
                stat = (entry / "stat").read_text()
                # The command may hold spaces and parentheses: split after ")".
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if ppid == self.process.pid:
                    pids.append(int(entry.name))
        return sorted(pids)


@contextmanager
def gunicorn(name: str, app: str, env: dict, workers: int, log_dir: Path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(log_dir / f"{name}-server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            # On the command line, so it wins over gunicorn.conf.py's CPU count;
            # the rest of gunicorn.conf.py (threads, logging) applies to both.
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            app,
        ],
        cwd=ROOT,
        env={**env, "BASE_URL": base},
        stdout=subprocess.DEVNULL,  # the access log: one line per request
        stderr=log,
    )
    try:
        wait_until_up(base, process, "/healthz" if name == "app" else "/")
        yield Server(name, base, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def optional_server(wanted: bool, name: str, env: dict, workers: int):
    """A second app server (for the small event) when ``wanted``, else None."""
    if not wanted:
        yield None
        return
    with gunicorn(name, "wsgi:app", env, workers, RESULTS) as server:
        yield server


def wait_until_up(base: str, process: subprocess.Popen, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn for {base} exited; see bench/results/*.log")
        try:
            with urllib.request.urlopen(base + path, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"gunicorn at {base} did not answer within 60 s")


# --- a browser for logging in and getting CSRF tokens ---------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf_token(self, path: str) -> str:
        status, html = self.request(path)
        match = CSRF.search(html)
        if status != 200 or not match:
            raise BenchError(f"no CSRF token on {path} (HTTP {status})")
        return match.group(1)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def organiser_session(base: str) -> Browser:
    browser = Browser(base)
    token = browser.csrf_token("/admin/login")
    status, _ = browser.request(
        "/admin/login",
        {"email": ORGANISER, "password": ORGANISER_PASSWORD, "csrf_token": token},
    )
    if status != 303:
        raise BenchError(f"organiser login failed (HTTP {status})")
    return browser


# --- wrk ------------------------------------------------------------------------


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: dict

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


@dataclass
class Wrk:
    executable: str
    seconds: int
    connections: int
    threads: int
    scripts: Path

    def run(
        self,
        url: str,
        *,
        seconds: int | None = None,
        connections: int | None = None,
        headers: tuple[str, ...] = (),
        script: str = "get",
        script_args: tuple[str, ...] = (),
    ) -> Run:
        connections = connections or self.connections
        command = [
            self.executable,
            "--threads",
            str(min(self.threads, connections)),  # wrk: at least one each
            "--connections",
            str(connections),
            "--duration",
            f"{seconds or self.seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "--script",
            str(self.scripts / f"{script}.lua"),
        ]
        for header in (f"User-Agent: {USER_AGENT}", *headers):
            command += ["--header", header]
        command.append(url)
        if script_args:
            command += ["--", *script_args]
        output = subprocess.run(
            command, capture_output=True, text=True, check=True
        ).stdout
        line = next(
            (x for x in output.splitlines() if x.startswith("BENCH_JSON ")), None
        )
        if line is None:
            raise BenchError(f"wrk printed no result:\n{output}")
        data = json.loads(line.removeprefix("BENCH_JSON "))
        return Run(
            requests=data["requests"],
            seconds=data["duration_us"] / 1e6,
            p50_ms=data["p50_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            max_ms=data["max_us"] / 1000,
            errors=data["errors"],
        )


def wrk_scripts(directory: Path) -> Path:
    """report.lua on its own (GET) and after register.lua (POST)."""
    report = (BENCH / "report.lua").read_text()
    (directory / "get.lua").write_text(report)
    register = (BENCH / "register.lua").read_text()
    (directory / "register.lua").write_text(register + "\n" + report)
    return directory


@dataclass
class Measured:
    target: Target
    ceiling: list[Run] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)

    def median(self, attribute: str, runs: list[Run] | None = None) -> float:
        return statistics.median(getattr(r, attribute) for r in runs or self.runs)

    @property
    def ratio(self) -> float:
        # Each run against the ceiling measured just before it.
        return statistics.median(
            r.rps / c.rps for r, c in zip(self.runs, self.ceiling, strict=True)
        )

    @property
    def met(self) -> bool:
        ratio_ok = self.target.min_ratio is None or self.ratio >= self.target.min_ratio
        return (
            ratio_ok
            and self.median("p99_ms") < self.target.max_p99_ms
            and not any(r.failed for r in self.runs)
        )


def with_run_id(options: dict, run_id: str) -> dict:
    """For the registration script: a run id, so that every e-mail is new."""
    if "script_args" not in options:
        return options
    return {**options, "script_args": (*options["script_args"], run_id)}


def load_pages(
    app: Server,
    hello: Server,
    wrk: Wrk,
    rounds: int,
    only: set[str],
    small_app: Server | None = None,
):
    organiser = organiser_session(app.base)
    cookie = organiser.cookie_header()
    for target in TARGETS:
        if target.needs_login and target.key in only:
            status, _ = organiser.request(target.path)
            if status != 200:
                raise BenchError(f"{target.path} answered HTTP {status}")
    measured = {t.key: Measured(t) for t in TARGETS if t.key in only}
    by_key = {t.key: t for t in TARGETS}
    print("Warming up both servers")
    wrk.run(hello.base + "/", seconds=2)
    for key in MEASURE_ORDER:
        if key not in measured:
            continue
        target = by_key[key]
        server = small_app if target.small_event else app
        url = server.base + target.path
        if target.register:
            # A fresh visitor: its session cookie and the CSRF token tied to it.
            visitor = Browser(server.base)
            token = visitor.csrf_token(target.path)
            options = {
                "script": "register",
                "script_args": (visitor.cookie_header(), token),
            }
        else:
            options = {"headers": (f"Cookie: {cookie}",) if target.needs_login else ()}
        options["connections"] = target.connections
        stamp = int(time.time())
        wrk.run(url, seconds=2, **with_run_id(options, f"{stamp}w"))
        for n in range(rounds):
            ceiling = wrk.run(hello.base + "/", connections=target.connections)
            run = wrk.run(url, **with_run_id(options, f"{stamp}r{n}"))
            measured[key].ceiling.append(ceiling)
            measured[key].runs.append(run)
            print(
                f"  {target.label:<30} {run.rps:8.0f} req/s "
                f"(ceiling {ceiling.rps:6.0f}), p99 {run.p99_ms:6.1f} ms"
                + (f", {run.failed} FAILED" if run.failed else "")
            )
    return [measured[t.key] for t in TARGETS if t.key in measured]


# --- the CSV export against COPY ---------------------------------------------------


def rss_kib(pid: int) -> int:
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@dataclass
class Download:
    seconds: float
    rows: int
    bytes: int
    growth_mib: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def download_csv(app: Server, cookie: str, path: str = CSV_PATH) -> Download:
    """One download, while the workers' RSS is sampled every ~20 ms (rows are
    counted by line: a workbook's are not, its row count stays 0)."""
    workers = app.worker_pids()
    before = {pid: rss_kib(pid) for pid in workers}
    peak = dict(before)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in workers:
                peak[pid] = max(peak[pid], rss_kib(pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    request = urllib.request.Request(
        app.base + path, headers={"Cookie": cookie, "User-Agent": USER_AGENT}
    )
    size = lines = 0
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:
        while chunk := response.read(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    growth = max(peak[pid] - before[pid] for pid in workers) / 1024
    rows = lines - 1 if path.endswith(".csv") else 0
    return Download(seconds, rows, size, growth)


COPY_QUERY = """
COPY (
  SELECT r.reference, r.status, r.full_name, r.email, p.code, p.name,
         r.organisation, r.job_title, r.category, r.gender, r.phone,
         r.arrival_date, r.departure_date, r.needs_accommodation, r.dietary,
         r.accessibility, r.needs_visa_letter,
         date_trunc('second', r.created_at AT TIME ZONE e.timezone),
         r.dietary_detail, w.place
  FROM registrations r
  JOIN events e ON e.id = r.event_id
  JOIN country_programmes p ON p.id = r.programme_id
  LEFT JOIN (
    SELECT id, row_number() OVER (
      PARTITION BY programme_id ORDER BY waitlist_position, id) AS place
    FROM registrations WHERE status = 'waitlisted'
  ) w ON w.id = r.id
  WHERE e.slug = {slug}
  ORDER BY r.created_at, r.id
) TO STDOUT WITH (FORMAT csv, HEADER)
"""


def copy_csv(database_url: str) -> Download:
    """PostgreSQL writing the same rows and columns as CSV itself: the ceiling."""
    from psycopg import sql

    statement = sql.SQL(COPY_QUERY).format(slug=sql.Literal(SLUG))
    with connect(database_url) as conn:
        size = lines = 0
        started = time.perf_counter()
        with conn.cursor().copy(statement) as copy:
            for block in copy:
                size += len(block)
                lines += bytes(block).count(b"\n")
        seconds = time.perf_counter() - started
    return Download(seconds, lines - 1, size, 0.0)


def measure_csv(app: Server, database_url: str, repeats: int) -> dict:
    cookie = organiser_session(app.base).cookie_header()
    copies = [copy_csv(database_url) for _ in range(repeats)]
    downloads = []
    for _ in range(repeats):
        downloads.append(download_csv(app, cookie))
        print(
            f"  CSV {downloads[-1].rows:,} rows in {downloads[-1].seconds:.2f} s, "
            f"worker memory +{downloads[-1].growth_mib:.1f} MiB"
        )
    workbooks = []
    for _ in range(repeats):
        workbooks.append(download_csv(app, cookie, XLSX_PATH))
        print(
            f"  XLSX in {workbooks[-1].seconds:.2f} s, "
            f"worker memory +{workbooks[-1].growth_mib:.1f} MiB"
        )
    seconds = statistics.median(d.seconds for d in downloads)
    copy_seconds = statistics.median(c.seconds for c in copies)
    xlsx_seconds = statistics.median(w.seconds for w in workbooks)
    return {
        "rows": downloads[0].rows,
        "copy_rows": copies[0].rows,
        "seconds": seconds,
        "rows_per_second": downloads[0].rows / seconds,
        "bytes": downloads[0].bytes,
        # The worst of the downloads: the first on a worker shows its growth.
        "memory_growth_mib": max(d.growth_mib for d in downloads),
        "copy_seconds": copy_seconds,
        "copy_rows_per_second": copies[0].rows / copy_seconds,
        "times_copy": seconds / copy_seconds,
        "xlsx_seconds": xlsx_seconds,
        "xlsx_times_csv": xlsx_seconds / seconds,
        "xlsx_bytes": workbooks[0].bytes,
        "xlsx_memory_growth_mib": max(w.growth_mib for w in workbooks),
        "workbooks": [asdict(w) for w in workbooks],
        "downloads": [asdict(d) for d in downloads],
        "copies": [asdict(c) for c in copies],
    }


def measure_import(env: dict) -> dict:
    """A 1,000-row delegation previewed and imported on the small event's
    database (``bench/imports.py``)."""
    print("Delegation import: 1,000 rows")
    return _app_script(env, "bench.imports", SLUG, ORGANISER)


def measure_documents(env: dict) -> dict:
    """The badges and a letter, timed in the app on the small event's database
    (``bench/documents.py``)."""
    print("PDF documents: 48 badges, one visa letter")
    return _app_script(env, "bench.documents", SLUG)


def _app_script(env: dict, module: str, *args: str) -> dict:
    """Run ``python -m module args`` in the app's environment; its JSON line."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"{module} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the table -------------------------------------------------------------------


def target_text(target: Target) -> str:
    ratio = f"≥{target.min_ratio:.2f}, " if target.min_ratio else ""
    return f"{ratio}p99<{target.max_p99_ms:.0f}"


def table(
    measured: list[Measured],
    csv: dict | None,
    settings: dict,
    pdfs: dict | None,
    imported: dict | None = None,
) -> str:
    W = 30  # the first column's width
    ceilings = [c for m in measured for c in m.ceiling]
    rule = "|" + "|".join("-" * n for n in (W + 2, 9, 9, 9, 11, 16, 5)) + "|"
    lines = [
        f"SCORE registration vs bare Flask: gunicorn {settings['workers']} "
        f"threaded workers, wrk {settings['threads']} threads, "
        f"{settings['connections']} connections, {settings['seconds']} s per run, "
        f"{settings['registrations']:,} registrations",
        "",
        f"| {'target':<{W}} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} "
        f"| {'× ceiling':>9} | {'goal':<14} | met |",
        rule,
    ]
    if ceilings:
        lines.append(
            f"| {'hello world (ceiling)':<{W}} "
            f"| {statistics.median(c.rps for c in ceilings):7.0f} "
            f"| {statistics.median(c.p50_ms for c in ceilings):7.1f} "
            f"| {statistics.median(c.p99_ms for c in ceilings):7.1f} "
            f"| {1:9.2f} | {'':<14} |     |"
        )
    for m in measured:
        failed = sum(r.failed for r in m.runs)
        note = f" ({failed} failed)" if failed else ""
        lines.append(
            f"| {m.target.label + note:<{W}} | {m.median('rps'):7.0f} "
            f"| {m.median('p50_ms'):7.1f} | {m.median('p99_ms'):7.1f} "
            f"| {m.ratio:9.2f} | {target_text(m.target):<14} "
            f"| {'yes' if m.met else 'NO':<3} |"
        )
    if csv:
        met = (
            csv["times_copy"] <= CSV_TIMES_COPY
            and csv["memory_growth_mib"] < CSV_GROWTH_MIB
        )
        lines += [
            "",
            f"| {'CSV export':<{W}} | {'rows':>7} | {'wall s':>7} | {'rows/s':>7} "
            f"| {'× COPY':>9} | {'memory growth':<14} | met |",
            rule,
            f"| {'COPY ... TO STDOUT (ceil.)':<{W}} | {csv['copy_rows']:7d} "
            f"| {csv['copy_seconds']:7.2f} | {csv['copy_rows_per_second']:7.0f} "
            f"| {1:9.2f} | {'':<14} |     |",
            f"| {'attendees.csv':<{W}} | {csv['rows']:7d} | {csv['seconds']:7.2f} "
            f"| {csv['rows_per_second']:7.0f} | {csv['times_copy']:9.2f} "
            f"| {csv['memory_growth_mib']:8.1f} MiB | {'yes' if met else 'NO':<3} |",
            "",
            f"CSV goal: within {CSV_TIMES_COPY}× of COPY, less than "
            f"{CSV_GROWTH_MIB} MiB growth of a worker's RSS.",
            f"attendees.xlsx: {csv['xlsx_seconds']:.2f} s, "
            f"{csv['xlsx_times_csv']:.1f}× the CSV's time (goal ≤ {XLSX_TIMES_CSV}×), "
            f"+{csv['xlsx_memory_growth_mib']:.1f} MiB (goal < {XLSX_GROWTH_MIB} MiB): "
            + (
                "met"
                if csv["xlsx_times_csv"] <= XLSX_TIMES_CSV
                and csv["xlsx_memory_growth_mib"] < XLSX_GROWTH_MIB
                else "NOT met"
            )
            + ".",
        ]
    if pdfs:
        lines += [
            "",
            f"PDF documents, in the app (median of 3 after a warm-up): "
            f"{pdfs['badges']} badges in {pdfs['badges_seconds']:.2f} s (goal < 2 s), "
            f"one visa letter in {pdfs['letter_seconds']:.2f} s (goal < 0.5 s): "
            f"{'met' if pdfs['met'] else 'NOT met'}.",
        ]
    if imported:
        lines += [
            "",
            f"Delegation import of {imported['rows']:,} rows, in the app: preview "
            f"{imported['preview_seconds']:.2f} s (goal < 5 s), import "
            f"{imported['import_seconds']:.2f} s (goal < 15 s): "
            f"{'met' if imported['met'] else 'NOT met'}.",
        ]
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--rounds", type=int, default=1, help="runs per target")
    parser.add_argument("--registrations", type=int, default=50_000)
    parser.add_argument("--csv-repeats", type=int, default=3)
    parser.add_argument(
        "--only",
        default=",".join(t.key for t in TARGETS) + ",csv,documents,import",
        help="comma-separated keys: "
        + ",".join(t.key for t in TARGETS)
        + ",csv,documents,import",
    )
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="skip VACUUM ANALYZE after the load (statistics from seed alone)",
    )
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help=f"use an existing {DATABASE} as it is and keep it (for profiling)",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))

    executable = require_wrk()
    admin_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    connect(admin_url).close()
    database_url = with_database(admin_url, DATABASE)
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key",
        "RATELIMIT_ENABLED": "false",
        "ORGANISER_PASSWORD": ORGANISER_PASSWORD,
    }
    env.pop("WEB_CONCURRENCY", None)
    settings = {
        "workers": args.workers,
        "threads": args.threads,
        "connections": args.connections,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "registrations": args.registrations,
        "vacuum": not args.no_vacuum,
    }
    started = datetime.now(UTC)
    small = "register-50" in only or "documents" in only or "import" in only
    small_env = {**env, "DATABASE_URL": with_database(admin_url, SMALL_DATABASE)}
    if not args.reuse_database:
        create_database(admin_url)
    if small:
        create_database(admin_url, SMALL_DATABASE)
    try:
        if not args.reuse_database:
            prepare_app_database(env, args.registrations, vacuum=not args.no_vacuum)
        if small:
            prepare_app_database(small_env, SMALL_EVENT)
        with tempfile.TemporaryDirectory() as scripts:
            wrk = Wrk(
                executable,
                args.seconds,
                args.connections,
                args.threads,
                wrk_scripts(Path(scripts)),
            )
            with (
                gunicorn("hello", "bench.hello:app", env, args.workers, RESULTS) as h,
                gunicorn("app", "wsgi:app", env, args.workers, RESULTS) as app,
                optional_server(small, "small", small_env, args.workers) as small_app,
            ):
                csv = None
                if "csv" in only:
                    print("CSV export against COPY")
                    csv = measure_csv(app, database_url, args.csv_repeats)
                print("Pages against the ceiling")
                measured = load_pages(app, h, wrk, args.rounds, only, small_app)
        pdfs = measure_documents(small_env) if "documents" in only else None
        imported = measure_import(small_env) if "import" in only else None
    except BenchError as error:
        fail(str(error))
    finally:
        if not args.reuse_database:
            drop_database(admin_url)
        if small:
            drop_database(admin_url, SMALL_DATABASE)
    report = table(measured, csv, settings, pdfs, imported)
    print()
    print(report)
    result = {
        "started": started.isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "settings": settings,
        "pages": [
            {
                "target": m.target.key,
                "label": m.target.label,
                "path": m.target.path,
                "requests_per_second": m.median("rps"),
                "p50_ms": m.median("p50_ms"),
                "p99_ms": m.median("p99_ms"),
                "ratio_to_ceiling": m.ratio,
                "ceiling_requests_per_second": m.median("rps", m.ceiling),
                "goal": target_text(m.target),
                "met": m.met,
                "runs": [asdict(r) | {"rps": r.rps} for r in m.runs],
                "ceiling_runs": [asdict(r) | {"rps": r.rps} for r in m.ceiling],
            }
            for m in measured
        ],
        "csv": csv,
        "documents": pdfs,
        "import": imported,
        "table": report,
    }
    path = RESULTS / f"bench-{started:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nWritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
