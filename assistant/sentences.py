"""Split a letter into sentences the way people read it: lines first, then final punctuation.

Bullets, headings, salutations and signatures are sentences of their own; abbreviations such as
"U.S.", "e.g.", "Dr." and "p.m." and single-letter initials do not end a sentence. Spans are
indices into the original text so flags can point at exact characters.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\n]+")
_LEADING_MARKER = re.compile(r"[ \t\r\f\v]*(?:(?:[-*•–>]|\d{1,3}[.)])[ \t]+|#+[ \t]*)?[ \t]*")
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_TOKEN_BEFORE = re.compile(r"(\S+)$")
_SINGLE_INITIAL = re.compile(r"^\(?[A-Za-z]\.$")

ABBREVIATIONS: frozenset[str] = frozenset(
    [
        "u.s.",
        "u.k.",
        "u.n.",
        "e.u.",
        "e.g.",
        "i.e.",
        "etc.",
        "vs.",
        "a.m.",
        "p.m.",
        "approx.",
        "mr.",
        "ms.",
        "mrs.",
        "dr.",
        "st.",
        "no.",
        "nos.",
        "inc.",
        "ltd.",
        "co.",
        "corp.",
        "p.o.",
        "hrs.",
        "hr.",
        "min.",
        "mins.",
        "sec.",
        "secs.",
        "jan.",
        "feb.",
        "mar.",
        "apr.",
        "jun.",
        "jul.",
        "aug.",
        "sep.",
        "sept.",
        "oct.",
        "nov.",
        "dec.",
        "mon.",
        "tue.",
        "tues.",
        "wed.",
        "thu.",
        "thur.",
        "thurs.",
        "fri.",
        "sat.",
        "sun.",
        "prof.",
        "rev.",
        "sr.",
        "jr.",
        "dept.",
        "est.",
        "fig.",
        "ref.",
        "ave.",
        "rd.",
        "tel.",
        "ext.",
        "vol.",
        "pp.",
        "p.",
        "ph.d.",
        "a.k.a.",
        "cf.",
        "al.",
        "gov.",
        "govt.",
        "p.c.",
        "llc.",
        "l.l.c.",
        "n.a.",
        "pty.",
        "bros.",
        "n.b.",
        "ca.",
        "incl.",
        "max.",
        "min.",
        "misc.",
    ]
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences in ``text``, in order, never empty."""
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        line_start, line_end = line.span()
        marker = _LEADING_MARKER.match(text, line_start, line_end)
        start = marker.end() if marker else line_start
        for boundary in _BOUNDARY.finditer(text, start, line_end):
            if _is_abbreviation(text, start, boundary.start() + 1):
                continue
            _append(spans, text, start, boundary.end())
            start = boundary.end()
        _append(spans, text, start, line_end)
    return spans


def _is_abbreviation(text: str, sentence_start: int, dot_end: int) -> bool:
    """True when the full stop ending at ``dot_end`` belongs to an abbreviation or an initial."""
    if text[dot_end - 1] != ".":
        return False
    token_match = _TOKEN_BEFORE.search(text, sentence_start, dot_end)
    if token_match is None:
        return False
    token = token_match.group(1).lstrip("(\"'“‘")
    return token.lower() in ABBREVIATIONS or bool(_SINGLE_INITIAL.match(token))


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    """Add the span trimmed of surrounding white space, if anything is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
