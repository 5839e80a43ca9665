"""Tools for writing and labelling letters in the corpus format (used by writers and labellers).

`split FILE`   print the body sentences of one raw letter, numbered as labels refer to them.
`build DIR`    compile DIR/raw/*.txt and DIR/labels/*.yaml into DIR/labels.jsonl and DIR/docs.jsonl,
               checking every label file (indices in range, known labels, all EARN keys present).

Why: a labeller names sentences by number instead of retyping them, so the text in labels.jsonl is
always an exact substring of the body, split exactly as the scorer splits it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.sentences import split_sentences

SENTENCE_LABELS = ("defensive", "vague_promise", "self_orientation")
EARN_KEYS = ("expose_impact", "expose_cause", "ask", "rebuild_specific", "name_them")


def body_of(path: Path) -> str:
    """The body of a raw letter: everything after the first line that is exactly ``---``."""
    text = path.read_text(encoding="utf-8")
    if "\n---\n" not in text:
        raise SystemExit(f"{path}: no header line '---' found")
    return text.split("\n---\n", 1)[1]


def sentences_of(path: Path) -> list[str]:
    """The body's sentences, as the scorer splits them."""
    body = body_of(path)
    return [body[start:end] for start, end in split_sentences(body)]


def build(folder: Path) -> tuple[int, int]:
    """Compile one writer's folder into (documents, sentences); SystemExit names a bad file."""
    label_rows: list[str] = []
    doc_rows: list[str] = []
    raws = sorted((folder / "raw").glob("*.txt"))
    for raw in raws:
        label_path = folder / "labels" / f"{raw.stem}.yaml"
        if not label_path.is_file():
            raise SystemExit(f"{raw}: no label file {label_path}")
        data = yaml.safe_load(label_path.read_text(encoding="utf-8")) or {}
        sentences = sentences_of(raw)
        labels: dict[int, list[str]] = {i: [] for i in range(len(sentences))}
        for name in SENTENCE_LABELS:
            for index in data.get(name) or []:
                if not isinstance(index, int) or not 0 <= index < len(sentences):
                    raise SystemExit(f"{label_path}: {name} index {index!r} out of range "
                                     f"(0-{len(sentences) - 1})")
                labels[index].append(name)
        unknown = set(data) - set(SENTENCE_LABELS) - set(EARN_KEYS) - {"notes"}
        if unknown:
            raise SystemExit(f"{label_path}: unknown keys {sorted(unknown)}")
        for key in EARN_KEYS:
            if not isinstance(data.get(key), bool):
                raise SystemExit(f"{label_path}: {key} must be true or false")
        for i, text in enumerate(sentences):
            label_rows.append(json.dumps({"doc": raw.stem, "i": i, "text": text,
                                          "labels": labels[i]}, ensure_ascii=False))
        doc = {"doc": raw.stem, **{key: data[key] for key in EARN_KEYS},
               "notes": str(data.get("notes", ""))}
        doc_rows.append(json.dumps(doc, ensure_ascii=False))
    (folder / "labels.jsonl").write_text("\n".join(label_rows) + "\n", encoding="utf-8")
    (folder / "docs.jsonl").write_text("\n".join(doc_rows) + "\n", encoding="utf-8")
    return len(raws), len(label_rows)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "split":
        for i, sentence in enumerate(sentences_of(Path(argv[1]))):
            print(f"{i:3d}  {sentence}")
        return 0
    if len(argv) == 2 and argv[0] == "build":
        docs, sentences = build(Path(argv[1]))
        print(f"{argv[1]}: {docs} documents, {sentences} sentences")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
