#!/usr/bin/env python3
"""MPI start-up defaults (util/mpi_startup.hpp): a world on one node (no launcher, mpirun
-np 1, mpirun -np 2 on this machine) gets Open MPI's built-in point-to-point layer ob1 without
the network probes (its verbose selection log names no other pml component); a world over
several nodes keeps Open MPI's own choice (shown by mpirun -np 2 with each process told it is
alone on its node: OMPI_COMM_WORLD_LOCAL_SIZE=1, as mpirun sets it for two nodes of one); a
user's OMPI_MCA_pml wins. Skips (77) where the MPI is not Open MPI.
"""

import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, healgrid_bin, skip  # noqa: E402

PROBED = "found loaded component cm"  # the matching-transport layer the probes go through


def start(launcher, extra_env=None, wrapper=()):
    env = dict(os.environ, OMPI_MCA_pml_base_verbose="10")
    env.pop("OMPI_MCA_pml", None)
    env.update(extra_env or {})
    cmd = launcher + list(wrapper) + [healgrid_bin(), "run", "--help"]
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
    rc, log, cmd = start(mpiexec + ["-np", "2", "--oversubscribe"],
                         wrapper=["env", "OMPI_COMM_WORLD_LOCAL_SIZE=1"])
    checks.check(rc == 0 and PROBED in log,
                 f"{cmd}: a world over two nodes lost Open MPI's own pml choice (exit {rc})")
    for launcher in ([], mpiexec + ["-np", "1"], mpiexec + ["-np", "2", "--oversubscribe"]):
        rc, log, cmd = start(launcher)
        checks.check(rc == 0, f"{cmd}: exit {rc}")
        checks.check("initializing pml component ob1" in log and PROBED not in log,
                     f"{cmd}: a world on one node still probes the network transports:\n"
                     + "\n".join(line for line in log.splitlines() if "pml" in line)[:2000])
    rc, log, cmd = start([], {"OMPI_MCA_pml": "ob1,cm"})
    checks.check(rc == 0 and PROBED in log, f"{cmd} with OMPI_MCA_pml=ob1,cm: not the user's")
    checks.finish()


if __name__ == "__main__":
    main()
