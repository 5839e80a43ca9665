"""Grounding by meaning: every commitment, date, number and amount in a draft maps to a fact.

Sources are the incident's usable facts (:func:`assistant.drafting.facts.usable_facts`): never
the ``must_not_say`` list, never a sentence detected as an instruction, never a promise the
approved actions do not make. Against them:

* a date (``24 October``, ``2026-10-24``), a weekday (``by Friday``, resolved against the
  incident's date) or a relative date (``tomorrow``, ``within 48 hours``, ``by the end of the
  month``) must be a date of the facts or an approved due date;
* a number, written in digits or words (``three months``), must be in the facts, and a number with
  a unit (``3 months``) must be that quantity in the facts;
* an amount (``$250``, ``five hundred pounds``) must be in the facts;
* an offer of compensation (refund, credit, "three months free", waiver ...) must be offered by an
  approved action or an action already taken;
* a first-person commitment ("we will ...") must carry the meaning of an approved action, the
  review cadence or an action taken;
* "this won't happen again" and its kin are never grounded;
* nothing the incident forbids (``must_not_say``), matched by meaning and inflection.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from assistant.drafting import lexicon
from assistant.drafting.models import GroundingIssue, Incident
from assistant.sentences import split_sentences

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
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(?P<next>next\s+)?(?P<day>" + "|".join(WEEKDAYS) + r")s?\b", re.I)
_DEADLINE = re.compile(
    r"\b(?:by|before|until|till|no\s+later\s+than|from|starting|on|as\s+of|within|in|over)"
    r"\s+(?:the\s+)?$",
    re.I,
)
_FUTURE = re.compile(r"\b(?:will|shall|going\s+to)\b|['’]ll\b", re.I)
_MONEY = re.compile(
    r"(?:[$£€]\s?|\b(?:USD|GBP|EUR|CHF|AUD|CAD)\s?)(?P<amount>\d[\d,]*(?:\.\d+)?)(?:\s?(?:k|m|bn)\b)?"
    r"|\b(?P<amount2>\d[\d,]*(?:\.\d+)?)\s?(?:dollars|pounds|euros|USD|GBP|EUR)\b",
    re.I,
)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?%?")
COMMITMENT_OVERLAP = 0.5  # share of a commitment's meaning a source must carry
RESTATES_FACT = 0.8  # a sentence this close to a fact sentence is that fact, not a new claim
SMALL = 12  # bare numbers up to this, with no unit, are ordinary words ("2 of them")


def long_date(day: dt.date) -> str:
    """The date as the composer writes it: ``12 December 2026``."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _dates(text: str) -> list[tuple[int, int, str, int, int, int | None]]:
    """(start, end, text, day, month, year) of each date expression; earliest pattern wins."""
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
    return sorted(found)


def _quantities(text: str) -> list[tuple[int, int, str, str | None]]:
    """(start, end, value, unit stem or None) for every number in digits or words."""
    found: list[tuple[int, int, str, str | None]] = []
    for m in _NUMBER.finditer(text):
        found.append((m.start(), m.end(), lexicon.norm_number(m.group(0)), None))
    for start, end, number in lexicon.spelled_numbers(text):
        found.append((start, end, str(number), None))
    units = lexicon.unit_stems()
    out: list[tuple[int, int, str, str | None]] = []
    for start, end, value, _ in sorted(found):
        following = lexicon.next_word(text, end)
        unit = lexicon.stem(following) if following else ""
        if text[start:end].endswith("%") or following in ("%", "percent"):
            unit = "percent"
        out.append((start, end, value, unit if unit in units else None))
    return out


def reference_date(incident: Incident) -> dt.date | None:
    """The incident's date (from ``when``, else ``what_happened``), for resolving "by Friday"."""
    years = sorted({a.due.year for a in incident.approved_actions})
    for text in (incident.when, incident.what_happened, *incident.actions_taken):
        for _, _, _, day, month, year in _dates(text or ""):
            try:
                return dt.date(year or (years[0] if years else dt.date.today().year), month, day)
            except ValueError:
                continue
    return None


@dataclass
class Sources:
    """What a draft may draw on: the usable facts, split by what each kind of claim needs."""

    facts: list[str] = field(default_factory=list)  # every usable fact sentence
    commitments: list[str] = field(default_factory=list)  # approved actions, cadence, taken
    offers: list[str] = field(default_factory=list)  # approved actions and actions taken
    dates: set[tuple[int, int, int | None]] = field(default_factory=set)
    calendar: set[dt.date] = field(default_factory=set)
    due: set[dt.date] = field(default_factory=set)  # approved due dates and cadence dates
    numbers: set[str] = field(default_factory=set)
    quantities: set[tuple[str, str]] = field(default_factory=set)
    text: str = ""
    reference: dt.date | None = None
    forbidden: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # people, roles, organisations, owners
    checked: dict[str, list[GroundingIssue]] = field(default_factory=dict)  # sentence -> issues


_SOURCES = lexicon.Memo()


def sources(incident: Incident) -> Sources:
    """The grounding sources of an incident (withheld facts and the must-not-say list excluded)."""
    return _SOURCES.get(incident.model_dump_json(), lambda: _sources(incident))


def _sources(incident: Incident) -> Sources:
    from assistant.drafting.facts import usable_facts

    usable, _ = usable_facts(incident, rubric=False)
    found = Sources(forbidden=[p for p in incident.must_not_say if p.strip()])
    found.reference = reference_date(usable)
    offers = [
        f"{a.what}. {a.checkpoint or ''}. {a.owner}. {long_date(a.due)}"
        for a in usable.approved_actions
    ] + list(usable.actions_taken)
    found.offers = offers
    found.commitments = offers + ([usable.review_cadence] if usable.review_cadence else [])
    people = [
        usable.recipient.name,
        usable.recipient.organisation or "",
        usable.recipient.role or "",
        usable.sender.name,
        usable.sender.role,
        usable.sender.organisation or "",
        usable.cause_owner,
    ]
    found.names = [n.lower() for n in [*people, *(a.owner for a in usable.approved_actions)] if n]
    prose = [
        usable.title,
        usable.what_happened,
        usable.when,
        usable.cause,
        usable.recipient_contribution or "",
        usable.review_cadence or "",
        *usable.impacts,
        *found.commitments,
        *people,
    ]
    for text in prose:
        found.facts += [text[a:b] for a, b in split_sentences(text)]
    found.text = "\n".join(prose)
    for _, _, _, day, month, year in _dates(found.text):
        found.dates.add((day, month, year))
        if year is not None:
            with contextlib.suppress(ValueError):
                found.calendar.add(dt.date(year, month, day))
    for action in usable.approved_actions:
        found.dates.add((action.due.day, action.due.month, action.due.year))
        found.calendar.add(action.due)
        found.due.add(action.due)
    year = found.reference.year if found.reference else None
    for _, _, _, day, month, stated in _dates(usable.review_cadence or ""):
        with contextlib.suppress(ValueError, TypeError):
            found.due.add(dt.date(stated or year, month, day))  # type: ignore[arg-type]
    for _, _, value, unit in _quantities(found.text):
        found.numbers.add(value)
        if unit:
            found.quantities.add((value, unit))
    return found


# --- checks --------------------------------------------------------------------------------------


@cache
def _compensation() -> tuple[tuple[str, Any], ...]:
    spec = lexicon.mapping(lexicon.data("net").get("compensation"))
    return tuple((str(v["label"]), lexicon.regex(str(v["pattern"]))) for v in spec.values())


@cache
def _recurrence() -> tuple[Any, ...]:
    return tuple(lexicon.regex(str(p)) for p in lexicon.data("net")["recurrence"])


@cache
def _first_person_promise() -> Any:
    return lexicon.regex(str(lexicon.mapping(lexicon.data("net")["promise"])["first_person"]))


@cache
def _relative() -> tuple[tuple[str, str, Any], ...]:
    table = lexicon.mapping(lexicon.data("net").get("relative_dates"))
    ordered = sorted(table.items(), key=lambda kv: len(str(kv[0])), reverse=True)
    return tuple(
        (str(k), str(v), re.compile(r"\b" + re.escape(str(k)) + r"\b", re.I)) for k, v in ordered
    )


@cache
def _within() -> Any:
    return re.compile(str(lexicon.data("net")["within"]), re.I)


def _restates_fact(sentence: str, src: Sources) -> bool:
    return any(lexicon.overlap(sentence, fact) >= RESTATES_FACT for fact in src.facts)


def _issue(kind: Any, text: str, message: str, sentence: str) -> GroundingIssue:
    return GroundingIssue(kind=kind, text=text, message=message, sentence=sentence.strip())


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _resolve(label: str, ref: dt.date) -> tuple[dt.date, dt.date]:
    """The window of dates a relative expression names, counted from the incident's date."""
    if label.isdigit():
        day = ref + dt.timedelta(days=int(label))
        return day, day
    monday = _week_start(ref)
    if label == "week":
        return ref, monday + dt.timedelta(days=6)
    if label == "next_week":
        return monday + dt.timedelta(days=7), monday + dt.timedelta(days=13)
    if label == "end_of_week":
        return monday + dt.timedelta(days=4), monday + dt.timedelta(days=6)
    first_next = (ref.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if label == "end_of_month":
        last = first_next - dt.timedelta(days=1)
        return last - dt.timedelta(days=2), last
    if label == "next_month":
        after = (first_next.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return first_next, after - dt.timedelta(days=1)
    return ref, ref


def _in_window(window: tuple[dt.date, dt.date], src: Sources) -> bool:
    """Whether an approved due date falls in the window (a deadline must be one of them)."""
    return any(window[0] <= day <= window[1] for day in src.due)


def _date_issues(sentence: str, src: Sources) -> list[GroundingIssue]:
    issues: list[GroundingIssue] = []
    fact_days = {(d, m) for d, m, _ in src.dates}
    fact_years = {y for _, _, y in src.dates if y is not None}
    for _, _, matched, day, month, year in _dates(sentence):
        ok = (day, month) in fact_days and (
            year is None or year in fact_years or (day, month, year) in src.dates
        )
        if not ok:
            issues.append(
                _issue("date", matched, f"the date '{matched}' is not in the incident facts",
                       sentence)
            )
    text_lower = src.text.lower()
    for m in _WEEKDAY.finditer(sentence):
        day_name = m.group("day").lower()
        if re.search(r"\b" + day_name + r"s?\b", text_lower):
            continue
        if src.reference is not None:
            ref = src.reference
            told = not (_FUTURE.search(sentence) or _first_person_promise().search(sentence))
            if told and WEEKDAYS.index(day_name) == ref.weekday() and not m.group("next"):
                continue  # an account of the day it happened
            near = {d for d in src.calendar if abs((d - ref).days) <= 14}
            if told and any(d.weekday() == WEEKDAYS.index(day_name) for d in near - src.due):
                continue  # an account of a day the facts date
            ahead = (WEEKDAYS.index(day_name) - ref.weekday() - 1) % 7 + 1
            first = ref + dt.timedelta(days=ahead)
            candidates = {first, first + dt.timedelta(days=7)} if m.group("next") else {first}
            if candidates & src.due:
                continue
            when = f" ({long_date(first)}, counted from the incident's date)"
        else:
            when = ""
        issues.append(
            _issue("date", m.group(0), f"'{m.group(0)}'{when} is not a date in the incident"
                   " facts or an approved due date", sentence)
        )
    promised = bool(_first_person_promise().search(sentence) or _FUTURE.search(sentence))
    for phrase, label, pattern in _relative():
        for m in pattern.finditer(sentence):
            before = sentence[: m.start()]
            if not (promised or _DEADLINE.search(before)):
                continue
            if phrase in text_lower:
                continue
            if src.reference is not None and _in_window(_resolve(label, src.reference), src):
                continue
            issues.append(
                _issue("date", m.group(0), f"'{m.group(0)}' is not a date the incident"
                       " approves", sentence)
            )
            break
    for m in _within().finditer(sentence):
        if m.group(0).lower() in text_lower:
            continue
        count = m.group("n").lower()
        numbers = {"a": 1, "an": 1, "forty-eight": 48, "twenty-four": 24, "seventy-two": 72}
        n = int(count) if count.isdigit() else numbers.get(count)
        if n is None:
            spelled = lexicon.spelled_numbers(count)
            n = spelled[0][2] if spelled else None
        unit = m.group("unit").lower()
        days = (n or 0) * (
            1 / 24 if unit.startswith("hour") else 7 if unit.startswith("week")
            else 31 if unit.startswith("month") else 1
        )
        if src.reference is not None and n is not None:
            start = src.reference + dt.timedelta(days=1)
            end = src.reference + dt.timedelta(days=max(1, int(days)))
            if _in_window((start, end), src):
                continue
        issues.append(
            _issue("date", m.group(0), f"'{m.group(0)}' is not a time the incident approves",
                   sentence)
        )
    return issues


def _number_issues(sentence: str, src: Sources) -> list[GroundingIssue]:
    issues: list[GroundingIssue] = []
    covered = [(s, e) for s, e, *_ in _dates(sentence)]
    covered += [m.span() for m in _within().finditer(sentence)]  # judged as a date
    money: list[tuple[int, int]] = []
    for m in _MONEY.finditer(sentence):
        money.append((m.start(), m.end()))
        amount = lexicon.norm_number(m.group("amount") or m.group("amount2"))
        if amount not in src.numbers:
            issues.append(
                _issue("money", m.group(0),
                       f"the amount '{m.group(0)}' is not in the incident facts", sentence)
            )
    currencies = lexicon.currency_stems()
    for start, end, value, unit in _quantities(sentence):
        if any(s <= start < e for s, e in covered + money):
            continue
        words = sentence[start:end]
        following = lexicon.next_word(sentence, end)
        if following and lexicon.stem(following) in currencies:
            if value not in src.numbers:
                amount = f"{words} {following}"
                issues.append(
                    _issue("money", amount,
                           f"the amount '{amount}' is not in the incident facts", sentence)
                )
            continue
        if unit is not None:
            if (value, unit) in src.quantities or (unit == "percent" and value in src.numbers):
                continue
            claim = f"{words} {following}".strip()
            issues.append(
                _issue("number", claim, f"'{claim}' is not a quantity in the incident facts",
                       sentence)
            )
            continue
        small = value.isdigit() and int(value) <= SMALL
        if not small and value not in src.numbers:
            issues.append(
                _issue("number", words, f"the figure '{words}' is not in the incident facts",
                       sentence)
            )
    return issues


def _offer_issues(sentence: str, src: Sources) -> list[GroundingIssue]:
    issues: list[GroundingIssue] = []
    for concept, pattern in _compensation():
        m = pattern.search(sentence)
        if m is None:
            continue
        if _restates_fact(sentence, src):
            return []
        offering = [s for s in src.offers if pattern.search(s)]
        if offering and (
            max(lexicon.overlap(sentence, s) for s in offering) >= 0.3
            or len(lexicon.content_stems(sentence)) <= 4
        ):
            continue
        issues.append(
            _issue("commitment", m.group(0),
                   f"the draft offers {concept} ('{m.group(0)}'), which no approved action"
                   " offers", sentence)
        )
    return issues


def _promise_issues(sentence: str, src: Sources) -> list[GroundingIssue]:
    issues: list[GroundingIssue] = []
    for pattern in _recurrence():
        m = pattern.search(sentence)
        if m is not None and not any(pattern.search(s) for s in src.commitments):
            issues.append(
                _issue("promise", m.group(0),
                       f"'{m.group(0)}' promises it will not happen again; no fact can back"
                       " that, so say what is changing instead", sentence)
            )
            return issues
    m = _first_person_promise().search(sentence)
    if m is None or _restates_fact(sentence, src):
        return issues
    best = max((lexicon.overlap(sentence, s) for s in src.commitments), default=0.0)
    if best < COMMITMENT_OVERLAP:
        issues.append(
            _issue("commitment", sentence.strip()[:120],
                   "this commitment matches no approved action, review cadence or action"
                   " taken", sentence)
        )
    return issues


def _inside_a_name(text: str, src: Sources) -> bool:
    """A capitalised must-not-say match inside a name or title the facts give ("VP Engineering"
    against "the engineer") is a signature or an owner, not a claim."""
    return text[:1].isupper() and any(text.lower() in name for name in src.names)


def _forbidden_issues(sentence: str, src: Sources) -> list[GroundingIssue]:
    issues: list[GroundingIssue] = []
    for phrase in src.forbidden:
        found = lexicon.find_by_meaning(phrase, sentence)
        if found is not None and not _inside_a_name(found.text, src):
            issues.append(
                _issue("must_not_say", found.text,
                       f"the incident says not to say '{phrase}' (here: '{found.text}')",
                       sentence)
            )
    return issues


def check_grounding(
    text: str, incident: Incident, src: Sources | None = None
) -> list[GroundingIssue]:
    """Claims in ``text`` that the incident does not support, in text order."""
    src = src or sources(incident)
    issues: list[GroundingIssue] = []
    for start, end in split_sentences(text):
        sentence = text[start:end]
        found = src.checked.get(sentence)
        if found is None:  # the same sentence is checked as a part, then in the body
            found = _date_issues(sentence, src)
            found += _number_issues(sentence, src)
            found += _offer_issues(sentence, src)
            found += _promise_issues(sentence, src)
            found += _forbidden_issues(sentence, src)
            src.checked[sentence] = found
        issues += found
    return [issue.model_copy() for issue in issues]


def injection_warnings(incident: Incident) -> list[GroundingIssue]:
    """Instruction-like text inside the facts: kept out of the draft, reported for a person."""
    from assistant.drafting.facts import usable_facts

    _, findings = usable_facts(incident, rubric=False)
    return [
        GroundingIssue(
            kind="injection",
            text=f.text,
            message=f"the incident facts ({f.field}) hold instruction-like text ('{f.text[:80]}');"
            " it was treated as data and kept out of the draft",
        )
        for f in findings
        if f.kind == "instruction"
    ]


def incident_text(incident: Incident) -> str:
    """The usable facts as one text (withheld sentences and the must-not-say list left out)."""
    return sources(incident).text


def unique(issues: Iterable[GroundingIssue]) -> list[GroundingIssue]:
    """Issues without repeats (the same claim found twice), in order."""
    seen: set[tuple[str, str]] = set()
    out: list[GroundingIssue] = []
    for issue in issues:
        key = (issue.kind, issue.text.lower())
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out
