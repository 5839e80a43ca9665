"""Highlighting: every piece of user text escaped, spans exact, overlaps handled."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from assistant.highlight import change_summary, diff_html, highlight_html
from assistant.models import Flag

TAG = re.compile(r"<[^>]*>")


def flag(text: str, phrase: str, category: str = "defensive", severity: str = "warning",
         message: str = "why", suggestion: str = "instead") -> Flag:
    start = text.index(phrase)
    return Flag(rule="r." + category, category=category, severity=severity,
                message=message, suggestion=suggestion, start=start, end=start + len(phrase),
                line=1, column=start + 1, match=phrase, sentence=0)


def visible(rendered: str) -> str:
    """The text a reader sees: tags and footnote numbers removed, entities decoded."""
    without_refs = re.sub(r"<sup[^>]*>[^<]*</sup>", "", rendered)
    return html.unescape(TAG.sub("", without_refs))


def test_script_and_img_in_draft_are_text_not_html() -> None:
    text = 'Sorry if <script>alert(1)</script> hurt. <img src=x onerror="alert(2)"> ok'
    out = highlight_html(text, [flag(text, "Sorry if"), flag(text, "<script>alert(1)</script>")])
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "onerror=&quot;alert(2)&quot;" in out
    assert visible(out) == text


def test_flag_message_and_suggestion_are_escaped_in_the_tooltip() -> None:
    text = "We regret the inconvenience."
    hostile = flag(text, "regret", message='"><script>x()</script>', suggestion="<b>bold</b>")
    out = highlight_html(text, [hostile])
    assert "<script" not in out and "<b>" not in out
    assert 'title="Defensive (warning): &quot;&gt;&lt;script&gt;' in out


def test_overlapping_flags_split_and_take_the_most_severe_colour() -> None:
    text = "We will do our best to ensure this never happens again."
    outer = flag(text, "We will do our best to ensure this never happens again", "vague_promise")
    inner = flag(text, "do our best", "defensive", severity="error")
    out = highlight_html(text, [outer, inner])
    assert out.count("<mark") == 3
    assert 'class="amends-flag flag-defensive flag-vague_promise"' in out
    assert visible(out) == text
    assert ">1,2<" not in out and ">2<" in out and ">1<" in out


def test_out_of_range_flags_are_dropped_not_misdrawn() -> None:
    text = "short"
    bad = Flag(rule="x", category="defensive", severity="info", message="m", suggestion="s",
               start=3, end=99, line=1, column=4, match="rt", sentence=0)
    out = highlight_html(text, [bad])
    assert "<mark" not in out and visible(out) == text


@given(st.text(max_size=200), st.data())
def test_any_text_round_trips_through_highlighting(text: str, data: st.DataObject) -> None:
    flags = []
    if text:
        for _ in range(data.draw(st.integers(0, 4))):
            start = data.draw(st.integers(0, len(text) - 1))
            end = data.draw(st.integers(start + 1, len(text)))
            flags.append(Flag(rule="r", category=data.draw(st.sampled_from(
                ["defensive", "vague_promise", "self_orientation", "other"])),
                severity="warning", message="m", suggestion="s", start=start, end=end, line=1,
                column=1, match=text[start:end], sentence=0))
    out = highlight_html(text, flags, numbered=False)
    assert "<script" not in out.lower() or "<script" not in text.lower()
    assert visible(out) == (text or "(empty)")


def test_diff_marks_changes_and_escapes() -> None:
    out = diff_html("We regret <b>any</b> delay.", "I am sorry for the <i>delay</i>.")
    assert "<b>" not in out and "<i>" not in out
    assert "<del" in out and "<ins" in out
    assert change_summary("a b c", "a x c d") == {"added": 2, "removed": 1}
