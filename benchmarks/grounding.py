"""Grounding accuracy on incidents written outside the rule writers' view.

``benchmarks/grounding-blind/`` holds incidents and draft sentences written and labelled by an
independent writer who never saw the grounding code, its lexicon or the project's examples (its
README says how). Each sentence is labelled grounded (every date, number, amount, commitment and
compensation in it is supported by the incident) or not. The grounding check predicts "not
grounded" when it reports any issue for the sentence. The positive class is "not grounded": the
check exists to catch those, so precision is how often a report is right and recall how many of
the unsupported claims it catches. Measured once per change; never tune the lexicon on this set
(add new cases to the development tests instead).

Baseline, named and measured in the same run: a bag-of-words check like the first release's
(a sentence is grounded when every digit-bearing token in it appears somewhere in the incident
text, must-not-say list included).

Run: python benchmarks/grounding.py [--set DIR] [--errors] [--json]
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.drafting.grounding import check_grounding  # noqa: E402
from assistant.drafting.models import Incident, load_incident  # noqa: E402

DEFAULT_SET = ROOT / "benchmarks" / "grounding-blind"


@dataclass(frozen=True)
class Claim:
    """One labelled draft sentence."""

    incident: str
    sentence: str
    grounded: bool
    kinds: tuple[str, ...]
    why: str


def load_set(folder: Path) -> tuple[dict[str, Incident], list[Claim]]:
    """Incidents by slug and the labelled sentences; a claim naming no incident is an error."""
    incidents = {p.stem: load_incident(p) for p in sorted((folder / "incidents").glob("*.yaml"))}
    claims: list[Claim] = []
    lines = (folder / "claims.jsonl").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["incident"] not in incidents:
            raise SystemExit(f"claims.jsonl line {number}: no incident '{row['incident']}'")
        claims.append(
            Claim(row["incident"], row["sentence"], bool(row["grounded"]),
                  tuple(row.get("kinds") or ("none",)), row.get("why", ""))
        )
    return incidents, claims


def _by_grounding(sentence: str, incident: Incident) -> bool:
    """True when the project's grounding check reports the sentence as not grounded."""
    return any(issue.kind != "injection" for issue in check_grounding(sentence, incident))


_TOKEN = re.compile(r"[\w£$€.,'-]*\d[\w£$€.,'-]*")


def _by_bag_of_words(sentence: str, incident: Incident) -> bool:
    """The first release's idea: every digit-bearing token must appear in the incident text."""
    text = json.dumps(incident.model_dump(mode="json")).lower()
    tokens = [t.strip(".,'-").lower() for t in _TOKEN.findall(sentence)]
    return any(t and t not in text for t in tokens)


# The detectors every report compares: the named baseline first.
DETECTORS: tuple[tuple[str, Callable[[str, Incident], bool]], ...] = (
    ("bag of words (baseline)", _by_bag_of_words),
    ("grounding by meaning", _by_grounding),
)


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, predicted: bool, actual: bool) -> None:
        if predicted and actual:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif actual:
            self.fn += 1
        else:
            self.tn += 1

    def figures(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3),
                "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn}


def evaluate(
    incidents: dict[str, Incident], claims: Iterable[Claim],
    predict: Callable[[str, Incident], bool],
) -> tuple[Tally, dict[str, Tally], list[tuple[str, Claim]]]:
    """Overall and per-kind tallies (positive = not grounded) and the misclassified claims."""
    overall = Tally()
    per_kind: dict[str, Tally] = collections.defaultdict(Tally)
    errors: list[tuple[str, Claim]] = []
    for claim in claims:
        predicted = predict(claim.sentence, incidents[claim.incident])
        actual = not claim.grounded
        overall.add(predicted, actual)
        for kind in claim.kinds:
            per_kind[kind].add(predicted, actual)
        if predicted != actual:
            errors.append(("false alarm" if predicted else "missed", claim))
    return overall, dict(per_kind), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="folder of the set")
    parser.add_argument("--errors", action="store_true", help="list every misclassified sentence")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    incidents, claims = load_set(args.set)
    ungrounded = sum(not c.grounded for c in claims)
    report: dict[str, Any] = {
        "set": str(args.set.relative_to(ROOT) if args.set.is_relative_to(ROOT) else args.set),
        "incidents": len(incidents), "sentences": len(claims), "not_grounded": ungrounded,
    }
    rows: dict[str, Any] = {}
    for label, predict in DETECTORS:
        overall, per_kind, errors = evaluate(incidents, claims, predict)
        rows[label] = {"overall": overall.figures(),
                       "by_kind": {k: t.figures() for k, t in sorted(per_kind.items())},
                       "errors": errors}
    if args.json:
        print(json.dumps({**report, "rows": {k: {kk: vv for kk, vv in v.items() if kk != "errors"}
                                             for k, v in rows.items()}}, indent=2))
        return 0
    print(f"{report['set']}: {len(incidents)} incidents, {len(claims)} sentences, "
          f"{ungrounded} not grounded (the positive class)")
    print(f"{'detector':26} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn  tn")
    for label, row in rows.items():
        o = row["overall"]
        print(f"{label:26} {o['precision']:6.2f} {o['recall']:6.2f} {o['f1']:6.2f}  "
              f"{o['tp']:3} {o['fp']:3} {o['fn']:3} {o['tn']:3}")
    print("\nby kind (grounding by meaning; recall over the not-grounded sentences of that kind,"
          " false alarms over the grounded ones)")
    for kind, fig in rows["grounding by meaning"]["by_kind"].items():
        positives, negatives = fig["tp"] + fig["fn"], fig["fp"] + fig["tn"]
        print(f"  {kind:13} caught {fig['tp']:3}/{positives:<3}  false alarms "
              f"{fig['fp']:3}/{negatives:<3}")
    if args.errors:
        for verdict, claim in rows["grounding by meaning"]["errors"]:
            print(f"\n[{verdict}] {claim.incident}: {claim.sentence}\n    label: "
                  f"{'grounded' if claim.grounded else 'not grounded'} ({claim.why})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
