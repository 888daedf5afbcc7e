"""`make lighthouse`: Lighthouse on the home, event and recap pages in production mode.

Starts gunicorn with production settings on 127.0.0.1 (`DJANGO_HTTPS=0`, a temporary
SQLite database with demo data, static files collected into a temporary folder, see
`scripts/prodserver.py`), runs Lighthouse (mobile preset, simulated throttling: its
defaults) against each page in headless Chromium, prints the four scores per page and
what cost points, and stops everything. Exits 1 when a score misses its target.

Lighthouse is installed with npm into `.lighthouse/` (ignored by git) on first use.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.prodserver import demo_server  # noqa: E402

# Lighthouse 13 needs Node 22; Debian's Node is 20.
LIGHTHOUSE = "lighthouse@12.8.2"
TOOLS = ROOT / ".lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
TARGETS = {"performance": 100, "accessibility": 95, "best-practices": 95, "seo": 95}


def ensure_lighthouse() -> Path:
    binary = TOOLS / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        if not shutil.which("npm"):
            sys.exit("Lighthouse needs Node.js and npm (apt-get install nodejs npm).")
        TOOLS.mkdir(exist_ok=True)
        (TOOLS / "package.json").write_text('{"private": true}\n')
        print(f"Installing {LIGHTHOUSE} into {TOOLS.relative_to(ROOT)}/ …", flush=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                LIGHTHOUSE,
            ],
            cwd=TOOLS,
            check=True,
        )
    return binary


def audit(binary: Path, url: str, report: Path) -> dict:
    subprocess.run(
        [
            str(binary),
            url,
            f"--chrome-flags={CHROME_FLAGS}",
            "--output=json",
            f"--output-path={report}",
            "--quiet",
        ],
        env={**os.environ, "CHROME_PATH": CHROME},
        check=True,
        timeout=300,
    )
    result: dict[Any, Any] = json.loads(report.read_text())
    return result


def scores(result: dict) -> dict[str, int]:
    return {
        name: round((result["categories"][name]["score"] or 0) * 100)
        for name in TARGETS
    }


def lost_points(result: dict) -> list[str]:
    """Audits that count towards a score and did not pass, weightiest first."""
    lost = []
    for name in TARGETS:
        for ref in result["categories"][name]["auditRefs"]:
            item = result["audits"][ref["id"]]
            if ref["weight"] and item["score"] is not None and item["score"] < 1:
                shown = item.get("displayValue", "")
                lost.append((ref["weight"], f"{name}: {item['title']} {shown}".strip()))
    return [text for _, text in sorted(lost, reverse=True)]


def median_run(binary: Path, url: str, folder: Path, runs: int) -> dict:
    """Lighthouse `runs` times; the run with the median performance score counts,
    as Lighthouse's own docs advise against reading a single run."""
    results = [audit(binary, url, folder / f"run-{n}.json") for n in range(runs)]
    results.sort(key=lambda result: scores(result)["performance"])
    return results[len(results) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page (median)")
    args = parser.parse_args()
    binary = ensure_lighthouse()
    table: dict[str, dict[str, int]] = {}
    notes: dict[str, list[str]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp,
        demo_server() as server,
    ):
        print(f"Production-mode server on {server.url}", flush=True)
        for name, path in server.pages.items():
            print(f"Lighthouse: {name} ({path}), {args.runs} runs …", flush=True)
            folder = Path(tmp) / name
            folder.mkdir()
            result = median_run(binary, server.url + path, folder, args.runs)
            table[name] = scores(result)
            notes[name] = lost_points(result)
    width = max(len(name) for name in table) + 2
    print("\n" + "page".ljust(width) + "".join(f"{c:>16}" for c in TARGETS))
    for name, row in table.items():
        print(name.ljust(width) + "".join(f"{row[c]:>16}" for c in TARGETS))
    failed = False
    for name, row in table.items():
        missed = [c for c, target in TARGETS.items() if row[c] < target]
        failed = failed or bool(missed)
        if notes[name]:
            print(f"\n{name}: what cost points")
            print("  " + "\n  ".join(notes[name][:12]))
    targets = ", ".join(f"{c} {t}" for c, t in TARGETS.items())
    print(f"\n{'MISSED' if failed else 'Met'} the targets ({targets}).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
