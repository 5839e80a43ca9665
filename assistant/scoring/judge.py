"""The optional LLM judge: any litellm model labels a letter's sentences against the rubric.

One call per letter (sentences batched, numbered, quoted as data), the rubric's definitions and
its flag/pass examples as the instructions; the answer is validated by a schema built for this
letter (indices in range, known labels) so a bad answer is re-asked by instructor. Answers are
cached on disk by (model, rubric hash, prompt version, text hash). A judge that times out, fails
or answers nonsense never stops scoring: the other detectors' flags stand, with a note.
litellm is imported only here, and only when a judge is asked for.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from assistant.models import DetectorInfo, Flag, Severity
from assistant.rubric import CategoryInfo, RubricSet
from assistant.scoring.positions import LineIndex, sentence_flag
from assistant.settings import default_home

JUDGE_SEVERITY: Severity = "warning"
JUDGE_CONFIDENCE = 0.8
BATCH = 60
EXAMPLES_PER_SIDE = 6


@dataclass
class JudgeOutput:
    """The judge's flags for one text, and what the user should know about how it went."""

    flags: list[Flag]
    notes: list[str] = field(default_factory=list)
    info: DetectorInfo = field(default_factory=lambda: DetectorInfo(name="judge"))


class _Labelled(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int
    labels: list[str]
    reason: str = ""


def answer_model(count: int, labels: tuple[str, ...]) -> type[BaseModel]:
    """The answer schema for one batch: indices 0..count-1 and only the active labels."""
    label_type: Any = Literal[labels]
    item = create_model(
        "JudgedSentence",
        __config__=ConfigDict(extra="forbid"),
        index=(int, Field(ge=0, lt=max(count, 1))),
        labels=(list[label_type], Field(min_length=1, max_length=len(labels))),
        reason=(str, Field(default="", max_length=160)),
    )
    # Every list is bounded, so a grammar-constrained local model cannot write forever.
    return create_model(
        "JudgeAnswer",
        __config__=ConfigDict(extra="forbid"),
        labelled=(list[item], Field(max_length=max(count, 1))),
    )


def rubric_hash(categories: tuple[CategoryInfo, ...]) -> str:
    """Changes whenever a definition or example the judge is shown changes."""
    digest = hashlib.sha256()
    for category in categories:
        digest.update(
            json.dumps(
                [
                    category.name,
                    category.description,
                    category.flag_examples,
                    category.pass_examples,
                ]
            ).encode()
        )
    return digest.hexdigest()[:16]


def judge_messages(
    categories: tuple[CategoryInfo, ...], sentences: list[str]
) -> list[dict[str, str]]:
    """The judge prompt, with the sentences as escaped JSON data."""
    from assistant.drafting.prompts import as_data, render

    shown = [
        {
            "name": c.name,
            "title": c.title,
            "description": c.description,
            "flags": c.flag_examples[:EXAMPLES_PER_SIDE],
            "passes": c.pass_examples[:EXAMPLES_PER_SIDE],
        }
        for c in categories
    ]
    data = as_data([{"index": i, "text": s} for i, s in enumerate(sentences)])
    return [{"role": "user", "content": render("judge", categories=shown, sentences=data)}]


class LLMJudge:
    """Labels sentences with one litellm model string, through the drafting client's one seam."""

    def __init__(self, model: str, cache_dir: Path | None = None) -> None:
        self.model = model
        self.cache_dir = cache_dir or default_home() / "judge-cache"

    def judge(
        self, text: str, spans: list[tuple[int, int]], rubrics: RubricSet, lines: LineIndex
    ) -> JudgeOutput:
        from assistant.drafting.prompts import prompt_version

        categories = rubrics.categories
        info = DetectorInfo(name="judge", version=f"{self.model} prompt v{prompt_version('judge')}")
        if not categories or not spans:
            return JudgeOutput([], info=info)
        sentences = [text[s:e] for s, e in spans]
        key = hashlib.sha256(
            "\n".join(
                [self.model, rubric_hash(categories), str(prompt_version("judge")), text]
            ).encode()
        ).hexdigest()
        cached = self._read_cache(key)
        notes: list[str] = []
        if cached is None:
            try:
                cached = self._ask(categories, sentences)
            except Exception as error:  # the judge is optional: never let it stop scoring
                reason = str(error).strip() or type(error).__name__
                notes.append(
                    f"the judge ({self.model}) was skipped: {reason[:300]}; "
                    "flags come from the other detectors"
                )
                return JudgeOutput([], notes, info)
            self._write_cache(key, cached)
        return JudgeOutput(self._flags(cached, text, spans, rubrics, lines), notes, info)

    def _ask(
        self, categories: tuple[CategoryInfo, ...], sentences: list[str]
    ) -> list[dict[str, Any]]:
        from assistant.drafting.client import ModelClient
        from assistant.drafting.engine import run_sync

        client = ModelClient(self.model)
        names = tuple(c.name for c in categories)
        found: list[dict[str, Any]] = []
        for offset in range(0, len(sentences), BATCH):
            batch = sentences[offset : offset + BATCH]
            schema = answer_model(len(batch), names)
            generated = run_sync(
                client.generate(
                    schema,
                    judge_messages(categories, batch),
                    max_tokens=min(4000, 60 * len(batch) + 200),
                    soft_checks=False,
                )
            )
            for item in generated.value.model_dump().get("labelled", []):
                found.append({**item, "index": item["index"] + offset})
        return found

    def _flags(
        self,
        answers: list[dict[str, Any]],
        text: str,
        spans: list[tuple[int, int]],
        rubrics: RubricSet,
        lines: LineIndex,
    ) -> list[Flag]:
        flags: list[Flag] = []
        seen: set[tuple[int, str]] = set()
        for answer in answers:
            index = int(answer.get("index", -1))
            if not 0 <= index < len(spans):
                continue
            for label in answer.get("labels", []):
                category = rubrics.category(str(label))
                if category is None or (index, category.name) in seen:
                    continue
                seen.add((index, category.name))
                flags.append(
                    sentence_flag(
                        text,
                        spans[index],
                        index,
                        lines,
                        category,
                        "judge",
                        JUDGE_SEVERITY,
                        JUDGE_CONFIDENCE,
                        reason=str(answer.get("reason", ""))[:300] or None,
                    )
                )
        return flags

    def _read_cache(self, key: str) -> list[dict[str, Any]] | None:
        path = self.cache_dir / f"{key}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, list) else None

    def _write_cache(self, key: str, answers: list[dict[str, Any]]) -> None:
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            (self.cache_dir / f"{key}.json").write_text(json.dumps(answers), encoding="utf-8")
        except OSError:
            pass  # a read-only home only costs a repeat call next time
