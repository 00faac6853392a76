"""What the docs quote as the player's messages is what the code prints."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUOTED = re.compile(r'`"([^"`]+)"`')
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _sources() -> dict[Path, str]:
    return {
        path: path.read_text(encoding="utf-8")
        for package in ("player", "central", "videotron")
        for path in (ROOT / package).rglob("*.py")
    }


def _found(quote: str, sources: dict[Path, str]) -> bool:
    """Every fixed fragment of the quote (split at `…`) in one source file, in order."""
    fragments = [f.strip() for f in quote.split("…") if f.strip()]
    for text in sources.values():
        at = 0
        for fragment in fragments:
            at = text.find(fragment, at)
            if at < 0:
                break
            at += len(fragment)
        else:
            return True
    return False


def test_every_message_quoted_in_the_docs_is_printed_by_the_code():
    sources = _sources()
    quotes = [
        (doc.name, " ".join(q.split())) for doc in DOCS for q in QUOTED.findall(doc.read_text())
    ]
    assert len(quotes) >= 5  # the convention is in use
    missing = [f"{doc}: {quote!r}" for doc, quote in quotes if not _found(quote, sources)]
    assert missing == []


def test_the_check_notices_a_message_the_code_does_not_print():
    assert not _found("signature refused", _sources())
    assert _found("signature does not match", _sources())
