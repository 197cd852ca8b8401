"""`python -m benchmarks [--quick] [--json PATH] [--markdown]`: run, print the tables, save JSON.

Exits with status 1 when the contenders disagree on the loss or gradients (timings are void),
in section 1 or in section 7 (fit(compile=True) against PyTorch).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import FULL, QUICK
from .report import render
from .runner import run
from .timing import steady


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the runner works")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    parser.add_argument("--markdown", action="store_true", help="print tables as Markdown")
    args = parser.parse_args(argv)

    conditions: list[str] = []
    with steady(conditions, keep_freed_memory=True):
        results = run(
            QUICK if args.quick else FULL, log=lambda msg: print(f"... {msg}", file=sys.stderr)
        )
    results["notes"] = conditions + results["notes"]
    print(render(results, markdown=args.markdown))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if not results["correctness"]["passed"]:
        print(
            "\n!!! CORRECTNESS CHECK FAILED: the contenders disagree, so the training-step and "
            "forward/backward comparisons were not run. See 'correctness' above.",
            file=sys.stderr,
        )
        return 1
    if any("error" in case for case in results["versus_torch"].get("cases", [])):
        print("\n!!! fit(compile=True) and PyTorch disagree: see section 7.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
