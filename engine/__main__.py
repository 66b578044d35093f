"""`python -m engine forecast FILE.json`: the forecast of a baseline as JSON on stdout.

Errors (unreadable file, invalid JSON, a baseline that breaks a rule) go to stderr with exit code 2. A reader
that stops early (`| head -1`) ends the program quietly with exit code 141, as a Unix tool killed by SIGPIPE.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from engine.baseline import BaselineError, parse_baseline
from engine.forecast import forecast


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine", description="Sales target forecast engine.")
    sub = parser.add_subparsers(dest="command", required=True)
    fc = sub.add_parser("forecast", help="print the forecast of a baseline JSON file")
    fc.add_argument("file", help="baseline JSON (DESIGN section 6), or - for standard input")
    fc.add_argument("--no-sensitivity", action="store_true", help="skip the driver sensitivity table")
    args = parser.parse_args(argv)
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        print(
            f"error: {args.file} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}", file=sys.stderr
        )
        return 2
    try:
        baseline = parse_baseline(data)
    except BaselineError as exc:
        print(f"error: {args.file} is not a valid baseline:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    result = forecast(baseline, sensitivity=not args.no_sensitivity)
    return _emit(json.dumps(result.to_dict(), indent=2) + "\n")


BROKEN_PIPE_EXIT = 128 + 13  # the status a shell reports for a process killed by SIGPIPE


def _emit(text: str) -> int:
    """Write to stdout; a reader that closed the pipe is not an error worth a traceback."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()  # inside the try: an unflushed buffer would raise at interpreter exit instead
    except BrokenPipeError:
        # Point stdout at devnull so Python's final flush of the dead pipe does not print another error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return BROKEN_PIPE_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
