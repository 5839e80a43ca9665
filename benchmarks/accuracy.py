"""Accuracy per letter set and detector: P/R/F1 per fault, macro F1, EARN balanced accuracy.

Run: ``python -m benchmarks.accuracy`` (``--blind`` adds the blind part: measure it once, at the
end; ``--judge MODEL`` adds the judge rows; ``--set NAME`` limits the sets; ``--errors CATEGORY``
lists misses and false alarms; ``--json`` prints figures).

A sentence counts as flagged for a category when a flag of that category overlaps it. Rows per set:
``rules``, ``model``, ``rules+model`` (the default pipeline), and with ``--judge`` ``judge`` and
``rules+model+judge``. Baseline in the same run: "flag every sentence" for F1 and "always the
majority answer" for EARN (balanced accuracy 0.50). The learned model was trained on the
development corpus and the realistic writers' letters, so on those sets its rows are
out-of-writer cross-validation (heads refitted without the set being scored), marked ``cv``.
The human row is the agreement of two independent labellers on the second-labelled sample.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.learned.data import LETTERS_DIR, PROJECT_ROOT, LabelledDoc, corpus_dir, load_corpus
from assistant.models import CORE_CATEGORIES, EARN_ELEMENTS, DetectorName
from assistant.rubric import load_rubric_set
from assistant.scoring import score

BENCHMARKS = Path(__file__).resolve().parent
SECOND_LABELS = PROJECT_ROOT / "data" / "second-labels"
ROWS: dict[str, tuple[DetectorName, ...]] = {
    "rules": ("rule",),
    "model": ("model",),
    "rules+model": ("rule", "model"),
}
JUDGE_ROWS: dict[str, tuple[DetectorName, ...]] = {
    "judge": ("judge",),
    "rules+model+judge": ("rule", "model", "judge"),
}


@dataclass
class LetterSet:
    """A named evaluation set and whether the shipped model was trained on it."""

    name: str
    docs: list[LabelledDoc]
    trained_on: bool
    blind: bool = False


@dataclass
class Outcome:
    """Per-sentence and per-document predictions of one row on one set."""

    sentence_pred: list[set[str]] = field(default_factory=list)
    sentence_gold: list[set[str]] = field(default_factory=list)
    sentence_text: list[str] = field(default_factory=list)
    doc_pred: list[dict[str, bool]] = field(default_factory=list)
    doc_gold: list[dict[str, bool]] = field(default_factory=list)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 (0 where undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def balanced_accuracy(pred: Sequence[bool], gold: Sequence[bool]) -> float:
    """Mean of the true-positive and true-negative rates (0.5 for a constant answer)."""
    p, g = np.array(pred, dtype=bool), np.array(gold, dtype=bool)
    rates = [float(np.mean(p[g]))] if g.any() else []
    rates += [float(np.mean(~p[~g]))] if (~g).any() else []
    return float(np.mean(rates)) if rates else 0.0


def run_row(
    docs: Sequence[LabelledDoc], detectors: tuple[DetectorName, ...], judge: Any
) -> Outcome:
    rubrics = load_rubric_set()
    out = Outcome()
    for doc in docs:
        report = score(doc.body, rubrics, detectors, judge)
        for sentence in doc.sentences:
            hits = {
                f.category
                for f in report.flags
                if f.start < sentence.end and f.end > sentence.start
            }
            out.sentence_pred.append(hits)
            out.sentence_gold.append(set(sentence.labels))
            out.sentence_text.append(sentence.text)
        out.doc_pred.append({e: report.earn[e].present for e in EARN_ELEMENTS})
        out.doc_gold.append({e: bool(doc.earn.get(e)) for e in EARN_ELEMENTS})
    return out


@contextmanager
def heads_without(all_training: Sequence[LabelledDoc], group: str) -> Iterator[None]:
    """Point the scorer at heads refitted without ``group`` (thresholds and EARN combiner kept
    from the shipped heads), for out-of-writer figures on letters the model was trained on."""
    from assistant.learned.heads import load_heads, save_heads
    from assistant.learned.training import fit_heads

    shipped = load_heads()
    heads = fit_heads([d for d in all_training if d.group != group], thresholds=shipped.thresholds)
    heads.meta["earn_combiner"] = shipped.meta.get("earn_combiner", {})
    with tempfile.TemporaryDirectory() as folder:
        save_heads(heads, Path(folder))
        previous = os.environ.get("AMENDS_HEADS")
        os.environ["AMENDS_HEADS"] = folder
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("AMENDS_HEADS", None)
            else:
                os.environ["AMENDS_HEADS"] = previous


def evaluate_set(
    letters: LetterSet,
    rows: dict[str, tuple[DetectorName, ...]],
    judge: Any,
    training: Sequence[LabelledDoc],
) -> dict[str, Outcome]:
    results: dict[str, Outcome] = {}
    for row, detectors in rows.items():
        if letters.trained_on and "model" in detectors:
            merged = Outcome()
            for group in sorted({d.group for d in letters.docs}):
                with heads_without(training, group):
                    part = run_row([d for d in letters.docs if d.group == group], detectors, judge)
                for key in vars(merged):
                    getattr(merged, key).extend(getattr(part, key))
            results[row + " (cv)"] = merged
        else:
            results[row] = run_row(letters.docs, detectors, judge)
    return results


def figures(outcome: Outcome) -> dict[str, Any]:
    """P/R/F1 per category, macro F1 and EARN balanced accuracy of one outcome."""
    result: dict[str, Any] = {}
    for category in CORE_CATEGORIES:
        tp = sum(
            category in p and category in g
            for p, g in zip(outcome.sentence_pred, outcome.sentence_gold, strict=True)
        )
        fp = sum(
            category in p and category not in g
            for p, g in zip(outcome.sentence_pred, outcome.sentence_gold, strict=True)
        )
        fn = sum(
            category not in p and category in g
            for p, g in zip(outcome.sentence_pred, outcome.sentence_gold, strict=True)
        )
        p, r, f1 = prf(tp, fp, fn)
        result[category] = {"precision": p, "recall": r, "f1": f1, "gold": tp + fn}
    result["macro_f1"] = float(np.mean([result[c]["f1"] for c in CORE_CATEGORIES]))
    result["earn"] = {
        e: balanced_accuracy([d[e] for d in outcome.doc_pred], [d[e] for d in outcome.doc_gold])
        for e in EARN_ELEMENTS
    }
    return result


def baseline(outcome: Outcome) -> dict[str, Any]:
    """'Flag every sentence' and 'always the majority answer', on the same letters."""
    every = Outcome(
        sentence_pred=[set(CORE_CATEGORIES) for _ in outcome.sentence_gold],
        sentence_gold=outcome.sentence_gold,
        doc_pred=[{e: True for e in EARN_ELEMENTS} for _ in outcome.doc_gold],
        doc_gold=outcome.doc_gold,
    )
    return figures(every)


def agreement(batches: Sequence[str] | None = None) -> dict[str, Any] | None:
    """Two labellers on the second-labelled sample: F1 and Cohen's kappa per category, EARN
    agreement (balanced accuracy of one against the other) and kappa."""
    first: dict[tuple[str, int], set[str]] = {}
    first_docs: dict[str, dict[str, bool]] = {}
    for folder in sorted(LETTERS_DIR.iterdir()) if LETTERS_DIR.is_dir() else []:
        if (folder / "labels.jsonl").is_file():
            for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                first[(row["doc"], row["i"])] = set(row["labels"])
            for line in (folder / "docs.jsonl").read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                first_docs[row["doc"]] = {e: bool(row[e]) for e in EARN_ELEMENTS}
    pairs: list[tuple[set[str], set[str]]] = []
    doc_pairs: list[tuple[dict[str, bool], dict[str, bool]]] = []
    for folder in sorted(SECOND_LABELS.iterdir()) if SECOND_LABELS.is_dir() else []:
        if batches is not None and folder.name not in batches:
            continue
        for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            pairs.append((first[(row["doc"], row["i"])], set(row["labels"])))
        for line in (folder / "docs.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            doc_pairs.append((first_docs[row["doc"]], {e: bool(row[e]) for e in EARN_ELEMENTS}))
    if not pairs:
        return None
    result: dict[str, Any] = {"sentences": len(pairs), "documents": len(doc_pairs)}
    for category in CORE_CATEGORIES:
        a = np.array([category in x for x, _ in pairs])
        b = np.array([category in y for _, y in pairs])
        p, r, f1 = prf(int(np.sum(a & b)), int(np.sum(~a & b)), int(np.sum(a & ~b)))
        result[category] = {"precision": p, "recall": r, "f1": f1, "kappa": kappa(a, b)}
    result["macro_f1"] = float(np.mean([result[c]["f1"] for c in CORE_CATEGORIES]))
    result["earn"] = {
        e: balanced_accuracy([y[e] for _, y in doc_pairs], [x[e] for x, _ in doc_pairs])
        for e in EARN_ELEMENTS
    }
    result["earn_kappa"] = {
        e: kappa(np.array([x[e] for x, _ in doc_pairs]), np.array([y[e] for _, y in doc_pairs]))
        for e in EARN_ELEMENTS
    }
    return result


def kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two binary labellings."""
    observed = float(np.mean(a == b))
    expected = float(np.mean(a) * np.mean(b) + np.mean(~a) * np.mean(~b))
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def fault_kind_errors(outcome: Outcome) -> dict[str, dict[str, Counter[str]]]:
    """Misses and false alarms per category, sorted into the wording kinds of fault_kinds.yaml."""
    kinds = yaml.safe_load((BENCHMARKS / "fault_kinds.yaml").read_text(encoding="utf-8"))
    table: dict[str, dict[str, Counter[str]]] = {}
    for category in CORE_CATEGORIES:
        cues = {name: re.compile(cue, re.I) for name, cue in kinds.get(category, {}).items()}
        misses: Counter[str] = Counter()
        alarms: Counter[str] = Counter()
        for pred, gold, text in zip(
            outcome.sentence_pred, outcome.sentence_gold, outcome.sentence_text, strict=True
        ):
            if (category in gold) == (category in pred):
                continue
            found = [name for name, cue in cues.items() if cue.search(text)] or ["other"]
            (misses if category in gold else alarms).update(found)
        table[category] = {"missed": misses, "false_alarm": alarms}
    return table


def letter_sets(blind: bool, only: Sequence[str] | None) -> list[LetterSet]:
    """Every set, in report order; the blind part only when asked for."""
    sets = [LetterSet("dev corpus", load_corpus(corpus_dir()), trained_on=True)]
    for name, folder in (
        ("independent A", "independent"),
        ("independent B", "independent-b"),
        ("independent C", "independent-c"),
    ):
        sets.append(LetterSet(name, load_corpus(BENCHMARKS / folder), trained_on=False))
    writers = sorted(
        p for p in LETTERS_DIR.iterdir() if p.is_dir() and not p.name.startswith("blind")
    )
    sets.append(
        LetterSet(
            "realistic (w1-w4)", [d for w in writers for d in load_corpus(w)], trained_on=True
        )
    )
    if blind:
        folders = sorted(
            p for p in LETTERS_DIR.iterdir() if p.is_dir() and p.name.startswith("blind")
        )
        sets.append(
            LetterSet(
                "BLIND (b1-b2)",
                [d for f in folders for d in load_corpus(f)],
                trained_on=False,
                blind=True,
            )
        )
    if only:
        sets = [s for s in sets if any(o.lower() in s.name.lower() for o in only)]
    return sets


def print_table(name: str, docs: int, sentences: int, rows: dict[str, dict[str, Any]]) -> None:
    print(f"\n## {name}: {docs} letters, {sentences} sentences")
    head = "| row | " + " | ".join(f"{c} P/R/F1" for c in CORE_CATEGORIES)
    head += " | macro F1 | EARN bal. acc. impact/cause/ask/rebuild/name |"
    print(head)
    print("|---" * (len(CORE_CATEGORIES) + 3) + "|")
    for row, fig in rows.items():
        cells = [
            f"{fig[c]['precision']:.2f}/{fig[c]['recall']:.2f}/**{fig[c]['f1']:.2f}**"
            for c in CORE_CATEGORIES
        ]
        earn = "/".join(f"{fig['earn'][e]:.2f}" for e in EARN_ELEMENTS)
        print(f"| {row} | " + " | ".join(cells) + f" | {fig['macro_f1']:.2f} | {earn} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--blind", action="store_true", help="include the blind part (once)")
    parser.add_argument("--judge", metavar="MODEL", help="add judge rows with this model")
    parser.add_argument("--set", action="append", help="only sets whose name contains this")
    parser.add_argument("--errors", help="print misses and false alarms for a category")
    parser.add_argument("--limit", type=int, help="only the first N letters of each set")
    parser.add_argument("--json", action="store_true", help="print figures as JSON")
    args = parser.parse_args(argv)
    judge = None
    rows = dict(ROWS)
    if args.judge:
        from assistant.scoring.judge import LLMJudge

        judge = LLMJudge(args.judge)
        rows.update(JUDGE_ROWS)
    sets = letter_sets(args.blind, args.set)
    if args.limit:
        for letters in sets:
            letters.docs = letters.docs[: args.limit]
    training = [d for s in letter_sets(False, None) if s.trained_on for d in s.docs]
    report: dict[str, Any] = {}
    for letters in sets:
        outcomes = evaluate_set(letters, rows, judge, training)
        table = {row: figures(o) for row, o in outcomes.items()}
        table["flag everything (baseline)"] = baseline(next(iter(outcomes.values())))
        human = (
            agreement(["batch1"] if letters.blind else ["batch2", "batch3"])
            if letters.name.startswith(("BLIND", "realistic"))
            else None
        )
        if human:
            table[f"two human labellers ({human['documents']} letters)"] = human
        sentences = sum(len(d.sentences) for d in letters.docs)
        report[letters.name] = table
        combined = outcomes.get("rules+model") or outcomes.get("rules+model (cv)")
        if combined is not None:
            report[letters.name]["errors by fault kind (rules+model)"] = fault_kind_errors(combined)
        if args.errors and combined is not None:
            for pred, gold, text in zip(
                combined.sentence_pred, combined.sentence_gold, combined.sentence_text, strict=True
            ):
                if (args.errors in gold) != (args.errors in pred):
                    print(
                        f"{'MISS ' if args.errors in gold else 'FALSE'} {text[:160]!r}",
                        file=sys.stderr,
                    )
        if not args.json:
            print_table(
                letters.name,
                len(letters.docs),
                sentences,
                {k: v for k, v in table.items() if "macro_f1" in v},
            )
            kinds = report[letters.name].get("errors by fault kind (rules+model)")
            if kinds and (
                letters.blind or not letters.trained_on or letters.name.startswith("realistic")
            ):
                for category, found in kinds.items():
                    missed = ", ".join(f"{k} {n}" for k, n in found["missed"].most_common())
                    alarms = ", ".join(f"{k} {n}" for k, n in found["false_alarm"].most_common())
                    print(f"  {category}: missed by kind: {missed or 'none'}")
                    print(f"  {category}: false alarms by kind: {alarms or 'none'}")
    if args.json:
        print(json.dumps(report, indent=1, default=lambda c: dict(c)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
