"""``amends draft INCIDENT --audience ...``: every variant printed, then why any is refused.

Exit 1 when any variant fails the net (its own rules and the posture included) or the
cross-check, with every reason on stderr naming the variant; every variant is still printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from assistant.drafting.audiences import (
    AudienceSet,
    audiences_json,
    draft_audiences,
    parse_audiences,
)
from assistant.drafting.models import Incident
from assistant.models import SEVERITY_RANK, Report


def components_line(report: Report | None) -> str:
    """The apology components as one checklist line: '[x] Express regret  [ ] Offer repair'."""
    if report is None:
        return ""
    return "  ".join(f"[{'x' if c.present else ' '}] {c.label}" for c in report.components)


def markdown(result: AudienceSet) -> str:
    """Every variant as Markdown: the posture first, then each variant with its checks."""
    p = result.posture
    lines = [
        f"<!-- status: {result.status} -->",
        f"**Crisis type:** {p.crisis_type} ({p.source}): {p.reason}",
        f"**Posture:** {p.posture}: {p.stance}",
        "",
    ]
    for variant in result.variants:
        draft = variant.draft
        score = draft.report.scores.overall if draft.report else 0
        lines += [
            f"## {variant.label}",
            f"<!-- audience: {variant.audience}; status: {draft.status}; score: {score} -->",
            f"**Subject:** {draft.subject}",
            "",
            draft.body.rstrip(),
            "",
            f"- apology components: {components_line(draft.report)}",
        ]
        lines += [f"- rejected: {reason}" for reason in draft.reasons()]
        lines.append("")
    if result.crosscheck:
        lines.append("## Cross-check")
        lines += [f"- rejected: {f.check}: {f.message}" for f in result.crosscheck]
        lines.append("")
    return "\n".join(lines)


def run_audiences(
    args: argparse.Namespace, incident: Incident, progress: Callable[[str], None]
) -> int:
    """Draft the variants, print them, and choose the exit status (0 ready, 1 refused)."""
    audiences = parse_audiences(args.audience)
    started = time.perf_counter()
    result = draft_audiences(incident, audiences, model=args.model, on_progress=progress)
    if time.perf_counter() - started > 1:
        progress(f"done in {time.perf_counter() - started:.1f} s")
    out = audiences_json(result) + "\n" if args.format == "json" else markdown(result)
    sys.stdout.write(out)
    sys.stdout.flush()
    threshold = SEVERITY_RANK[args.fail_on]
    reasons = result.reasons()
    for variant in result.variants:
        flags = variant.draft.report.flags if variant.draft.report else []
        reasons += [
            f"{variant.audience}: {f.severity}: '{f.match}' ({f.rule}): {f.message}"
            for f in flags
            if SEVERITY_RANK[f.severity] >= threshold and f.severity != "error"
        ]
    if not reasons:
        return 0
    print(f"amends: {len(reasons)} reasons the variants are not ready:", file=sys.stderr)
    for reason in reasons:
        print(f"  - {reason}", file=sys.stderr)
    return 1
