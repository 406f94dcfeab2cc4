#!/usr/bin/env python3
"""MPI start-up defaults (util/mpi_startup.hpp): a one-process world (no launcher, or mpirun
-np 1) gets Open MPI's built-in point-to-point layer ob1 without the network probes (its
verbose selection log names no other pml component); a world of two processes keeps Open
MPI's own choice; a user's OMPI_MCA_pml wins. Skips (77) where the MPI is not Open MPI.
"""

import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, healgrid_bin, skip  # noqa: E402

PROBED = "found loaded component cm"  # the matching-transport layer the probes go through


def start(launcher, extra_env=None):
    env = dict(os.environ, OMPI_MCA_pml_base_verbose="10")
    env.pop("OMPI_MCA_pml", None)
    env.update(extra_env or {})
    cmd = launcher + [healgrid_bin(), "run", "--help"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)
    return proc.returncode, proc.stdout + proc.stderr, shlex.join(cmd)


def main():
    checks = Checks("MPI start-up defaults")
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    rc, log, cmd = start(mpiexec + ["-np", "2", "--oversubscribe"])
    if rc != 0:
        checks.fail(f"{cmd}: exit {rc}\n{log[-2000:]}")
        checks.finish()
    if "mca: base" not in log:
        skip("the MPI is not Open MPI (no MCA selection log)")
    checks.check(PROBED in log, f"{cmd}: two processes lost Open MPI's own pml choice")
    for launcher in ([], mpiexec + ["-np", "1"]):
        rc, log, cmd = start(launcher)
        checks.check(rc == 0, f"{cmd}: exit {rc}")
        checks.check("initializing pml component ob1" in log and PROBED not in log,
                     f"{cmd}: a one-process world still probes the network transports:\n"
                     + "\n".join(line for line in log.splitlines() if "pml" in line)[:2000])
    rc, log, cmd = start([], {"OMPI_MCA_pml": "ob1,cm"})
    checks.check(rc == 0 and PROBED in log, f"{cmd} with OMPI_MCA_pml=ob1,cm: not the user's")
    checks.finish()


if __name__ == "__main__":
    main()
