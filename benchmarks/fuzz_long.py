#!/usr/bin/env python3
"""The long fuzz run: N hostile inputs through call, report, inspect, batch and report --labs,
each in a forked child with a time and memory bound; prints the counts and every distinct
failure cause, and saves each failing input (up to 5 per cause) for reproduction.

usage: python benchmarks/fuzz_long.py [--cases 20000] [--start 0] [--jobs 2] [--family zip]
                                      [--save fuzz-failures/] [--case ID]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
import fuzzing  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--start", type=int, default=0, help="first case id (cases are made from their id)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--family", choices=fuzzing.FAMILIES, help="only this family of mutators")
    parser.add_argument("--save", type=Path, default=Path("fuzz-failures"), help="folder for failing inputs")
    parser.add_argument("--case", type=int, help="run this one case and keep its folder")
    args = parser.parse_args()
    ids = [args.case] if args.case is not None else range(args.start, args.start + args.cases)
    started, done = time.monotonic(), [0]

    def progress(outcome):
        done[0] += 1
        if outcome.problems or done[0] % 500 == 0:
            print(f"[{done[0]}/{len(ids)} {time.monotonic() - started:.0f} s] "
                  f"{outcome.case.describe()}: {'; '.join(outcome.problems) or 'ok'}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="itbs-fuzz-") as work:
        cases = (fuzzing.make_case(i, args.family) for i in ids)
        outcomes = fuzzing.run(cases, Path(work), args.jobs, progress=progress)
        print(fuzzing.summary(outcomes, args.save))
        print(f"{len(outcomes)} cases in {time.monotonic() - started:.0f} s; failing inputs saved in {args.save}")
    return 1 if any(o.problems for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
