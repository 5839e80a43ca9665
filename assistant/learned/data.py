"""Read labelled letter sets in the corpus format (``raw/*.txt``, ``labels.jsonl``, ``docs.jsonl``).

The development corpus is read from ``../shared/corpus`` (never copied into the project); the
letters written for the project live in ``data/letters/<writer>/``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import InputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"
LETTERS_DIR = PROJECT_ROOT / "data" / "letters"


@dataclass
class LabelledSentence:
    """One body sentence with its span in the body and its gold labels."""

    start: int
    end: int
    text: str
    labels: set[str]


@dataclass
class LabelledDoc:
    """A corpus document: header fields, body, sentence labels and EARN labels."""

    doc: str
    header: dict[str, str]
    body: str
    sentences: list[LabelledSentence] = field(default_factory=list)
    earn: dict[str, bool] = field(default_factory=dict)
    notes: str = ""
    group: str = field(default="", metadata={"why": "the set's folder: one writer, for grouped CV"})


def corpus_dir(explicit: str | None = None) -> Path:
    """The corpus folder: an explicit path, ``$AMENDS_CORPUS``, or ``../shared/corpus``."""
    return Path(explicit or os.environ.get("AMENDS_CORPUS") or DEFAULT_CORPUS)


def load_corpus(folder: Path) -> list[LabelledDoc]:
    """Every document with its labels, sentence spans found in body order as the README says."""
    if not (folder / "labels.jsonl").is_file():
        raise InputError(f"no labelled letters at {folder} (set AMENDS_CORPUS or pass --corpus)")
    docs: dict[str, LabelledDoc] = {}
    for path in sorted((folder / "raw").glob("*.txt")):
        head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
        header = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        docs[path.stem] = LabelledDoc(doc=path.stem, header=header, body=body, group=folder.name)
    cursor: dict[str, int] = {}
    for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        doc = docs[row["doc"]]
        start = doc.body.find(row["text"], cursor.get(row["doc"], 0))
        if start < 0:
            raise InputError(f"label text not found in doc {row['doc']}: {row['text'][:60]!r}")
        end = start + len(row["text"])
        cursor[row["doc"]] = end
        doc.sentences.append(LabelledSentence(start, end, row["text"], set(row["labels"])))
    for line in (folder / "docs.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        doc = docs[row["doc"]]
        doc.notes = row.pop("notes", "")
        row.pop("doc")
        doc.earn = {key: bool(value) for key, value in row.items()}
    return list(docs.values())
