#!/usr/bin/env python3
"""No shell or child process is ever spawned by healgrid (so no input from configs, catalogs or
servers can reach one): the sources under src/ and include/ call none of system, popen,
exec*, fork, vfork, posix_spawn, nor name /bin/sh. A static check of every C/C++ file. The one
exception: src/campaign/slurm_client.cpp, where `healgrid campaign` runs sbatch and squeue (argv of
fixed programs, no shell; it may still not name a shell)."""

import os
import re
import sys

# [cluster] `healgrid campaign submit|status` runs sbatch and squeue: argv of fixed programs, no
# shell; only that file may spawn (and never name a shell).
SPAWN_ALLOWED = {os.path.join("src", "campaign", "slurm_client.cpp")}
SHELL = re.compile(r"/bin/(ba)?sh\b")
PATTERN = re.compile(r"\b(system|popen|execl|execlp|execle|execv|execvp|execvpe|fork|vfork|"
                     r"posix_spawnp?|wordexp)\s*\(|/bin/(ba)?sh\b")


def main():
    root = os.environ.get("HEALGRID_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..",
                                                                 "..")
    hits, scanned = [], 0
    for top in ("src", "include"):
        for folder, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                if not name.endswith((".cpp", ".hpp", ".h", ".c", ".cc", ".in")):
                    continue
                path = os.path.join(folder, name)
                scanned += 1
                with open(path, encoding="utf-8", errors="replace") as stream:
                    for number, line in enumerate(stream, 1):
                        code = line.split("//")[0]
                        allowed = os.path.relpath(path, root) in SPAWN_ALLOWED
                        if (SHELL if allowed else PATTERN).search(code):
                            hits.append(f"{os.path.relpath(path, root)}:{number}: {line.strip()}")
    for hit in hits:
        print(f"FAIL: spawns a process or shell: {hit}")
    print(f"check_no_shell: {scanned} files scanned, {len(hits)} process/shell calls")
    sys.exit(1 if hits else 0)


if __name__ == "__main__":
    main()
