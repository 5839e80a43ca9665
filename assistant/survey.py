"""The partner trust pulse's questions: a YAML data file, validated like a rubric.

The bundled file is ``surveys/trust_pulse.yaml``; an organisation points ``AMENDS_SURVEY`` at its
own copy. Load errors name the file, the line and the field, so a comms team can fix its copy
without a traceback. Reversed statements (agreeing is bad news) are scored ``min + max - rating``
so every dimension reads "higher is more trust".
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.errors import ConfigError
from assistant.resources import bundled_dir
from assistant.rubric import _line_of

Dimension = Literal[
    "credibility", "reliability", "intimacy", "self_orientation", "intentions", "ability",
    "mutual_value",
]
DIMENSIONS: tuple[Dimension, ...] = (
    "credibility", "reliability", "intimacy", "self_orientation", "intentions", "ability",
    "mutual_value",
)
DIMENSION_LABELS: dict[str, str] = {
    "credibility": "Credibility",
    "reliability": "Reliability",
    "intimacy": "Intimacy",
    "self_orientation": "Other-orientation (self-orientation reversed)",
    "intentions": "Intentions",
    "ability": "Ability",
    "mutual_value": "Mutual value",
}
MOMENTS = ("first_letter", "checkpoint", "end")
SURVEY_FILE = "trust_pulse.yaml"
MAX_SURVEY_BYTES = 200_000
_ID = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Scale(_Strict):
    """The rating scale: 1 to 7 unless an organisation changes it, with its end labels."""

    min: int = Field(default=1, ge=0)
    max: int = Field(default=7, le=10)
    low: str = Field(default="strongly disagree", min_length=1)
    high: str = Field(default="strongly agree", min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.max - self.min < 2:
            raise ValueError("the scale needs at least three points (max - min >= 2)")
        return self


class Item(_Strict):
    """One statement the partner rates, and the dimension it measures."""

    id: str = Field(pattern=_ID, max_length=40)
    dimension: Dimension
    statement: str = Field(min_length=10, max_length=300)
    reversed: bool = False


class OpenQuestion(_Strict):
    """The free-text question at the end of every pulse."""

    id: str = Field(default="good_looks_like", pattern=_ID, max_length=40)
    text: str = Field(min_length=5, max_length=300)


class Survey(_Strict):
    """The whole pulse: 5 to 8 rated statements and one open question."""

    version: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=120)
    intro: str = Field(default="", max_length=1000)
    scale: Scale = Field(default_factory=Scale)
    moments: dict[str, str] = Field(
        default_factory=lambda: {
            "first_letter": "after the first letter",
            "checkpoint": "at a checkpoint",
            "end": "at the end of the recovery",
        }
    )
    items: list[Item] = Field(min_length=5, max_length=8)
    open_question: OpenQuestion

    @model_validator(mode="after")
    def _distinct(self) -> Survey:
        unknown = sorted(set(self.moments) - set(MOMENTS))
        if unknown:
            raise ValueError(f"moments: {', '.join(unknown)} not one of {', '.join(MOMENTS)}")
        ids = [item.id for item in self.items] + [self.open_question.id]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"each statement needs its own id; repeated: {', '.join(repeated)}")
        for item in self.items:
            if item.id in RESERVED_COLUMNS:
                raise ValueError(f"id '{item.id}' is a column the CSV already uses; rename it")
        return self

    def item(self, item_id: str) -> Item | None:
        """The statement with this id, if the survey has one."""
        return next((i for i in self.items if i.id == item_id), None)

    def dimensions(self) -> list[str]:
        """The dimensions this survey measures, in the trust equation's order."""
        present = {i.dimension for i in self.items}
        return [d for d in DIMENSIONS if d in present]

    def scored(self, item: Item, rating: int) -> float:
        """A rating as a trust score: reversed items are turned round."""
        return float(self.scale.min + self.scale.max - rating if item.reversed else rating)

    def fingerprint(self) -> str:
        """A short hash of the questions, stored with each answer set so edits are traceable."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]


RESERVED_COLUMNS = ("date", "moment", "respondent")


def survey_path() -> Path:
    """The survey in force: ``AMENDS_SURVEY`` when set, else the bundled file."""
    from assistant.settings import get_settings

    chosen = get_settings().survey.strip()
    return Path(chosen) if chosen else bundled_dir("surveys") / SURVEY_FILE


def load_survey(path: Path | None = None) -> Survey:
    """The survey at ``path`` (default: :func:`survey_path`), validated; ConfigError names where."""
    return _load(path or survey_path())


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime: float) -> Survey:
    return _parse(path)


def _load(path: Path) -> Survey:
    try:
        mtime = path.stat().st_mtime
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the survey file ({err.strerror})") from None
    return _load_cached(path, mtime)


def _parse(path: Path) -> Survey:
    raw = path.read_bytes()
    if len(raw) > MAX_SURVEY_BYTES:
        raise ConfigError(f"{path}: the survey file is larger than {MAX_SURVEY_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (bad byte at offset {err.start})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: a survey must be a mapping with 'version', 'items' and"
                          " 'open_question'")
    try:
        return Survey.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(first["loc"])
        field = ".".join(str(part) for part in loc) or "(top level)"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{path}:{_line_of(text, loc)}: field '{field}': {message}") from None


def plain_text(survey: Survey, *, to: str = "", moment: str = "") -> str:
    """The survey as plain text to paste into an email: numbered statements, the scale, the
    open question, and how to answer (one number per line)."""
    lines: list[str] = []
    if to.strip():
        lines += [f"Dear {to.strip()},", ""]
    when = survey.moments.get(moment, "") if moment else ""
    lines.append(survey.title + (f" ({when})" if when else ""))
    lines.append("")
    if survey.intro:
        lines += [survey.intro, ""]
    low, high = survey.scale.min, survey.scale.max
    lines.append(f"Rate each statement from {low} ({survey.scale.low}) to {high}"
                 f" ({survey.scale.high}).")
    lines.append("")
    for number, item in enumerate(survey.items, 1):
        lines.append(f"{number}. {item.statement}")
        lines.append(f"   Your rating ({low}-{high}): ___")
    lines.append("")
    lines.append(f"{len(survey.items) + 1}. {survey.open_question.text}")
    lines.append("   ___")
    lines.append("")
    lines.append("Reply to this email with your numbers and your answer; thank you.")
    return "\n".join(lines) + "\n"
