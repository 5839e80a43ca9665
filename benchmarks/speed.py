"""Scoring speed: Amends against the prose linters proselint (PyPI) and write-good (npm).

Run: ``python -m benchmarks.speed`` (``--docs 1100``). It writes >= 1,000 unique letters (corpus
bodies with a unique reference line, so no linter can serve a cached answer) to a temp folder and
measures, in this one run:

* in-process throughput (documents per CPU-second, one core) of Amends rules-only and the default
  pipeline (rules + learned model), proselint and write-good (write-good in one Node.js process),
  each against **proselint in-process on the same letters** (the baseline); "cold" clears the
  model's sentence cache before every letter (first sight of each sentence), "warm" is a second
  pass;
* the same for the ~300-word letters alone (250-350 words), the issue's target case;
* the default pipeline's latency on one ~300-word letter: cold (no sentence cached), and
  re-scoring after an edit of one sentence (what the app does on every edit), median of 30;
* the learned model's load time in a fresh process;
* wall time of each tool's command line on 100 files, start-up (and model load) included.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from assistant.learned.heads import get_model
from assistant.rubric import load_rubric_set
from assistant.scoring import score
from benchmarks.corpus import corpus_dir, load_corpus

NODE_DIR = Path(__file__).resolve().parent / "node"


def make_documents(count: int, folder: Path) -> list[Path]:
    """Write ``count`` unique letters built from the corpus bodies."""
    bodies = [doc.body for doc in load_corpus(corpus_dir())]
    paths = []
    for i in range(count):
        path = folder / f"letter-{i:05d}.txt"
        path.write_text(f"{bodies[i % len(bodies)]}\nReference: AM-{i:05d}\n", encoding="utf-8")
        paths.append(path)
    return paths


def throughput(texts: list[str], lint: Callable[[str], object], budget: float) -> tuple[int, float]:
    """(documents done, CPU seconds): lint texts in order until done or ``budget`` seconds pass.

    CPU time of this process, not wall time, so other work on a shared machine does not count
    against either tool: "documents per second on one core".
    """
    start = time.process_time()
    done = 0
    for text in texts:
        lint(text)
        done += 1
        if time.process_time() - start > budget:
            break
    return done, time.process_time() - start


def proselint_lint() -> Callable[[str], object] | None:
    try:
        from proselint.checks import __register__
        from proselint.registry import CheckRegistry
        from proselint.tools import LintFile
    except ImportError:
        return None
    CheckRegistry().register_many(__register__)  # what proselint's own command line does first
    return lambda text: LintFile("<bench>", text).lint()


def writegood_inprocess(paths: list[Path]) -> tuple[int, float] | None:
    if not _ensure_writegood():
        return None
    result = subprocess.run(
        ["node", str(NODE_DIR / "writegood_throughput.js")],
        input="\n".join(map(str, paths)),
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(result.stdout)
    return int(figures["docs"]), float(figures["seconds"])


def _ensure_writegood() -> bool:
    if shutil.which("node") is None:
        return False
    if not (NODE_DIR / "node_modules" / "write-good").is_dir():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=NODE_DIR, check=False
        )
    return (NODE_DIR / "node_modules" / "write-good").is_dir()


def wall(command: list[str]) -> float | None:
    """Seconds for one command-line run (exit status ignored: linters exit 1 on findings)."""
    if shutil.which(command[0]) is None:
        return None
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def latency(letter: str, rubrics: object) -> None:
    """Milliseconds for the default pipeline on one ~300-word letter: cold, and after an edit."""
    model = get_model()
    cold, edited = [], []
    for i in range(30):
        model._cache.clear()
        start = time.perf_counter()
        score(letter + f"\nRef {i}.", rubrics)  # type: ignore[arg-type]
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        score(letter + f"\nRef {i}. This line was edited {i} times.", rubrics)  # type: ignore[arg-type]
        edited.append(time.perf_counter() - start)
    load = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time; t=time.perf_counter(); "
            "from assistant.learned.heads import get_model; get_model(); "
            "print(time.perf_counter()-t)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    cold.sort()
    edited.sort()
    print(f"\nDefault pipeline, one {len(letter.split())}-word letter (median of 30, wall):")
    print(f"  cold (no sentence cached):      {1000 * cold[15]:.1f} ms")
    print(f"  re-score after a one-line edit: {1000 * edited[15]:.1f} ms")
    print(f"  model load in a fresh process:  {1000 * float(load.stdout):.0f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1100, help="letters to generate (>= 1000)")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per slow peer, at most")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="amends-speed-") as tmp:
        paths = make_documents(args.docs, Path(tmp))
        texts = [p.read_text(encoding="utf-8") for p in paths]
        mid = [t for t in texts if 250 <= len(t.split()) <= 350]
        rubrics = load_rubric_set()
        model = get_model()

        def rules_only(text: str) -> object:
            return score(text, rubrics, ("rule",))

        def default_cold(text: str) -> object:
            model._cache.clear()
            return score(text, rubrics)

        def default_warm(text: str) -> object:
            return score(text, rubrics)

        # (row, letters, docs, CPU seconds, which proselint row it is compared with)
        rows: list[tuple[str, int, float, str]] = [
            ("amends rules, all, cold", *throughput(texts, rules_only, 1e9), "all"),
            ("amends rules, all, warm", *throughput(texts, rules_only, 1e9), "all"),
            ("amends rules, ~300 words", *throughput(mid, rules_only, 1e9), "mid"),
            ("amends default, all, cold", *throughput(texts, default_cold, 1e9), "all"),
            ("amends default, all, warm", *throughput(texts, default_warm, 1e9), "all"),
            ("amends default, ~300, cold", *throughput(mid, default_cold, 1e9), "mid"),
        ]
        baselines: dict[str, float] = {}
        lint = proselint_lint()
        if lint is not None:
            for key, name, letters in (("all", "all letters", texts), ("mid", "~300-word", mid)):
                docs, secs = throughput(letters, lint, args.budget)
                baselines[key] = docs / secs
                rows.append((f"proselint, {name}", docs, secs, key))
        wg = writegood_inprocess(paths)
        if wg is not None:
            rows.append(("write-good, all letters", *wg, "all"))
        words = sum(len(t.split()) for t in texts) / len(texts)
        print(f"{len(texts)} unique letters, mean {words:.0f} words; {len(mid)} of 250-350 words")
        print("Documents per CPU-second on one core; baseline: proselint on the same letters.")
        print("'cold' is Amends' first sight of each letter, as in a fresh `amends check`.")
        print(f"{'tool':<30}{'docs':>7}{'CPU s':>8}{'docs/s':>9}{'vs proselint':>14}")
        for name, docs, secs, key in rows:
            rate = docs / secs
            ratio = f"{rate / baselines[key]:.1f}x" if key in baselines else "n/a"
            print(f"{name:<30}{docs:>7}{secs:>8.2f}{rate:>9.0f}{ratio:>14}")
        latency(mid[0], rubrics)
        hundred = [str(p) for p in paths[:100]]
        print("\nCommand line on 100 files, wall time including start-up:")
        for name, command in (
            (
                "amends check --detectors rules",
                ["amends", "check", "--fail-on", "never", "--detectors", "rules", *hundred],
            ),
            ("amends check (default)", ["amends", "check", "--fail-on", "never", *hundred]),
            ("proselint check", ["proselint", "check", *hundred]),
            ("write-good", [str(NODE_DIR / "node_modules" / ".bin" / "write-good"), *hundred]),
        ):
            seconds = wall(command)
            print(f"  {name:<32}{'not installed' if seconds is None else f'{seconds:.2f} s'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
