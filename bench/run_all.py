"""Run every benchmark in turn on the emulators `make bench` started, printing each one's figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "me.py",
    "courses.py",
    "materials.py",
    "chat_fanout.py",
    "payments.py",
    "content.py",
    "analytics.py",
    "load.py",
]


def main() -> int:
    failed = []
    for script in SCRIPTS:
        print(f"\n=== bench/{script}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script)], check=False).returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
