"""Text folded for search: case- and accent-insensitive on every database."""

from __future__ import annotations

import unicodedata

# Letters that do not decompose into a base letter and a combining mark.
_EXTRA_FOLDS = str.maketrans(
    {"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"}
)


def fold(text: str) -> str:
    """'Trần Văn Nam' -> 'tran van nam'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_EXTRA_FOLDS))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.translate(_EXTRA_FOLDS).split())
