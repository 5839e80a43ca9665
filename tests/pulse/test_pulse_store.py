"""Pulses in a real SQLite file: entered, imported from CSV (all or nothing), read back over time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.arc import backdate_version
from assistant.errors import InputError
from assistant.ledger_models import LedgerEntry, LedgerEvent
from assistant.pulse import (
    check_answers,
    csv_columns,
    csv_template,
    lagging,
    parse_csv,
    pulses,
    save_pulse,
    save_pulses,
    timeline,
    trust_index,
)
from assistant.storage import Store
from assistant.survey import Survey, load_survey
from tests.conftest import both_databases

ROOT = Path(__file__).resolve().parents[2]
ARC_CSV = ROOT / "examples" / "arcs" / "cartons-late" / "pulses.csv"


@pytest.fixture
def survey() -> Survey:
    return load_survey(ROOT / "surveys" / "trust_pulse.yaml")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store(database_url)
    yield opened
    opened.dispose()


def _row(survey: Survey, day: str, rating: object = 4, **over: object) -> dict[str, object]:
    values: dict[str, object] = {"date": day, "moment": "checkpoint"}
    values.update({item.id: rating for item in survey.items})
    values.update(over)
    return values


@both_databases  # storage-facing: SQLite and PostgreSQL
def test_a_pulse_is_stored_per_case_and_date_with_reversed_scores(
    store: Store, survey: Survey
) -> None:
    case = store.create_case("Cartons late")
    other = store.create_case("Another case")
    answers, problems = check_answers(survey, _row(survey, "2026-11-12", 6,
                                                   good_looks_like="Dates we can plan around"))
    assert problems == [] and answers is not None
    saved = save_pulse(store, case.id, survey, answers)
    assert saved.taken_on == dt.date(2026, 11, 12)
    assert saved.ratings["self_orientation"] == 6  # as the partner rated it
    assert saved.scores["self_orientation"] == 2  # as trust: reversed
    assert saved.scores["credibility"] == 6
    assert saved.open_answer == "Dates we can plan around" and saved.entered_by
    assert [p.id for p in pulses(store, case.id)] == [saved.id]
    assert pulses(store, other.id) == []
    reopened = Store(store.url)  # a new process sees the same rows
    assert pulses(reopened, case.id)[0].scores == saved.scores
    reopened.dispose()


@both_databases  # storage-facing: SQLite and PostgreSQL
def test_a_deleted_case_keeps_its_pulses_until_it_is_purged(store: Store, survey: Survey) -> None:
    case = store.create_case("Cartons late")
    answers, _ = check_answers(survey, _row(survey, "2026-11-12"))
    assert answers is not None
    save_pulse(store, case.id, survey, answers)
    store.delete_case(case.id)  # soft: restorable for 30 days, and so are its pulses
    store.restore_case(case.id)
    assert len(pulses(store, case.id)) == 1
    store.delete_case(case.id)
    assert store.purge_deleted(now=dt.datetime(2100, 1, 1)) == 1
    assert pulses(store, case.id) == []


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"credibility": 9}, "column 'credibility': 9 is outside 1-7"),
        ({"reliability": 0}, "column 'reliability': 0 is outside 1-7"),
        ({"intimacy": "4.5"}, "column 'intimacy': '4.5' is not a whole number from 1 to 7"),
        ({"ability": "high"}, "column 'ability': 'high' is not a whole number"),
        ({"mutual_value": ""}, "column 'mutual_value': no rating"),
        ({"date": "12/11/2026"}, "column 'date': '12/11/2026' is not a date"),
        ({"moment": "halfway"}, "column 'moment': 'halfway' is not one of"),
    ],
)
def test_bad_answers_name_the_field(survey: Survey, over: dict[str, object], expected: str) -> None:
    answers, problems = check_answers(survey, _row(survey, "2026-11-12", **over), "row 3")
    assert answers is None
    assert any(p == f"row 3, {expected}" or p.startswith(f"row 3, {expected}")
               for p in problems), problems


def test_the_template_is_the_import_format(survey: Survey) -> None:
    template = csv_template(survey)
    assert template.splitlines()[0] == ",".join(csv_columns(survey))
    (row,) = parse_csv(survey, template.encode(), "pulse-template.csv")
    assert row.taken_on == dt.date.today() and set(row.ratings) == {i.id for i in survey.items}


@both_databases  # storage-facing: SQLite and PostgreSQL
def test_the_example_arcs_csv_imports_three_pulses(store: Store, survey: Survey) -> None:
    case = store.create_case("Cartons late")
    rows = parse_csv(survey, ARC_CSV.read_bytes(), str(ARC_CSV))
    saved = save_pulses(store, case.id, survey, rows)
    assert [p.moment for p in saved] == ["first_letter", "checkpoint", "end"]
    assert saved[0].open_answer.startswith("Dates we can plan around")


def test_a_csv_with_missing_columns_names_them(survey: Survey) -> None:
    with pytest.raises(InputError) as caught:
        parse_csv(survey, b"date,moment,credibility,reliability\n2026-11-12,end,4,4\n", "a.csv")
    message = str(caught.value)
    assert message.startswith("a.csv: missing columns 'intimacy', 'self_orientation'")
    assert "the header must be: date,moment,respondent," in message


@both_databases  # storage-facing: SQLite and PostgreSQL
def test_one_bad_row_imports_nothing_and_every_problem_is_named(
    store: Store, survey: Survey
) -> None:
    case = store.create_case("Cartons late")
    lines = ARC_CSV.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("2026-11-24,checkpoint,Peter Novak,5,4,",
                                "2026-11-24,checkpoint,Peter Novak,8,4,")
    lines[3] = lines[3].replace(",end,", ",later,")
    with pytest.raises(InputError) as caught:
        parse_csv(survey, "\n".join(lines).encode(), "pulses.csv")
    message = str(caught.value)
    assert "pulses.csv: 2 problems, nothing was imported" in message
    assert "row 3, column 'credibility': 8 is outside 1-7" in message
    assert "row 4, column 'moment': 'later' is not one of" in message
    assert pulses(store, case.id) == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"", "the CSV is empty"), (b"\xff\xfe\x00bad", "not UTF-8"),
     (b"date,moment,credibility,reliability,intimacy,self_orientation,intentions,ability,"
      b"mutual_value\n", "a header but no answers")],
)
def test_empty_binary_and_answerless_csvs_are_plain_messages(
    survey: Survey, data: bytes, expected: str
) -> None:
    with pytest.raises(InputError, match=expected):
        parse_csv(survey, data, "x.csv")


def test_trust_equation_summary(survey: Survey) -> None:
    scores = {"credibility": 6.0, "reliability": 4.0, "intimacy": 5.0, "self_orientation": 5.0}
    # self-orientation stored reversed (5) is a raw agreement of 3: (6 + 4 + 5) / 3
    assert trust_index(scores, survey) == 5.0
    assert trust_index({"credibility": 6.0}, survey) is None


def _entry(number: int, status: str, history: list[tuple[str, str]]) -> LedgerEntry:
    start = dt.datetime(2026, 11, 10, 9)
    return LedgerEntry(
        id=number, case_id=1, action=f"Action {number}", owner="Sam", due=dt.date(2026, 11, 20),
        status=status, created_at=start, updated_at=start,
        history=tuple(LedgerEvent(at=dt.datetime.fromisoformat(at), actor="Sam", change=change)
                      for at, change in history),
    )


@both_databases  # storage-facing: SQLite and PostgreSQL
def test_timeline_puts_the_ledger_and_letters_beside_each_pulse(
    store: Store, survey: Survey
) -> None:
    case = store.create_case("Cartons late")
    saved = save_pulses(store, case.id, survey, parse_csv(survey, ARC_CSV.read_bytes()))
    entries = [
        _entry(1, "done", [("2026-11-19T10:00", "status open -> done")]),
        _entry(2, "done", [("2026-11-21T10:00", "status open -> missed"),
                           ("2026-11-27T10:00", "status missed -> done")]),
        _entry(3, "open", []),
    ]
    letter = store.add_version(case.id, "Dear Peter, ...", source="composed",
                               scores={"overall": 84, "trust": 67})
    assert letter is not None
    backdate_version(store, letter.id, dt.date(2026, 11, 23))  # the update went out on 23 November
    points = timeline(survey, saved, entries, store.versions(case.id))
    assert [(p.done, p.missed, p.open) for p in points] == [(0, 0, 3), (1, 1, 1), (2, 0, 1)]
    assert [p.letter_score for p in points] == [None, 84, 84]
    assert [p.letter_trust for p in points] == [None, 67, 67]
    assert [p.trust_index for p in points] == [1.8, 3.5, 5.0]
    summary = lagging(points, survey)
    assert summary.startswith("Trust is coming back: mean 3.4 -> 5.1 of 7 over 3 pulses.")
    assert "Lagging: Reliability at 4.0 (+2.0 since the first pulse)" in summary
    assert lagging([], survey).startswith("No pulse yet")
