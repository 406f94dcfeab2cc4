#!/usr/bin/env python3
"""The jobs/ scripts and `healgrid campaign` on a real single-node Slurm (slurm_cluster.py).

1. jobs/healgrid-run.sbatch (`sbatch --wait`, 3 tasks, --overcommit, srun --mpi=pmix) and
   jobs/healgrid-run-mpirun.sh (plain mpirun, 2 ranks) grid the same granules: both exit 0 and
   their outputs are byte-identical (SOURCE_DATE_EPOCH; 3 vs 2 ranks, srun vs mpirun).
2. A campaign of 3 synthetic cycles: plan writes 3 frozen configs and argument files; status
   says todo; submit --wait runs one job array; status says done and every output's
   healgrid_inputs_sha256 equals a hash recomputed here from the frozen config, the granule
   names and sizes and the version; a second submit has nothing to do.
3. Cycle 2's granule is truncated: status says stale; with its output removed, submit hands
   only run 1 to sbatch, it fails (the job log names the granule), status shows it failed with
   its exit status; the granule is restored and the resubmission runs only run 1 again,
   leaving runs 0 and 2 untouched; all done.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys

import common  # isort: skip
from common import Checks  # isort: skip
from slurm_cluster import SlurmCluster  # isort: skip

import netCDF4  # noqa: E402

EPOCH = "1700000000"


def sh(cmd, env=None, cwd=None, timeout=300):
    p = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", env=env, cwd=cwd, timeout=timeout,
                       check=False)
    return p.returncode, p.stdout


def inputs_sha256(version, config_text, granule_paths):
    """Independent re-implementation of include/healgrid/pipeline/inputs_digest.hpp."""
    def item(key, value):
        data = value.encode()
        return key.encode() + b" " + str(len(data)).encode() + b":" + data + b"\n"
    text = item("healgrid_version", version) + item("config", config_text)
    text += item("overrides", "") + item("on_bad_granule", "fail") + item("catalog_sha256", "")
    names = sorted((os.path.basename(p), os.path.getsize(p)) for p in granule_paths)
    text += item("granules", str(len(names)))
    for name, size in names:
        text += item("granule", f"{name} {size}")
    return hashlib.sha256(text).hexdigest()


def attr(path, name):
    with netCDF4.Dataset(path) as nc:
        return nc.getncattr(name) if name in nc.ncattrs() else None


def status(checks, env, plan):
    rc, out = sh([common.healgrid_bin(), "campaign", "status", plan, "--json"], env=env)
    if not checks.check(rc == 0, f"campaign status exited {rc}: {out}"):
        return {}
    runs = json.loads(out)["runs"]
    print("status: " + ", ".join(f"{r['name']}={r['state']}" for r in runs))
    return {r["index"]: r for r in runs}


def main():
    checks = Checks("check_slurm_campaign")
    binary = common.healgrid_bin()
    jobs = os.path.join(common.source_dir(), "jobs")
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, HEALGRID=binary)
    mpiexec = os.environ.get("MPIEXEC") or "mpirun"
    with common.temp_dir("healgrid-slurm-") as tmp:
        granules = {}
        for cycle in (1, 2, 3):
            d = os.path.join(tmp, "granules", f"c{cycle}")
            rc, out = sh([mpiexec, "-np", "1", binary, "synth", "--granules", "1", "--cycle",
                          cycle, "--first-rgt", 100 + cycle, "--output-dir", d], env=env)
            if not checks.check(rc == 0, f"synth cycle {cycle} exited {rc}: {out}"):
                checks.finish()
            granules[cycle] = sorted(os.path.join(d, f) for f in os.listdir(d))
        with SlurmCluster(tmp, cpus=2) as slurm:
            env.update(SLURM_CONF=slurm.env["SLURM_CONF"])
            # 1. One run: sbatch + srun (3 tasks) vs plain mpirun (2 ranks), same arguments.
            run_args = ["--input", os.path.dirname(granules[1][0]), "--output", "out.nc"]
            a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            os.makedirs(a)
            os.makedirs(b)
            rc, out = slurm.run(["sbatch", "--wait", "-n", "3", "--overcommit",
                                 "--time=00:05:00", f"--chdir={a}", "--output=job.log",
                                 os.path.join(jobs, "healgrid-run.sbatch")] + run_args,
                                timeout=180, env=env)
            log = open(os.path.join(a, "job.log"), encoding="utf-8").read() \
                if os.path.exists(os.path.join(a, "job.log")) else ""
            checks.check(rc == 0 and "healgrid run: done" in log and "3 ranks" in log,
                         f"sbatch --wait healgrid-run.sbatch exited {rc}: {out}\n{log}")
            rc, out = sh([os.path.join(jobs, "healgrid-run-mpirun.sh")] + run_args,
                         env=dict(env, HEALGRID_NP="2", HEALGRID_MPIRUN_ARGS="--oversubscribe"),
                         cwd=b)
            checks.check(rc == 0 and "2 ranks" in out, f"healgrid-run-mpirun.sh exited {rc}: {out}")
            fa, fb = os.path.join(a, "out.nc"), os.path.join(b, "out.nc")
            if checks.check(os.path.exists(fa) and os.path.exists(fb), "a job left no output"):
                same = open(fa, "rb").read() == open(fb, "rb").read()
                checks.check(same, "srun 3 ranks and mpirun 2 ranks outputs are not "
                             "byte-identical")
                print(f"srun -n 3 vs mpirun -np 2: byte-identical={same}, "
                      f"{os.path.getsize(fa)} bytes")

            # 2. A campaign of 3 cycles.
            campaign = os.path.join(tmp, "cycles.yaml")
            with open(campaign, "w", encoding="utf-8") as f:
                f.write(f"""name: cycles
values: {{cycle: {{from: 1, to: 3}}}}
run:
  name: "c{{cycle:02}}"
  input: "granules/c{{cycle}}"
  output: "out/cycle{{cycle:02}}.nc"
  config: {{output: {{title: "synthetic cycle {{cycle}}"}}}}
sbatch: ["--ntasks=2", "--overcommit", "--time=00:05:00"]
job_script: {os.path.join(jobs, "healgrid-campaign.sbatch")}
""")
            rc, out = sh([binary, "campaign", "plan", campaign], env=env)
            plan = os.path.join(tmp, "cycles.plan")
            checks.check(rc == 0 and "3 runs planned" in out, f"campaign plan exited {rc}: {out}")
            for i in range(3):
                checks.check(os.path.exists(os.path.join(plan, "runs", f"{i}.args")) and
                             os.path.exists(os.path.join(plan, "runs", f"{i}.yaml")),
                             f"plan lacks runs/{i}.args or runs/{i}.yaml")
            st = status(checks, env, plan)
            checks.check([st[i]["state"] for i in sorted(st)] == ["todo"] * 3,
                         f"before submit: {st}")
            rc, out = sh([binary, "campaign", "submit", plan, "--wait"], env=env, timeout=300)
            checks.check(rc == 0 and "--array=0,1,2" in out, f"submit exited {rc}: {out}")
            st = status(checks, env, plan)
            checks.check([st[i]["state"] for i in sorted(st)] == ["done"] * 3, f"after: {st}")
            version = sh([binary, "--version"])[1].split()[1]  # "healgrid X (commit C)"
            for i, cycle in enumerate((1, 2, 3)):
                output = os.path.join(tmp, "out", f"cycle{cycle:02}.nc")
                if not checks.check(os.path.exists(output), f"{output} missing"):
                    continue
                frozen = open(os.path.join(plan, "runs", f"{i}.yaml"), encoding="utf-8").read()
                want = inputs_sha256(version, frozen, granules[cycle])
                checks.check(attr(output, "healgrid_inputs_sha256") == want,
                             f"{output}: healgrid_inputs_sha256 "
                             f"{attr(output, 'healgrid_inputs_sha256')} != recomputed {want}")
                checks.check(attr(output, "title") == f"synthetic cycle {cycle}",
                             f"{output}: title {attr(output, 'title')!r}")
            rc, out = sh([binary, "campaign", "submit", plan], env=env)
            checks.check(rc == 0 and "nothing to submit" in out, f"second submit: {rc}: {out}")

            # 3. A failure in run 1: status shows it, the resubmission runs only run 1.
            victim = granules[2][0]
            saved = os.path.join(tmp, "saved.h5")
            shutil.copyfile(victim, saved)
            with open(victim, "r+b") as f:
                f.truncate(os.path.getsize(victim) // 3)
            untouched = {i: os.path.getmtime(os.path.join(tmp, "out", f"cycle{c:02}.nc"))
                         for i, c in ((0, 1), (2, 3))}
            st = status(checks, env, plan)
            checks.check(st[1]["state"] == "stale" and st[0]["state"] == st[2]["state"] == "done",
                         f"after truncating cycle 2's granule: {st}")
            # A failed run keeps an existing output as it was: remove it, as for a first run.
            os.remove(os.path.join(tmp, "out", "cycle02.nc"))
            rc, out = sh([binary, "campaign", "submit", plan, "--wait"], env=env, timeout=300)
            checks.check(rc == 1 and "--array=1 " in out, f"failing submit: {rc}: {out}")
            st = status(checks, env, plan)
            checks.check(st[1]["state"] == "failed" and "exit status 1" in st[1]["detail"],
                         f"status after the failure: {st}")
            logs = os.listdir(os.path.join(plan, "logs"))
            log1 = [open(os.path.join(plan, "logs", n), encoding="utf-8").read()
                    for n in logs if n.endswith("_1.log")]
            checks.check(any(os.path.basename(victim) in t for t in log1),
                         f"run 1's job log does not name the bad granule: {log1}")
            shutil.copyfile(saved, victim)
            rc, out = sh([binary, "campaign", "submit", plan, "--wait"], env=env, timeout=300)
            checks.check(rc == 0 and "--array=1 " in out and "run 0" not in out,
                         f"resubmission: {rc}: {out}")
            st = status(checks, env, plan)
            checks.check([st[i]["state"] for i in sorted(st)] == ["done"] * 3, f"final: {st}")
            for i, c in ((0, 1), (2, 3)):
                path = os.path.join(tmp, "out", f"cycle{c:02}.nc")
                checks.check(os.path.getmtime(path) == untouched[i],
                             f"run {i} was rerun although done")
    checks.finish()


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
