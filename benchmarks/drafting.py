"""Drafting speed: time to a full draft, sequential vs concurrent parts, calls and tokens per draft.

Baseline (named, measured in the same run): the offline composer. Compared against it:
  * a simulated remote provider (the loopback OpenAI-compatible server from the tests, 0.3 s a
    reply), sequential and concurrent parts - this is where concurrency pays;
  * the real local model (SmolLM2-135M, llama.cpp in process), sequential and concurrent - one
    llama.cpp context serialises calls, so concurrency cannot help there.

Run: python benchmarks/drafting.py [--skip-local] [--incident PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-local", action="store_true", help="skip the local model rows")
    parser.add_argument(
        "--incident",
        type=Path,
        default=bundled_dir("examples") / "incidents" / "outage-payments-api.yaml",
    )
    args = parser.parse_args()
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
