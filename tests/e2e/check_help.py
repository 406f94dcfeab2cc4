#!/usr/bin/env python3
"""One help layout for every command: `healgrid CMD --help` of every command and campaign
subcommand exits 0 and prints a Usage line, an Options section whose values have named
placeholders (never Boost's default `arg`), and an Examples section, in lines of at most 80
columns; `healgrid help CMD` prints the same text; `healgrid --help` lists every command.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, healgrid_bin  # noqa: E402

COMMANDS = [["run"], ["synth"], ["render"], ["info"], ["view"], ["resolve"], ["fetch"],
            ["campaign"], ["campaign", "plan"], ["campaign", "status"], ["campaign", "submit"]]


def healgrid(args):
    proc = subprocess.run([healgrid_bin()] + args, capture_output=True, text=True, timeout=60,
                          check=False)
    return proc.returncode, proc.stdout, proc.stderr


def check_layout(checks, label, text):
    lines = text.splitlines()
    checks.check(lines and lines[0].startswith("Usage: "), f"{label}: no Usage line first")
    checks.check("\nOptions:\n" in text, f"{label}: no Options section")
    checks.check("\nExamples:\n  " in text, f"{label}: no Examples section")
    wide = [line for line in lines if len(line) > 80]
    checks.check(not wide, f"{label}: {len(wide)} line(s) over 80 columns: {wide[:2]}")
    # An option line is "  --name VALUE ..." or "  -x [ --name ] VALUE ...".
    unnamed = [line for line in lines if re.match(r"\s+(-\w \[ )?--[\w-]+( \])? arg\b", line)]
    checks.check(not unnamed, f"{label}: values without a named placeholder: {unnamed[:2]}")


def main():
    checks = Checks("help layout")
    for cmd in COMMANDS:
        label = "healgrid " + " ".join(cmd) + " --help"
        rc, out, err = healgrid(cmd + ["--help"])
        if not checks.check(rc == 0, f"{label}: exit {rc}: {err}"):
            continue
        check_layout(checks, label, out)
        rc2, out2, err2 = healgrid(["help"] + cmd)
        checks.check(rc2 == 0 and out2 == out,
                     f"healgrid help {' '.join(cmd)}: exit {rc2}, differs from {label}: {err2}")
    rc, out, _ = healgrid(["--help"])
    checks.check(rc == 0 and out.splitlines()[2].startswith("Usage: "), f"--help: exit {rc}")
    for cmd in {c[0] for c in COMMANDS}:
        checks.check(re.search(rf"^  {cmd}\s", out, re.M), f"--help does not list {cmd}")
    checks.check(all(len(line) <= 80 for line in out.splitlines()), "--help: a line over 80")
    rc, _, err = healgrid(["campaign", "plan"])
    checks.check(rc == 2 and "campaign file" in err, f"campaign plan without a file: {rc} {err}")
    # run takes its options in full only: an abbreviation would reach the output's history,
    # which leaves out --memory-per-rank and --scratch by their full names.
    for short in ("--mem", "--scr", "--memory-per"):
        rc, _, err = healgrid(["run", "--input", "x.h5", "--output", "o.nc", short, "2G"])
        checks.check(rc == 2 and f"unrecognised option '{short}'" in err,
                     f"run {short} 2G: exit {rc}: {err}")
    checks.finish()


if __name__ == "__main__":
    main()
