"""Pydantic shapes shared by scoring, the CLI, the app and storage."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "info"]
DetectorName = Literal["rule", "model", "judge"]
SEVERITY_RANK: dict[str, int] = {"info": 1, "warning": 2, "error": 3}

CORE_CATEGORIES: tuple[str, ...] = ("defensive", "vague_promise", "self_orientation")
EARN_ELEMENTS: tuple[str, ...] = (
    "expose_impact",
    "expose_cause",
    "ask",
    "rebuild_specific",
    "name_them",
)
# The apology components of Lewicki, Polin & Lount (2016), in their order.
APOLOGY_COMPONENTS: tuple[str, ...] = (
    "acknowledge_responsibility",
    "explain",
    "express_regret",
    "declare_repentance",
    "offer_repair",
    "request_forgiveness",
)


class Flag(BaseModel):
    """One problem found in a draft: an exact span, why it hurts trust and what to write instead.

    ``start``/``end`` are Python string indices into the text exactly as given (end exclusive);
    ``line`` and ``column`` are 1-based, for editors and CI logs.
    """

    model_config = ConfigDict(frozen=True)

    rule: str
    category: str
    severity: Severity
    message: str
    suggestion: str
    start: int
    end: int
    line: int
    column: int
    match: str
    sentence: int = Field(description="0-based index of the sentence holding the span")
    source: DetectorName = Field(default="rule", description="the detector that set the span")
    sources: tuple[DetectorName, ...] = Field(
        default=("rule",), description="every detector that flagged this sentence in this category"
    )
    confidence: float = Field(default=1.0, ge=0, le=1, description="0-1; rules 1.0")
    similar: tuple[str, ...] = Field(
        default=(), description="model flags: the nearest labelled sentences ('reads like')"
    )
    reason: str | None = Field(default=None, description="judge flags: the judge's own reason")


class EarnEvidence(BaseModel):
    """Whether one EARN element is present, and the sentence that shows it."""

    present: bool
    rule: str | None = None
    evidence: str | None = None
    start: int | None = None
    end: int | None = None
    source: DetectorName | None = Field(default=None, description="who decided 'present'")
    confidence: float | None = Field(default=None, description="the model's probability, if used")


class ComponentEvidence(BaseModel):
    """One apology component: whether a sentence shows it, which one, and how it was found."""

    component: str
    label: str
    present: bool
    evidence: str | None = Field(default=None, description="the sentence that shows it")
    start: int | None = None
    end: int | None = None
    how: Literal["cue", "similar"] | None = Field(
        default=None, description="a cue pattern matched, or the sentence reads like an exemplar"
    )
    similarity: float | None = Field(default=None, description="cosine to the nearest exemplar")
    exemplar: str | None = Field(default=None, description="the nearest exemplar sentence")


class Scores(BaseModel):
    """0-100 per category and overall; the formula is in ``assistant.scoring`` and the README."""

    defensive: int
    vague_promise: int
    self_orientation: int
    overall: int


class TrustView(BaseModel):
    """The trust equation (credibility + reliability + intimacy) / self-orientation, each 0-100."""

    credibility: int
    reliability: int
    intimacy: int
    self_orientation: int
    trust: int


class SentenceSpan(BaseModel):
    """A sentence as the scorer split it: indices into the text."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int


class DetectorInfo(BaseModel):
    """Which detector ran, and for a learned one the exact model version and file hash."""

    name: DetectorName
    version: str = ""
    sha256: str = ""


class Report(BaseModel):
    """Everything the scorer says about one text."""

    flags: list[Flag]
    scores: Scores
    earn: dict[str, EarnEvidence]
    trust: TrustView
    sentences: list[SentenceSpan]
    rubrics: list[str] = Field(description="ids of the rubric files applied")
    detectors: list[DetectorInfo] = Field(default_factory=list, description="the detectors run")
    notes: list[str] = Field(
        default_factory=list, description="what the user should know (a detector that fell back)"
    )
    components: list[ComponentEvidence] = Field(
        default_factory=list, description="the apology components checklist, in Lewicki's order"
    )

    def flags_in(self, category: str) -> list[Flag]:
        """The flags of one category, in text order."""
        return [flag for flag in self.flags if flag.category == category]
