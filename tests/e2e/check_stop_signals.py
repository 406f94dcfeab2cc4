#!/usr/bin/env python3
"""SIGINT, SIGHUP, SIGUSR2 and HEALGRID_STOP_GRACE_SECONDS on a real 2-rank run (docs/reliability.md).

Synthetic granules; each run is slowed by the test hook HEALGRID_TEST_ROUND_PAUSE_SECONDS (a
sleep after each journaled round, --rounds 4) and signalled once a round is in OUT.nc.journal/.
In each case a previous OUT.nc is in place. Cases:
  SIGINT to every rank      exit 130, "stopped by SIGINT"
  SIGHUP to every rank      exit 129, "stopped by SIGHUP"
  SIGUSR2 to mpirun         (forwarded to the ranks) exit 140, "stopped by SIGUSR2"
  grace period              HEALGRID_STOP_GRACE_SECONDS=2, rank 1 frozen (SIGSTOP), SIGTERM to
                            rank 0: rank 0 cannot agree with rank 1, waits the grace period
                            (not less: >= 1.8 s), then stops at once ("grace period over"), exit 143
  SIGTERM to rank 1 only    3 ranks, 12 rounds each with a 1.0 s pause: rank 1 relays the stop
                            and every rank ends within ONE_RANK_STOP_S of the signal, exit 143,
                            "stopped by SIGTERM" (the others used to finish their whole read
                            phase: at least 11 s more here)
  SIGTERM relayed then own  3 ranks, rank 2 frozen, SIGTERM to rank 1, then (once rank 0 has
                            adopted the relayed stop) to rank 0, then rank 2 thawed: exit 143,
                            "stopped by SIGTERM", the job still going before the thaw (rank 0
                            used to take its own signal for a second one and end the job at once,
                            without the reason)
  SIGTERM while writing     every rank, during the write (held by HEALGRID_TEST_WRITE_PAUSE_SECONDS
                            before the rename): exit 143, "while writing" (it used to finish the
                            write, replace OUT.nc and exit 0)
Every case: the previous OUT.nc left byte for byte, no OUT.nc.partial*, the journal kept with
every round written before the signal; after the SIGINT case, the same command reuses those
rounds ("[journal] reused N parent cells", N > 0) and completes.
"""

import glob
import json
import os
import shlex
import shutil
import signal
import subprocess
import time

import common  # isort: skip
from common import Checks  # isort: skip

from common import rank_pids  # isort: skip

ARGS = ["--input", "../granules", "--output", "out.nc", "--rounds", "4"]
STOP_WITHIN_S = 10.0
# A signal to one rank: the others hear of it at their next row block or round: at most one
# 1.0 s test pause, plus mpirun's teardown, which alone took 2.5-3.6 s on a loaded CI machine
# (the every-rank cases). The build that did not relay the stop needed 11 pauses more.
ONE_RANK_STOP_S = 6.0
# Two round pauses of 1.0 s: rank 1 relays its stop after its pause, rank 0 adopts after its
# own; the rest is slack for a loaded machine.
RELAY_ADOPTED_S = 4.0


def launch(cwd, env, nprocs=2, args=ARGS):
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    cmd = mpiexec + ["-np", str(nprocs), "--oversubscribe", common.healgrid_bin(), "run"] + args
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace",
                            start_new_session=True)


def finish(proc, timeout=60):
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return 124, out
    return proc.returncode, out


def stop_case(checks, tmp, previous, env, label, send, expect_rc, needle, min_s=0.0,
              nprocs=2, args=ARGS, within_s=STOP_WITHIN_S):
    """Start a slowed run in its own folder, `send(proc, pids)` at the first round, check."""
    cwd = os.path.join(tmp, label.replace(" ", "_"))
    os.makedirs(cwd)
    out_nc = os.path.join(cwd, "out.nc")
    shutil.copyfile(previous, out_nc)
    before = open(out_nc, "rb").read()
    proc = launch(cwd, env, nprocs, args)
    journal = os.path.join(cwd, "out.nc.journal")
    rounds = common.wait_for_rounds(proc, journal, 1, 120)
    pids = rank_pids(proc.pid)
    if not checks.check(rounds and sorted(pids) == list(range(nprocs)),
                        f"{label}: no journaled round to stop after (ranks {pids})"):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    t0 = time.monotonic()
    send(proc, pids)
    rc, out = finish(proc)
    elapsed = time.monotonic() - t0
    print(f"{label}: exit {rc} {elapsed:.1f} s after the signal, {len(rounds)} round(s) "
          "journaled before it")
    ok = checks.check(rc == expect_rc, f"{label}: exit {rc}, expected {expect_rc}")
    ok &= checks.check(needle in out, f"{label}: output lacks {needle!r}")
    # A stopped run reads as stopped, not as ranks that finished all their work (a frozen rank
    # past the grace period reports nothing at all).
    ok &= checks.check("grace period" in needle or "stopped after" in out and "ranks done, " in out and
                       "(100%)" not in out and "finished" not in out,
                       f"{label}: the progress lines do not say the ranks stopped")
    ok &= checks.check(min_s <= elapsed < within_s,
                       f"{label}: stopped {elapsed:.1f} s after the signal, expected "
                       f"{min_s}..{within_s} s")
    if not ok:
        print(f"--- {label} output:\n{out}")
    checks.check(open(out_nc, "rb").read() == before, f"{label}: the previous out.nc changed")
    left = glob.glob(out_nc + ".partial*") + glob.glob(out_nc + ".lock")
    checks.check(not left, f"{label}: left behind: {left}")
    kept = set(glob.glob(os.path.join(journal, "p*.round")))
    checks.check(set(rounds) <= kept and os.path.isfile(os.path.join(journal, "KEY")),
                 f"{label}: journal not kept: {len(kept)} round files and KEY "
                 f"{os.path.isfile(os.path.join(journal, 'KEY'))}, {len(rounds)} seen before")
    return cwd


def write_phase_case(checks, tmp, previous, env):
    """SIGTERM to every rank while the output is written (held there by the test hook
    HEALGRID_TEST_WRITE_PAUSE_SECONDS before the rename): exit 143, the previous out.nc kept."""
    label = "SIGTERM while writing"
    cwd = os.path.join(tmp, label.replace(" ", "_"))
    os.makedirs(cwd)
    out_nc = os.path.join(cwd, "out.nc")
    shutil.copyfile(previous, out_nc)
    before = open(out_nc, "rb").read()
    proc = launch(cwd, dict(env, HEALGRID_TEST_WRITE_PAUSE_SECONDS="3"))
    progress, writing, deadline = out_nc + ".progress.json", False, time.monotonic() + 120
    while not writing and proc.poll() is None and time.monotonic() < deadline:
        try:
            writing = json.load(open(progress, encoding="utf-8")).get("state") == "writing"
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    pids = rank_pids(proc.pid)
    if not checks.check(writing and sorted(pids) == [0, 1], f"{label}: no write phase seen"):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return
    for pid in pids.values():
        os.kill(pid, signal.SIGTERM)
    rc, out = finish(proc)
    print(f"{label}: exit {rc}")
    checks.check(rc == 143 and "while writing" in out, f"{label}: exit {rc}, expected 143 "
                 f"'while writing':\n{out}")
    checks.check(open(out_nc, "rb").read() == before, f"{label}: the previous out.nc changed")
    left = glob.glob(out_nc + ".partial*") + glob.glob(out_nc + ".lock")
    checks.check(not left, f"{label}: left behind: {left}")


def main():
    checks = Checks("check_stop_signals")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    slow = dict(env, HEALGRID_TEST_ROUND_PAUSE_SECONDS="1.5")
    with common.temp_dir("healgrid-signals-") as tmp:
        common.synth_granules(checks, os.path.join(tmp, "granules"),
                              ["--granules", "3", "--cycle", "5"], env)
        ref_dir = os.path.join(tmp, "reference")
        os.makedirs(ref_dir)
        rc, out = finish(launch(ref_dir, env), timeout=300)
        previous = os.path.join(ref_dir, "out.nc")
        if not checks.check(rc == 0 and os.path.isfile(previous), f"reference run: {rc}\n{out}"):
            checks.finish()

        def to_ranks(sig):
            return lambda proc, pids: [os.kill(pid, sig) for pid in pids.values()]

        cwd = stop_case(checks, tmp, previous, slow, "SIGINT to every rank",
                        to_ranks(signal.SIGINT), 130, "stopped by SIGINT")
        stop_case(checks, tmp, previous, slow, "SIGHUP to every rank", to_ranks(signal.SIGHUP),
                  129, "stopped by SIGHUP")
        stop_case(checks, tmp, previous, slow, "SIGUSR2 to mpirun",
                  lambda proc, pids: os.kill(proc.pid, signal.SIGUSR2), 140, "stopped by SIGUSR2")

        def freeze_then_term(proc, pids):
            os.kill(pids[1], signal.SIGSTOP)
            os.kill(pids[0], signal.SIGTERM)

        graced = dict(slow, HEALGRID_STOP_GRACE_SECONDS="2")
        stop_case(checks, tmp, previous, graced, "grace period over", freeze_then_term, 143,
                  "grace period over", min_s=1.8)

        # Issue 15: a signal to one rank only (scancel of one task, an OOM-killer's SIGTERM).
        paced = dict(env, HEALGRID_TEST_ROUND_PAUSE_SECONDS="1.0")
        stop_case(checks, tmp, previous, paced, "SIGTERM to rank 1 only",
                  lambda proc, pids: os.kill(pids[1], signal.SIGTERM), 143, "stopped by SIGTERM",
                  nprocs=3, args=ARGS[:-1] + ["12"], within_s=ONE_RANK_STOP_S)

        # Slurm signals every task, not all at the same instant: a rank may hear of another
        # rank's signal (relayed) before its own arrives, which is then its first, not a
        # second ("stopping now" at once, without the reason, used to end the job). Rank 2 is
        # frozen meanwhile so the stop cannot end before rank 0's own signal arrives.
        def relayed_then_own(proc, pids):
            os.kill(pids[2], signal.SIGSTOP)
            os.kill(pids[1], signal.SIGTERM)
            time.sleep(RELAY_ADOPTED_S)  # rank 0 has adopted rank 1's stop by now
            os.kill(pids[0], signal.SIGTERM)
            time.sleep(1.0)
            # Ranks 0 and 1 wait for the frozen rank 2 (grace period 14 s): the job goes on.
            checks.check(proc.poll() is None,
                         "SIGTERM relayed then own: the job ended before rank 2 could agree")
            try:
                os.kill(pids[2], signal.SIGCONT)
            except ProcessLookupError:
                pass

        relayed = dict(paced, HEALGRID_STOP_GRACE_SECONDS="14")
        stop_case(checks, tmp, previous, relayed, "SIGTERM relayed then own", relayed_then_own,
                  143, "stopped by SIGTERM", nprocs=3, args=ARGS[:-1] + ["12"],
                  within_s=RELAY_ADOPTED_S + 9.0)

        write_phase_case(checks, tmp, previous, env)

        if cwd:  # the journal kept by the SIGINT case is used by the same command
            os.remove(os.path.join(cwd, "out.nc"))
            rc, out = finish(launch(cwd, env), timeout=300)
            checks.check(rc == 0, f"rerun after SIGINT exited {rc}:\n{out}")
            reused = [ln for ln in out.splitlines() if "[journal] reused" in ln]
            checks.check(reused and not reused[0].split("reused ")[1].startswith("0 "),
                         f"rerun after SIGINT did not reuse the journal: {reused}")
            same = open(os.path.join(cwd, "out.nc"), "rb").read() == open(previous, "rb").read()
            checks.check(same, "rerun after SIGINT: output differs from the uninterrupted run")
            print(f"rerun after SIGINT: {reused[0].strip() if reused else 'no [journal] line'}; "
                  f"byte-identical: {same}")
    checks.finish()


if __name__ == "__main__":
    main()
