"""Grounding: a draft may only promise what the incident approves.

Every date, money amount and number in a draft must trace to the incident facts; compensation
words (refund, credit, voucher ...) must appear in the facts too; phrases the incident forbids
(legal limits) must not appear at all. Also spots instruction-like text inside the facts, which
is treated as data but reported so a person can look at it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from assistant.drafting.models import GroundingIssue, Incident

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = [
    re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(
        r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?"
        + _MONTH
        + r"(?:,?\s+(?P<year>\d{4}))?\b",
        re.I,
    ),
    re.compile(
        r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?\b", re.I
    ),
    re.compile(r"\b(?P<day>\d{1,2})/(?P<mnum>\d{1,2})/(?P<year>\d{4})\b"),
]
_MONEY = re.compile(
    r"(?:[$£€]\s?|\b(?:USD|GBP|EUR|CHF|AUD|CAD)\s?)(?P<amount>\d[\d,]*(?:\.\d+)?)(?:\s?(?:k|m|bn)\b)?"
    r"|\b(?P<amount2>\d[\d,]*(?:\.\d+)?)\s?(?:dollars|pounds|euros|USD|GBP|EUR)\b",
    re.I,
)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?%?")
_COMMITMENTS = {
    "refund": "a refund",
    "reimburs": "reimbursement",
    "compensat": "compensation",
    "credit": "a credit",
    "discount": "a discount",
    "voucher": "a voucher",
    "waive": "a waiver",
    "free of charge": "something free of charge",
    "guarantee": "a guarantee",
    "never happen again": "a promise it will never happen again",
}
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|above|prior|earlier|preceding)"
    r"|\bsystem\s+prompt\b|\byou\s+are\s+now\b|\bnew\s+instructions?\b|\bact\s+as\b",
    re.I,
)


def incident_text(incident: Incident) -> str:
    """All the incident's facts as one text, plus its approved dates in the forms a draft uses."""
    pieces = [str(v) for v in _walk(incident.model_dump(mode="json"))]
    for action in incident.approved_actions:
        pieces.append(long_date(action.due))
    return "\n".join(pieces)


def long_date(day: dt.date) -> str:
    """The date as the composer writes it: ``12 December 2026``."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _walk(value: object) -> Iterable[object]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    elif value is not None:
        yield value


def _dates(text: str) -> list[tuple[str, int, int, int | None]]:
    """(matched text, day, month, year) for each date expression, earliest pattern wins a span."""
    found: list[tuple[int, int, str, int, int, int | None]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, *_ in found):
                continue
            groups = m.groupdict()
            month = int(groups["mnum"]) if groups.get("mnum") else _MONTHS[groups["month"].lower()]
            day = int(groups["day"])
            year = int(groups["year"]) if groups.get("year") else None
            if 1 <= month <= 12 and 1 <= day <= 31:
                found.append((m.start(), m.end(), m.group(0), day, month, year))
    return [(t, d, mo, y) for _, _, t, d, mo, y in sorted(found)]


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _norm_number(token: str) -> str:
    token = token.rstrip("%").replace(",", "")
    return token[:-2] if token.endswith(".0") else token


def check_grounding(text: str, incident: Incident) -> list[GroundingIssue]:
    """Claims in ``text`` that the incident does not support, in text order."""
    facts = incident_text(incident)
    facts_lower = facts.lower()
    issues: list[GroundingIssue] = []

    fact_dates = {(d, m, y) for _, d, m, y in _dates(facts)}
    fact_days = {(d, m) for d, m, _ in fact_dates}
    fact_years = {y for _, _, y in fact_dates if y is not None}
    covered: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        covered += _spans(pattern, text)
    for matched, day, month, year in _dates(text):
        ok = (day, month) in fact_days and (
            year is None or year in fact_years or (day, month, year) in fact_dates
        )
        if not ok:
            issues.append(
                GroundingIssue(
                    kind="date",
                    text=matched,
                    message=f"the date '{matched}' is not in the incident facts",
                )
            )

    fact_numbers = {_norm_number(n) for n in _NUMBER.findall(facts)}
    money_spans = _spans(_MONEY, text)
    for m in _MONEY.finditer(text):
        amount = _norm_number(m.group("amount") or m.group("amount2"))
        if amount not in fact_numbers:
            issues.append(
                GroundingIssue(
                    kind="money",
                    text=m.group(0),
                    message=f"the amount '{m.group(0)}' is not in the incident facts",
                )
            )

    for m in _NUMBER.finditer(text):
        if any(s <= m.start() < e for s, e in covered + money_spans):
            continue
        number = _norm_number(m.group(0))
        small = number.isdigit() and int(number) <= 12
        if not small and number not in fact_numbers:
            issues.append(
                GroundingIssue(
                    kind="number",
                    text=m.group(0),
                    message=f"the figure '{m.group(0)}' is not in the incident facts",
                )
            )

    text_lower = text.lower()
    for stem, what in _COMMITMENTS.items():
        if stem in text_lower and stem not in facts_lower:
            start = text_lower.index(stem)
            issues.append(
                GroundingIssue(
                    kind="commitment",
                    text=text[start : start + len(stem)],
                    message=f"the draft offers {what}, which the incident does not approve",
                )
            )
    for phrase in incident.must_not_say:
        if phrase.lower() in text_lower:
            issues.append(
                GroundingIssue(
                    kind="must_not_say",
                    text=phrase,
                    message=f"the incident says not to say '{phrase}'",
                )
            )
    return issues


def injection_warnings(incident: Incident) -> list[GroundingIssue]:
    """Instruction-like text inside the facts: kept as data, reported so a person can check it."""
    facts = "\n".join(str(v) for v in _walk(incident.model_dump(mode="json")))
    return [
        GroundingIssue(
            kind="injection",
            text=m.group(0),
            message=f"the incident facts contain instruction-like text ('{m.group(0)}');"
            " it was treated as data",
        )
        for m in _INJECTION.finditer(facts)
    ]
