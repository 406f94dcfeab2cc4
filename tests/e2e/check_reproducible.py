#!/usr/bin/env python3
"""Reruns give byte-identical output files, for any number of ranks.

With SOURCE_DATE_EPOCH set and the same `healgrid run` arguments (each run in its own
directory, so the output path in `history` is the same), synthetic granules gridded with 1, 2,
3 and 4 ranks, and again with 3, give files equal byte for byte (the OpenMPI collective-write
holes that used to differ at 3+ ranks included). The global attribute healgrid_inputs_sha256
equals a SHA-256 recomputed here from the built-in config, the granule names and sizes and the
version; a --child-order override changes it. These files are sparse (auto); 1 and 3 ranks with
--layout dense are compared too. With the real granules present
(../shared/data/real), 1 and 3 ranks are compared byte for byte too.
"""

import glob
import os
import shlex
import subprocess

import common  # isort: skip
from common import Checks  # isort: skip
from check_slurm_campaign import inputs_sha256, attr  # isort: skip

EPOCH = "1700000000"


def grid(nprocs, cwd, args, env):
    os.makedirs(cwd, exist_ok=True)
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    p = subprocess.run(mpiexec + ["-np", str(nprocs), "--oversubscribe", common.healgrid_bin(),
                                  "run", "-q"] + args, cwd=cwd, env=env, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600, check=False)
    path = os.path.join(cwd, "out.nc")
    return (open(path, "rb").read() if p.returncode == 0 and os.path.exists(path) else None,
            p.stdout)


def compare(checks, label, files):
    base = files.get(1)
    for n, data in files.items():
        if not checks.check(data is not None, f"{label}: run {n} failed"):
            continue
        if base is not None and data != base:
            diff = [i for i in range(min(len(data), len(base))) if data[i] != base[i]]
            checks.fail(f"{label}: {n} differs from 1 rank: {len(diff)} bytes (first at "
                        f"{diff[:1]}), sizes {len(data)} vs {len(base)}")
        else:
            checks.check(True, "")
    print(f"{label}: {list(files)} compared, {len(base or b'')} bytes each")


def main():
    checks = Checks("check_reproducible")
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    binary = common.healgrid_bin()
    with common.temp_dir("healgrid-repro-") as tmp:
        gdir = os.path.join(tmp, "granules")
        mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
        p = subprocess.run(mpiexec + ["-np", "2", "--oversubscribe", binary, "synth",
                                      "--granules", "3", "--cycle", "2", "--output-dir", gdir],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=300, check=False)
        if not checks.check(p.returncode == 0, f"synth failed: {p.stdout}"):
            checks.finish()
        args = ["--input", "../granules", "--output", "out.nc"]
        files = {}
        for label, n in (("np1", 1), ("np2", 2), ("np3", 3), ("np4", 4), ("np3 again", 3)):
            data, out = grid(n, os.path.join(tmp, label.replace(" ", "_")), args, env)
            checks.check(data is not None, f"{label}: {out}")
            files[label if label == "np3 again" else n] = data
        compare(checks, "synthetic", files)
        # The default (auto) writes these sparse; the dense layout must be as reproducible.
        dense = {n: grid(n, os.path.join(tmp, f"dense{n}"), args + ["--layout", "dense"], env)[0]
                 for n in (1, 3)}
        compare(checks, "synthetic dense", dense)
        out1 = os.path.join(tmp, "np1", "out.nc")
        version = subprocess.run([binary, "--version"], stdout=subprocess.PIPE, text=True,
                                 check=False).stdout.split()[1]  # "healgrid X (commit C)"
        config = open(os.path.join(common.source_dir(), "config", "atl06.yaml"),
                      encoding="utf-8").read()
        want = inputs_sha256(version, config, glob.glob(os.path.join(gdir, "*.h5")))
        have = attr(out1, "healgrid_inputs_sha256") if os.path.exists(out1) else None
        checks.check(have == want, f"healgrid_inputs_sha256 {have} != recomputed {want}")
        data, out = grid(1, os.path.join(tmp, "override"), args + ["--child-order", "10"], env)
        other = attr(os.path.join(tmp, "override", "out.nc"), "healgrid_inputs_sha256") \
            if data else None
        checks.check(other is not None and other != have,
                     f"--child-order 10 kept healgrid_inputs_sha256 {other}: {out}")
        print(f"healgrid_inputs_sha256 {have} (recomputed {want}); with --child-order 10: {other}")

        real = sorted(glob.glob(os.path.join(common.shared_dir(), "data", "real", "*ATL06_*.h5")))
        if real:
            rargs = ["--config", common.config_path(), "--output", "out.nc"]
            for path in real:
                rargs += ["--input", path]
            rfiles = {n: grid(n, os.path.join(tmp, f"real{n}"), rargs, env)[0] for n in (1, 3)}
            compare(checks, "real ATL06", rfiles)
        else:
            print("real ATL06 granules absent: synthetic comparison only")
    checks.finish()


if __name__ == "__main__":
    main()
