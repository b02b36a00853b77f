"""QR codes, drawn one way for pages, documents and e-mails.

Error correction M survives a scratched badge. The mask is fixed: every mask
reads, and scoring all eight to pick one (segno's default) took longer than
the rest of a badge.
"""

from __future__ import annotations

import io

import segno
from markupsafe import Markup


def _code(text: str) -> segno.QRCode:
    return segno.make(text, error="m", mask=0)


def qr_svg(text: str, label: str) -> Markup:
    """``text`` as an inline SVG QR code for a page, named ``label`` for
    screen readers."""
    svg = _code(text).svg_inline(
        scale=5, border=2, title=label, svgclass="qr-code", lineclass=None
    )
    # segno writes the SVG and escapes the label (its <title>).
    return Markup(svg)  # noqa: S704


def qr_png(text: str) -> bytes:
    """``text`` as a PNG of eight pixels a module: sharp however a viewer,
    a printer or a mail client scales it."""
    image = io.BytesIO()
    _code(text).save(image, kind="png", scale=8, border=2)
    return image.getvalue()


def qr_img(text: str, label: str) -> Markup:
    """An ``<img>`` of the PNG, for a PDF (WeasyPrint draws an SVG's paths
    forty times slower)."""
    image = _code(text).png_data_uri(scale=8, border=2)
    return Markup('<img class="qr-code" src="{}" alt="{}">').format(image, label)
