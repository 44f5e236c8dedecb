""""Did you mean ...?": the one rule for suggesting a name in place of a mistyped one.

A suggestion must be a likely typo, not a different thing that shares letters:
``torhc`` -> ``torch`` and ``sinn`` -> ``sin``, but never ``log_softmax`` -> ``softmax``
(another function, whose gradient differs). difflib's similarity ratio rates that
pair 0.78 because one name contains the other, so the rule is an edit distance
instead: at most 1 edit for names up to 5 characters, 2 for longer ones.
"""

from __future__ import annotations

from collections.abc import Iterable


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and
    transpositions of adjacent characters each count 1 (Damerau 1964; Boytsov 2011,
    "Indexing methods for approximate dictionary searching", section 2.2)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def allowed_edits(word: str) -> int:
    """1 edit up to 5 characters, 2 above; fewer than the word's length (``y`` is no typo
    of ``x``)."""
    return min(len(word) - 1, 1 if len(word) <= 5 else 2)


def close_name(word: str, candidates: Iterable[str], max_edits: int = 2) -> str | None:
    """The candidate nearest ``word`` within its allowed edits and ``max_edits`` (the first on
    ties), or None."""
    word = word[:100]  # a hostile name may be a megabyte long
    limit = min(allowed_edits(word), max_edits)
    best: tuple[int, str] | None = None
    for candidate in candidates:
        if abs(len(candidate) - len(word)) > limit or candidate == word:
            continue
        distance = edit_distance(word, candidate)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def did_you_mean(word: str, candidates: Iterable[str], max_edits: int = 2) -> str:
    """``"; did you mean 'x'?"`` or ``""``. Values of a fixed list (``float16`` among
    ``float64, float32``) take ``max_edits=1``: two edits there make another value."""
    near = close_name(word, candidates, max_edits)
    return f"; did you mean '{near}'?" if near else ""


def composed_hint(word: str, functions: Iterable[str]) -> str:
    """For a name made of known functions joined by ``_`` (``log_softmax``): how to write it
    by composing them, since no single name is the right suggestion."""
    known = set(functions)
    parts = word.split("_")
    if len(parts) < 2 or not all(p in known for p in parts):
        return ""
    return f"; not an op, compose it: {'('.join(parts)}(...{')' * len(parts)}"
