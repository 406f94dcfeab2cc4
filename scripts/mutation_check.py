#!/usr/bin/env python3
"""Mutation check of healgrid's core: do the tests fail when the answer is wrong?

Each mutant in scripts/mutants.yaml is one small source edit (an operator flipped, a condition
dropped, an index off by one, a constant changed) with the ctest regex of the tests that cover
it. The script copies the tree (tracked and untracked, not ignored, files) to a scratch folder,
builds it once, then for each mutant: applies the edit, rebuilds incrementally, runs the
covering tests (stopping at the first failure) and restores the file. A mutant is

    killed     a covering test failed (the report names it)
    survived   every covering test passed: a test is missing
    build      the mutant did not compile (not a useful mutant: rewrite it)
    stale      its snippet no longer occurs exactly once in the file (refresh the list)

Usage (the system python3 with PyYAML; not part of CI, it takes an hour or more):
    scripts/mutation_check.py [--only ID,ID...] [--scratch DIR] [--report docs/mutation-report.md]
                              [--jobs N] [--no-baseline] [--list] [--check]
The scratch folder defaults to build-mutation/ in the repository (ignored by git), so that
ccache with CCACHE_BASEDIR set to the repository's parent reuses the main build's objects.
Exit status: 0 when every mutant run was killed, 1 when one survived, was stale or did not build.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time

try:
    import yaml
except ImportError:
    sys.exit("mutation_check.py needs PyYAML (Debian: python3-yaml); run it with /usr/bin/python3")

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
TEST_TIMEOUT_S = 1200
# The scratch tree is not beside ../shared: the tests needing the shared data must be told
# where it is, or they skip (and a skipped test kills nothing).
ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
       "OMPI_MCA_rmaps_base_oversubscribe": "1",
       "HEALGRID_SHARED_DIR": os.environ.get("HEALGRID_SHARED_DIR") or
       os.path.join(os.path.dirname(REPO), "shared")}


def load_mutants(path):
    """The mutant list, checked for the keys every entry needs and for unique ids."""
    with open(path, encoding="utf-8") as stream:
        mutants = yaml.safe_load(stream)
    seen = set()
    for m in mutants:
        missing = [k for k in ("id", "file", "original", "mutant", "tests") if k not in m]
        if missing:
            sys.exit(f"{path}: mutant {m.get('id', '?')}: missing keys {missing}")
        if m["id"] in seen:
            sys.exit(f"{path}: duplicate mutant id {m['id']}")
        seen.add(m["id"])
    return mutants


def copy_tree(scratch):
    """Copy the repository's tracked and untracked (not ignored) files into scratch/tree."""
    tree = os.path.join(scratch, "tree")
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, check=True, capture_output=True).stdout.split(b"\0")
    for raw in files:
        if not raw:
            continue
        rel = raw.decode()
        src, dst = os.path.join(REPO, rel), os.path.join(tree, rel)
        if not os.path.isfile(src):
            continue  # deleted in the working tree
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst) or open(src, "rb").read() != open(dst, "rb").read():
            # A changed file gets the time of the copy, not its own: an object built from the
            # previous copy may be newer than the edit, and make would keep it (a mutant of
            # another file then ran against the old code). Unchanged files are not touched.
            shutil.copy(src, dst)
    return tree


def run(cmd, cwd, timeout, log):
    """Run a command; return (rc, output); the output is also appended to `log`."""
    env = dict(os.environ, **ENV)
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace",
                              timeout=timeout, check=False)
        rc, out = proc.returncode, proc.stdout
    except subprocess.TimeoutExpired as e:
        rc, out = 124, f"TIMEOUT after {timeout} s\n{e.stdout or ''}"
    with open(log, "a", encoding="utf-8") as stream:
        stream.write(f"$ {' '.join(cmd)}\n{out}\n")
    return rc, out


def build(tree, jobs, log):
    build_dir = os.path.join(tree, "build")
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        cmd = ["cmake", "-S", tree, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release"]
        if shutil.which("ccache"):
            cmd.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        rc, out = run(cmd, tree, 600, log)
        if rc != 0:
            return rc, out
    # Only what the tests run: the command, the unit and MPI unit tests (not the benchmarks).
    return run(["cmake", "--build", build_dir, "-j", str(jobs), "--target", "healgrid",
                "healgrid_unit_tests", "healgrid_mpi_tests"], tree, 3600, log)


# A failed test's line (a skipped one, "***Skipped", is not a failure).
FAILED_RE = re.compile(r"Test\s+#\d+: (\S+) \.+\s*(\*\*\*(Failed|Timeout|Exception)|"
                       r"Subprocess aborted|Exception)")


def run_tests(tree, regex, log):
    """(passed, first failing test or None, skipped tests) of `ctest -R regex`."""
    # Without cost data ctest runs tests in declaration order: the fast unit tests first.
    cost = os.path.join(tree, "build", "Testing", "Temporary", "CTestCostData.txt")
    if os.path.exists(cost):
        os.remove(cost)
    rc, out = run(["ctest", "-R", regex, "--stop-on-failure", "--output-on-failure",
                   "--timeout", "900"], os.path.join(tree, "build"), TEST_TIMEOUT_S, log)
    skipped = len(re.findall(r"\*\*\*Skipped|Not Run", out))
    if "No tests were found" in out:
        return False, "(no test matches the regex)", 0
    failed = FAILED_RE.search(out)
    if rc == 0:
        return True, None, skipped
    return False, failed.group(1) if failed else f"(ctest exited {rc})", skipped


def snippet_matches(tree, m):
    path = os.path.join(tree, m["file"])
    if not os.path.isfile(path):
        return False
    with open(path, encoding="utf-8") as stream:
        return stream.read().count(m["original"]) == 1


def apply(tree, m):
    """Apply the mutant; return the original text, or None when the snippet is stale."""
    path = os.path.join(tree, m["file"])
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    if text.count(m["original"]) != 1:
        return None
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text.replace(m["original"], m["mutant"], 1))
    return text


def restore(tree, m, text):
    with open(os.path.join(tree, m["file"]), "w", encoding="utf-8") as stream:
        stream.write(text)


def commit_id():
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                         text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                           capture_output=True, text=True, check=False).stdout.strip()
    return out + (" (with uncommitted changes)" if dirty else "")


def merge_results(scratch, mutants, results, started, elapsed, first):
    """Results of this and earlier runs (results.json in the scratch folder), latest per id,
    for every mutant on the list (`not run` for the others), so that batches add up. `first`:
    this run's first result (a new entry in the list of runs; later ones update it)."""
    path = os.path.join(scratch, "results.json")
    stored = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as stream:
            stored = json.load(stream)
    stored.setdefault("runs", [])
    stored.setdefault("mutants", {})
    if first or not stored["runs"]:
        stored["runs"].append({"date": f"{started:%Y-%m-%d %H:%M}", "commit": commit_id(),
                               "mutants": 0, "minutes": 0})
    stored["runs"][-1]["mutants"] += len(results)
    stored["runs"][-1]["minutes"] = round(elapsed / 60, 1)
    for r in results:
        stored["mutants"][r["mutant"]["id"]] = {
            "status": r["status"], "killer": r["killer"], "seconds": round(r["seconds"], 1),
            "date": f"{started:%Y-%m-%d %H:%M}"}
    with open(path, "w", encoding="utf-8") as stream:
        json.dump(stored, stream, indent=1)
    merged = []
    for m in mutants:
        r = stored["mutants"].get(m["id"], {"status": "not run", "killer": None, "seconds": 0})
        merged.append(dict(r, mutant=m))
    return merged, stored["runs"]


def write_report(path, results, runs):
    counts = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    total_min = sum(run["minutes"] for run in runs)
    lines = [
        "# Mutation check report",
        "",
        "Written by `scripts/mutation_check.py` (mutants in `scripts/mutants.yaml`; see",
        "docs/reliability.md for how to run it). Each mutant is a small edit of the core; it is",
        "*killed* when one of its covering tests fails.",
        "",
        f"- mutants: {len(results)}; " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())),
        f"- time: {total_min:.0f} min in all, over {len(runs)} run(s) (each: copy, one "
        "full build (ccache), the baseline tests unless --no-baseline, then per mutant an "
        "incremental build and its tests):",
    ]
    lines += [f"  - {run['date']} UTC, commit {run['commit']}: {run['mutants']} mutants, "
              f"{run['minutes']} min" for run in runs]
    lines += [
        "",
        "| id | file | what | covering tests | result | killed by | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        m = r["mutant"]
        what = " ".join(m.get("what", "").split()).replace("|", "\\|")
        tests = m["tests"].replace("|", "\\|")
        lines.append(f"| {m['id']} | `{m['file']}` | {what} | `{tests}` | {r['status']} | "
                     f"{r.get('killer') or ''} | {r['seconds']:.0f} |")
    with open(path, "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mutants", default=os.path.join(REPO, "scripts", "mutants.yaml"))
    parser.add_argument("--only", help="comma-separated mutant ids (default: all)")
    parser.add_argument("--scratch", default=os.path.join(REPO, "build-mutation"))
    parser.add_argument("--report", default=os.path.join(REPO, "docs", "mutation-report.md"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip running the covering tests on the unmutated tree first")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--check", action="store_true",
                        help="only report the mutants whose snippet is stale in this tree")
    args = parser.parse_args()

    mutants = everything = load_mutants(args.mutants)
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m["id"] for m in mutants}
        if unknown:
            sys.exit(f"unknown mutant ids: {sorted(unknown)}")
        mutants = [m for m in mutants if m["id"] in wanted]
    if args.list:
        for m in mutants:
            print(f"{m['id']:32} {m['file']:40} {m['tests']}")
        return 0
    if args.check:
        stale = [m["id"] for m in mutants if not snippet_matches(REPO, m)]
        print(f"{len(mutants) - len(stale)} of {len(mutants)} mutants match the sources; "
              f"stale: {stale}")
        return 1 if stale else 0
    os.environ.setdefault("CCACHE_BASEDIR", os.path.dirname(REPO))

    started, t0 = datetime.datetime.utcnow(), time.monotonic()
    os.makedirs(args.scratch, exist_ok=True)
    log = os.path.join(args.scratch, "mutation.log")
    tree = copy_tree(args.scratch)
    print(f"scratch tree {tree}; log {log}")
    rc, out = build(tree, args.jobs, log)
    if rc != 0:
        print(out[-3000:])
        sys.exit("the unmutated tree does not build: nothing to check")
    if not args.no_baseline:
        for regex in sorted({m["tests"] for m in mutants}):
            ok, failing, skipped = run_tests(tree, regex, log)
            if not ok:
                sys.exit(f"baseline: tests '{regex}' fail without any mutant ({failing}); "
                         "fix them first")
            print(f"baseline: tests pass for '{regex}'"
                  f"{f' ({skipped} skipped: they kill nothing)' if skipped else ''}")
    setup_s = time.monotonic() - t0

    results = []
    for i, m in enumerate(mutants, 1):
        t = time.monotonic()
        result = {"mutant": m, "killer": None}
        original = apply(tree, m)
        if original is None:
            result["status"] = "stale"
        else:
            try:
                rc, out = build(tree, args.jobs, log)
                if rc != 0:
                    result["status"] = "build"
                else:
                    ok, failing, skipped = run_tests(tree, m["tests"], log)
                    result["status"] = "killed" if not ok else (
                        f"survived ({skipped} covering tests skipped)" if skipped else "survived")
                    result["killer"] = failing
            finally:
                restore(tree, m, original)
        result["seconds"] = time.monotonic() - t
        results.append(result)
        print(f"[{i}/{len(mutants)}] {m['id']}: {result['status']}"
              f"{' by ' + result['killer'] if result['killer'] else ''} "
              f"({result['seconds']:.0f} s)", flush=True)
        # Recorded after every mutant, so that an interrupted run keeps what it found.
        merged, runs = merge_results(args.scratch, everything, [result], started,
                                     time.monotonic() - t0, first=i == 1)
        write_report(args.report, merged, runs)
    build(tree, args.jobs, log)  # leave the scratch build unmutated
    elapsed = time.monotonic() - t0
    print(f"setup (copy, build, baseline) {setup_s / 60:.1f} min")
    bad = [r for r in results if r["status"] != "killed"]
    print(f"{len(results) - len(bad)} of {len(results)} killed in {elapsed / 60:.1f} min; "
          f"report {args.report}")
    for r in bad:
        print(f"  {r['status']}: {r['mutant']['id']} ({r['mutant']['file']})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
