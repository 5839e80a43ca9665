"""The splitter follows how letters are written (and how the corpus was labelled)."""

from __future__ import annotations

from assistant.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_abbreviations_and_initials_do_not_split() -> None:
    text = "Dr. Lee met Mrs. O. Park at 4 p.m. U.S. Eastern. It went well, e.g. the call."
    assert sentences(text) == [
        "Dr. Lee met Mrs. O. Park at 4 p.m. U.S. Eastern.",
        "It went well, e.g. the call.",
    ]


def test_bullets_numbers_and_headings_are_sentences_without_markers() -> None:
    text = "## What happened\n- First item. Second part\n2) Numbered\n• Dot bullet\n\nDear Ana,\n"
    assert sentences(text) == [
        "What happened",
        "First item.",
        "Second part",
        "Numbered",
        "Dot bullet",
        "Dear Ana,",
    ]


def test_closing_quotes_and_brackets_stay_with_their_sentence() -> None:
    assert sentences('He said "sorry." Then (briefly.) we left!') == [
        'He said "sorry."',
        "Then (briefly.)",
        "we left!",
    ]
