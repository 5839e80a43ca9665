"""Render a draft with its flags highlighted, and two drafts' differences, as safe HTML.

Every character of user text (the draft, flag matches, messages, suggestions, which quote the
draft) goes through ``html.escape`` here and nowhere is user text concatenated raw, so a draft
holding ``<script>`` or ``<img onerror=...>`` is shown as text. Streamlit's ``st.html`` also
sanitises, but that is a second wall, not the first.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence
from itertools import pairwise

from assistant.models import SEVERITY_RANK, Flag

CATEGORY_LABELS: dict[str, str] = {
    "defensive": "Defensive",
    "vague_promise": "Vague promise",
    "self_orientation": "Self-orientation",
}
# Background / underline colours chosen to stay readable in light and dark themes.
CATEGORY_COLOURS: dict[str, tuple[str, str]] = {
    "defensive": ("rgba(239, 68, 68, 0.22)", "#dc2626"),
    "vague_promise": ("rgba(245, 158, 11, 0.25)", "#d97706"),
    "self_orientation": ("rgba(139, 92, 246, 0.22)", "#7c3aed"),
}
_OTHER_COLOUR = ("rgba(100, 116, 139, 0.22)", "#475569")
_BOX = (
    "white-space: pre-wrap; line-height: 1.7; padding: 0.9rem 1rem; border-radius: 0.5rem;"
    " border: 1px solid rgba(128,128,128,0.35); font-size: 0.97rem; overflow-wrap: anywhere;"
)


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def category_label(category: str) -> str:
    """A reader's name for a flag category."""
    return CATEGORY_LABELS.get(category, category.replace("_", " ").capitalize())


def _colours(category: str) -> tuple[str, str]:
    return CATEGORY_COLOURS.get(category, _OTHER_COLOUR)


def _tooltip(flags: Sequence[Flag]) -> str:
    lines = []
    for flag in flags:
        line = f"{category_label(flag.category)} ({flag.severity}): {flag.message}"
        if flag.suggestion:
            line += f" Try: {flag.suggestion}"
        lines.append(line)
    return "\n".join(lines)


def _clean(flags: Sequence[Flag], length: int) -> list[Flag]:
    """Flags whose spans fit the text; anything else is dropped rather than mis-drawn."""
    return [f for f in flags if 0 <= f.start < f.end <= length]


PAGE_CHARS = 10_000


def page_ranges(text: str, size: int = PAGE_CHARS) -> list[tuple[int, int]]:
    """Split a long text into pages of about ``size`` characters, cut at a paragraph, a line or
    a space where one is near, so a page of a 1 MB upload renders in milliseconds."""
    if len(text) <= size:
        return [(0, len(text))]
    ranges: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > size:
        limit = start + size
        cut = -1
        for sep in ("\n\n", "\n", " "):
            found = text.rfind(sep, start + size // 2, limit)
            if found >= 0:
                cut = found + len(sep)
                break
        end = cut if cut > start else limit
        ranges.append((start, end))
        start = end
    ranges.append((start, len(text)))
    return ranges


def highlight_html(
    text: str,
    flags: Sequence[Flag],
    *,
    numbered: bool = True,
    window: tuple[int, int] | None = None,
) -> str:
    """The text (or the ``window`` of it) in a box, each flagged span marked in its colour.

    Overlapping flags are split at every boundary; each piece takes the colour of its most
    severe flag and its tooltip lists all of them. With ``numbered`` each span ends in a small
    number: the flag's position in ``flags``, matching the flag list the page shows underneath,
    also when only a window is drawn. One sweep over the sorted boundaries, keeping the flags
    open at each: linear in the text plus the markup, not text length times flag count.
    """
    flags = _clean(flags, len(text))
    lo, hi = window if window is not None else (0, len(text))
    lo, hi = max(0, lo), min(len(text), hi)
    if hi <= lo:
        return f'<div style="{_BOX}"><em>(empty)</em></div>'
    opening: dict[int, list[int]] = {}
    closing: dict[int, list[int]] = {}
    for index, f in enumerate(flags):
        if f.end <= lo or f.start >= hi:
            continue
        opening.setdefault(max(f.start, lo), []).append(index)
        closing.setdefault(min(f.end, hi), []).append(index)
    bounds = sorted({lo, hi, *opening, *closing})
    open_now: dict[int, Flag] = {}
    pieces: list[str] = []
    for start, end in pairwise(bounds):
        for index in closing.get(start, ()):
            open_now.pop(index, None)
        for index in opening.get(start, ()):
            open_now[index] = flags[index]
        chunk = esc(text[start:end])
        if not open_now:
            pieces.append(chunk)
            continue
        covering = [open_now[i] for i in sorted(open_now)]
        main = max(covering, key=lambda f: (SEVERITY_RANK.get(f.severity, 0), -f.start))
        background, line = _colours(main.category)
        cats = " ".join(sorted({f"flag-{esc(f.category)}" for f in covering}))
        pieces.append(
            f'<mark class="amends-flag {cats}" title="{esc(_tooltip(covering))}" '
            f'style="background:{background}; border-bottom:2px solid {line}; color:inherit;'
            f' padding:0 1px; border-radius:2px; cursor:help;">{chunk}</mark>'
        )
        if numbered:
            refs = ",".join(str(i + 1) for i in sorted(open_now) if flags[i].end == end)
            if refs:
                pieces.append(
                    f'<sup style="color:{line}; font-weight:600; font-size:0.7em;">{refs}</sup>'
                )
    return f'<div class="amends-highlight" style="{_BOX}">{"".join(pieces)}</div>'


def legend_html(categories: Sequence[str] | None = None) -> str:
    """A one-line key to the highlight colours."""
    items = []
    for category in categories or list(CATEGORY_LABELS):
        background, line = _colours(category)
        items.append(
            f'<span style="background:{background}; border-bottom:2px solid {line};'
            f' padding:0 6px; margin-right:10px; border-radius:2px;">'
            f"{esc(category_label(category))}</span>"
        )
    return f'<div style="font-size:0.85rem; margin:0.2rem 0 0.5rem 0;">{"".join(items)}</div>'


_TOKEN = re.compile(r"\s+|[^\s]+")


def diff_html(before: str, after: str) -> str:
    """A word-level diff: removed words struck through in red, added words in green."""
    old = _TOKEN.findall(before)
    new = _TOKEN.findall(after)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    pieces: list[str] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(esc("".join(old[a0:a1])))
            continue
        if op in ("delete", "replace"):
            pieces.append(
                '<del style="background:rgba(239,68,68,0.22); text-decoration:line-through;">'
                f"{esc(''.join(old[a0:a1]))}</del>"
            )
        if op in ("insert", "replace"):
            pieces.append(
                '<ins style="background:rgba(34,197,94,0.25); text-decoration:none;">'
                f"{esc(''.join(new[b0:b1]))}</ins>"
            )
    return f'<div class="amends-diff" style="{_BOX}">{"".join(pieces) or "<em>(empty)</em>"}</div>'


def change_summary(before: str, after: str) -> dict[str, int]:
    """Words added and removed between two drafts, for a one-line summary."""
    old = before.split()
    new = after.split()
    added = removed = 0
    for op, a0, a1, b0, b1 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            removed += a1 - a0
        if op in ("insert", "replace"):
            added += b1 - b0
    return {"added": added, "removed": removed}
