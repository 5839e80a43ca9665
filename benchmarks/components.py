"""Apology-components detection, measured on sentences no cue or exemplar was written from.

``python -m benchmarks.components``: per-component precision / recall / F1 on
``benchmarks/components/labels.jsonl`` (every sentence of independent set C, labelled for the six
components; see the README there), for cues alone, similarity alone, and both (the shipped
detector), with "flag every sentence" as the baseline.
``--tune``: the leave-one-out figures on the data file's own exemplars and negatives that chose
each threshold and margin (best F1 with precision >= 0.7), never touching the labelled set.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from assistant.learned.encoder import get_encoder
from assistant.models import APOLOGY_COMPONENTS
from assistant.scoring.components import DATA, SentenceSpec, component_specs, find, negatives

HERE = Path(__file__).resolve().parent / "components"
LABELS = HERE / "labels.jsonl"  # independent set C, all 20 letters
SETS = {"C": LABELS, "B": HERE / "labels-b.jsonl"}  # B: 16 letters of independent set B


def _prf(pred: list[bool], gold: list[bool]) -> tuple[float, float, float, int]:
    tp = sum(p and g for p, g in zip(pred, gold, strict=True))
    fp = sum(p and not g for p, g in zip(pred, gold, strict=True))
    fn = sum(g and not p for p, g in zip(pred, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp + fn


def _only(spec: SentenceSpec, cues: bool, similar: bool) -> SentenceSpec:
    return SentenceSpec(
        name=spec.name, label=spec.label, threshold=spec.threshold if similar else 9.0,
        cues=spec.cues if cues else (), unless=spec.unless, exemplars=spec.exemplars,
        margin=spec.margin,
    )


def evaluate(labels: Path, data: Path) -> None:
    rows = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    sentences = [r["text"] for r in rows]
    print(f"{len(rows)} sentences from {len({r['doc'] for r in rows})} letters ({labels.name}),"
          f" cues and exemplars from {data.name}")
    print(f"{'component':28} {'n':>3}  {'cues P/R/F1':16} {'similar P/R/F1':16} "
          f"{'both P/R/F1':16} {'all P/R/F1':16}")
    for spec in component_specs(data):
        gold = [spec.name in r["components"] for r in rows]
        cells = []
        for cues, similar in ((True, False), (False, True), (True, True)):
            hits = find(sentences, [_only(spec, cues, similar)])[spec.name]
            chosen = {h.index for h in hits}
            p, rec, f, n = _prf([i in chosen for i in range(len(rows))], gold)
            cells.append(f"{p:.2f}/{rec:.2f}/{f:.2f}")
        p, rec, f, n = _prf([True] * len(rows), gold)
        cells.append(f"{p:.2f}/{rec:.2f}/{f:.2f}")
        print(f"{spec.name:28} {n:>3}  " + " ".join(f"{c:16}" for c in cells))


def tune() -> None:
    specs = component_specs()
    negs = list(negatives())
    texts = [e for s in specs for e in s.exemplars] + negs
    labels = [s.name for s in specs for _ in s.exemplars] + ["none"] * len(negs)
    vectors = get_encoder().encode(texts)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -9.0)
    neg_index = [i for i, name in enumerate(labels) if name == "none"]
    for spec in specs:
        own = [i for i, name in enumerate(labels) if name == spec.name]
        best_pos, best_neg = sims[:, own].max(axis=1), sims[:, neg_index].max(axis=1)
        gold = np.array([name == spec.name for name in labels])
        best: tuple[float, float, float, float] | None = None
        for threshold in np.arange(0.2, 0.8, 0.02):
            for margin in (-1.0, 0.0, 0.05, 0.1, 0.15):
                pred = (best_pos >= threshold) & (best_pos - best_neg >= margin)
                p, _, f, _ = _prf(list(pred), list(gold))
                if p >= 0.7 and (best is None or f > best[0]):
                    best = (f, p, float(threshold), margin)
        if best is None:
            print(f"{spec.name:28} no setting reaches precision 0.70: similarity off")
        else:
            f, p, threshold, margin = best
            print(f"{spec.name:28} LOO F1 {f:.2f} P {p:.2f} at threshold {threshold:.2f}, "
                  f"margin {max(margin, 0):.2f} (shipped {spec.threshold}, {spec.margin})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="leave-one-out on the data file")
    parser.add_argument("--set", choices=sorted(SETS), default="C", help="labelled set")
    parser.add_argument("--data", type=Path, default=DATA, help="a components.yaml to measure")
    args = parser.parse_args()
    tune() if args.tune else evaluate(SETS[args.set], args.data)
    assert set(APOLOGY_COMPONENTS) == {s.name for s in component_specs()}


if __name__ == "__main__":
    main()
