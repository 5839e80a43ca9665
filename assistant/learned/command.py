"""`amends train`: rebuild the shipped model heads from the labelled letters, deterministically."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from assistant.learned.data import DEFAULT_CORPUS, LETTERS_DIR, load_corpus
from assistant.learned.heads import HEADS_DIR


def register(commands: Any) -> None:
    """Add the sub-command to the `amends` parser."""
    train = commands.add_parser(
        "train",
        help="rebuild the learned model heads from labelled letters (needs amends[train])",
        description="Fit the sentence model's heads on the development corpus and the letters "
        "written for the project (never the blind sets), choose thresholds on out-of-writer "
        "predictions, and write the heads. Same data, same files.",
    )
    train.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="development corpus")
    train.add_argument(
        "--letters", type=Path, default=LETTERS_DIR, help="folder of writers' letter sets"
    )
    train.add_argument("--out", type=Path, default=HEADS_DIR, help="where to write the heads")
    train.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    from assistant.learned.training import default_sets, train, write

    folders, threshold_groups = default_sets(args.corpus, args.letters)
    docs = [doc for folder in folders for doc in load_corpus(folder)]
    print(f"training on {len(docs)} letters from {', '.join(f.name for f in folders)}")
    heads = train(docs, threshold_groups)
    path = write(heads, args.out)
    from assistant.learned.heads import load_heads

    written = load_heads(args.out)
    trained = heads.meta["trained_on"]
    print(f"{trained['documents']} letters, {trained['sentences']} sentences")
    print("thresholds: " + ", ".join(f"{k}={v:.3f}" for k, v in sorted(heads.thresholds.items())))
    print(f"wrote {path} (sha256 {written.sha256[:16]}, version {written.version})")
    return 0
