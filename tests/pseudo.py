"""The pseudo-language of the tests: every message of the app wrapped in
⟦…⟧, so a page rendered in it shows at a glance which words were never
marked for translation (they are the ones outside the brackets)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PSEUDO_LOCALE = "eo"
OPEN, CLOSE = "⟦", "⟧"


def extract_messages(output: Path) -> Catalog:
    """The app's messages as ``make translations`` extracts them, from the
    sources as they are now."""
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(output),
            "app",
            "templates",
        ],
        cwd=ROOT,
        check=True,
    )
    with output.open("rb") as file:
        return read_po(file)


def build_pseudo_catalogue(directory: Path) -> Path:
    """``directory/eo/LC_MESSAGES/messages.mo`` with every message wrapped."""
    template = extract_messages(directory / "messages.pot")
    catalogue = Catalog(locale=PSEUDO_LOCALE)
    for message in template:
        if not message.id:
            continue
        if message.pluralizable:
            wrapped = tuple(f"{OPEN}{form}{CLOSE}" for form in message.id)
        else:
            wrapped = f"{OPEN}{message.id}{CLOSE}"
        catalogue.add(message.id, wrapped, context=message.context)
    target = directory / PSEUDO_LOCALE / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as file:
        write_mo(file, catalogue)
    return directory


_MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")


def outside_markers(text: str) -> str:
    """The text with every marked message (nested ones too) taken out."""
    while True:
        text, count = _MARKED.subn(" ", text)
        if not count:
            return text
