"""The `amends` command: check drafts against rubrics (and draft them, via assistant.drafting).

Typed errors from the library become one plain line on stderr here, at the edge, with exit
status 2; exit 1 means flags at or above ``--fail-on``; exit 0 means nothing to report.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from assistant import __version__
from assistant.config import LoadedConfig, find_config
from assistant.errors import AmendsError, ConfigError, InputError, ModelFileError
from assistant.models import EARN_ELEMENTS, SEVERITY_RANK, DetectorName, Report
from assistant.redact import redact
from assistant.rubric import RubricSet, load_rubric_set
from assistant.scoring import DEFAULT_DETECTORS, parse_detectors, score
from assistant.settings import get_settings
from assistant.textinput import (
    MAX_INPUT_BYTES,
    InputTooLarge,
    decode_text,
    expand_paths,
    read_text_file,
)

EXIT_CLEAN, EXIT_FLAGGED, EXIT_ERROR = 0, 1, 2
STDIN_NAME = "<stdin>"


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The argument parser for every sub-command (``argv`` decides what must be imported)."""
    parser = argparse.ArgumentParser(
        prog="amends",
        description="Draft and check recovery communications with the EARN method.",
    )
    parser.add_argument("--version", action="version", version=f"amends {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="score drafts against the rubrics",
        description="Flag defensive language, vague promises and self-orientation; report EARN "
        "coverage. Exit 0: nothing at or above --fail-on; 1: flags at or above it; 2: bad input.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; '-' reads stdin")
    _add_rubric_options(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument(
        "--fail-on",
        choices=("error", "warning", "info", "never"),
        default=None,
        help="lowest severity that makes the exit status 1 (default: error)",
    )
    check.add_argument("--max-bytes", type=int, default=None, help="largest input accepted")
    check.add_argument("-v", "--verbose", action="store_true", help="show each flag's suggestion")
    check.add_argument(
        "--judge",
        default=None,
        metavar="MODEL",
        help="also ask this litellm model to label each sentence (adds the 'judge' detector)",
    )
    check.set_defaults(func=run_check)

    rules = commands.add_parser("rules", help="list the active rules and checks")
    _add_rubric_options(rules)
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.set_defaults(func=run_rules)

    explain = commands.add_parser("explain", help="show a rule's reason, suggestion and examples")
    explain.add_argument("rule_id", metavar="RULE")
    _add_rubric_options(explain)
    explain.set_defaults(func=run_explain)

    _register_drafting(commands, argv)
    from assistant import pulse_command

    pulse_command.register(commands)

    from assistant.auth import commands as account_commands

    account_commands.register(commands)
    if argv and argv[0] == "ledger":
        from assistant.ledger import command as ledger_command

        ledger_command.register(commands)
    else:
        commands.add_parser("ledger", help="the promise ledger: commitments of approved drafts")
    if argv and argv[0] == "train":
        from assistant.learned import command as train_command

        train_command.register(commands)
    else:
        commands.add_parser("train", help="rebuild the learned model heads (needs amends[train])")
    return parser


def _add_rubric_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rubric",
        action="append",
        default=[],
        metavar="NAME_OR_PATH",
        help="extra rubric file or folder, or the id of a bundled rubric to use alone (repeatable)",
    )
    parser.add_argument("--disable", action="append", default=[], metavar="RULE_OR_CATEGORY")
    parser.add_argument("--enable", action="append", default=[], metavar="RULE_OR_CATEGORY")
    parser.add_argument("--no-config", action="store_true", help="ignore .amends.toml/pyproject")
    parser.add_argument(
        "--detectors",
        default=None,
        metavar="LIST",
        help="comma-separated detectors: rules, model, judge (default: rules,model)",
    )


def _register_drafting(commands: Any, argv: Sequence[str]) -> None:
    """`amends draft` lives with the drafting engine, imported only when it may be needed, so
    `amends check` starts without it."""
    if argv and argv[0] not in ("draft", "-h", "--help"):
        commands.add_parser("draft", help="draft a recovery email from incident facts")
        return
    from assistant.drafting import command

    command.register(commands)


def rubric_set_from_args(args: argparse.Namespace) -> tuple[RubricSet, LoadedConfig]:
    """The rubric set named by flags and project config (flags add to the config)."""
    loaded = LoadedConfig() if args.no_config else find_config()
    bundled_ids = {p.stem for p in load_rubric_set().files}
    extra: list[Path] = [*get_settings().extra_rubric_paths(), *loaded.rubric_paths()]
    only_bundled: list[str] = []
    for value in args.rubric:
        if value in bundled_ids and not Path(value).exists():
            only_bundled.append(value)
        else:
            extra.append(Path(value))
    disable = [*loaded.config.disable, *args.disable]
    if only_bundled:
        keep = set(only_bundled) | {"common"}
        disable += [rid for rid in load_rubric_set().rubric_ids if rid not in keep]
    rubrics = load_rubric_set(
        extra=extra, disable=disable, enable=[*loaded.config.enable, *args.enable]
    )
    return rubrics, loaded


def detectors_from_args(
    args: argparse.Namespace, loaded: LoadedConfig
) -> tuple[tuple[DetectorName, ...], str | None]:
    """The detectors and judge model chosen by flag, project config, environment or default."""
    settings = get_settings()
    judge_model = getattr(args, "judge", None) or loaded.config.judge or settings.judge or None
    chosen: list[str] | None = None
    if args.detectors:
        chosen = [args.detectors]
    elif loaded.config.detectors is not None:
        chosen = loaded.config.detectors
    elif settings.detectors:
        chosen = [settings.detectors]
    try:
        names = parse_detectors(chosen) if chosen is not None else DEFAULT_DETECTORS
    except ValueError as err:
        raise ConfigError(str(err)) from None
    if getattr(args, "judge", None) and "judge" not in names:
        names = parse_detectors([*names, "judge"])
    if "judge" in names and not judge_model:
        raise ConfigError("the judge detector needs a model: --judge MODEL (or AMENDS_JUDGE)")
    return names, judge_model


def usable_detectors(names: tuple[DetectorName, ...]) -> tuple[DetectorName, ...]:
    """Drop the learned model, with one warning on stderr, when its files cannot be loaded."""
    if "model" not in names:
        return names
    try:
        from assistant.learned.heads import get_model

        get_model()
    except ModelFileError as err:
        print(f"amends: warning: scoring with the rules only: {err}", file=sys.stderr)
        return tuple(name for name in names if name != "model")
    return names


def run_check(args: argparse.Namespace) -> int:
    """Score every input; print flags and summaries; choose the exit status."""
    rubrics, loaded = rubric_set_from_args(args)
    names, judge_model = detectors_from_args(args, loaded)
    names = usable_detectors(names)
    judge = None
    if "judge" in names and judge_model:
        from assistant.scoring.judge import LLMJudge

        judge = LLMJudge(judge_model)
    fail_on = args.fail_on or loaded.config.fail_on or "error"
    max_bytes = args.max_bytes or loaded.config.max_bytes or MAX_INPUT_BYTES
    texts: list[tuple[str, str]] = []
    input_errors = 0
    for name, text_or_error in _read_inputs(args.paths, max_bytes):
        if isinstance(text_or_error, InputError):
            input_errors += 1
            hint = " (raise the limit with --max-bytes if you mean it)"
            extra = hint if isinstance(text_or_error, InputTooLarge) else ""
            print(f"amends: error: {text_or_error}{extra}", file=sys.stderr)
            continue
        texts.append((name, text_or_error))
    results = [(name, text, score(text, rubrics, names, judge)) for name, text in texts]
    for note in dict.fromkeys(note for _, _, report in results for note in report.notes):
        print(f"amends: note: {note}", file=sys.stderr)
    if args.format == "json":
        _write_json(results, sys.stdout)
    else:
        _write_text(results, sys.stdout, args.verbose)
    if input_errors:
        return EXIT_ERROR
    threshold = SEVERITY_RANK.get(fail_on, 99)
    failing = any(SEVERITY_RANK[f.severity] >= threshold for _, _, r in results for f in r.flags)
    return EXIT_FLAGGED if failing else EXIT_CLEAN


def _read_inputs(paths: Sequence[str], max_bytes: int) -> list[tuple[str, str | InputError]]:
    """(name, text or the error that stopped it) for each input, in order."""
    if not paths:
        if sys.stdin is None or sys.stdin.isatty():
            raise InputError("nothing to check: give one or more files, a folder, or '-' for stdin")
        paths = ["-"]
    inputs: list[tuple[str, str | InputError]] = []
    for raw in paths:
        if raw == "-":
            try:
                inputs.append(
                    (STDIN_NAME, decode_text(sys.stdin.buffer.read(), STDIN_NAME, max_bytes))
                )
            except InputError as err:
                inputs.append((STDIN_NAME, err))
            continue
        expanded = expand_paths([Path(raw)])
        if not expanded:
            inputs.append((raw, InputError(f"{raw}: folder holds no .txt, .md or .eml files")))
        for path in expanded:
            try:
                inputs.append((str(path), read_text_file(path, max_bytes)))
            except InputError as err:
                inputs.append((str(path), err))
    return inputs


def _write_text(results: list[tuple[str, str, Report]], out: TextIO, verbose: bool) -> None:
    totals = {"error": 0, "warning": 0, "info": 0}
    for name, _, report in results:
        for flag in report.flags:
            totals[flag.severity] += 1
            out.write(
                f"{name}:{flag.line}:{flag.column} {flag.severity} {flag.category} "
                f"{flag.rule} {flag.message}\n"
            )
            if verbose:
                out.write(f"    matched: {flag.match!r}\n    try: {flag.suggestion}\n")
                out.write(
                    f"    found by: {', '.join(flag.sources)} (confidence {flag.confidence:.2f})\n"
                )
                for example in flag.similar:
                    out.write(f"    reads like: {example!r}\n")
                if flag.reason:
                    out.write(f"    judge: {flag.reason}\n")
        s = report.scores
        earn = " ".join(f"{e}={'yes' if report.earn[e].present else 'no'}" for e in EARN_ELEMENTS)
        out.write(
            f"{name}: scores defensive={s.defensive} vague_promise={s.vague_promise} "
            f"self_orientation={s.self_orientation} overall={s.overall}; EARN {earn}\n"
        )
    flagged = sum(1 for _, _, r in results if r.flags)
    out.write(
        f"{sum(totals.values())} flags ({totals['error']} errors, {totals['warning']} warnings, "
        f"{totals['info']} infos) in {flagged} of {len(results)} files\n"
    )


def report_as_json(path: str, report: Report) -> dict[str, Any]:
    """The JSON shape of one checked file (the documented `amends check --format json` schema)."""
    return {
        "path": path,
        "flags": [flag.model_dump() for flag in report.flags],
        "scores": report.scores.model_dump(),
        "earn": {e: report.earn[e].present for e in EARN_ELEMENTS},
        "earn_evidence": {e: report.earn[e].model_dump() for e in EARN_ELEMENTS},
        "trust": report.trust.model_dump(),
        "sentences": len(report.sentences),
        "detectors": [info.model_dump() for info in report.detectors],
        "notes": report.notes,
        "components": [c.model_dump() for c in report.components],  # apology checklist
    }


def _write_json(results: list[tuple[str, str, Report]], out: TextIO) -> None:
    payload = {"files": [report_as_json(name, report) for name, _, report in results]}
    json.dump(payload, out, ensure_ascii=False, indent=2)
    out.write("\n")


def run_rules(args: argparse.Namespace) -> int:
    """List the active rules and document checks."""
    rubrics, loaded = rubric_set_from_args(args)
    rows = [
        {
            "id": c.rule.id,
            "category": c.category,
            "severity": c.rule.severity,
            "kind": c.rule.kind,
            "title": c.rule.title,
            "file": str(c.source),
        }
        for c in rubrics.rules
    ]
    checks = [
        {
            "id": c.check.id,
            "element": c.check.element,
            "title": c.check.title,
            "file": str(c.source),
        }
        for c in rubrics.checks
    ]
    detectors = _detector_rows(args, rubrics, loaded)
    if args.format == "json":
        json.dump({"rules": rows, "checks": checks, "detectors": detectors}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_CLEAN
    for detector in detectors:
        state = "on" if detector["active"] else "off"
        print(f"detector {detector['name']:<39} {state:<8} {detector['description']}")
    for row in rows:
        print(f"{row['id']:<48} {row['severity']:<8} {row['category']:<17} {row['title']}")
    for check in checks:
        print(f"{check['id']:<48} {'check':<8} {check['element']:<17} {check['title']}")
    return EXIT_CLEAN


def _detector_rows(
    args: argparse.Namespace, rubrics: RubricSet, loaded: LoadedConfig
) -> list[dict[str, Any]]:
    """One row per detector: whether this run would use it, and what it is."""
    names, judge_model = detectors_from_args(args, loaded)
    model_text = "learned sentence model (shipped heads)"
    try:
        from assistant.learned.heads import get_model

        heads = get_model().heads
        model_text += f", version {heads.version}, sha256 {heads.sha256[:12]}"
    except ModelFileError as err:
        model_text += f": unavailable ({err})"
    categories = ", ".join(c.name for c in rubrics.categories)
    return [
        {
            "name": "rules",
            "active": "rule" in names,
            "description": f"{len(rubrics.rules)} rubric rules and {len(rubrics.checks)} checks",
        },
        {
            "name": "model",
            "active": "model" in names,
            "description": f"{model_text}; categories: {categories}",
        },
        {
            "name": "judge",
            "active": "judge" in names,
            "description": f"LLM judge: {judge_model}" if judge_model else "LLM judge: off",
        },
    ]


def run_explain(args: argparse.Namespace) -> int:
    """Print a rule or check as teaching material."""
    rubrics, _ = rubric_set_from_args(args)
    for compiled in rubrics.rules:
        rule = compiled.rule
        if rule.id == args.rule_id:
            print(f"{rule.id} ({compiled.category}, {rule.severity}): {rule.title}\n")
            print(f"Why: {rule.message.strip()}\nTry: {rule.suggestion.strip()}\n")
            print("Flags:\n" + "".join(f"  - {t}\n" for t in rule.examples.flag))
            print("Does not flag:\n" + "".join(f"  - {t}\n" for t in rule.examples.pass_))
            return EXIT_CLEAN
    for compiled_check in rubrics.checks:
        check = compiled_check.check
        if check.id == args.rule_id:
            print(f"{check.id} (EARN {check.element}): {check.title}\n")
            print(f"Why: {check.message.strip()}\nTry: {check.suggestion.strip()}\n")
            print("Present in:\n" + "".join(f"  - {t}\n" for t in check.examples.present))
            print("Absent from:\n" + "".join(f"  - {t}\n" for t in check.examples.absent))
            return EXIT_CLEAN
    raise InputError(f"no rule or check called '{args.rule_id}' (see `amends rules`)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and turn typed errors into one line and exit status 2."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        code: int = args.func(args)
    except AmendsError as err:
        print(f"amends: error: {redact(err)}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_CLEAN
    except KeyboardInterrupt:
        return 130
    except Exception:  # a bug: the traceback helps, a key in it must not leak
        sys.stderr.write(redact(traceback.format_exc()))
        return 1
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
