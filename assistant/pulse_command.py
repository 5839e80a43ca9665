"""``amends pulse``: the partner trust pulse from the command line.

``template`` (the CSV to fill in), ``survey`` (the plain-text survey to paste into an email),
``import CASE FILE`` (answers into a case; all or nothing, exit 2 naming each bad row and column),
``show CASE`` (each pulse per dimension beside the ledger and the letters, and which dimension
lags), ``arc NAME`` (load a bundled example arc into a new case).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.errors import InputError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``pulse`` sub-command and its actions."""
    parser = subparsers.add_parser(
        "pulse", help="the partner trust pulse: survey, CSV template, import, show, example arc"
    )
    actions = parser.add_subparsers(dest="pulse_action", metavar="ACTION", required=True)

    template = actions.add_parser("template", help="print the CSV template for answers")
    template.set_defaults(func=run_template)

    survey = actions.add_parser("survey", help="print the survey, ready to paste into an email")
    survey.add_argument("--to", default="", help="the partner's name, for the greeting")
    survey.add_argument("--moment", choices=("first_letter", "checkpoint", "end"), default="")
    survey.add_argument("--format", choices=("text", "json"), default="text")
    survey.set_defaults(func=run_survey)

    imp = actions.add_parser("import", help="import answers from a CSV into a case")
    imp.add_argument("case", type=int, metavar="CASE")
    imp.add_argument("csv", type=Path, metavar="FILE", help="CSV file ('-' reads stdin)")
    imp.set_defaults(func=run_import)

    show = actions.add_parser("show", help="each pulse per dimension, with the ledger and letters")
    show.add_argument("case", type=int, metavar="CASE")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(func=run_show)

    arc = actions.add_parser("arc", help="load an example arc (first letter, updates, pulses)")
    arc.add_argument("name", nargs="?", default="cartons-late", help="bundled name or folder")
    arc.set_defaults(func=run_arc)


def open_store() -> Any:
    """The configured database (``AMENDS_DATABASE_URL`` or ``~/.amends/amends.db``)."""
    from assistant.settings import get_settings
    from assistant.storage import Store

    return Store(get_settings().resolved_database_url())


def run_template(args: argparse.Namespace) -> int:
    from assistant.pulse import csv_template
    from assistant.survey import load_survey

    sys.stdout.write(csv_template(load_survey()))
    return 0


def run_survey(args: argparse.Namespace) -> int:
    from assistant.survey import load_survey, plain_text

    survey = load_survey()
    if args.format == "json":
        sys.stdout.write(json.dumps(survey.model_dump(mode="json"), indent=2) + "\n")
    else:
        sys.stdout.write(plain_text(survey, to=args.to, moment=args.moment))
    return 0


def run_import(args: argparse.Namespace) -> int:
    from assistant.pulse import parse_csv, save_pulses
    from assistant.survey import load_survey

    survey = load_survey()
    if str(args.csv) == "-":
        data, source = sys.stdin.buffer.read(), "<stdin>"
    else:
        try:
            data, source = args.csv.read_bytes(), str(args.csv)
        except OSError as err:
            raise InputError(f"{args.csv}: cannot read the CSV ({err.strerror})") from None
    answers = parse_csv(survey, data, source)
    store = open_store()
    try:
        store.get_case(args.case)
        saved = save_pulses(store, args.case, survey, answers)
    finally:
        store.dispose()
    print(f"imported {len(saved)} pulse{'s' if len(saved) != 1 else ''} into case {args.case}")
    return 0


def case_timeline(store: Any, case_id: int) -> tuple[Any, list[Any]]:
    """The survey and each pulse of a case beside its ledger and letters (shared with the page)."""
    from assistant.pulse import pulses, timeline
    from assistant.survey import load_survey

    survey = load_survey()
    store.get_case(case_id)
    return survey, timeline(survey, pulses(store, case_id), ledger_entries(store, case_id),
                            store.versions(case_id))


def ledger_entries(store: Any, case_id: int) -> list[Any]:
    """The case's ledger entries (``Store.ledger_entries``, from the ledger work)."""
    return list(store.ledger_entries(case_id=case_id))


def run_show(args: argparse.Namespace) -> int:
    from assistant.pulse import lagging
    from assistant.survey import DIMENSION_LABELS

    store = open_store()
    try:
        survey, points = case_timeline(store, args.case)
    finally:
        store.dispose()
    summary = lagging(points, survey)
    if args.format == "json":
        payload = {"case": args.case, "summary": summary,
                   "pulses": [p.model_dump(mode="json") for p in points]}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0
    dims = survey.dimensions()
    short = {d: DIMENSION_LABELS[d].split(" ")[0][:12] for d in dims}
    head = ["date", "moment", *(short[d] for d in dims), "trust", "done", "missed", "letter"]
    rows = [head]
    for p in points:
        rows.append([
            p.taken_on.isoformat(), p.moment,
            *(f"{p.scores[d]:.1f}" if d in p.scores else "-" for d in dims),
            f"{p.trust_index:.2f}" if p.trust_index is not None else "-",
            str(p.done), str(p.missed),
            f"{p.letter_score:.0f}" if p.letter_score is not None else "-",
        ])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print()
    print(summary)
    return 0


def run_arc(args: argparse.Namespace) -> int:
    from assistant.arc import arc_folder, load_into_store

    folder = arc_folder(args.name)
    store = open_store()
    try:
        case_id = load_into_store(store, folder, progress=lambda m: print(m, file=sys.stderr))
    finally:
        store.dispose()
    print(f"loaded the arc '{folder.name}' into case {case_id}:"
          f" `amends pulse show {case_id}`, or open the app's Pulse page")
    return 0
