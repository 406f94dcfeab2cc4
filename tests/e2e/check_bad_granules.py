#!/usr/bin/env python3
"""The bad-granule corpus (tests/e2e/bad_granules.py, generated from a real granule) at -np 2.

1. `--on-bad-granule fail` with every index-rejected case plus the readable odd ones: exit 1
   within the time limit, one error line per bad file naming the file and the problem, HDF5's
   stack on one line (no HDF5-DIAG dump), no output file left.
2. `--on-bad-granule skip`, same inputs: exit 0; each bad file is "skipped: <reason>" in the
   provenance with 0 points; the readable odd files (latitudes of +-91/NaN, longitudes 0..360,
   empty beams) and the good granule are used and EVERY statistic equals the independent
   reference computed on those very files (no silently wrong number).
3. A damaged h_li chunk (read only in the read+aggregate phase): fatal even with skip, the
   message names the file, the dataset and the phase; no output.
4. A directory named like a granule inside an input directory: rejected while resolving inputs.
5. `--big` (also), `--big-only` (only): one beam of 10 million points: exit 0, every statistic
   equal to the reference.
As root, the runs go through setpriv as user nobody so that the mode-000 file is unreadable
(without setpriv that case is left out, with a note).
"""

import os
import shutil
import sys
import time

import common  # isort: skip
from common import Checks  # isort: skip

import h5py  # noqa: E402
import numpy as np  # noqa: E402

import bad_granules  # noqa: E402

NPROCS = 2
TIMEOUT_S = 120


def good_granule(files):
    """The real ATL06 granule with the most points passing the quality filter."""
    def used(path):
        with h5py.File(path, "r") as h5:
            return sum(int((h5[f"{b}/land_ice_segments/atl06_quality_summary"][()] == 0).sum())
                       for b in bad_granules.BEAMS if f"{b}/land_ice_segments" in h5)
    return max(files, key=used)


def nobody_prefix():
    """setpriv to user nobody when root (None if impossible), [] otherwise."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    rc, _ = common.run_as(prefix + ["test", "-x", common.healgrid_bin()])
    return prefix if rc == 0 else None


def run(checks, label, args, prefix, env, expect_rc):
    t0 = time.monotonic()
    rc, output = common.run_healgrid(args, NPROCS, prefix=prefix, env=env, timeout=TIMEOUT_S)
    elapsed = time.monotonic() - t0
    ok = checks.check(rc in expect_rc, f"{label}: exit {rc}, expected {sorted(expect_rc)}")
    checks.check("HDF5-DIAG" not in output and "#000:" not in output,
                 f"{label}: HDF5's raw error stack was printed")
    print(f"{label}: exit {rc} in {elapsed:.1f} s")
    if not ok:
        print(output)
    return rc, output


def no_output(checks, label, out_dir):
    """Nothing but the live progress file (OUT.nc.progress.json, for the viewer) is left."""
    left = sorted(n for n in os.listdir(out_dir) if not n.endswith(".progress.json"))
    checks.check(not left, f"{label}: files left in the output folder after failure: {left}")


def error_lines(output):
    return [line for line in output.splitlines() if "error" in line]


def main():
    files = common.real_atl06_files()
    cfg_path = common.config_path()
    big = "--big" in sys.argv
    checks = Checks("check_bad_granules")
    prefix = nobody_prefix()
    if "--big-only" in sys.argv:
        with common.temp_dir() as tmp:
            os.chmod(tmp, 0o755)
            out_dir = os.path.join(tmp, "out")
            os.mkdir(out_dir)
            os.chmod(out_dir, 0o777)
            path = bad_granules.make_big_beam(os.path.join(tmp, "big")).path
            os.chmod(os.path.dirname(path), 0o755)
            env = dict(os.environ, HOME=out_dir, TMPDIR=out_dir)
            check_big(checks, cfg_path, path, os.path.join(out_dir, "result.nc"), prefix or [],
                      env)
        checks.finish()
    with common.temp_dir() as tmp:
        os.chmod(tmp, 0o755)
        home, out_dir, corpus = (os.path.join(tmp, d) for d in ("home", "out", "corpus"))
        for d in (home, out_dir):
            os.mkdir(d)
            os.chmod(d, 0o777)
        good = shutil.copyfile(good_granule(files), os.path.join(tmp, "good.h5"))
        cases = bad_granules.make_corpus(good, corpus, big=big)
        os.chmod(corpus, 0o755)
        if prefix is None:
            print("note: root without setpriv: the unreadable-file case is left out")
            cases = [c for c in cases if c.name != "unreadable"]
            prefix = []
        env = dict(os.environ, HOME=home, TMPDIR=home)
        out = os.path.join(out_dir, "result.nc")
        by = {c.name: c for c in cases}
        rejected = [c for c in cases if c.expect == "skip"]
        readable = [c for c in cases if c.expect == "values" and c.name != "bigbeam"]
        inputs = [c.path for c in rejected + readable] + [good]
        base = ["--config", cfg_path, "--output", out, "--progress-seconds", "60"]
        for path in inputs:
            base += ["--input", path]

        # 1. fail mode: every rejected file named, with its problem, on an error line.
        label = "fail mode"
        _, output = run(checks, label, base + ["--on-bad-granule", "fail"], prefix, env, {1})
        lines = error_lines(output)
        for c in rejected:
            name = os.path.basename(c.path)
            hit = [line for line in lines if name in line and c.needle in line]
            checks.check(hit, f"{label}: no error line names {name} with {c.needle!r}")
        for c in readable:
            name = os.path.basename(c.path)
            checks.check(not any(name in line for line in lines),
                         f"{label}: readable {name} reported as an error")
        no_output(checks, label, out_dir)

        # 2. skip mode: rejected files skipped with a reason, readable ones exactly right.
        label = "skip mode"
        rc, output = run(checks, label, base + ["--on-bad-granule", "skip"], prefix, env, {0})
        nobeams = os.path.basename(by["nobeams"].path)
        checks.check(any("warning" in line and "in none of the configured groups" in line and
                         nobeams in line for line in output.splitlines()),
                     f"{label}: no warning names {nobeams}, which holds no configured beam group")
        if rc == 0:
            used = [c.path for c in readable] + [good]
            ref = common.reference_grid(cfg_path, used)
            ds = common.open_output(out)
            common.check_provenance(checks, ds, label, used, ref,
                                    skipped_paths=[c.path for c in rejected])
            statuses = dict(zip((os.path.basename(n) for n in common.char_strings(
                ds, "granule_name")), common.char_strings(ds, "granule_status")))
            # Where the data lives does not enter the output: statuses name granules, not paths.
            checks.check(not any(tmp in s for s in statuses.values()),
                         f"{label}: a status names the input directory {tmp}: {statuses}")
            for c in rejected:
                status = statuses.get(os.path.basename(c.path), "")
                checks.check(c.needle in status, f"{label}: status of {c.name} {status!r} "
                             f"lacks {c.needle!r}")
            points = ref["granule_points_used"]
            lat_name = os.path.basename(by["badlat"].path)
            checks.check(0 < points[lat_name] < points[os.path.basename(good)],
                         f"{label}: badlat keeps {points[lat_name]} points (reference)")
            checks.check(points[os.path.basename(by["lon360"].path)] ==
                         points[os.path.basename(good)], f"{label}: lon360 lost points")
            checks.check(int(ds.attrs["points_used"]) == ref["points_used"],
                         f"{label}: points_used {ds.attrs['points_used']} != {ref['points_used']}")
            common.compare_to_reference(checks, ds, ref, common.load_config(cfg_path), label)
            os.remove(out)

        # 3. damaged h_li chunk: fatal in the read phase even with skip.
        label = "damaged h_li chunk (skip mode)"
        fatal = by["badhlichunk"]
        args = ["--config", cfg_path, "--output", out, "--on-bad-granule", "skip",
                "--input", fatal.path, "--input", good]
        _, output = run(checks, label, args, prefix, env, {1})
        lines = error_lines(output)
        name = os.path.basename(fatal.path)
        checks.check(any(name in line and "h_li" in line and "read+aggregate" in line
                         for line in lines),
                     f"{label}: no error line names {name}, h_li and the read+aggregate phase")
        no_output(checks, label, out_dir)

        # 4. a directory named like a granule inside an input directory.
        label = "directory named *.h5"
        folder = os.path.join(tmp, "folder")
        os.mkdir(folder)
        os.chmod(folder, 0o755)
        shutil.copyfile(good, os.path.join(folder, os.path.basename(good)))
        shutil.move(by["isdir"].path, folder)
        args = ["--config", cfg_path, "--output", out, "--on-bad-granule", "skip",
                "--input", folder]
        _, output = run(checks, label, args, prefix, env, {1})
        checks.check(any(os.path.basename(by["isdir"].path) in line and "not a regular file"
                         in line for line in error_lines(output)),
                     f"{label}: message does not name the directory")
        no_output(checks, label, out_dir)

        if big:
            check_big(checks, cfg_path, by["bigbeam"].path, out, prefix, env)
    checks.finish()


def check_big(checks, cfg_path, path, out, prefix, env):
    label = "10 million points in one beam"
    rc, _ = run(checks, label, ["--config", cfg_path, "--output", out, "--input", path],
                prefix, env, {0})
    if rc != 0:
        return
    ref = common.reference_grid(cfg_path, [path])
    ds = common.open_output(out)
    checks.check(int(ds.attrs["points_used"]) == ref["points_used"],
                 f"{label}: points_used {ds.attrs['points_used']} != {ref['points_used']}")
    print(f"{label}: {ref['points_used']} points used "
          f"({int(np.nansum(ds['count'].values))} in the count variable)")
    common.compare_to_reference(checks, ds, ref, common.load_config(cfg_path), label)


if __name__ == "__main__":
    main()
