"""Drafting speed: time to a full draft, sequential vs concurrent parts, calls and tokens per draft.

Baseline (named, measured in the same run): the offline composer. Compared against it:
  * a simulated remote provider (the loopback OpenAI-compatible server from the tests, 0.3 s a
    reply), sequential and concurrent parts - this is where concurrency pays;
  * the real local model (SmolLM2-135M, llama.cpp in process), sequential and concurrent - one
    llama.cpp context serialises calls, so concurrency cannot help there.

With ``--net`` it counts instead, per path (the offline composer on every bundled incident in
every channel and tone and on the hostile variants; a scripted loopback model that behaves, one
that writes nonsense, one that obeys injected instructions; the real local model), how many
drafts pass the validation net and how many are refused, and why.

Run: python benchmarks/drafting.py [--skip-local] [--incident PATH] [--net [--local-incidents N]]
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.drafting import engine
from assistant.drafting.models import Incident, RecoveryDraft, load_incident
from assistant.providers import local
from assistant.resources import bundled_dir


def timed(label: str, runs: int, fn: object) -> tuple[str, float, RecoveryDraft]:
    times: list[float] = []
    result: RecoveryDraft | None = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    assert result is not None
    return label, statistics.median(times), result


def tally(label: str, drafts: Iterable[Callable[[], RecoveryDraft]]) -> None:
    """One row: drafts made, passed, refused, and the checks that refused them."""
    passed, refused, failed = 0, 0, 0
    reasons: collections.Counter[str] = collections.Counter()
    started = time.perf_counter()
    for make in drafts:
        try:
            result = make()
        except Exception as err:  # a draft that could not be made at all is counted, not hidden
            failed += 1
            reasons[f"error: {type(err).__name__}"] += 1
            continue
        if result.status == "ready":
            passed += 1
        else:
            refused += 1
            reasons.update({f.check for f in result.net})
    seconds = time.perf_counter() - started
    top = ", ".join(f"{name} {count}" for name, count in reasons.most_common(6)) or "-"
    total = passed + refused + failed
    print(f"{label:44} {total:6d} {passed:6d} {refused:7d} {failed:6d} {seconds:8.1f}s  {top}")


def _offline(incident: Incident) -> Callable[[], RecoveryDraft]:
    return lambda: engine.draft(incident)


def _by_model(incident: Incident, model: str) -> Callable[[], RecoveryDraft]:
    return lambda: engine.draft(incident, model)


def _scripted(server: Any, script: Callable[[Incident], Any], incident: Incident) -> Any:
    def make() -> RecoveryDraft:
        server.answer_for = script(incident)
        server.plan(("route", None))
        return engine.draft(incident, "openai/scripted")

    return make


def _grounding_rows() -> None:
    """Grounding precision/recall on the incidents written outside the rule writers' view
    (``benchmarks/grounding.py`` has the detail, by kind and with every miss)."""
    from benchmarks import grounding

    incidents, claims = grounding.load_set(grounding.DEFAULT_SET)
    print(f"\ngrounding on {len(claims)} independently labelled sentences of"
          f" {len(incidents)} incidents (positive class: not grounded)")
    for label, predict in grounding.DETECTORS:
        fig = grounding.evaluate(incidents, claims, predict)[0].figures()
        print(f"  {label:26} P {fig['precision']:.2f}  R {fig['recall']:.2f}  F1 {fig['f1']:.2f}")


def net_main(args: argparse.Namespace) -> int:
    """Pass/refuse counts per path (see the module docstring)."""
    from tests.drafting.fault_server import FaultServer, hostile_cases, nonsense, obeying, routed

    incidents = [load_incident(p) for p in sorted(bundled_dir("examples").glob("incidents/*.yaml"))]
    print(f"{'path':44} {'drafts':>6} {'passed':>6} {'refused':>7} {'failed':>6} {'time':>9}  why")
    variants = [
        i.model_copy(update={"channel": c, "tone": t})
        for i in incidents
        for c in ("email", "letter", "call_script")
        for t in ("direct", "warm", "formal")
    ]
    tally("offline, every incident x channel x tone", [_offline(v) for v in variants])
    independent = [
        load_incident(p)
        for p in sorted((Path(__file__).parent / "grounding-blind" / "incidents").glob("*.yaml"))
    ]
    if independent:
        tally(f"offline, {len(independent)} incidents written outside the project",
              [_offline(i) for i in independent])
    hostile = [h for i in incidents for h in hostile_cases(i).values()]
    tally("offline, hostile facts (4 cases x incidents)", [_offline(h) for h in hostile])

    server = FaultServer().start()
    os.environ.update(
        {"AMENDS_API_BASE": server.url, "OPENAI_API_KEY": "sk-bench", "AMENDS_TIMEOUT": "10"}
    )
    try:
        for label, script, cases in (
            ("loopback model, well behaved", routed, incidents),
            ("loopback model, nonsense (as SmolLM2 wrote)", nonsense, incidents),
            ("loopback model, obeys injected instructions", obeying,
             [hostile_cases(i)["what_happened"] for i in incidents]),
        ):
            tally(label, [_scripted(server, script, i) for i in cases])
    finally:
        server.stop()
        os.environ.pop("AMENDS_API_BASE")

    _grounding_rows()
    if args.skip_local or local.available():
        print(f"local model rows skipped: {local.available() or '--skip-local'}", file=sys.stderr)
    else:
        chosen = incidents[: args.local_incidents]
        tally(
            f"local/smollm2, {len(chosen)} bundled incidents",
            [_by_model(i, "local/smollm2") for i in chosen],
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-local", action="store_true", help="skip the local model rows")
    parser.add_argument(
        "--incident",
        type=Path,
        default=bundled_dir("examples") / "incidents" / "outage-payments-api.yaml",
    )
    parser.add_argument("--net", action="store_true", help="pass/refuse counts per path")
    parser.add_argument("--local-incidents", type=int, default=5, help="with --net: how many")
    args = parser.parse_args()
    if args.net:
        return net_main(args)
    incident: Incident = load_incident(args.incident)
    rows = [timed("offline composer (baseline)", 50, lambda: engine.draft(incident, "offline"))]

    from tests.drafting.fault_server import FaultServer, routed

    server = FaultServer().start()
    server.delay, server.answer_for = 0.3, routed(incident)
    server.plan(("route", None))
    os.environ.update(
        {"AMENDS_API_BASE": server.url, "OPENAI_API_KEY": "sk-bench", "AMENDS_TIMEOUT": "10"}
    )
    try:
        for concurrent in (False, True):
            label = (
                f"simulated remote 0.3 s/call, {'concurrent' if concurrent else 'sequential'} parts"
            )
            rows.append(
                timed(
                    label,
                    3,
                    lambda c=concurrent: engine.draft(incident, "openai/simulated", concurrent=c),
                )
            )
    finally:
        server.stop()
        os.environ.pop("AMENDS_API_BASE")

    if args.skip_local or local.available():
        print(f"local model rows skipped: {local.available() or '--skip-local'}", file=sys.stderr)
    else:
        rows.append(
            timed(
                "local/smollm2, sequential parts",
                1,
                lambda: engine.draft(incident, "local/smollm2", concurrent=False),
            )
        )
        rows.append(
            timed(
                "local/smollm2, concurrent parts",
                1,
                lambda: engine.draft(incident, "local/smollm2", concurrent=True),
            )
        )

    base = rows[0][1]
    print(f"incident: {args.incident.name}; baseline: offline composer (median of 50)")
    print(
        f"{'configuration':48} {'time to draft':>14} {'x baseline':>12} {'calls':>6} {'tokens':>7}"
    )
    for label, seconds, result in rows:
        print(
            f"{label:48} {seconds * 1000:11.1f} ms {seconds / base:11.0f}x"
            f" {result.usage.calls:6d} {result.usage.total_tokens:7d}"
        )
    pairs = [(a, b) for a, b in zip(rows[1::2], rows[2::2], strict=False)]
    for seq, con in pairs:
        print(f"concurrent vs sequential ({seq[0].split(',')[0]}): {seq[1] / con[1]:.2f}x faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
