"""The drafting data: incident facts in, EARN parts and a composed draft out.

Parts carry only *structural* rules (lengths, owners, dates). Rubric and grounding checks are
"soft": they run only when a validation context asks for them (see ``assistant.drafting.checks``),
so a part a user edited by hand still loads, while a generated part is re-asked until clean.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from assistant.errors import IncidentError, InputError, validation_message
from assistant.models import Report

PartName = Literal["expose", "ask", "rebuild", "name_them"]
CrisisType = Literal["victim", "accidental", "preventable"]
ALL_PARTS: tuple[PartName, ...] = ("expose", "ask", "rebuild", "name_them")
OFFLINE_LABEL = "offline composer"
MAX_INCIDENT_BYTES = 200_000

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


# A fact copied into a draft is no longer than the part field it becomes (Expose, RebuildAction,
# NameThem, the subject), so a long field is refused at the door with its name and its limit,
# never deep in the composer with a traceback.
WhatHappened = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)
]
Cause = WhatHappened
Impact = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
ActionText = Impact
Owner = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Contribution = WhatHappened
Title = Owner
GOOD_LOOKS_LIKE = re.compile(r"\bwhat\s+would\s+good\s+look\s+like\b", re.IGNORECASE)


class _Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Recipient(_Facts):
    """Who the draft is for; ``relationship`` picks the register the composer writes in."""

    name: Short
    organisation: Short | None = None
    role: Short | None = None
    relationship: Literal["client", "partner", "internal_team", "personal"] = "client"

    @field_validator("relationship", mode="before")
    @classmethod
    def _normalise(cls, value: object) -> object:
        return (
            value.strip().lower().replace(" ", "_").replace("-", "_")
            if isinstance(value, str)
            else value
        )


class Sender(_Facts):
    """Who signs the draft: the person accountable, not a team alias."""

    name: Short
    role: Short
    organisation: Short | None = None


class ApprovedAction(_Facts):
    """An action the organisation has already approved; the only commitments a draft may make."""

    what: ActionText
    owner: Owner
    due: dt.date
    checkpoint: ActionText | None = Field(
        default=None,
        description="what the recipient will be able to see when it is done (optional: without"
        " one, the draft says when they will next hear)",
    )


class Incident(_Facts):
    """The facts of one failure, as the sender's organisation has agreed them."""

    title: Title
    what_happened: WhatHappened
    when: Short = Field(description="when it happened, as the sender would write it")
    impacts: list[Impact] = Field(
        min_length=1, max_length=8, description="concrete effects on the recipient"
    )
    cause: Cause
    cause_owner: Short = Field(
        description="who is responsible, as it completes 'Responsibility sits with ...'"
    )
    actions_taken: list[WhatHappened] = Field(
        default_factory=list, max_length=8
    )
    approved_actions: list[ApprovedAction] = Field(min_length=1, max_length=6)
    recipient: Recipient
    sender: Sender
    recipient_contribution: Contribution | None = Field(
        default=None, description="what the recipient did that helped the recovery (for Name them)"
    )
    review_cadence: Short | None = Field(
        default=None, description="how often progress will be reviewed"
    )
    channel: Literal["email", "letter", "call_script"] = "email"
    tone: Literal["direct", "warm", "formal"] = "direct"
    must_not_say: list[Short] = Field(
        default_factory=list, max_length=20, description="legal limits"
    )
    crisis_type: CrisisType | None = Field(
        default=None,
        description="victim, accidental or preventable (Coombs); empty: classified from the facts",
    )

    @field_validator("channel", "tone", "crisis_type", mode="before")
    @classmethod
    def _channel(cls, value: object) -> object:
        return (
            (value.strip().lower().replace(" ", "_").replace("-", "_") or None)
            if isinstance(value, str)
            else value
        )


# --- generated parts -------------------------------------------------------------------------


class _Part(BaseModel):
    """Base for the EARN parts: soft checks (rubric, grounding) run when the context asks."""

    model_config = ConfigDict(str_strip_whitespace=True)

    def texts(self) -> list[str]:
        """The prose of this part, for scoring and grounding."""
        raise NotImplementedError

    @model_validator(mode="after")
    def _soft_checks(self, info: ValidationInfo) -> _Part:
        """Run the context's ``checker`` (the rubric and the validation net) on this part.

        The checker arrives through the validation context, so these data classes import no
        checking code (no import circle) and the rubric set travels with the request.
        """
        context = info.context if isinstance(info.context, dict) else None
        checker = context.get("checker") if context else None
        if context and context.get("soft_checks") and callable(checker):
            problems = checker(self, context.get("incident"), context.get("rubric_set"))
            if problems:
                raise ValueError("; ".join(problems))
        return self


class Expose(_Part):
    """Expose: what happened, why, how it hurt the recipient, and who owns it."""

    statement: str = Field(
        min_length=20, max_length=1200, description="two or three plain sentences"
    )
    what_happened: str = Field(min_length=5, max_length=400)
    why: str = Field(min_length=5, max_length=400, description="the cause, owned")
    impacts_acknowledged: list[Annotated[str, Field(min_length=3, max_length=300)]] = Field(
        min_length=1, max_length=6
    )
    responsibility: str = Field(
        min_length=5, max_length=300, description="who owns it, first person"
    )

    def texts(self) -> list[str]:
        return [self.statement, self.responsibility]


class Ask(_Part):
    """Ask: open questions before offering fixes, one of them "what would good look like"."""

    questions: list[str] = Field(
        min_length=3,
        max_length=5,
        # The first item is the "what would good look like" question; schema-aware decoders
        # (llama.cpp grammars, strict JSON modes) then cannot leave it out.
        json_schema_extra={
            "prefixItems": [
                {"type": "string", "pattern": r"^What would good look like[^?\n]{0,80}\?$"}
            ],
            "items": {
                "type": "string",
                "pattern": r"^(Which|How|Who|When|Where|Is there)[^?\n]{8,160}\?$",
            },
        },
    )

    @field_validator("questions")
    @classmethod
    def _open_questions(cls, questions: list[str]) -> list[str]:
        for i, question in enumerate(questions):
            if not question.strip().endswith("?"):
                raise ValueError(f"question {i + 1} must end with a question mark: {question!r}")
        if not any(GOOD_LOOKS_LIKE.search(q) for q in questions):
            raise ValueError(
                "one question must ask, in the sender's voice, what good would look like"
            )
        return [q.strip() for q in questions]

    @model_validator(mode="after")
    def _distinct(self, info: ValidationInfo) -> Ask:
        context = info.context if isinstance(info.context, dict) else None
        if context and context.get("soft_checks"):
            seen = [q.lower() for q in self.questions]
            if len(set(seen)) < len(seen):
                raise ValueError(
                    "each question must be different: ask about a different need in each"
                )
        return self

    def texts(self) -> list[str]:
        return list(self.questions)


class RebuildAction(BaseModel):
    """One action: proof, not a promise. Without owner, date or checkpoint it is invalid."""

    model_config = ConfigDict(str_strip_whitespace=True)

    what: str = Field(min_length=5, max_length=300)
    owner: str = Field(min_length=2, max_length=120)
    due: dt.date
    checkpoint: str = Field(
        min_length=5, max_length=300, description="evidence the recipient can see"
    )


class RebuildPlan(_Part):
    """Rebuild: actions with owners, dates and visible checkpoints, plus a review cadence."""

    actions: list[RebuildAction] = Field(min_length=1, max_length=6)
    review_cadence: str = Field(min_length=5, max_length=300)

    def texts(self) -> list[str]:
        return [f"{a.what}. {a.checkpoint}." for a in self.actions] + [self.review_cadence]


class NameThem(_Part):
    """Name them: concrete recognition of what the recipient did for the recovery."""

    statement: str = Field(min_length=20, max_length=600)

    def texts(self) -> list[str]:
        return [self.statement]


PART_MODELS: dict[PartName, type[_Part]] = {
    "expose": Expose,
    "ask": Ask,
    "rebuild": RebuildPlan,
    "name_them": NameThem,
}
Part = Expose | Ask | RebuildPlan | NameThem


class ComposedEmail(_Part):
    """What the compose prompt returns: a subject and a body."""

    subject: str = Field(min_length=5, max_length=160)
    body: str = Field(min_length=40, max_length=6000)

    def texts(self) -> list[str]:
        return [self.body]


class Usage(BaseModel):
    """Model calls, tokens and cost for one draft (zeros for the offline composer)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float | None = None

    def add(self, other: Usage) -> Usage:
        """The sum of two usages; cost stays unknown if either is unknown."""
        cost = (
            None
            if self.cost_usd is None or other.cost_usd is None
            else self.cost_usd + other.cost_usd
        )
        return Usage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cost_usd=cost,
        )


class GroundingIssue(BaseModel):
    """A claim in the draft the incident does not support (an invented date, sum or commitment).

    ``injection`` is about the facts, not the draft: instruction-like text found in the incident
    (kept out of the draft and reported); it never fails a draft.
    """

    kind: Literal[
        "date", "money", "number", "commitment", "promise", "must_not_say", "injection"
    ]
    text: str
    message: str
    sentence: str = Field(default="", description="the draft sentence holding the claim")


FactKind = Literal["instruction", "promise", "must_not_say", "flag"]


class FactFinding(BaseModel):
    """Something in the incident facts a person should look at before drafting.

    ``instruction``: text that reads as an instruction to the writer; ``promise``: a commitment
    the approved actions do not make; ``must_not_say``: a fact that says what the incident
    forbids; ``flag``: a rubric flag on a fact sentence (a cause blaming a vendor, a minimising
    impact). Findings that ``withheld`` the sentence kept it out of every draft.
    """

    field: str = Field(description="where, e.g. 'impacts[1]' or 'recipient.name'")
    kind: FactKind
    severity: Literal["error", "warning", "info"] = "error"
    text: str = Field(description="the sentence (or value) concerned")
    message: str
    rule: str | None = Field(default=None, description="the rubric rule or detector kind")
    withheld: bool = True


NetCheck = Literal[
    "impact.not_an_impact",
    "impact.repeated",
    "impact.copy_of_cause",
    "impact.missing",
    "rebuild.unapproved_action",
    "rebuild.duplicate_action",
    "grounding.date",
    "grounding.money",
    "grounding.number",
    "grounding.commitment",
    "grounding.promise",
    "must_not_say",
    "register.celebration",
    "register.marketing",
    "text.truncated",
    "text.repetition",
    "expose.no_owned_cause",
    "expose.no_event",
    "name_them.empty",
    "name_them.invented",
    "rubric.error",
    "facts.instruction_followed",
    "update.missed_left_out",
    "posture.justification",
    "posture.scapegoat",
    "posture.blame_reader",
    "posture.missing_component",
    "audience.too_long",
    "audience.lead",
    "audience.private_detail",
    "audience.missing_fact",
    "audience.not_spoken",
    "crosscheck.promise",
    "crosscheck.date",
    "crosscheck.owner",
    "crosscheck.amount",
]


class NetFailure(BaseModel):
    """One reason the validation net refuses a draft: a named check, the text, what to do."""

    check: NetCheck
    message: str
    text: str = ""
    part: str | None = Field(default=None, description="expose, ask, rebuild, name_them or body")
    field: str | None = None
    index: int | None = Field(default=None, description="item index within a list field")


class CrisisCue(BaseModel):
    """One fact that pointed to a crisis type."""

    field: str
    text: str = Field(description="the words that matched")
    cue: str = Field(description="what the cue stands for")
    points_to: str


class Posture(BaseModel):
    """The crisis type, why, and the stance a draft takes in it."""

    crisis_type: CrisisType
    label: str
    source: Literal["classifier", "user", "default"]
    reason: str
    cues: list[CrisisCue] = Field(default_factory=list)
    posture: str
    stance: str
    requires: list[str]
    forbids: list[str]
    line: str
    guide: str


class RecoveryDraft(BaseModel):
    """A composed draft with everything needed to trust it: parts, generator, usage, findings."""

    subject: str
    body: str
    channel: Literal["email", "letter", "call_script"] = "email"
    expose: Expose | None = None
    ask: Ask | None = None
    rebuild: RebuildPlan | None = None
    name_them: NameThem | None = None
    generator: str = Field(description="'offline composer' or 'litellm: <model>'")
    model: str
    prompt_versions: dict[str, int] = Field(default_factory=dict)
    usage: Usage = Field(default_factory=Usage)
    report: Report | None = None
    grounding: list[GroundingIssue] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="what happened while drafting")
    net: list[NetFailure] = Field(
        default_factory=list, description="what the validation net refused, after re-asks"
    )
    fact_findings: list[FactFinding] = Field(
        default_factory=list, description="what the facts hold that a person should look at"
    )
    status: Literal["ready", "rejected"] = Field(
        default="ready", description="'rejected' when the net or an error-level flag refuses it"
    )
    posture: Posture | None = Field(
        default=None, description="the crisis type (Coombs), why, and the stance it asks for"
    )

    def reasons(self) -> list[str]:
        """Why the draft is rejected, one plain line each (empty when it is ready)."""
        return list(dict.fromkeys(f"{f.check}: {f.message}" for f in self.net))

    def parts(self) -> dict[PartName, _Part]:
        """The parts present, by name."""
        found: dict[PartName, _Part | None] = {
            "expose": self.expose,
            "ask": self.ask,
            "rebuild": self.rebuild,
            "name_them": self.name_them,
        }
        return {name: part for name, part in found.items() if part is not None}


# --- loading incidents -----------------------------------------------------------------------


def incident_from_data(
    data: Any, source: str = "<input>", labels: Mapping[str, str] | None = None
) -> Incident:
    """Validate already-parsed facts; the error names every bad field and what is wrong with it.

    ``labels`` (dotted field path -> a form's label) names fields as a form shows them.
    """
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        raise IncidentError(f"{source}: incident facts must be a mapping of fields, got {kind}")
    try:
        return Incident.model_validate(data)
    except ValidationError as err:
        heading = "the incident facts are not valid"
        raise IncidentError(validation_message(err, source, labels, heading=heading)) from None


def parse_incident(text: str, source: str = "<input>") -> Incident:
    """Incident facts from YAML or JSON text (JSON is YAML, so one parser serves both)."""
    if not text.strip():
        raise IncidentError(f"{source}: the incident file is empty")
    if "\x00" in text:
        raise IncidentError(f"{source}: this looks like a binary file, not YAML or JSON")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_INCIDENT_BYTES:
        raise IncidentError(
            f"{source}: the incident is larger than {MAX_INCIDENT_BYTES // 1000} kB"
        )
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except json.JSONDecodeError as err:
        raise IncidentError(
            f"{source}: line {err.lineno}, column {err.colno}: invalid JSON: {err.msg}"
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise IncidentError(f"{source}: {where}invalid YAML: {problem}") from None
    return incident_from_data(data, source)


def load_incident(path: Path) -> Incident:
    """Incident facts from a YAML or JSON file, with errors that name the file and the field."""
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read the incident file ({err.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise IncidentError(f"{path}: not UTF-8 text (bad byte at offset {err.start})") from None
    return parse_incident(text, str(path))
