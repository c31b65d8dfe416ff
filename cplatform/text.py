"""Text normalisation for search: Firestore has no full-text search, so we store word prefixes."""

from __future__ import annotations

import re

from unidecode import unidecode

_WORD = re.compile(r"[a-z0-9]+")
MAX_PREFIX = 20


def fold(text: str) -> str:
    """Lowercase and strip accents: 'Élodie Müller' -> 'elodie muller'."""
    return unidecode(text or "").lower()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def prefixes(word: str, *, minimum: int = 1) -> list[str]:
    return [word[:end] for end in range(minimum, min(len(word), MAX_PREFIX) + 1)]


def prefix_tokens(*texts: str, minimum: int = 1) -> list[str]:
    """Every prefix of every word of the texts, deduplicated, in a stable order."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            for prefix in prefixes(word, minimum=minimum):
                seen.setdefault(prefix, None)
    return list(seen)


def query_terms(q: str) -> list[str]:
    """The words of a search box entry, cut to the longest prefix we index."""
    return [word[:MAX_PREFIX] for word in words(q)]
