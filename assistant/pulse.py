"""The partner trust pulse: answers stored per case and date, imported from CSV, and read back
as series per dimension beside the ledger's done/missed counts and the letters' scores.

Tables live on the storage module's metadata (``_Base``), so a fresh database gets them with the
others. Each stored rating keeps its dimension and whether it was reversed, so a later edit of the
survey file never changes what an old answer meant. Nothing is saved from a CSV with any bad row:
the whole file is checked first, and every problem names its row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistant.errors import InputError
from assistant.identity import current_actor
from assistant.ledger_models import LedgerEntry
from assistant.storage import Store, VersionRecord, _Base, _case_row, _now
from assistant.survey import RESERVED_COLUMNS, Survey

MAX_CSV_BYTES = 1_000_000
MAX_OPEN_ANSWER = 2000


class _PulseResponse(_Base):
    __tablename__ = "pulse_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    taken_on: Mapped[dt.date] = mapped_column(Date)
    moment: Mapped[str] = mapped_column(String(20), default="checkpoint")
    respondent: Mapped[str] = mapped_column(String(200), default="")
    open_answer: Mapped[str] = mapped_column(Text, default="")
    survey_version: Mapped[int] = mapped_column(Integer, default=1)
    survey_hash: Mapped[str] = mapped_column(String(20), default="")
    entered_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    answers: Mapped[list[_PulseAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="_PulseAnswer.id"
    )


class _PulseAnswer(_Base):
    __tablename__ = "pulse_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("pulse_responses.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(40))
    dimension: Mapped[str] = mapped_column(String(40))
    rating: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer, doc="the rating as trust: reversed when needed")
    response: Mapped[_PulseResponse] = relationship(back_populates="answers")


class PulseAnswers(BaseModel):
    """One pulse as entered: the date, the moment, a rating per statement and the open answer."""

    model_config = ConfigDict(frozen=True)

    taken_on: dt.date
    moment: str = "checkpoint"
    respondent: str = ""
    ratings: dict[str, int]
    open_answer: str = ""


class PulseRecord(PulseAnswers):
    """A stored pulse, with its scores per dimension (reversed items turned round)."""

    id: int
    case_id: int
    scores: dict[str, float] = Field(description="dimension -> mean trust score")
    survey_version: int
    entered_by: str
    created_at: dt.datetime


# --- checking what was entered -------------------------------------------------------------


def check_answers(
    survey: Survey, values: Mapping[str, Any], where: str = ""
) -> tuple[PulseAnswers | None, list[str]]:
    """Answers from a form or a CSV row, or the problems, each naming its field (and ``where``).

    ``values`` holds ``date``, ``moment``, optionally ``respondent``, one value per statement id
    and the open question's id.
    """
    prefix = f"{where}, " if where else ""
    problems: list[str] = []
    taken_on = _date(values.get("date"))
    if taken_on is None:
        problems.append(f"{prefix}column 'date': {values.get('date')!r} is not a date"
                        " (write it as YYYY-MM-DD)")
    moment = str(values.get("moment") or "checkpoint").strip().lower().replace(" ", "_")
    if moment not in survey.moments:
        problems.append(f"{prefix}column 'moment': {moment!r} is not one of"
                        f" {', '.join(survey.moments)}")
    low, high = survey.scale.min, survey.scale.max
    ratings: dict[str, int] = {}
    for item in survey.items:
        raw = values.get(item.id)
        text = "" if raw is None else str(raw).strip()
        if not text:
            problems.append(f"{prefix}column '{item.id}': no rating; give a whole number from"
                            f" {low} to {high}")
            continue
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        if number != number or number != int(number):
            problems.append(f"{prefix}column '{item.id}': {text!r} is not a whole number from"
                            f" {low} to {high}")
        elif not low <= number <= high:
            problems.append(f"{prefix}column '{item.id}': {int(number)} is outside {low}-{high}")
        else:
            ratings[item.id] = int(number)
    answer = str(values.get(survey.open_question.id) or "").strip()
    if len(answer) > MAX_OPEN_ANSWER:
        problems.append(f"{prefix}column '{survey.open_question.id}': {len(answer):,} characters;"
                        f" at most {MAX_OPEN_ANSWER:,} fit")
    respondent = str(values.get("respondent") or "").strip()[:200]
    if problems or taken_on is None:
        return None, problems
    return PulseAnswers(taken_on=taken_on, moment=moment, respondent=respondent,
                        ratings=ratings, open_answer=answer), []


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


# --- CSV -----------------------------------------------------------------------------------


def csv_columns(survey: Survey) -> list[str]:
    """The CSV's columns: date, moment, respondent, one per statement, then the open question."""
    return [*RESERVED_COLUMNS, *(item.id for item in survey.items), survey.open_question.id]


def csv_template(survey: Survey) -> str:
    """A CSV with the header and one example row, for a partner's answers to be typed into."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_columns(survey))
    middle = (survey.scale.min + survey.scale.max) // 2
    writer.writerow([dt.date.today().isoformat(), "checkpoint", "",
                     *(middle for _ in survey.items), ""])
    return out.getvalue()


def parse_csv(survey: Survey, data: bytes | str, source: str = "<csv>") -> list[PulseAnswers]:
    """Every row of a pulse CSV, or InputError listing each bad row and column (nothing kept)."""
    if isinstance(data, bytes):
        if len(data) > MAX_CSV_BYTES:
            raise InputError(f"{source}: the CSV is larger than {MAX_CSV_BYTES // 1000} kB")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(f"{source}: not UTF-8 text (bad byte at offset {err.start})") from None
    else:
        text = data.removeprefix("\ufeff")
    if not text.strip():
        raise InputError(f"{source}: the CSV is empty; start from `amends pulse template`")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    needed = [c for c in csv_columns(survey) if c not in ("respondent", survey.open_question.id)]
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(
            f"{source}: missing column{'s' if len(missing) > 1 else ''}"
            f" {', '.join(repr(c) for c in missing)}; the header must be:"
            f" {','.join(csv_columns(survey))}"
        )
    rows: list[PulseAnswers] = []
    problems: list[str] = []
    for number, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        answers, found = check_answers(survey, row, f"row {number}")
        problems += found
        if answers is not None:
            rows.append(answers)
    if problems:
        raise InputError(f"{source}: {len(problems)} problem{'s' if len(problems) > 1 else ''},"
                         " nothing was imported:\n" + "\n".join(f"  - {p}" for p in problems))
    if not rows:
        raise InputError(f"{source}: the CSV has a header but no answers")
    return rows


# --- storage -------------------------------------------------------------------------------


def _ready(store: Store) -> Store:
    """Create the pulse tables on a database opened before this module was imported (a fresh
    one gets them with the others; ``checkfirst`` leaves existing tables alone)."""
    if not getattr(store, "_pulse_tables", False):
        _Base.metadata.create_all(
            store._engine,
            tables=[_Base.metadata.tables[name] for name in ("pulse_responses", "pulse_answers")],
        )
        store._pulse_tables = True  # type: ignore[attr-defined]
    return store


def _allowed(store: Store, case_id: int, action: str) -> None:
    """In a team deployment (a store scoped to the signed-in user), the same checks and audit
    as the ledger: pulses are read by anyone who may see the case, written by its drafters and
    reviewers. The single-user store checks nothing, as everywhere else."""
    from assistant.auth.scoped import ScopedStore, require_case

    if isinstance(store, ScopedStore):
        scope = require_case(store.base, store.user, action, case_id)
        if action != "case.view":
            store._audit("pulse.update", scope, detail="trust pulse")


def save_pulse(store: Store, case_id: int, survey: Survey, answers: PulseAnswers) -> PulseRecord:
    """Store one pulse for a case; the actor who entered it is recorded."""
    return save_pulses(store, case_id, survey, [answers])[0]


def save_pulses(
    store: Store, case_id: int, survey: Survey, many: Sequence[PulseAnswers]
) -> list[PulseRecord]:
    """Store several pulses in one transaction (a CSV import is all or nothing)."""
    ids: list[int] = []
    actor = current_actor()
    _allowed(store, case_id, "ledger.update")
    with _ready(store)._session() as session:
        _case_row(session, case_id)
        for answers in many:
            row = _PulseResponse(
                case_id=case_id,
                taken_on=answers.taken_on,
                moment=answers.moment,
                respondent=answers.respondent,
                open_answer=answers.open_answer,
                survey_version=survey.version,
                survey_hash=survey.fingerprint(),
                entered_by=actor,
            )
            for item in survey.items:
                rating = answers.ratings[item.id]
                row.answers.append(
                    _PulseAnswer(item_id=item.id, dimension=item.dimension, rating=rating,
                                 score=int(survey.scored(item, rating)))
                )
            session.add(row)
            session.flush()
            ids.append(row.id)
    found = {p.id: p for p in pulses(store, case_id)}
    return [found[i] for i in ids]


def pulses(store: Store, case_id: int) -> list[PulseRecord]:
    """A case's pulses, oldest first (by date, then by when they were entered)."""
    _allowed(store, case_id, "case.view")
    with _ready(store)._session() as session:
        rows = session.scalars(
            select(_PulseResponse)
            .where(_PulseResponse.case_id == case_id)
            .order_by(_PulseResponse.taken_on, _PulseResponse.id)
        ).all()
        return [_record(row) for row in rows]


def delete_pulse(store: Store, pulse_id: int) -> None:
    """Remove one pulse (entered by mistake)."""
    with _ready(store)._session() as session:
        row = session.get(_PulseResponse, pulse_id)
        if row is None:
            raise InputError(f"pulse {pulse_id} does not exist")
        case_id = row.case_id
    _allowed(store, case_id, "ledger.update")
    with _ready(store)._session() as session:
        row = session.get(_PulseResponse, pulse_id)
        if row is not None:
            session.delete(row)


def _record(row: _PulseResponse) -> PulseRecord:
    by_dimension: dict[str, list[int]] = {}
    for answer in row.answers:
        by_dimension.setdefault(answer.dimension, []).append(answer.score)
    return PulseRecord(
        id=row.id,
        case_id=row.case_id,
        taken_on=row.taken_on,
        moment=row.moment,
        respondent=row.respondent,
        ratings={a.item_id: a.rating for a in row.answers},
        open_answer=row.open_answer,
        scores={d: sum(v) / len(v) for d, v in by_dimension.items()},
        survey_version=row.survey_version,
        entered_by=row.entered_by,
        created_at=row.created_at,
    )


# --- reading it back -----------------------------------------------------------------------


def trust_index(scores: Mapping[str, float], survey: Survey) -> float | None:
    """The trust equation on one pulse: (credibility + reliability + intimacy) / self-orientation.

    Self-orientation is the raw agreement (1 = not self-oriented at all), i.e. the stored,
    reversed score turned back; None when the survey lacks one of the four.
    """
    needed = ("credibility", "reliability", "intimacy", "self_orientation")
    if any(name not in scores for name in needed):
        return None
    self_orientation = survey.scale.min + survey.scale.max - scores["self_orientation"]
    total = scores["credibility"] + scores["reliability"] + scores["intimacy"]
    return round(total / max(self_orientation, 1e-9), 2)


class TimelinePoint(BaseModel):
    """One pulse beside the ledger and the letters as they stood on its date."""

    taken_on: dt.date
    moment: str
    scores: dict[str, float]
    trust_index: float | None
    done: int
    missed: int
    open: int
    letter_score: float | None = Field(description="overall score of the latest letter by then")
    letter_language: float | None = Field(
        default=None, description="its mean defensive / vague-promise / self-orientation score"
        " (an update carries no Expose or Ask, so its overall score reads lower than its wording)"
    )
    letter_trust: float | None = None


def _status_on(entry: LedgerEntry, day: dt.date) -> str | None:
    """An entry's status at the end of ``day`` (None before it existed), from its history."""
    if entry.created_at.date() > day:
        return None
    status = "open"
    changes = [e for e in entry.history if "status" in e.change and "->" in e.change]
    if not changes:
        return entry.status if entry.updated_at.date() <= day else "open"
    for event in sorted(changes, key=lambda e: e.at):
        if event.at.date() <= day:
            status = event.change.rsplit("->", 1)[1].strip().split()[0]
    return status


def timeline(
    survey: Survey,
    records: Iterable[PulseRecord],
    entries: Iterable[LedgerEntry] = (),
    versions: Iterable[VersionRecord] = (),
) -> list[TimelinePoint]:
    """Each pulse with the ledger's counts and the latest letter's scores on its date."""
    entries = list(entries)
    letters = sorted(versions, key=lambda v: v.created_at)
    out: list[TimelinePoint] = []
    for record in records:
        statuses = [_status_on(e, record.taken_on) for e in entries]
        latest = [v for v in letters if v.created_at.date() <= record.taken_on]
        scores = latest[-1].scores if latest else {}
        out.append(TimelinePoint(
            taken_on=record.taken_on,
            moment=record.moment,
            scores=record.scores,
            trust_index=trust_index(record.scores, survey),
            done=statuses.count("done"),
            missed=statuses.count("missed"),
            open=statuses.count("open"),
            letter_score=_number(scores.get("overall")),
            letter_language=_language(scores),
            letter_trust=_number(scores.get("trust")),
        ))
    return out


def _language(scores: Mapping[str, Any]) -> float | None:
    found = [_number(scores.get(c)) for c in ("defensive", "vague_promise", "self_orientation")]
    values = [v for v in found if v is not None]
    return round(sum(values) / len(values), 1) if len(values) == 3 else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def lagging(points: Sequence[TimelinePoint], survey: Survey) -> str:
    """One sentence for a leader: is trust coming back, and which dimension lags."""
    if not points:
        return "No pulse yet: send the survey after the first letter."
    from assistant.survey import DIMENSION_LABELS

    last, first = points[-1], points[0]
    dimension = min(last.scores, key=lambda d: (last.scores[d], d))
    label = DIMENSION_LABELS.get(dimension, dimension)
    mean_last = sum(last.scores.values()) / len(last.scores)
    if len(points) == 1:
        return (f"One pulse so far (mean {mean_last:.1f} of {survey.scale.max}); lowest:"
                f" {label} at {last.scores[dimension]:.1f}.")
    mean_first = sum(first.scores.values()) / len(first.scores)
    change = mean_last - mean_first
    trend = "coming back" if change > 0.25 else "slipping" if change < -0.25 else "flat"
    since = last.scores[dimension] - first.scores.get(dimension, last.scores[dimension])
    return (f"Trust is {trend}: mean {mean_first:.1f} -> {mean_last:.1f} of {survey.scale.max}"
            f" over {len(points)} pulses. Lagging: {label} at {last.scores[dimension]:.1f}"
            f" ({since:+.1f} since the first pulse).")


def chart_rows(points: Sequence[TimelinePoint]) -> list[dict[str, Any]]:
    """Long-form rows (date, dimension, score) for a line chart per dimension."""
    from assistant.survey import DIMENSION_LABELS

    return [
        {"date": p.taken_on.isoformat(), "dimension": DIMENSION_LABELS.get(d, d), "score": s}
        for p in points
        for d, s in p.scores.items()
    ]
