"""The soft checks a generated text must pass: the rubric (error-level flags) and the net.

They are the "rubric in the loop": raised as validation errors they are fed back to the model by
instructor; if the model still cannot manage, the part is kept, the problems are reported, and
the validation net refuses the draft with them as reasons.
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
    """Plain-language problems a model can fix in loose sentences (the revise prompt's answer)."""
    from assistant.drafting.net import text_failures

    problems: list[str] = []
    for text in texts:
        problems += [
            f.message for f in text_failures(text, incident, prose=False, rubric_set=rubric_set)
        ]
    return list(dict.fromkeys(problems))  # one line per distinct problem
