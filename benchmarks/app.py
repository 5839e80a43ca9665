"""Benchmark the app: cold start, and server-side time to re-score a 300-word draft on edit.

Run: ``python benchmarks/app.py`` (about a minute). Every figure is printed next to a named
baseline measured in the same run, so the ratios mean something on any machine:

* cold start (first page render in a fresh process) vs a hello-world Streamlit script;
* server up (``streamlit run`` until /_stcore/health answers) vs the same hello-world script;
* re-score after an edit (the Check page's whole rerun: score, highlight, save a version)
  vs a bare Streamlit rerun of a page holding only a text area, and vs ``score()`` alone.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELLO = "import streamlit as st\nst.title('hello')\nst.text_area('text', key='t')\n"
FIRST_RUN = textwrap.dedent(
    """
    import sys, time
    from streamlit.testing.v1 import AppTest
    start = time.perf_counter()
    at = AppTest.from_file(sys.argv[1], default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    print(time.perf_counter() - start)
    """
)


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AMENDS_HOME": str(home),
        "AMENDS_DATABASE_URL": f"sqlite:///{home / 'bench.db'}",
        "AMENDS_MODEL": "offline",
        "PYTHONPATH": str(ROOT),
    }


def first_render(script: Path, env: dict[str, str]) -> float:
    """Seconds for a fresh Python process to import and render the script's first page."""
    out = subprocess.run([sys.executable, "-c", FIRST_RUN, str(script)], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def server_up(script: Path, env: dict[str, str]) -> float:
    """Seconds from ``streamlit run`` to a 200 from the health endpoint."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    return time.perf_counter() - start
            except OSError:
                if process.poll() is not None or time.perf_counter() - start > 120:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.02)
    finally:
        process.terminate()
        process.wait(timeout=20)


def draft_300_words() -> str:
    from assistant.gallery import load_gallery

    words: list[str] = []
    for example in load_gallery():
        words += example.poor.body.split() + example.good.body.split()
    return " ".join(words[:300])


def rerun_times(script: Path, page: str | None, key: str, text: str, edits: int) -> list[float]:
    """Server-side seconds per rerun after editing the text area ``key`` (in this process)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(script), default_timeout=60).run()
    if page:
        at.switch_page(page).run()
    at.text_area(key=key).input(text).run()
    times = []
    for i in range(edits):
        edited = f"{text} Edit {i}: we will do better."
        widget = at.text_area(key=key).input(edited)
        start = time.perf_counter()
        widget.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, [e.value for e in at.exception]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="cold starts per script")
    parser.add_argument("--edits", type=int, default=30, help="edits timed for re-scoring")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        hello = home / "hello.py"
        hello.write_text(HELLO)
        env = _env(home)
        os.environ.update({k: env[k] for k in ("AMENDS_HOME", "AMENDS_DATABASE_URL",
                                               "AMENDS_MODEL")})
        app = ROOT / "app.py"

        print("cold start: first page render in a fresh process (median of "
              f"{args.repeat})")
        base = statistics.median(first_render(hello, env) for _ in range(args.repeat))
        ours = statistics.median(first_render(app, env) for _ in range(args.repeat))
        print(f"  baseline hello-world script   {base * 1000:8.0f} ms")
        print(f"  amends app.py (Draft page)    {ours * 1000:8.0f} ms   ratio {ours / base:5.2f}x")

        print(f"server up: streamlit run until /_stcore/health answers (median of {args.repeat})")
        base = statistics.median(server_up(hello, env) for _ in range(args.repeat))
        ours = statistics.median(server_up(app, env) for _ in range(args.repeat))
        print(f"  baseline hello-world script   {base * 1000:8.0f} ms")
        print(f"  amends app.py                 {ours * 1000:8.0f} ms   ratio {ours / base:5.2f}x")

        text = draft_300_words()
        from assistant.rubric import load_rubric_set
        from assistant.scoring import score

        rubrics = load_rubric_set()
        score(text, rubrics)
        pure = []
        for i in range(args.edits):
            start = time.perf_counter()
            score(f"{text} Edit {i}: we will do better.", rubrics)
            pure.append(time.perf_counter() - start)
        bare = rerun_times(hello, None, "t", text, args.edits)
        check = rerun_times(app, "app_pages/check.py", "c.text", text, args.edits)
        words = len(text.split())
        print(f"re-score after an edit: {words}-word draft, median (p90) of {args.edits} edits")
        b, c, p = (statistics.median(x) for x in (bare, check, pure))
        p90 = statistics.quantiles(check, n=10)[-1]
        print(f"  baseline bare Streamlit rerun {b * 1000:8.1f} ms")
        print(f"  score() alone                 {p * 1000:8.1f} ms   ratio {p / b:5.2f}x")
        print(f"  Check page rerun (score, highlight, save version)"
              f" {c * 1000:6.1f} ms (p90 {p90 * 1000:.1f} ms)   ratio {c / b:5.2f}x")
        highlighting(rubrics)


def highlighting(rubrics: object) -> None:
    """Highlighting a 1 MB upload: the whole text, and one page, against escaping it plainly."""
    import html

    from assistant.highlight import highlight_html, page_ranges
    from assistant.scoring import score

    unit = "We are sorry if you felt let down by the delay. We will do better going forward.\n"
    text = (unit * (1_000_000 // len(unit)))
    report = score(text, rubrics, ("rule",))  # type: ignore[arg-type]
    start = time.perf_counter()
    html.escape(text)
    plain = time.perf_counter() - start
    start = time.perf_counter()
    whole = highlight_html(text, report.flags)
    full = time.perf_counter() - start
    first, last = page_ranges(text)[0]
    start = time.perf_counter()
    highlight_html(text[first:last], [f for f in report.flags if f.end <= last])
    one = time.perf_counter() - start
    print(f"highlight a {len(text) / 1e6:.1f} MB text with {len(report.flags)} flags")
    print(f"  baseline html.escape          {plain * 1000:8.1f} ms")
    print(f"  whole text                    {full * 1000:8.1f} ms   ratio {full / plain:5.1f}x"
          f"   ({len(whole) / 1e6:.1f} MB of HTML)")
    print(f"  one page (as the Check page)  {one * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
