"""Find vocabulary words in a request's text, and record which of the prompt's words were drawn and which were not.

The record is what the avatar's page shows: "Used: grey blazer, city skyline, glasses; not drawn: coffee cup".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from avatar_creator.providers.offline.vocabulary import SMALL_WORDS

NEGATION = r"(?:no|without|not|never|non)[\s-]+(?:(?!and\b|but\b|with\b|or\b)[\w'-]+\s+){0,2}"


@dataclass(frozen=True)
class Found:
    """One entry of a table found in a text: its name, where it is, and whether the text refuses it ("no hat")."""

    name: str
    start: int
    end: int
    negated: bool = False


def find(text: str, table, *, taken: list[tuple[int, int]] | None = None) -> list[Found]:
    """Every entry of ``table`` ((name, pattern) pairs) in ``text``, in text order; a span is claimed by the first
    entry that matches it, and spans in ``taken`` are skipped (then claimed)."""
    claimed = taken if taken is not None else []
    found = []
    for name, pattern in table:
        for match in re.finditer(rf"(\b{NEGATION})?\b(?:{pattern})\b", text):
            span = (match.start(), match.end())
            if not any(start < span[1] and span[0] < end for start, end in claimed):
                claimed.append(span)
                found.append(Found(name, *span, negated=match.group(1) is not None))
    return sorted(found, key=lambda item: item.start)


@dataclass
class Record:
    """The spans of the prompt that were drawn (or refused), and words that were understood but lost to another."""

    prompt: str
    used: list[tuple[int, int]] = field(default_factory=list)
    extra_used: list[str] = field(default_factory=list)  # from the style and setting attributes
    not_drawn: list[tuple[int, int]] = field(default_factory=list)
    extra_not_drawn: list[str] = field(default_factory=list)

    def use(self, *items: Found | tuple[int, int]) -> None:
        self.used.extend((item.start, item.end) if isinstance(item, Found) else item for item in items)

    def skip(self, *items: Found) -> None:
        self.not_drawn.extend((item.start, item.end) for item in items)

    def summary(self) -> dict[str, list[str]]:
        """``{"used": [...], "notDrawn": [...]}``: phrases as written, in the prompt's order."""
        used = _merged(self.prompt, self.used)
        lost = [span for span in _merged(self.prompt, self.not_drawn) if not _overlaps(span, used)]
        leftovers = _leftover_phrases(self.prompt, used + lost)
        return {"used": _unique([self.prompt[a:b] for a, b in used] + self.extra_used),
                "notDrawn": _unique([self.prompt[a:b] for a, b in sorted(lost + leftovers)] + self.extra_not_drawn)}


def _merged(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans, and spans only a space apart, as one: "grey" + "blazer" is the term "grey blazer"."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and (start < merged[-1][1] or re.fullmatch(r"[\s-]*", text[merged[-1][1]:start])):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in spans)


def _leftover_phrases(prompt: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Runs of words outside ``spans`` that are not small words, split at punctuation: the words left undrawn."""
    phrases: list[tuple[int, int]] = []
    previous_end = None
    for word in re.finditer(r"[a-z0-9][a-z0-9'-]*", prompt):
        if word.group(0) in SMALL_WORDS or word.group(0).isdigit() or _overlaps(word.span(), spans):
            previous_end = None
            continue
        joined = previous_end is not None and re.fullmatch(r"\s+", prompt[previous_end:word.start()])
        phrases[-1:] = [(phrases[-1][0], word.end())] if joined else [*phrases[-1:], word.span()]
        previous_end = word.end()
    return phrases


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(item.strip(" ,.;") for item in items if item.strip(" ,.;")))
