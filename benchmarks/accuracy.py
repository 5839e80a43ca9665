"""Accuracy of the scorer on the labelled corpus: P/R/F1 per category, accuracy per EARN element.

Run: ``python -m benchmarks.accuracy`` (``--errors vague_promise`` lists misses and false alarms,
``--docs 001,014`` restricts the documents, ``--json`` prints machine-readable figures).
A sentence counts as flagged for a category when any flag of that category overlaps it.
Baseline: "flag every sentence" (recall 1.0), computed in the same run, so F1 has a floor to beat.
"""

from __future__ import annotations

import argparse
import json
import sys

from assistant.models import CORE_CATEGORIES, EARN_ELEMENTS
from assistant.rubric import load_rubric_set
from assistant.scoring import score
from benchmarks.corpus import LabelledDoc, corpus_dir, load_corpus


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 (0 where undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def evaluate(
    docs: list[LabelledDoc], show_errors: str | None = None
) -> dict[str, dict[str, float]]:
    """Score every document and compare with the gold labels."""
    rubrics = load_rubric_set()
    counts = {c: {"tp": 0, "fp": 0, "fn": 0, "gold": 0} for c in CORE_CATEGORIES}
    earn_right = {e: 0 for e in EARN_ELEMENTS}
    earn_counts = {e: {"tp": 0, "fp": 0, "fn": 0} for e in EARN_ELEMENTS}
    sentences = 0
    for doc in docs:
        report = score(doc.body, rubrics)
        for sentence in doc.sentences:
            sentences += 1
            hits = [f for f in report.flags if f.start < sentence.end and f.end > sentence.start]
            predicted = {f.category for f in hits}
            for category in CORE_CATEGORIES:
                gold, pred = category in sentence.labels, category in predicted
                counts[category]["gold"] += gold
                key = "tp" if gold and pred else "fp" if pred else "fn" if gold else None
                if key:
                    counts[category][key] += 1
                if show_errors == category and gold != pred:
                    kind = "MISS " if gold else "FALSE"
                    rules = ",".join(sorted({f.rule for f in hits if f.category == category}))
                    print(f"{kind} {doc.doc} {sentence.text[:150]!r} {rules}", file=sys.stderr)
        for element in EARN_ELEMENTS:
            gold, pred = doc.earn[element], report.earn[element].present
            earn_right[element] += gold == pred
            key = "tp" if gold and pred else "fp" if pred else "fn" if gold else None
            if key:
                earn_counts[element][key] += 1
            if show_errors == element and gold != pred:
                evidence = report.earn[element].evidence or ""
                print(
                    f"{'MISS ' if gold else 'FALSE'} {doc.doc} {evidence[:150]!r}", file=sys.stderr
                )
    results: dict[str, dict[str, float]] = {}
    for category, c in counts.items():
        p, r, f1 = prf(c["tp"], c["fp"], c["fn"])
        base_p = c["gold"] / sentences if sentences else 0.0
        base_f1 = 2 * base_p / (base_p + 1) if base_p else 0.0
        results[category] = {"precision": p, "recall": r, "f1": f1, "baseline_f1": base_f1, **c}
    for element in EARN_ELEMENTS:
        p, r, f1 = prf(**earn_counts[element])
        positives = sum(doc.earn[element] for doc in docs)
        majority = max(positives, len(docs) - positives) / len(docs)
        results[element] = {
            "accuracy": earn_right[element] / len(docs),
            "precision": p,
            "recall": r,
            "f1": f1,
            "baseline_accuracy": majority,
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="corpus folder (default ../shared/corpus)")
    parser.add_argument("--docs", help="comma-separated document ids to include")
    parser.add_argument("--errors", help="print misses and false alarms for a category or element")
    parser.add_argument("--json", action="store_true", help="print figures as JSON")
    args = parser.parse_args(argv)
    docs = load_corpus(corpus_dir(args.corpus))
    if args.docs:
        wanted = set(args.docs.split(","))
        docs = [d for d in docs if d.doc in wanted]
    results = evaluate(docs, args.errors)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"Corpus: {len(docs)} documents, {sum(len(d.sentences) for d in docs)} sentences")
    print(
        "Baseline for categories: flag every sentence; for EARN: always answer the majority label."
    )
    print(f"{'category':<18}{'precision':>10}{'recall':>8}{'F1':>7}{'baseline F1':>13}{'ratio':>7}")
    for category in CORE_CATEGORIES:
        r = results[category]
        ratio = r["f1"] / r["baseline_f1"] if r["baseline_f1"] else 0.0
        print(
            f"{category:<18}{r['precision']:>10.2f}{r['recall']:>8.2f}{r['f1']:>7.2f}"
            f"{r['baseline_f1']:>13.2f}{ratio:>6.1f}x"
        )
    print(f"{'EARN element':<18}{'accuracy':>10}{'baseline':>10}{'precision':>11}{'recall':>8}")
    for element in EARN_ELEMENTS:
        r = results[element]
        print(
            f"{element:<18}{r['accuracy']:>10.2f}{r['baseline_accuracy']:>10.2f}"
            f"{r['precision']:>11.2f}{r['recall']:>8.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
