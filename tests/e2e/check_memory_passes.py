#!/usr/bin/env python3
"""Bounded memory: a run in passes gives the single-pass run's bytes, within its budget.

usage: check_memory_passes.py --np N

On 4 synthetic ATL06 granules (~2.5 M points; child order 10 keeps the output block small):
1. the single-pass run (default budget) at N ranks, with --metrics-json;
2. the same command with --memory-per-rank set to a quarter of the points' bytes per rank
   (20.5 bytes per point, the plan's figure for this config in 2 rounds): the log says it goes
   in >= 3 passes and why, the output is byte-identical (`cmp`) to the single-pass run's, and each
   rank's peak RSS (from /proc, in --metrics-json) is at most the budget plus a fixed overhead
   of OVERHEAD_MB (process image, MPI, the HDF5 library and its chunk caches, the read
   buffers of one row block), and below the single-pass run's; the passes read the binned
   points back from the scratch spill (the log says so for each pass, none indexes again);
   with --scratch none every pass indexes the granules again, to the same bytes within the
   same bound; with a --scratch directory that does not exist, or a 256 KB tmpfs that fills up
   during the index pass (root only), the run warns, naming it, and indexes again, to the same
   bytes, leaving nothing in the directory; in each of these runs and in the single pass, each
   rank's own work (--metrics-json rank_busy_seconds): the index within the index phase, the
   passes' points (read back or indexed again) above 0 on every rank in passes and 0 in one,
   read + aggregate above 0, and the summary names the passes' points at several ranks;
3. a run in passes killed half-way (SIGKILL of every rank once rounds are journaled: a pass
   boundary is a round boundary) and rerun resumes from the journal and gives the same bytes;
4. a budget that the output block (child order 12) leaves nothing of is refused (exit 1)
   naming --memory-per-rank, and no output is written;
5. with time windows every window's dense block counts: a budget of three whole dense outputs
   runs without windows and is refused with 12 windows;
6. with time windows and the sparse layout every window's block (aligned to the union of the
   windows' cells for the write) counts too: at child order 14 with 48 windows the budget of 2.
   is refused, naming the windows and the bound of the blocks, and a budget of that bound plus
   the budget of 2. runs, each rank's peak RSS within it plus OVERHEAD_MB;
7. the real ATL06 granules at parent order 0 under a 600K budget: the log names the parent cell
   that alone holds more points than the budget (its pass runs above it), at any rank count.
"""

import json
import os
import re
import shlex
import signal
import subprocess
import time

import netCDF4

import common  # isort: skip
from common import Checks  # isort: skip
from check_faults import tmpfs  # isort: skip
from common import rank_pids  # isort: skip

EPOCH = "1700000000"
# plan/pass_plan.hpp point_bytes: the binned point (4.5) for the whole pass, the aggregator's
# copy (4 + 2 x 12 + 4: floats and doubles while a round widens) for one round at a time:
# --rounds 2 holds half a pass (and at most one parent more) in the aggregator.
INDEXED_BYTES, AGGREGATED_BYTES, ROUNDS = 4.5, 32, 2
BYTES_PER_POINT = INDEXED_BYTES + AGGREGATED_BYTES / ROUNDS
OVERHEAD_MB = 80
ARGS = ["--input", "../granules", "--output", "out.nc", "--child-order", "10",
        "--rounds", str(ROUNDS), "--metrics-json", "metrics.json"]


def check_busy(checks, cwd, nprocs, in_passes, label):
    """The ranks' own work in the run's metrics.json (common.check_rank_busy)."""
    with open(os.path.join(cwd, "metrics.json"), encoding="utf-8") as f:
        common.check_rank_busy(checks, json.load(f), nprocs, in_passes, label)


def launch(nprocs, cwd, args, env):
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    cmd = mpiexec + ["-np", str(nprocs), "--oversubscribe", common.healgrid_bin(), "run"] + args
    os.makedirs(cwd, exist_ok=True)
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace",
                            start_new_session=True)


def run(nprocs, cwd, args, env):
    proc = launch(nprocs, cwd, args, env)
    out, _ = proc.communicate(timeout=600)
    return proc.returncode, out


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    nprocs = common.ranks_from_args(__doc__)
    checks = Checks(f"check_memory_passes np{nprocs}")
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    with common.temp_dir("healgrid-passes-") as tmp:
        common.synth_granules(checks, os.path.join(tmp, "granules"),
                              ["--granules", "4", "--cycle", "2"], env, timeout=600)

        # 1. One pass.
        single = os.path.join(tmp, "single")
        rc, out = run(nprocs, single, ARGS, env)
        if not checks.check(rc == 0, f"single-pass run failed:\n{out}"):
            checks.finish()
        checks.check("[memory] 1 pass: rank " in out
                     and "pass over" not in out and "passes over" not in out,
                     f"the default budget split the run, or the plan did not say why not:\n{out}")
        planned = int(re.search(r"(\d+) points pass filters", out).group(1))
        with open(os.path.join(single, "metrics.json"), encoding="utf-8") as f:
            single_rss = json.load(f)["peak_rss_bytes"]
        check_busy(checks, single, nprocs, False, "one pass")

        # 2. In passes: a quarter of the points' bytes per rank.
        budget = int(planned * BYTES_PER_POINT) // nprocs // 4
        pass_budget = budget
        passes = os.path.join(tmp, "passes")
        # The spill in a directory of the test's own (the default, $TMPDIR or /tmp, is not
        # taken when held in memory: unit test PointSpill.*); --scratch changes no byte.
        scratch = os.path.join(tmp, "scratch")
        os.makedirs(scratch)
        args = ARGS + ["--memory-per-rank", str(budget), "--scratch", scratch]
        rc, out = run(nprocs, passes, args, env)
        if not checks.check(rc == 0, f"run in passes failed:\n{out}"):
            checks.finish()
        m = re.search(r"\[memory\] (\d+) pass(?:es)? over the parent cells", out)
        npasses = int(m.group(1)) if m else 0
        checks.check(npasses >= 3, f"expected >= 3 passes under {budget} bytes:\n{out}")
        reason = (rf"\[memory\] rank \d+: \d+ passes, .* of points \(\d+ x {INDEXED_BYTES} "
                  rf"bytes and a round of at most \d+ x {AGGREGATED_BYTES} bytes\) against "
                  r"[\d.]+ [kMG]?B left for points")
        checks.check(re.search(reason, out) is not None, f"no reason line:\n{out}")
        # The round counted is the journal's: half a rank's points or more in 2 rounds.
        for rank_points, round_points in re.findall(
                rf"\((\d+) x {INDEXED_BYTES} bytes and a round of at most (\d+) x", out):
            checks.check(ROUNDS * int(round_points) >= int(rank_points),
                         f"a round of {round_points} of {rank_points} points in {ROUNDS} "
                         f"rounds:\n{out}")
        same = read_bytes(os.path.join(single, "out.nc")) == read_bytes(
            os.path.join(passes, "out.nc"))
        checks.check(same, "the output in passes differs from the single-pass output")
        with open(os.path.join(passes, "metrics.json"), encoding="utf-8") as f:
            rss = json.load(f)["peak_rss_bytes"]
        check_busy(checks, passes, nprocs, True, "passes read back")
        checks.check(nprocs == 1 or "passes' points " in out,
                     f"the ranks' own work leaves out the passes' points:\n{out}")
        limit = budget + OVERHEAD_MB * 1e6
        print(f"np{nprocs}: {planned} points, {npasses} passes under {budget / 1e6:.1f} MB; "
              f"peak RSS per rank {[round(r / 1e6) for r in rss]} MB (single pass "
              f"{[round(r / 1e6) for r in single_rss]} MB), limit {limit / 1e6:.0f} MB; "
              f"identical bytes: {same}")
        for r, (have, was) in enumerate(zip(rss, single_rss)):
            checks.check(have <= limit, f"rank {r}: peak RSS {have} > budget {budget} + "
                         f"{OVERHEAD_MB} MB")
            checks.check(have < was, f"rank {r}: peak RSS {have} not below one pass's {was}")

        checks.check(f"[memory] the passes read the binned points back from scratch ({scratch}" in out
                     and len(re.findall(r"\[memory\] pass: \d+ parent ranges read back from "
                                        r"scratch", out)) == npasses
                     and "indexed again" not in out, f"the passes did not read back:\n{out}")
        cases = [("reread", "none", "(--scratch none)"),
                 ("missing", os.path.join(tmp, "no", "such"), "warning: scratch directory "
                  + os.path.join(tmp, "no", "such"))]
        full = os.path.join(tmp, "small-scratch")  # a scratch disk full during the index pass
        if tmpfs(full, "256k"):
            cases.append(("full", full, "No space left on device"))
        else:
            print("note: cannot mount a tmpfs here (needs root): the full scratch case left out")
        for label, where, said in cases:
            rc, out = run(nprocs, os.path.join(tmp, label), args[:-2] + ["--scratch", where],
                          env)
            if not checks.check(rc == 0, f"--scratch {where} failed:\n{out}"):
                continue
            checks.check(said in out and len(re.findall(r"indexed again", out)) == npasses,
                         f"--scratch {where}: the passes did not index again:\n{out}")
            checks.check(read_bytes(os.path.join(tmp, label, "out.nc")) == read_bytes(
                os.path.join(single, "out.nc")), f"--scratch {where}: the output differs")
            check_busy(checks, os.path.join(tmp, label), nprocs, True, f"--scratch {where}")
            with open(os.path.join(tmp, label, "metrics.json"), encoding="utf-8") as f:
                for r, have in enumerate(json.load(f)["peak_rss_bytes"]):
                    checks.check(have <= limit, f"--scratch {where}: rank {r}: peak RSS "
                                 f"{have} > budget {budget} + {OVERHEAD_MB} MB")

        if os.path.ismount(full):
            checks.check(not os.listdir(full), f"the full scratch holds {os.listdir(full)}")
            subprocess.run(["umount", "-l", full], check=False)

        # 3. Killed half-way through the passes, then resumed from the journal.
        resumed = os.path.join(tmp, "resumed")
        slow = dict(env, HEALGRID_TEST_ROUND_PAUSE_SECONDS="1")
        proc = launch(nprocs, resumed, args, slow)
        journal = os.path.join(resumed, "out.nc.journal")
        rounds = common.wait_for_rounds(proc, journal, 3, 300)
        # OpenMPI puts each rank in its own process group: kill them by pid, then mpirun, and
        # wait until none is left (rank 0 holds the output's lock until it is gone).
        ranks = list(rank_pids(proc.pid).values())
        for pid in ranks:
            os.kill(pid, signal.SIGKILL)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        deadline = time.time() + 60
        while any(os.path.exists(f"/proc/{pid}") for pid in ranks) and time.time() < deadline:
            time.sleep(0.05)
        checks.check(len(rounds) >= 3, f"no half-way point ({len(rounds)} rounds journaled)")
        rc, out = run(nprocs, resumed, args, env)
        checks.check(rc == 0 and re.search(r"\[journal\] reused [1-9]", out) is not None,
                     f"the rerun did not resume:\n{out}")
        checks.check(rc == 0 and read_bytes(os.path.join(resumed, "out.nc")) == read_bytes(
            os.path.join(single, "out.nc")), "the resumed output differs from one pass's")
        # A line per pass that reuses rounds, of that pass's parents (the reused were a running
        # total beside the pass's computed): each parent cell counted at most once.
        per_pass = re.findall(r"\[journal\] reused (\d+) parent cells .* computing (\d+) parent "
                              r"cells", out)
        planned = re.search(r"\[plan\] (\d+) parent cells", out)
        total = sum(int(a) + int(b) for a, b in per_pass)
        checks.check(planned is not None and 0 < total <= int(planned.group(1)),
                     f"the passes' [journal] lines count {total} parent cells, the plan has "
                     f"{planned.group(1) if planned else '?'}: {per_pass}")
        print(f"np{nprocs}: killed at {len(rounds)} journaled rounds, resumed: "
              f"{re.search(r'.journal. reused[^;]*', out).group(0) if rc == 0 else out}")
        # 4. A budget the output block alone exhausts is refused before any read, naming it
        # (a dense block: its size is known from the plan; a sparse one only after the reads).
        small = ["--input", "../granules", "--output", "out.nc", "--memory-per-rank", "1M",
                 "--layout", "dense"]
        rc, out = run(nprocs, os.path.join(tmp, "refused"), small, env)
        checks.check(rc == 1 and "--memory-per-rank" in out
                     and not os.path.exists(os.path.join(tmp, "refused", "out.nc")),
                     f"a 1M budget at child order 12 was not refused (exit {rc}):\n{out}")

        # 5. Time windows: each window holds its own dense block until the write (they were
        # left out of the budget: 4x its memory at 12 windows, exit 0). A budget of three whole
        # dense outputs runs without windows, and is refused with 12 of them.
        dense = ["--input", "../granules", "--output", "out.nc", "--child-order", "10",
                 "--layout", "dense"]
        rc, out = run(nprocs, os.path.join(tmp, "dense"), dense, env)
        if checks.check(rc == 0, f"dense run failed:\n{out}"):
            with netCDF4.Dataset(os.path.join(tmp, "dense", "out.nc")) as ds:
                stats = [v for v in ds.variables.values()
                         if v.dimensions == ("cell_ids",) and v.name != "cell_ids"]
                whole = ds.dimensions["cell_ids"].size * (4 * len(stats) + 8)
            budget = ["--memory-per-rank", str(3 * whole)]
            rc, out = run(nprocs, os.path.join(tmp, "dense-budget"), dense + budget, env)
            checks.check(rc == 0, f"a budget of three dense outputs ({3 * whole} bytes) "
                         f"without windows failed (exit {rc}):\n{out}")
            # 11 empty days, then one window holding every point.
            windows = ",".join(f"2000-01-{d:02d}/2000-01-{d + 1:02d}" for d in range(1, 12))
            windows += ",2000-01-12/2030-01-01"
            rc, out = run(nprocs, os.path.join(tmp, "windows-budget"),
                          dense + budget + ["--time-windows", windows], env)
            checks.check(rc == 1 and "--memory-per-rank" in out
                         and re.search(r"in each of 12 time windows|one per time window, 12:", out)
                         and not os.path.exists(os.path.join(tmp, "windows-budget", "out.nc")),
                         f"12 dense windows' blocks in {3 * whole} bytes were not refused "
                         f"(exit {rc}):\n{out}")

        # 6. Sparse blocks of time windows: each window's block is aligned to the union of the
        # windows' cells before the write (they were left out of the budget: 250 MB peak under
        # 20 MB at 1 rank, exit 0).
        windows = ",".join(f"2000-01-{d:02d}/2000-01-{d + 1:02d}" for d in range(1, 30))
        windows += "," + ",".join(f"2000-02-{d:02d}/2000-02-{d + 1:02d}" for d in range(1, 19))
        windows += ",2000-02-19/2030-01-01"  # 47 empty days, then one window of every point
        sparse = ["--input", "../granules", "--output", "out.nc", "--child-order", "14",
                  "--layout", "sparse", "--time-windows", windows, "--metrics-json", "metrics.json"]
        rc, out = run(nprocs, os.path.join(tmp, "sparse-refused"),
                      sparse + ["--memory-per-rank", str(pass_budget)], env)
        m = re.search(r"cells with data in each of 48 time windows, with their union and a merged "
                      r"copy: ([\d.]+) (kB|MB|GB)\) leave nothing", out)
        checks.check(rc == 1 and m is not None
                     and not os.path.exists(os.path.join(tmp, "sparse-refused", "out.nc")),
                     f"48 sparse windows' blocks in {pass_budget} bytes were not refused "
                     f"(exit {rc}):\n{out}")
        if m:
            blocks = float(m.group(1)) * {"kB": 1e3, "MB": 1e6, "GB": 1e9}[m.group(2)]
            enough = int(blocks) + pass_budget
            cwd = os.path.join(tmp, "sparse-windows")
            rc, out = run(nprocs, cwd, sparse + ["--memory-per-rank", str(enough)], env)
            if checks.check(rc == 0, f"48 sparse windows in {enough} bytes failed:\n{out}"):
                with open(os.path.join(cwd, "metrics.json"), encoding="utf-8") as f:
                    rss = json.load(f)["peak_rss_bytes"]
                print(f"np{nprocs}: 48 sparse windows: blocks at most {blocks / 1e6:.0f} MB, "
                      f"peak RSS per rank {[round(r / 1e6) for r in rss]} MB under "
                      f"{enough / 1e6:.0f} MB")
                for r, have in enumerate(rss):
                    checks.check(have <= enough + OVERHEAD_MB * 1e6,
                                 f"rank {r}: peak RSS {have} > budget {enough} + {OVERHEAD_MB} MB "
                                 "with 48 sparse windows")

        # 7. Parent order 0: a rank's one parent cell holds more points than the budget, which
        # no pass can split. The log says so, naming the cell (with 2 or more ranks, each with
        # one of the real granules' 2 parent cells, it said "1 pass: rank 0, the busiest, holds
        # 751 kB ... within 717 kB"; the budget was 700K while points took 8 bytes, not 4).
        real = [a for f in common.real_atl06_files() for a in ("--input", f)]
        rc, out = run(nprocs, os.path.join(tmp, "one-parent"),
                      real + ["--output", "out.nc", "--parent-order", "0", "--memory-per-rank",
                              "600K"], env)
        checks.check(rc == 0 and "parent cell 3 alone holds" in out and
                     "its pass runs above it" in out and "the busiest, holds" not in out,
                     f"a parent cell above a 600K budget: exit {rc}, the log does not say it "
                     f"alone holds more than the budget:\n{out}")
    checks.finish()


if __name__ == "__main__":
    main()
