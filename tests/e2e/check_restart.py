#!/usr/bin/env python3
"""A run killed half-way resumes from its journal and gives the uninterrupted run's bytes.

Synthetic granules; SOURCE_DATE_EPOCH fixed; every run uses the same `healgrid run` arguments
(--rounds 4) in its own directory, so outputs can be compared byte for byte.
1. Reference: an uninterrupted 2-rank run (no journal left behind).
2. A 2-rank run slowed by the test hook HEALGRID_TEST_ROUND_PAUSE_SECONDS (a sleep after each
   journaled round) is killed with a real external SIGKILL of rank 1 once half of its 8 rounds
   are in OUT.nc.journal/: mpirun exits non-zero naming rank 1 and signal 9, and no OUT.nc.
3. The same command again: it prints the reused parent cells and points (> 0, fewer than the
   whole; the uninterrupted run prints no journal line), reads fewer rows than the reference,
   removes the journal, and its output is byte-identical to the reference.
4. Killed again the same way, then resumed with 3 ranks (journal rounds sliced to other rank
   ranges): byte-identical too.
5. --on-bad-granule skip: a run killed while another process holds a lock on one granule (so
   HDF5 cannot open it and the run skips it), resumed once the lock is gone: the rounds
   computed without that granule are not reused (the log says so) and the output is the
   uninterrupted skip run's bytes, the granule used; the journal's rounds never mix runs that
   skipped different granules.
6. A run killed, then resumed by another build of healgrid (the same program with its GNU
   build ID removed by objcopy, so it names itself by commit): the journal is removed as one of
   other inputs, nothing is reused, and the values equal the uninterrupted run's.
The output is sparse (auto at the default orders), so this is also the sparse layout's restart.
"""

import glob
import os
import re
import shlex
import signal
import subprocess
import time

import fcntl

import common  # isort: skip
from common import Checks, rank_pids  # isort: skip

EPOCH = "1700000000"
ARGS = ["--input", "../granules", "--output", "out.nc", "--rounds", "4"]


def launch(nprocs, cwd, env, extra=(), binary=None):
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    args = ARGS[:-2] + list(extra) if "--rounds" in extra else ARGS + list(extra)
    cmd = mpiexec + ["-np", str(nprocs), "--oversubscribe", binary or common.healgrid_bin(),
                     "run"] + args
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace",
                            start_new_session=True)


def run(nprocs, cwd, env, extra=(), binary=None):
    proc = launch(nprocs, cwd, env, extra, binary)
    out, _ = proc.communicate(timeout=300)
    return proc.returncode, out


def killed_run(checks, cwd, env, label, extra=(), log=None):
    """Starts the slowed 2-rank run, SIGKILLs rank 1 at >= 4 of 8 rounds; returns rounds seen
    (and appends the killed run's output to `log`)."""
    slow = dict(env, HEALGRID_TEST_ROUND_PAUSE_SECONDS="1.5")
    proc = launch(2, cwd, slow, extra)
    journal = os.path.join(cwd, "out.nc.journal")
    rounds = common.wait_for_rounds(proc, journal, 4, 120)
    pids = rank_pids(proc.pid)
    if not checks.check(len(rounds) >= 4 and sorted(pids) == [0, 1],
                        f"{label}: no half-way point (rounds {len(rounds)}, ranks {pids})"):
        proc.kill()
        proc.communicate()
        return 0
    os.kill(pids[1], signal.SIGKILL)
    out, _ = proc.communicate(timeout=120)
    if log is not None:
        log.append(out)
    print(f"{label}: killed rank pid {pids[1]} with {len(rounds)} of 8 rounds journaled; "
          f"mpirun exited {proc.returncode}")
    checks.check(proc.returncode != 0, f"{label}: killed run exited 0")
    checks.check(re.search(r"rank 1 .*signal 9", out) is not None,
                 f"{label}: the log does not name rank 1 and signal 9:\n{out}")
    checks.check(not os.path.exists(os.path.join(cwd, "out.nc")), f"{label}: out.nc left")
    return len(rounds)


def summary(out):
    m = re.search(r"\[journal\] reused (\d+) parent cells \((\d+) points used\).*computing "
                  r"(\d+) parent cells \((\d+) points to read\)", out)
    rows = re.search(r"(\d+) rows read", out)
    return (tuple(int(x) for x in m.groups()) if m else None), (int(rows.group(1)) if rows else -1)


def skipped_then_read(checks, tmp, env):
    """Scenario 5: a granule locked (skipped) in the killed run, readable in the resumed one.
    Two cycles of the same track: every parent cell of one granule holds the other's points
    too, so a round computed without the locked granule is wrong wherever it is reused."""
    skip = ["--on-bad-granule", "skip"]
    base = os.path.join(tmp, "skip")
    granules = os.path.join(base, "granules")
    for cycle in ("4", "5"):
        common.synth_granules(checks, granules, ["--granules", "1", "--cycle", cycle], env)
    ref, d = os.path.join(base, "ref"), os.path.join(base, "run")
    os.makedirs(ref)
    os.makedirs(d)
    rc, out = run(2, ref, env, skip)
    if not checks.check(rc == 0, f"skip reference exited {rc}:\n{out}"):
        return
    granule = sorted(glob.glob(os.path.join(granules, "*.h5")))[-1]
    log = []
    with open(granule, "rb") as held:  # HDF5's own file lock (flock) fails on it
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        rounds = killed_run(checks, d, env, "skip", skip, log)
    if not rounds:
        return
    checks.check("skipping granule" in log[0] and os.path.basename(granule) in log[0],
                 f"skip: the killed run did not skip the locked granule:\n{log[0]}")
    rc, out = run(2, d, env, skip)
    if not checks.check(rc == 0, f"skip: resumed run exited {rc}:\n{out}"):
        return
    checks.check("other granules were skipped" in out and "skipping" not in out,
                 f"skip: the resumed run does not say the skip run's rounds are not reused:\n{out}")
    same = open(os.path.join(d, "out.nc"), "rb").read() == \
        open(os.path.join(ref, "out.nc"), "rb").read()
    checks.check(same, "skip: resumed output differs from the uninterrupted skip run (rounds "
                       "computed without the granule were mixed in?)")
    print(f"skip: resumed after a granule skipped in the killed run: identical to the "
          f"uninterrupted run: {same}")


def another_build(checks, tmp, env, ref_dir):
    """Scenario 6: a killed run's journal is not resumed by another build."""
    other = os.path.join(tmp, "healgrid-other-build")
    proc = subprocess.run(["objcopy", "--remove-section", ".note.gnu.build-id",
                           common.healgrid_bin(), other], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
    if not checks.check(proc.returncode == 0, f"objcopy failed: {proc.stdout}"):
        return
    d = os.path.join(tmp, "build")
    os.makedirs(d)
    if not killed_run(checks, d, env, "build"):
        return
    rc, out = run(2, d, env, binary=other)
    checks.check(rc == 0 and "round files of other inputs" in out and "reused" not in out,
                 f"build: the other build did not discard the journal (exit {rc}):\n{out}")
    with common.xarray.open_dataset(os.path.join(d, "out.nc")) as got, \
            common.xarray.open_dataset(os.path.join(ref_dir, "out.nc")) as want:
        checks.check(got.equals(want), "build: values differ from the uninterrupted run")
    print(f"build: another build's rerun discarded the journal (exit {rc})")


def main():
    checks = Checks("check_restart")
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    with common.temp_dir("healgrid-restart-") as tmp:
        common.synth_granules(checks, os.path.join(tmp, "granules"),
                              ["--granules", "3", "--cycle", "4"], env)
        dirs = {name: os.path.join(tmp, name) for name in ("ref", "np2", "np3", "off")}
        for d in dirs.values():
            os.makedirs(d)
        rc, out = run(2, dirs["ref"], env)
        if not checks.check(rc == 0, f"reference run exited {rc}:\n{out}"):
            checks.finish()
        # A fresh run says nothing about the journal: there was nothing to reuse.
        counts, ref_rows = summary(out)
        checks.check(counts is None and "[journal]" not in out
                     and not os.path.exists(os.path.join(dirs["ref"], "out.nc.journal")),
                     f"reference: a [journal] line, or journal left behind:\n{out}")
        with common.xarray.open_dataset(os.path.join(dirs["ref"], "out.nc")) as ds:
            computed = int(ds.attrs["parent_cells"])
            total_points = int(ds.attrs["points_used"])
            # Synthetic tracks fill a few percent of their parent cells: auto writes sparse,
            # so the journal's rounds are resumed into a sparse file.
            checks.check(ds.attrs.get(common.schema.LAYOUT) == common.schema.SPARSE,
                         f"reference layout {ds.attrs.get(common.schema.LAYOUT)!r}, not sparse")
        reference = open(os.path.join(dirs["ref"], "out.nc"), "rb").read()
        print(f"reference: {computed} parent cells, {total_points} points used, "
              f"{ref_rows} rows read")

        for name, nprocs in (("np2", 2), ("np3", 3)):
            d = dirs[name]
            if not killed_run(checks, d, env, name):
                continue
            start = time.time()
            rc, out = run(nprocs, d, env)
            seconds = time.time() - start
            if not checks.check(rc == 0, f"{name}: resumed run exited {rc}:\n{out}"):
                continue
            counts, rows = summary(out)
            print(f"{name}: resumed with {nprocs} ranks in {seconds:.1f} s")
            if checks.check(counts is not None, f"{name}: no [journal] line:\n{out}"):
                r_cells, r_points, c_cells, c_points = counts
                checks.check(r_cells > 0 and r_points > 0, f"{name}: nothing reused: {counts}")
                checks.check(r_points < total_points and r_cells + c_cells == computed,
                             f"{name}: reused {r_points} of {total_points} points, cells "
                             f"{r_cells} + {c_cells} != {computed}")
                print(f"{name}: reused {r_cells} parent cells ({r_points} of {total_points} "
                      f"points used), computed {c_cells} ({c_points} points to read); rows read "
                      f"{rows} vs {ref_rows} uninterrupted")
            checks.check(0 <= rows < ref_rows, f"{name}: read {rows} rows, reference {ref_rows}")
            checks.check(not os.path.exists(os.path.join(d, "out.nc.journal")),
                         f"{name}: journal not removed after the complete output")
            same = open(os.path.join(d, "out.nc"), "rb").read() == reference
            checks.check(same, f"{name}: resumed output differs from the uninterrupted run")
            print(f"{name}: byte-identical to the uninterrupted run: {same}")
        # Rerun without a journal (--rounds 0) after a kill: the killed run's journal, which
        # healgrid made, is removed once the output is complete, as any other.
        d = dirs["off"]
        if killed_run(checks, d, env, "off"):
            rc, out = run(2, d, env, ["--rounds", "0"])
            checks.check(rc == 0 and "[journal]" not in out, f"off: exit {rc}:\n{out}")
            checks.check(not os.path.exists(os.path.join(d, "out.nc.journal")),
                         "off: the killed run's journal left behind by a --rounds 0 run")
            with common.xarray.open_dataset(os.path.join(d, "out.nc")) as got, \
                    common.xarray.open_dataset(os.path.join(dirs["ref"], "out.nc")) as want:
                checks.check(got.equals(want),  # values; `history` names --rounds 0
                             "off: values differ from the uninterrupted run")
        skipped_then_read(checks, tmp, env)
        another_build(checks, tmp, env, dirs["ref"])
    checks.finish()


if __name__ == "__main__":
    main()
