"""``amends draft INCIDENT.yaml``: the drafting engine for files and pipelines.

With ``--stream`` (the default when stdout is a terminal) a model-written email is shown as it
arrives: on stdout for Markdown, then the subject and the checks; on stderr for JSON, whose
stdout stays one JSON document.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import TextIO

from assistant.errors import InputError
from assistant.models import SEVERITY_RANK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``draft`` sub-command."""
    parser = subparsers.add_parser(
        "draft", help="draft a recovery message from incident facts (YAML or JSON)"
    )
    parser.add_argument(
        "incident", type=Path, nargs="?", help="incident facts file (YAML or JSON)"
    )
    parser.add_argument(
        "--update",
        type=int,
        metavar="CASE",
        default=None,
        help="draft the follow-up update of a saved case from its promise ledger",
    )
    parser.add_argument(
        "--as-of",
        type=_day,
        default=None,
        metavar="YYYY-MM-DD",
        help="with --update: the day the update is written, which decides what is overdue"
        " (default today)",
    )
    parser.add_argument(
        "--model",
        default=None,
        help="'offline' (default), 'local/smollm2' or a litellm model string",
    )
    parser.add_argument(
        "--parts", default="expose,ask,rebuild,name_them", help="comma-separated EARN parts"
    )
    parser.add_argument(
        "--format", choices=("md", "json"), default="md", help="Markdown draft or full JSON"
    )
    parser.add_argument("--fail-on", choices=("error", "warning", "info"), default="error")
    parser.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the email as a model writes it (default: when stdout is a terminal;"
        " on stderr with --format json)",
    )
    parser.add_argument(
        "--audience",
        default=None,
        metavar="AUDIENCES",
        help="draft variants for client, executive, technical, public, call (comma-separated)"
        " or all, each checked, then cross-checked",
    )
    parser.set_defaults(func=run)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class LiveText:
    """Prints a streamed body as it grows: only the new text each time, flushed at once."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.shown = ""

    def __call__(self, body: str) -> None:
        if body.startswith(self.shown):
            self.out.write(body[len(self.shown) :])
        else:  # not expected within one stream; never print a garbled mix
            self.out.write("\n" + body)
        self.shown = body
        self.out.flush()


def markdown(result: object, *, body: bool = True) -> str:
    """The draft as Markdown: label, subject, body, then what the checks found.

    ``body=False`` leaves the body out, for when it has just been streamed to the same place.
    """
    from assistant.drafting.models import RecoveryDraft

    assert isinstance(result, RecoveryDraft)
    lines = [
        f"<!-- drafted by: {result.generator} -->",
        f"<!-- status: {result.status} -->",
        f"**Subject:** {result.subject}",
        "",
    ]
    if result.status == "rejected":
        lines[2:2] = [
            "> **REJECTED: not ready to send.** The validation net refused this draft; the"
            " reasons are listed below the draft.",
            "",
        ]
    if body:
        lines += [result.body.rstrip(), ""]
    flags = result.report.flags if result.report else []
    if flags or result.grounding or result.notes or result.net:
        lines.append("---")
    lines += [f"- rejected: {reason}" for reason in result.reasons()]
    lines += [f"- note: {note}" for note in result.notes]
    lines += [f"- {f.severity} [{f.rule}] line {f.line}: '{f.match}' - {f.message}" for f in flags]
    lines += [f"- grounding ({g.kind}): {g.message}" for g in result.grounding]
    lines += [
        f"- facts ({f.severity} {f.kind}) {f.field}: '{f.text[:80]}' - {f.message}"
        for f in result.fact_findings
        if not f.withheld  # withheld ones are already in the notes
    ]
    usage = result.usage
    if usage.calls:
        cost = f", cost ${usage.cost_usd:.4f}" if usage.cost_usd else ""
        lines.append(f"- usage: {usage.calls} model calls, {usage.total_tokens} tokens{cost}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Draft, print, and choose the exit status.

    0 only when the draft passes the validation net and carries no flag at or above
    ``--fail-on``; 1 otherwise, with each reason on stderr (the draft is still printed, marked
    rejected, so nothing is lost); 2 for bad input, from the caller.
    """
    from assistant.drafting import draft
    from assistant.drafting.engine import draft_json
    from assistant.drafting.models import load_incident

    if (args.incident is None) == (args.update is None):
        raise InputError("give an incident file, or --update CASE for a follow-up update")
    if args.as_of is not None and args.update is None:
        raise InputError("--as-of goes with --update CASE")
    if args.audience is not None:  # audience variants: assistant.drafting.audiences
        if args.update is not None:
            raise InputError("--audience goes with an incident file, not with --update")
        from assistant.drafting.audience_command import run_audiences

        return run_audiences(args, load_incident(args.incident), _progress)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    stream = sys.stdout.isatty() if args.stream is None else args.stream
    live = LiveText(sys.stderr if args.format == "json" else sys.stdout) if stream else None
    started = time.perf_counter()
    if args.update is not None:
        from assistant.drafting.update import draft_case_update

        live = None  # an update is written in one piece
        result = draft_case_update(
            args.update, model=args.model, as_of=args.as_of, on_progress=_progress
        )
    else:
        incident = load_incident(args.incident)
        result = draft(
            incident, model=args.model, parts=parts, on_progress=_progress, on_text=live
        )
    if live and live.shown:
        live.out.write("\n\n")
    if time.perf_counter() - started > 1:
        _progress(f"done in {time.perf_counter() - started:.1f} s")
    if args.format == "json":
        sys.stdout.write(draft_json(result) + "\n")
    elif live and live.shown:
        same = live.shown.strip() == result.body.strip()
        if not same:
            _progress("the streamed text above was replaced by the checked draft below")
        sys.stdout.write(markdown(result, body=not same))
    else:
        sys.stdout.write(markdown(result))
    sys.stdout.flush()
    for finding in result.fact_findings:
        if finding.withheld:
            print(
                f"amends: warning: the facts ({finding.field}) hold text kept out of the draft:"
                f" {finding.message}",
                file=sys.stderr,
            )
    threshold = SEVERITY_RANK[args.fail_on]
    flags = result.report.flags if result.report else []
    failing = [f for f in flags if SEVERITY_RANK[f.severity] >= threshold]
    reasons = result.reasons() + [
        f"{f.severity}: '{f.match}' ({f.rule}): {f.message}"
        for f in failing
        if f.severity != "error"  # error-level flags are already net reasons
    ]
    if not reasons:
        return 0
    print(f"amends: draft rejected ({len(reasons)} reasons):", file=sys.stderr)
    for reason in reasons:
        print(f"  - {reason}", file=sys.stderr)
    return 1
