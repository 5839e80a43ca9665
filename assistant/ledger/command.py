"""`amends ledger`: list, chase, close and export the commitments of approved drafts.

``amends ledger due`` exits 1 when anything is overdue, so a scheduled job can alert on it; bad
ids, dates and statuses exit 2 with one message naming the argument.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from assistant.identity import current_actor
from assistant.ledger.entries import (
    check_closing,
    due_view,
    parse_date,
    parse_statuses,
    parse_within,
)
from assistant.ledger.export import FORMATS, export
from assistant.ledger_models import ENTRY_STATUSES, LedgerEntry
from assistant.storage import Store

EXIT_CLEAN, EXIT_FLAGGED = 0, 1


def _entry_id(value: str) -> int:
    if not value.strip().lstrip("#").isdigit():
        raise argparse.ArgumentTypeError(
            f"'{value}' is not an entry id (a number, as `amends ledger list` shows)"
        )
    return int(value.strip().lstrip("#"))


def _case_id(value: str) -> int:
    if not value.strip().lstrip("#").isdigit():
        raise argparse.ArgumentTypeError(f"'{value}' is not a case id (a number)")
    return int(value.strip().lstrip("#"))


def register(commands: Any) -> None:
    """Add `amends ledger` and its sub-commands to the `amends` parser."""
    ledger = commands.add_parser(
        "ledger",
        help="the promise ledger: commitments of approved drafts",
        description="Every Rebuild commitment of an approved draft, with its owner, due date, "
        "checkpoint, status and proof.",
    )
    sub = ledger.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--case", type=_case_id, default=None, metavar="ID",
                            help="only this case's entries")
        parser.add_argument("--today", default=None, metavar="DATE",
                            help="the date to judge overdue by (YYYY-MM-DD; default: today)")

    listing = sub.add_parser("list", help="entries, oldest due first")
    common(listing)
    listing.add_argument("--status", action="append", default=[], metavar="STATUS",
                         help=f"only these statuses ({', '.join(ENTRY_STATUSES)}; repeatable "
                         "or comma-separated)")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(func=run_list)

    due = sub.add_parser("due", help="open entries overdue or due soon (exit 1 when overdue)")
    common(due)
    due.add_argument("--within", default="7d", metavar="DAYS",
                     help="how far ahead counts as due soon: 7d, 2w (default 7d)")
    due.add_argument("--format", choices=("text", "json"), default="text")
    due.set_defaults(func=run_due)

    done = sub.add_parser("done", help="close an entry as done, with its proof")
    done.add_argument("entry", type=_entry_id, metavar="ENTRY")
    done.add_argument("--proof", required=True, metavar="TEXT",
                      help="what was done and what they can see")
    done.add_argument("--link", default="", metavar="URL", help="a link to the proof")
    done.set_defaults(func=run_done)

    exporting = sub.add_parser("export", help="write entries as iCalendar, CSV or JSON")
    exporting.add_argument("--case", type=_case_id, default=None, metavar="ID")
    exporting.add_argument("--status", action="append", default=[], metavar="STATUS")
    exporting.add_argument("--format", choices=FORMATS, required=True)
    exporting.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                           help="write here instead of standard output")
    exporting.set_defaults(func=run_export)


def _store() -> Store:
    from assistant.auth.commands import command_store
    from assistant.settings import get_settings

    # scoped to the signed-in account (AMENDS_USER) in a team deployment
    return command_store(Store(get_settings().resolved_database_url()))


def _today(args: argparse.Namespace) -> dt.date:
    return parse_date(args.today, "--today") if args.today else dt.date.today()


def _titles(store: Store) -> dict[int, str]:
    return {case.id: case.title for case in store.list_cases()}


def _line(entry: LedgerEntry, today: dt.date, titles: dict[int, str]) -> str:
    late = "  OVERDUE" if entry.overdue(today) else ""
    case = titles.get(entry.case_id, "")
    return (f"#{entry.id}\t{entry.due.isoformat()}\t{entry.status}{late}\t{entry.owner}\t"
            f"{entry.action}\t(case #{entry.case_id} {case})").rstrip()


def _json(entries: list[LedgerEntry], today: dt.date) -> str:
    rows = [{**e.model_dump(mode="json"), "overdue": e.overdue(today)} for e in entries]
    return json.dumps({"today": today.isoformat(), "entries": rows}, indent=2,
                      ensure_ascii=False)


def run_list(args: argparse.Namespace) -> int:
    today = _today(args)
    statuses = parse_statuses(args.status) or None
    store = _store()
    entries = store.ledger_entries(args.case, statuses)
    if args.format == "json":
        print(_json(entries, today))
    elif not entries:
        print("no ledger entries" + (f" for case {args.case}" if args.case else ""))
    else:
        titles = _titles(store)
        for entry in entries:
            print(_line(entry, today, titles))
    store.dispose()
    return EXIT_CLEAN


def run_due(args: argparse.Namespace) -> int:
    today = _today(args)
    within = parse_within(args.within)
    store = _store()
    view = due_view(store.ledger_entries(args.case, ["open"]), today, within)
    if args.format == "json":
        print(_json(view.overdue + view.due_soon, today))
    else:
        titles = _titles(store)
        for heading, rows in (("Overdue", view.overdue), (f"Due within {within} days",
                                                          view.due_soon)):
            print(f"{heading} ({len(rows)})")
            for entry in rows:
                print("  " + _line(entry, today, titles))
    store.dispose()
    if view.overdue:
        print(f"amends: {len(view.overdue)} commitment(s) overdue", file=sys.stderr)
        return EXIT_FLAGGED
    return EXIT_CLEAN


def run_done(args: argparse.Namespace) -> int:
    check_closing("done", args.proof, args.link, "")
    store = _store()
    entry = store.ledger_entry(args.entry)
    if entry.status != "open":
        from assistant.errors import InputError

        raise InputError(f"ENTRY: entry {entry.id} is already {entry.status}")
    closed = store.update_ledger_entry(entry.id, actor=current_actor(), status="done",
                                       proof=args.proof, proof_link=args.link)
    store.dispose()
    print(f"#{closed.id} done: {closed.action} (proof recorded by {current_actor()})")
    return EXIT_CLEAN


def run_export(args: argparse.Namespace) -> int:
    store = _store()
    entries = store.ledger_entries(args.case, parse_statuses(args.status) or None)
    text = export(args.format, entries, _titles(store))
    store.dispose()
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            from assistant.errors import InputError

            raise InputError(f"--output: cannot write {args.output}: {exc.strerror}") from None
        print(f"wrote {len(entries)} entries to {args.output}", file=sys.stderr)
    return EXIT_CLEAN
