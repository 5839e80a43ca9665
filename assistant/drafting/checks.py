"""The soft checks a generated part must pass: the rubric (error-level flags) and grounding.

They are the "rubric in the loop": raised as validation errors they are fed back to the model by
instructor; if the model still cannot manage, the part is kept and the problems are reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.drafting.models import Incident
    from assistant.models import Flag


def error_flags(text: str, rubric_set: Any = None) -> list[Flag]:
    """Error-level flags the shared scorer finds in ``text``."""
    from assistant.scoring import score

    return [flag for flag in score(text, rubric_set).flags if flag.severity == "error"]


def soft_problems(texts: list[str], incident: Incident | None, rubric_set: Any = None) -> list[str]:
    """Plain-language problems a model can fix: each names the phrase and what to do instead."""
    from assistant.drafting.grounding import check_grounding

    problems: list[str] = []
    for text in texts:
        for flag in error_flags(text, rubric_set):
            problems.append(
                f"remove {flag.category.replace('_', ' ')} wording '{flag.match}': {flag.message}"
                f" Instead: {flag.suggestion}"
            )
        if incident is not None:
            problems += [
                f"{issue.message}; use only the incident facts"
                for issue in check_grounding(text, incident)
            ]
    return list(dict.fromkeys(problems))  # one line per distinct problem
