#!/usr/bin/env python3
"""Reruns give byte-identical output files, for any number of ranks.

With SOURCE_DATE_EPOCH set and the same `healgrid run` arguments (each run in its own
directory, so the output path in `history` is the same), synthetic granules gridded with 1, 2,
3 and 4 ranks, and again with 3, give files equal byte for byte (the OpenMPI collective-write
holes that used to differ at 3+ ranks included). The global attribute healgrid_inputs_sha256
equals a SHA-256 recomputed here from the built-in config, the granule names and sizes and the
version; a --child-order override changes it. These files are sparse (auto); 1 and 3 ranks with
--layout dense are compared too, and 2 ranks with the hot loops' AVX2 forms (where the CPU has
them) against 2 with their baseline forms (HEALGRID_SIMD=baseline). With the real granules
present (../shared/data/real), 1 and 3 ranks, and 1 with the baseline forms, are compared byte
for byte too.
"""

import glob
import json
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


def cpu_has_avx2():
    """Whether this x86-64 Linux CPU lists AVX2 (then a default run takes the AVX2 forms)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return any(line.startswith("flags") and " avx2" in line for line in f)
    except OSError:
        return False


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
        # The hot loops' baseline x86-64 forms (util/cpu_features.hpp) give the same bytes as
        # the AVX2 ones, which a CPU with AVX2 runs by default (the metrics say which ran).
        simd = {}
        default_env = {k: v for k, v in env.items() if k != "HEALGRID_SIMD"}
        for key, simd_env in ((1, default_env), ("HEALGRID_SIMD=baseline",
                                                 dict(env, HEALGRID_SIMD="baseline"))):
            cwd = os.path.join(tmp, f"simd_{'baseline' if key != 1 else 'default'}")
            simd[key], _ = grid(2, cwd, args + ["--metrics-json", "m.json"], simd_env)
            forms = json.load(open(os.path.join(cwd, "m.json"))).get("simd") \
                if simd[key] else None
            want = ({"avx2"} if cpu_has_avx2() else {"baseline"}) if key == 1 else {"baseline"}
            checks.check(forms in want, f"{key}: metrics simd {forms!r}, not one of {want}")
            print(f"SIMD forms, {'default' if key == 1 else key}: the {forms} forms ran")
        compare(checks, "SIMD forms (2 ranks; 1 = the default forms)", simd)
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
            rfiles["1, HEALGRID_SIMD=baseline"] = grid(
                1, os.path.join(tmp, "real1_simd_baseline"), rargs,
                dict(env, HEALGRID_SIMD="baseline"))[0]
            compare(checks, "real ATL06", rfiles)
        else:
            print("real ATL06 granules absent: synthetic comparison only")
    checks.finish()


if __name__ == "__main__":
    main()
