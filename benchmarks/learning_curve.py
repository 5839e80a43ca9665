"""Learning curve: heads fitted on 25-100% of the training letters, scored on held-out letters.

Run: ``python -m benchmarks.learning_curve`` (scores independent set C) or ``--blind`` (scores the
blind part: part of the one final measurement). Each fraction keeps that share of every training
group's letters (seeded, so the run repeats), refits the heads with the shipped thresholds and
EARN combiner, and reports macro F1 of the model alone and of the default pipeline (rules +
model). A curve still rising at 100% says more data is the next step; a flat one says the
encoder or the features are.
"""

from __future__ import annotations

import argparse
import random

from assistant.learned.data import LabelledDoc
from benchmarks.accuracy import ROWS, evaluate_set, figures, heads_without, letter_sets

FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def subsample(docs: list[LabelledDoc], fraction: float, seed: int = 7) -> list[LabelledDoc]:
    """The same share of every group's letters, chosen by a seeded shuffle."""
    chosen: list[LabelledDoc] = []
    for group in sorted({d.group for d in docs}):
        members = [d for d in docs if d.group == group]
        random.Random(f"{seed}-{group}").shuffle(members)
        chosen.extend(members[: max(1, round(fraction * len(members)))])
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--blind", action="store_true", help="score the blind part (once)")
    args = parser.parse_args(argv)
    training = [d for s in letter_sets(False, None) if s.trained_on for d in s.docs]
    target = letter_sets(args.blind, ["BLIND" if args.blind else "independent C"])[-1]
    target.trained_on = False
    rows = {name: ROWS[name] for name in ("model", "rules+model")}
    print(
        f"Learning curve on {target.name} ({len(target.docs)} letters); training pool "
        f"{len(training)} letters"
    )
    print(
        "| training letters | share | model macro F1 | rules+model macro F1 | rules+model "
        "F1 defensive/vague/self |"
    )
    print("|---|---|---|---|---|")
    for fraction in FRACTIONS:
        subset = subsample(training, fraction)
        with heads_without(subset, group="(none)"):
            outcomes = evaluate_set(target, rows, None, subset)
        model, combined = figures(outcomes["model"]), figures(outcomes["rules+model"])
        per = "/".join(
            f"{combined[c]['f1']:.2f}" for c in ("defensive", "vague_promise", "self_orientation")
        )
        print(
            f"| {len(subset)} | {fraction:.0%} | {model['macro_f1']:.2f} | "
            f"{combined['macro_f1']:.2f} | {per} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
