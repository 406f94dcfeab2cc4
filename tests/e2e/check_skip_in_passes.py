#!/usr/bin/env python3
"""A granule the run skips stays out of every pass, even when it reads again later.

Two synthetic granules on the same track (cycles 4 and 5: every parent cell holds points of
both), a 2-rank run in passes that index the granules again (--scratch none, a budget of a
third of the points' bytes per rank), --on-bad-granule skip:
1. reference: the cycle-5 granule locked (flock, which HDF5's own file lock fails on) for the
   whole run: skipped, the run goes in >= 2 passes, each indexing again;
2. the same command with the lock released once the first round is journaled (after the first
   pass's index, before any later pass indexes again): the output is byte-identical to the
   reference: the granule, skipped by the first index pass, is not opened by the later ones.
   (Before: a later pass read it, so its points reached some passes' parent cells only, while
   its status said skipped: wrong values, exit 0.)
"""

import fcntl
import glob
import os
import re
import shlex
import subprocess

import common  # isort: skip
from common import Checks  # isort: skip

EPOCH = "1700000000"
ARGS = ["--input", "../granules", "--output", "out.nc", "--child-order", "10", "--rounds", "2",
        "--scratch", "none", "--on-bad-granule", "skip"]
BYTES_PER_POINT = 20.5  # check_memory_passes.py: the plan's bytes per point at --rounds 2


def launch(cwd, args, env):
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    cmd = mpiexec + ["-np", "2", "--oversubscribe", common.healgrid_bin(), "run"] + args
    os.makedirs(cwd, exist_ok=True)
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")


def main():
    checks = Checks("check_skip_in_passes")
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    with common.temp_dir("healgrid-skip-passes-") as tmp:
        granules = os.path.join(tmp, "granules")
        for cycle in ("4", "5"):
            common.synth_granules(checks, granules, ["--granules", "1", "--cycle", cycle], env)
        locked = sorted(glob.glob(os.path.join(granules, "*.h5")))[-1]
        with open(locked, "rb") as held:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)
            # The budget from the points the reference plans (the locked granule left out).
            probe = launch(os.path.join(tmp, "probe"), ARGS, env)
            out, _ = probe.communicate(timeout=300)
            if not checks.check(probe.returncode == 0 and "skipping granule" in out,
                                f"probe run: exit {probe.returncode}, no skip:\n{out}"):
                checks.finish()
            planned = int(re.search(r"(\d+) points pass filters", out).group(1))
            args = ARGS + ["--memory-per-rank", str(int(planned * BYTES_PER_POINT) // 2 // 3)]
            ref = launch(os.path.join(tmp, "ref"), args, env)
            ref_out, _ = ref.communicate(timeout=300)
        passes = re.search(r"\[memory\] (\d+) passes", ref_out)
        if not checks.check(ref.returncode == 0 and passes and int(passes.group(1)) >= 2 and
                            "indexed again" in ref_out and "skipping granule" in ref_out,
                            f"reference: exit {ref.returncode}, not in passes that index "
                            f"again with the granule skipped:\n{ref_out}"):
            checks.finish()
        print(f"reference: {passes.group(1)} passes, {os.path.basename(locked)} skipped")

        run_dir = os.path.join(tmp, "run")
        journal = os.path.join(run_dir, "out.nc.journal")
        held = open(locked, "rb")
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        proc = launch(run_dir, args, dict(env, HEALGRID_TEST_ROUND_PAUSE_SECONDS="1"))
        rounds = common.wait_for_rounds(proc, journal, 1, 300)
        held.close()  # the granule reads from here on
        out, _ = proc.communicate(timeout=300)
        checks.check(len(rounds) >= 1 and proc.returncode == 0 and "skipping granule" in out,
                     f"run: exit {proc.returncode}, rounds {len(rounds)}:\n{out}")
        checks.check("changed between two passes" not in out,
                     f"run: a later pass opened the skipped granule:\n{out}")
        same = open(os.path.join(run_dir, "out.nc"), "rb").read() == \
            open(os.path.join(tmp, "ref", "out.nc"), "rb").read()
        checks.check(same, "the granule skipped by the first pass reached a later pass: the "
                           "output differs from the run that skipped it throughout")
        print(f"lock released after the first round: identical to the reference: {same}")
    checks.finish()


if __name__ == "__main__":
    main()
