"""A real single-node Slurm for the tests: munged, slurmctld and slurmd started from a temporary
directory with their own slurm.conf (no cgroup plugins: proctrack/linuxproc, task/none), and
stopped by PID when the block ends.

    with SlurmCluster(tmp, cpus=2) as slurm:
        rc, out = slurm.run(["sbatch", "--wait", ...])

`env` holds SLURM_CONF for the client commands. When a daemon is missing or does not come up,
the test skips (exit 77) printing what happened and the daemon's log tail.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

SKIP = 77


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path, lines=15):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


class SlurmCluster:
    DAEMONS = ("/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd")

    def __init__(self, base, cpus=2):
        self.base = os.path.join(base, "slurm")
        self.cpus = cpus
        self.node = socket.gethostname().split(".")[0]
        self.procs = []
        self.env = dict(os.environ)

    def skip(self, why):
        """Slurm cannot start: skip with the reason, or fail in CI (CI=true), where
        scripts/install-deps.sh has installed it and a skip would hide a broken cluster test."""
        self.stop()
        if os.environ.get("CI") == "true":
            print(f"FAIL: Slurm unavailable in CI (CI=true): {why}")
            sys.exit(1)
        print(f"SKIP: Slurm unavailable: {why}")
        sys.exit(SKIP)

    def run(self, cmd, timeout=120, cwd=None, env=None):
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              errors="replace", timeout=timeout, cwd=cwd,
                              env=env or self.env, check=False)
        return proc.returncode, proc.stdout

    def _start(self, name, cmd, log):
        out = open(log, "w", encoding="utf-8")
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                start_new_session=True)
        out.close()
        self.procs.append((name, proc))
        return proc

    def __enter__(self):
        for exe in self.DAEMONS + ("/usr/bin/sbatch", "/usr/bin/munge"):
            if not os.access(exe, os.X_OK):
                self.skip(f"{exe} is missing (Debian packages slurm-wlm and munge)")
        for sub in ("munge", "state", "spool", "log"):
            os.makedirs(os.path.join(self.base, sub), exist_ok=True)
        b = self.base
        key = os.path.join(b, "munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o600)
        os.chmod(os.path.join(b, "munge"), 0o700)
        sock = os.path.join(b, "munge", "munge.sock")
        self._start("munged", ["/usr/sbin/munged", "-F", "-f", f"--socket={sock}",
                               f"--key-file={key}", f"--pid-file={b}/munge/munged.pid",
                               f"--seed-file={b}/munge/seed", f"--log-file={b}/log/munged.log"],
                    f"{b}/log/munged.out")
        for _ in range(50):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        else:
            self.skip("munged did not create its socket:\n" + _tail(f"{b}/log/munged.out"))
        conf = os.path.join(b, "slurm.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(f"""ClusterName=healgridtest
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={sock}
StateSaveLocation={b}/state
SlurmdSpoolDir={b}/spool
SlurmctldPidFile={b}/slurmctld.pid
SlurmdPidFile={b}/slurmd.pid
SlurmctldLogFile={b}/log/slurmctld.log
SlurmdLogFile={b}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
InactiveLimit=0
KillWait=5
MinJobAge=300
PlugStackConfig=/dev/null
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes={self.node} Default=YES MaxTime=INFINITE State=UP
""")
        self.env["SLURM_CONF"] = conf
        self._start("slurmctld", ["/usr/sbin/slurmctld", "-D", "-i", "-f", conf],
                    f"{b}/log/slurmctld.out")
        time.sleep(1)
        self._start("slurmd", ["/usr/sbin/slurmd", "-D", "-N", self.node, "-f", conf],
                    f"{b}/log/slurmd.out")
        state = ""
        for _ in range(60):
            for name, proc in self.procs:
                if proc.poll() is not None:
                    self.skip(f"{name} exited with {proc.returncode}:\n"
                              + _tail(f"{b}/log/{name}.out") + _tail(f"{b}/log/{name}.log"))
            rc, state = self.run(["sinfo", "-h", "-N", "-o", "%T"], timeout=20)
            if rc == 0 and state.strip() == "idle":
                print(f"slurm: node {self.node} idle ({self.cpus} CPUs), daemons "
                      + ", ".join(f"{n} pid {p.pid}" for n, p in self.procs))
                return self
            time.sleep(0.5)
        self.skip(f"node not idle after 30 s (sinfo: {state.strip()!r}):\n"
                  + _tail(f"{b}/log/slurmctld.log") + _tail(f"{b}/log/slurmd.log"))
        return self

    def stop(self):
        """SIGTERM each daemon we started (by PID), SIGKILL after 10 s."""
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.procs = []

    def __exit__(self, *exc):
        # Jobs still queued or running (a failed check) are cancelled first.
        if shutil.which("scancel") and "SLURM_CONF" in self.env:
            self.run(["scancel", "--user=root"], timeout=20)
        self.stop()
        return False
