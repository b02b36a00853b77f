"""Two app servers behind nginx, on one PostgreSQL and one Redis, keep every
promise one server keeps (``make test-deploy``).

Each server is gunicorn with the repository's gunicorn.conf.py and its own
mail worker; nginx runs the repository's deploy/nginx.conf, rendered for
the servers' free ports (without TLS). Needs PostgreSQL (TEST_DATABASE_URL),
Redis on 127.0.0.1:6379 and nginx.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from html.parser import HTMLParser
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.live_server import ROOT, Browser, free_port, gunicorn
from tests.smtp_server import SmtpServer

SLUG = "score-bogor-2011"
ADMIN = "admin@example.org"
PASSWORD = "two servers, one database"
REDIS_DB = 13
PAGE_CACHE_SECONDS = 2
LOGIN_LIMIT = 8


def render_nginx(site: str, port: int, servers: list[str], folder: Path) -> str:
    """deploy/nginx.conf for this machine: the app servers' ports, plain HTTP
    on ``port`` instead of TLS, the repository's static files; wrapped in the
    few lines of a main nginx.conf."""
    replacements = [
        ("server 127.0.0.1:8001;", f"server {servers[0]};"),
        ("server 127.0.0.1:8002;", f"server {servers[1]};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{port};"),
        ("listen [::]:443 ssl http2;", ""),
        ("alias /srv/score/app/static/;", f"alias {ROOT / 'app' / 'static'}/;"),
    ]
    for old, new in replacements:
        assert old in site, f"deploy/nginx.conf no longer has {old!r}"
        site = site.replace(old, new)
    # The port-80 redirect and the certificates belong to the real machine.
    site = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", site, flags=re.S)
    site = re.sub(r"\n\s*ssl_[a-z_]+ [^\n]*;", "", site)
    user = "user root;" if os.geteuid() == 0 else ""
    return main_config(site, folder, f"{user}\nworker_processes 1;\ndaemon off;")


def main_config(site: str, folder: Path, top: str = "") -> str:
    """The site wrapped in the few lines of a main nginx.conf, with every
    file nginx writes in ``folder``."""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{top}\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        f"events {{}}\nhttp {{\n    include /etc/nginx/mime.types;\n"
        f"    access_log {folder / 'access.log'};\n{temp}\n{site}\n}}\n"
    )


@contextmanager
def nginx(servers: list[str], folder: Path, port: int):
    executable = shutil.which("nginx") or "/usr/sbin/nginx"
    config = folder / "nginx.conf"
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    config.write_text(render_nginx(site, port, servers, folder))
    process = subprocess.Popen(
        [executable, "-p", str(folder), "-c", str(config)],
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while not _answers(base):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "nginx did not answer"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def _answers(base: str) -> bool:
    try:
        return Browser(base).request("/healthz")[0] == 200
    except OSError:  # not listening yet
        return False


@contextmanager
def mail_worker(env: dict):
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "deliver-mail"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@contextmanager
def fresh_database():
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.fail("make test-deploy needs TEST_DATABASE_URL (PostgreSQL)")
    url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"score_deploy_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Stack:
    def __init__(self, base, servers, database, smtp):
        self.base, self.servers, self.database, self.smtp = (
            base,
            servers,
            database,
            smtp,
        )

    def sql(self, query: str, *args):
        url = make_url(self.database).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
            return conn.execute(query, args).fetchall()


@pytest.fixture(scope="module")
def stack():
    redis.Redis(db=REDIS_DB).flushdb()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        database = stack.enter_context(fresh_database())
        smtp = SmtpServer().start()
        stack.callback(smtp.stop)
        nginx_port = free_port()
        env = {
            **os.environ,
            "APP_ENV": "production",
            "DATABASE_URL": database,
            "SECRET_KEY": "the same key on both servers",
            "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "TRUSTED_PROXIES": "1",
            "BASE_URL": f"http://127.0.0.1:{nginx_port}",
            "PAGE_CACHE_SECONDS": str(PAGE_CACHE_SECONDS),
            "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
            "RATELIMIT_ENABLED": "true",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
            "ORGANISER_PASSWORD": PASSWORD,
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each master makes its own
        flask(env, "db", "upgrade")
        flask(env, "seed")
        flask(env, "create-organiser", ADMIN, "--role", "admin")
        servers = [
            stack.enter_context(
                gunicorn(database, workers=2, log_path=folder / f"app-{n}.log", **env)
            )
            for n in range(2)
        ]
        for _ in servers:
            stack.enter_context(mail_worker(env))
        addresses = [s.removeprefix("http://") for s in servers]
        base = stack.enter_context(nginx(addresses, folder, nginx_port))
        yield Stack(base, servers, database, smtp)


def register(
    base: str, email: str, start: threading.Barrier | None = None, country="GH"
):
    visitor = Browser(base)
    url = f"/events/{SLUG}/register"
    token = visitor.csrf_token(url)
    form = {
        "csrf_token": token,
        "full_name": f"Delegate {email}",
        "email": email,
        "country": country,
        "organisation": "SCORE",
        "category": "score_team",
        "gender": "undisclosed",
        "dietary": "none",
        "consent": "y",
    }
    if start:
        start.wait(timeout=60)
    return visitor.request(url, form)[0]


def scrape(server: str) -> str:
    return Browser(server).request("/metrics")[2]


def test_40_registrations_at_once_over_both_servers_never_overbook(stack):
    start = threading.Barrier(40)
    answers: list[int] = []
    threads = [
        threading.Thread(
            target=lambda n=n: answers.append(
                register(stack.base, f"gh{n}@example.org", start)
            )
        )
        for n in range(40)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == [303] * 40, answers
    counts = dict(
        stack.sql(
            "SELECT status, count(*) FROM registrations r "
            "JOIN country_programmes p ON p.id = r.programme_id "
            "WHERE p.code = 'GH' GROUP BY status"
        )
    )
    assert counts == {"confirmed": 6, "waitlisted": 34}
    tickets = [
        row[0]
        for row in stack.sql(
            "SELECT waitlist_position FROM registrations "
            "WHERE status = 'waitlisted' ORDER BY waitlist_position"
        )
    ]
    # Places 1 to 34: every ticket distinct, so each has its own place.
    assert len(set(tickets)) == 34 and None not in tickets
    # Both servers took registrations.
    for server in stack.servers:
        taken = re.findall(
            r'score_http_requests_total\{endpoint="public.register",'
            r'method="POST",status="303"\} (\d+)',
            scrape(server),
        )
        assert taken and int(float(taken[0])) > 0, server


def log_in(organiser: Browser, client: str) -> None:
    """Log in straight at one server, as nginx would pass on a login from
    ``client`` (each test its own address: the login limit counts per
    address, across servers)."""
    token = organiser.csrf_token("/admin/login")
    answer = organiser.request(
        "/admin/login",
        {"email": ADMIN, "password": PASSWORD, "csrf_token": token},
        headers={"X-Forwarded-For": client},
    )
    assert answer[0] == 303


def test_a_session_from_one_server_works_on_the_other_and_ends_on_both(stack):
    first, second = stack.servers
    organiser = Browser(first)
    log_in(organiser, "192.0.2.10")
    organiser.base = second
    assert organiser.request("/admin/")[0] == 200
    token = organiser.csrf_token("/admin/password")
    assert organiser.request("/admin/logout", {"csrf_token": token})[0] == 303
    organiser.base = first
    assert organiser.request("/admin/")[0] == 302  # to the login page


def test_rate_limits_count_once_across_servers_per_client_address(stack):
    visitor = Browser(stack.base)
    answers = []
    for n in range(LOGIN_LIMIT + 1):
        token = visitor.csrf_token("/admin/login")
        answers.append(
            visitor.request(
                "/admin/login",
                {
                    "email": f"nobody{n}@example.org",
                    "password": "x",
                    "csrf_token": token,
                },
                # What a client says it is does not count: nginx adds the
                # address it sees, and that is the one the app trusts.
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )[0]
        )
    assert answers[:LOGIN_LIMIT] == [422] * LOGIN_LIMIT
    assert answers[LOGIN_LIMIT] == 429


def test_the_login_lock_out_counts_failures_on_both_servers(stack):
    # As nginx would pass them on for a client at 203.0.113.5.
    client = {"X-Forwarded-For": "203.0.113.5"}
    answers = []
    for n in range(6):
        server = Browser(stack.servers[n % 2])
        token = server.csrf_token("/admin/login")
        password = PASSWORD if n == 5 else "wrong password"
        answers.append(
            server.request(
                "/admin/login",
                {"email": ADMIN, "password": password, "csrf_token": token},
                headers=client,
            )[0]
        )
    # Five failures, three on one server and two on the other, lock the
    # account from that address: even the right password is refused.
    assert answers == [422] * 5 + [429]


class Inputs(HTMLParser):
    """The values a form would send back as it stands."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[a["name"]] = a.get("value") or "y"
            else:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def test_a_change_on_one_server_shows_on_the_other(stack):
    first, second = stack.servers
    page = f"/events/{SLUG}/"
    before = Browser(second).request(page)[2]
    assert "Global Knowledge Sharing" in before
    # An organiser renames the event on the first server.
    organiser = Browser(first)
    log_in(organiser, "192.0.2.11")
    details = f"/admin/events/{SLUG}/settings/details"
    form = Inputs()
    form.feed(organiser.request(details)[2])
    sequence = int(stack.sql("SELECT sequence FROM events")[0][0])
    form.values["title"] = "SCORE Global Knowledge Sharing Workshop (renamed)"
    assert organiser.request(details, form.values)[0] == 303
    # The second server's pages, cached in Redis, follow at once (the
    # change clears the shared cache), and so do its calendar files.
    assert "(renamed)" in Browser(second).request(page)[2]
    calendar = Browser(second).request(f"/events/{SLUG}/event.ics")[2]
    assert f"SEQUENCE:{sequence + 1}" in calendar
    # A registration on the first server shows on the second within the
    # cache's promise.
    seats = Browser(second).request(page)[2]
    assert register(first, "late@example.org", country="IN") == 303
    deadline = time.monotonic() + PAGE_CACHE_SECONDS + 2
    while Browser(second).request(page)[2] == seats:
        assert time.monotonic() < deadline, "the change did not show in time"
        time.sleep(0.2)


def test_each_message_is_sent_exactly_once_by_the_two_workers(stack):
    deadline = time.monotonic() + 60
    while stack.sql("SELECT count(*) FROM outbox_messages WHERE status = 'queued'")[0][
        0
    ]:
        assert time.monotonic() < deadline, "the mail workers did not catch up"
        time.sleep(0.5)
    sent = {
        row[0]
        for row in stack.sql(
            "SELECT message_id FROM outbox_messages WHERE status = 'sent'"
        )
    }
    received = [
        re.search(rb"^Message-ID: *(\S+)", m.content, re.M | re.I).group(1).decode()
        for m in stack.smtp.messages
    ]
    assert len(sent) >= 40
    assert sorted(received) == sorted(sent)  # each once, none twice


def test_the_shipped_nginx_site_is_valid_with_its_tls_and_redirect(tmp_path):
    """deploy/nginx.conf as shipped (the port-80 redirect, TLS, http2), with
    only the certificate paths pointed at a throwaway certificate."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    made = subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes"),
            *("-days", "1", "-subj", "/CN=register.example.org"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        capture_output=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    live = "/etc/letsencrypt/live/register.example.org/"
    assert f"{live}fullchain.pem" in site and f"{live}privkey.pem" in site
    site = site.replace(f"{live}fullchain.pem", str(cert))
    site = site.replace(f"{live}privkey.pem", str(key))
    config = tmp_path / "nginx.conf"
    config.write_text(main_config(site, tmp_path))
    executable = shutil.which("nginx") or "/usr/sbin/nginx"
    checked = subprocess.run(
        [executable, "-t", "-p", str(tmp_path), "-c", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


def test_the_systemd_units_verify(tmp_path):
    """The units as systemd reads them, with /srv/score being this checkout."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    units = []
    for unit in sorted((ROOT / "deploy").glob("score-*.*")):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/srv/score", str(ROOT)))
        units.append(str(copy))
    assert len(units) == 4
    verified = subprocess.run(
        [analyze, "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr.strip() == "", verified.stderr
