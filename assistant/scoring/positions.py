"""Where a flag sits: line and column of a character index (1-based, like compilers), and
whole-sentence flags for the detectors that judge sentences rather than match spans."""

from __future__ import annotations

import re
from bisect import bisect_right

from assistant.models import DetectorName, Flag, Severity
from assistant.rubric import CategoryInfo

_NEWLINE = re.compile("\n")


class LineIndex:
    """Start offsets of every line of one text, computed once."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    def position(self, index: int) -> tuple[int, int]:
        """(line, column) of ``index``."""
        line = bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1


def sentence_flag(
    text: str,
    span: tuple[int, int],
    sentence: int,
    lines: LineIndex,
    category: CategoryInfo,
    source: DetectorName,
    severity: Severity,
    confidence: float,
    similar: tuple[str, ...] = (),
    reason: str | None = None,
) -> Flag:
    """A flag on a whole sentence, worded by its category's rubric text (model and judge flags:
    they have no rule of their own)."""
    start, end = span
    line, column = lines.position(start)
    return Flag.model_construct(
        rule=f"{source}.{category.name}",
        category=category.name,
        severity=severity,
        message=category.message,
        suggestion=category.suggestion,
        start=start,
        end=end,
        line=line,
        column=column,
        match=text[start:end],
        sentence=sentence,
        source=source,
        sources=(source,),
        confidence=confidence,
        similar=similar,
        reason=reason,
    )
