#!/usr/bin/env python3
"""What a run trusts from earlier runs and shares with other runs (issue 15, docs/reliability.md).

Synthetic granules whose h_li datasets are stored contiguous (so a value can be rewritten in
place without changing the file's size, as a reprocessing tool updating a granule would), 2 ranks,
SOURCE_DATE_EPOCH fixed, the same `healgrid run` arguments everywhere, so outputs compare byte
for byte. Each case fails on a healgrid without the fix:
  rewrite in place       a run killed half-way (SIGKILL of rank 1 after 4 of 8 journaled rounds),
                         one granule's h_li rewritten in place (same name, same size, new mtime),
                         rerun: the journal is discarded ("round files of other inputs") and the
                         output equals a fresh run on the new data.
  mtime restored         the same with the mtime put back (os.utime, ns): the change lies in a
                         sampled block of the file, the sampled SHA-256 catches it.
  unsampled + full       values changed only outside the sampled blocks, mtime restored: with
                         --verify-inputs full the journal is discarded and the output equals a
                         fresh run.
  unsampled, ctime       the same with the default sample: the sample's digest cannot see the
                         change, the granule's change time in the key does (the rerun reused
                         the stale rounds before, exit 0).
  round checksum         a byte of a stored value flipped in one journal round file: the rerun
                         warns naming the file ("checksum mismatch"), recomputes that round and
                         equals the uninterrupted run; a user's files in the journal directory
                         (p1-2.round.bak, KEY.bak...) are left when it removes its journal.
  two runs, one output   a second run on the output of a running one exits 1 at once naming
                         the other run; the first completes and equals a single run; no lock or
                         temporary is left; a stale temporary of a killed run is removed, a user
                         file with a similar name, or with its very name but not HDF5, is not.
  output is an input     --output naming an input granule (plain, `./`-spelled through `..`,
                         through a symlink): exit 2 before any work, the granule untouched.
  derived outputs        an xarray copy of an output with a variable added, an output with a
                         global attribute added in place, a file with only the healgrid_version
                         mark: refused (exit 1), untouched (they were replaced, exit 0).
  metrics appear         a user's file written at --metrics-json's path during the run is left
                         untouched, the run exits 1 naming it (the output complete); a killed
                         run's probe of the output directory (zeros) is removed.
  journal path           OUT.nc.journal a symlink to a directory, or a user's directory with
                         files: exit 1 naming it, everything in it untouched. A journal a run
                         killed while writing its KEY (only KEY's temporary) or while removing
                         it (round files left, KEY gone) is healgrid's: the rerun completes and
                         removes it; with a user's file beside those names it is refused.
  data elsewhere         h_li in an external raw file, a virtual dataset's source or behind an
                         external link: no round
                         journaled ("[journal] off"), and a rerun after the source is rewritten
                         equals a fresh run.
  taken names            OUT.nc a user's file, a symlink, another tool's HDF5 file; OUT.nc.lock
                         or OUT.nc.progress.json a file healgrid did not write: exit 1 naming
                         it before any work, the file (and a link's target) untouched; the
                         run's own output is replaced by a rerun.
"""

import glob
import hashlib
import os
import re
import shlex
import shutil
import struct
import subprocess
import time

import common  # isort: skip
from common import Checks  # isort: skip

import h5py  # noqa: E402
import numpy as np  # noqa: E402

import check_restart  # noqa: E402
from check_restart import killed_run  # noqa: E402

EPOCH = "1700000000"
BEAMS = ("gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r")
# pipeline/input_fingerprint.hpp: first and last 64 KiB and 8 spread blocks between them.
BLOCK, SPREAD = 64 * 1024, 8


def sampled_ranges(size):
    """The byte ranges [start, end) healgrid's sample hashes in a file of `size` bytes."""
    if size <= BLOCK * (SPREAD + 2):
        return [(0, size)]
    span = size - 3 * BLOCK
    starts = [0] + [BLOCK + span * k // (SPREAD - 1) for k in range(SPREAD)] + [size - BLOCK]
    return [(s, s + BLOCK) for s in starts]


def in_sample(offset, size):
    return any(a <= offset < b for a, b in sampled_ranges(size))


def run(args, cwd, env, nprocs=2, timeout=300):
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    cmd = mpiexec + ["-np", str(nprocs), "--oversubscribe", common.healgrid_bin(), "run"] + args
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace",
                          timeout=timeout, check=False)
    return proc.returncode, proc.stdout


def removed_h_li(f):
    """Each beam's h_li of the open file `f`, removed from it: (name, values, attributes but
    DIMENSION_LIST, fill value)."""
    for beam in BEAMS:
        name = f"{beam}/land_ice_segments/h_li"
        if name not in f:
            continue
        ds = f[name]
        data, attrs = ds[...], {k: v for k, v in ds.attrs.items() if k != "DIMENSION_LIST"}
        fill = ds.fillvalue
        del f[name]
        yield name, data, attrs, fill


def make_contiguous(path):
    """Store every beam's h_li contiguous, unfiltered (values and attributes kept)."""
    with h5py.File(path, "r+") as f:
        for name, data, attrs, fill in removed_h_li(f):
            new = f.create_dataset(name, data=data, fillvalue=fill)
            for key, value in attrs.items():
                new.attrs[key] = value


def h_li_layout(path):
    """[(beam, byte offset of h_li, n values, fill)] of a prepared granule."""
    out = []
    with h5py.File(path, "r") as f:
        for beam in BEAMS:
            name = f"{beam}/land_ice_segments/h_li"
            if name in f:
                ds = f[name]
                out.append((beam, ds.id.get_offset(), ds.shape[0], ds.attrs.get("_FillValue")))
    return out


def rewrite_values(path, where):
    """Adds 40 m in place to the h_li values (not fills) for which where(byte_offset) holds;
    returns how many changed. The file's size must not change."""
    size = os.path.getsize(path)
    changed = 0
    with open(path, "r+b") as f:
        for _, offset, n, fill in h_li_layout(path):
            f.seek(offset)
            values = np.frombuffer(f.read(4 * n), dtype="<f4").copy()
            offsets = offset + 4 * np.arange(n)
            pick = np.array([where(int(o)) for o in offsets]) & (values < 1e30)
            if fill is not None:
                pick &= values != np.float32(fill[0] if np.ndim(fill) else fill)
            values[pick] += np.float32(40.0)
            changed += int(pick.sum())
            f.seek(offset)
            f.write(values.astype("<f4").tobytes())
    assert os.path.getsize(path) == size, "rewrite changed the size"
    return changed


class Case:
    """A folder with its own copy of the prepared granules and a run folder beside them."""

    def __init__(self, tmp, master, name):
        self.root = os.path.join(tmp, name)
        self.granules = os.path.join(self.root, "granules")
        self.cwd = os.path.join(self.root, "run")
        shutil.copytree(master, self.granules)
        os.makedirs(self.cwd)

    def first_granule(self):
        return sorted(glob.glob(os.path.join(self.granules, "*.h5")))[0]


def fresh_bytes(tmp, granules, env, args):
    """A fresh run (no journal) of `args` over copies of `granules`: its output's bytes."""
    case = os.path.join(tmp, f"fresh-{time.monotonic_ns()}")
    shutil.copytree(granules, os.path.join(case, "granules"))
    os.makedirs(os.path.join(case, "run"))
    rc, out = run(args, os.path.join(case, "run"), env)
    if rc != 0:
        print(out)
        return None
    return open(os.path.join(case, "run", "out.nc"), "rb").read()


def rewrite_case(checks, tmp, master, env, label, where, restore_mtime, extra=()):
    """Kill half-way, change the first granule in place, rerun: equals a fresh run."""
    case = Case(tmp, master, label.replace(" ", "_"))
    check_restart.ARGS = ["--input", "../granules", "--output", "out.nc", "--rounds", "4"] + \
        list(extra)
    if not killed_run(checks, case.cwd, env, label):
        return
    path = case.first_granule()
    before = os.stat(path)
    changed = rewrite_values(path, where)
    if restore_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    checks.check(after.st_size == before.st_size and changed > 0,
                 f"{label}: rewrite changed {changed} values, size {before.st_size} -> "
                 f"{after.st_size}")
    checks.check((after.st_mtime_ns == before.st_mtime_ns) == restore_mtime,
                 f"{label}: mtime {before.st_mtime_ns} -> {after.st_mtime_ns}")
    rc, out = run(check_restart.ARGS, case.cwd, env)
    print(f"{label}: {changed} h_li values rewritten in place; rerun exited {rc}")
    if not checks.check(rc == 0, f"{label}: rerun exited {rc}:\n{out}"):
        return
    checks.check("[journal] reused" not in out and "round files of other inputs" in out,
                 f"{label}: the rerun did not discard the journal:\n{out}")
    want = fresh_bytes(tmp, case.granules, env, check_restart.ARGS)
    got = open(os.path.join(case.cwd, "out.nc"), "rb").read()
    checks.check(want is not None and got == want,
                 f"{label}: the rerun's output differs from a fresh run on the new data")
    print(f"{label}: equals a fresh run on the new data: {got == want}")


def round_layout(data):
    """Offset of the first float column's values in a journal round (format HGJRNL03), and
    how many there are."""
    assert data[:8] == b"HGJRNL03", data[:8]
    at = 8 + 64
    _, ncovered, nparents, ncols, _, _ = struct.unpack_from("<6Q", data, at)
    at += 48 + 8 * ncovered + 8 * nparents
    (ncells,) = struct.unpack_from("<Q", data, at)
    at += 8 + 8 * ncells
    for _ in range(ncols):
        (kind,) = struct.unpack_from("<Q", data, at)
        at += 8
        if kind == 0:
            return at, ncells
        at += 4 * ncells
    return None, 0


def checksum_case(checks, tmp, master, env, reference):
    label = "round checksum"
    case = Case(tmp, master, "checksum")
    check_restart.ARGS = ["--input", "../granules", "--output", "out.nc", "--rounds", "4"]
    if not killed_run(checks, case.cwd, env, label):
        return
    rounds = sorted(glob.glob(os.path.join(case.cwd, "out.nc.journal", "p*.round")))
    flipped = None
    for path in rounds:
        data = bytearray(open(path, "rb").read())
        at, ncells = round_layout(bytes(data))
        if at is None or ncells == 0:
            continue
        byte = at + 4 * (ncells // 2) + 2  # a mantissa byte of the middle cell's value
        data[byte] ^= 0x10
        open(path, "wb").write(bytes(data))
        flipped = path
        break
    if not checks.check(flipped is not None, f"{label}: no round file with values: {rounds}"):
        return
    # A user's copies in the journal directory stay when the run removes its journal (names
    # that merely begin like a round file were removed too); a killed write's temporary goes.
    journal = os.path.join(case.cwd, "out.nc.journal")
    users = [os.path.join(journal, n) for n in
             (os.path.basename(rounds[0]) + ".bak", "p3-4.roundX", "p1-2.round.orig", "KEY.bak",
              "p1-2.round.tmp.notes")]
    stale = os.path.join(journal, "p5-6.round.tmp.4242.0.1a2b3c")
    for path in users + [stale]:
        open(path, "w", encoding="ascii").write("left here\n")
    rc, out = run(check_restart.ARGS, case.cwd, env)
    kept = [os.path.basename(p) for p in users if os.path.isfile(p)]
    checks.check(len(kept) == len(users) and not os.path.exists(stale),
                 f"{label}: the user's files in the journal kept: {kept} of "
                 f"{[os.path.basename(p) for p in users]}; the stale temporary "
                 f"{'left' if os.path.exists(stale) else 'removed'}")
    name = os.path.basename(flipped)
    print(f"{label}: flipped a value byte in {name}; rerun exited {rc}")
    checks.check(rc == 0, f"{label}: rerun exited {rc}:\n{out}")
    checks.check(re.search(rf"warning: rank \d: \S*{re.escape(name)}: checksum mismatch", out)
                 is not None, f"{label}: no warning naming {name}:\n{out}")
    got = open(os.path.join(case.cwd, "out.nc"), "rb").read() if rc == 0 else b""
    checks.check(got == reference, f"{label}: output differs from the uninterrupted run")
    print(f"{label}: equals the uninterrupted run: {got == reference}")


def two_runs_case(checks, tmp, master, env, reference):
    label = "two runs, one output"
    case = Case(tmp, master, "two_runs")
    args = ["--input", "../granules", "--output", "out.nc", "--rounds", "4"]
    stale = os.path.join(case.cwd, "out.nc.partial.4242.deadbeef")
    mine = os.path.join(case.cwd, "out.nc.partial.notes")
    # A user's text under a temporary output's very name stays (removed by its name before): a
    # killed run's temporary output is HDF5.
    mine_tagged = os.path.join(case.cwd, "out.nc.partial.4243.deadbee0")
    # A progress write killed mid-way leaves its temporary (io/atomic_file): swept like the
    # partial; a name of the user's that only looks alike stays.
    stale_progress = os.path.join(case.cwd, "out.nc.progress.json.tmp.4242.0.1a2b3c")
    mine_progress = os.path.join(case.cwd, "out.nc.progress.json.tmp.notes")
    for path in (mine, stale_progress, mine_progress, mine_tagged):
        open(path, "w", encoding="ascii").write("left here\n")
    with open(stale, "wb") as stream:  # what a killed run leaves: the start of an HDF5 file
        stream.write(b"\x89HDF\r\n\x1a\n" + bytes(2040))
    first = launch_slowed(args, case.cwd, env)
    deadline = time.time() + 120
    while time.time() < deadline and first.poll() is None and \
            not glob.glob(os.path.join(case.cwd, "out.nc.journal", "p*.round")):
        time.sleep(0.05)
    t0 = time.monotonic()
    rc2, out2 = run(args, case.cwd, env)
    seconds = time.monotonic() - t0
    out1, _ = first.communicate(timeout=300)
    rc1 = first.returncode
    print(f"{label}: second run exited {rc2} after {seconds:.1f} s; first exited {rc1}")
    checks.check(rc1 == 0 and rc2 == 1, f"{label}: exits {rc1} and {rc2}, expected 0 and 1:\n"
                 f"--- first:\n{out1}\n--- second:\n{out2}")
    checks.check("another healgrid run is writing this output" in out2 and
                 re.search(r"host \S+ pid \d+", out2) is not None,
                 f"{label}: the second run does not name the other:\n{out2}")
    got = open(os.path.join(case.cwd, "out.nc"), "rb").read()
    checks.check(got == reference, f"{label}: the output differs from a single run")
    # The live progress file may stay (docs/reliability.md); nothing else of either run.
    left = sorted(n for n in os.listdir(case.cwd) if n != "out.nc.progress.json")
    checks.check(left == ["out.nc", "out.nc.partial.4243.deadbee0", "out.nc.partial.notes",
                          "out.nc.progress.json.tmp.notes"],
                 f"{label}: left in the output folder: {left}")
    checks.check(all(open(p, encoding="ascii").read() == "left here\n"
                     for p in (mine, mine_tagged)),
                 f"{label}: the user's file beside the output changed")
    print(f"{label}: output equals a single run: {got == reference}; folder holds {left}")


def metrics_appear_case(checks, tmp, master, env):
    """A user's file written at the --metrics-json path while the run works: never replaced;
    the run ends with exit 1 naming it (the output complete); a stale probe of the output
    directory (zeros at a killed run's OUT.nc.partial.<tag>) is removed."""
    label = "metrics file appeared during the run"
    case = Case(tmp, master, "metrics_appear")
    probe = os.path.join(case.cwd, "out.nc.partial.4242.deadbeef")
    open(probe, "wb").write(bytes(65536))  # killed between writing and removing its probe
    metrics = os.path.join(case.cwd, "m.json")
    args = ["--input", "../granules", "--output", "out.nc", "--rounds", "4",
            "--metrics-json", "m.json"]
    proc = launch_slowed(args, case.cwd, env)
    common.wait_for_rounds(proc, os.path.join(case.cwd, "out.nc.journal"), 1, 120)
    open(metrics, "w", encoding="ascii").write("the user's notes\n")
    out, _ = proc.communicate(timeout=300)
    print(f"{label}: exit {proc.returncode}")
    checks.check(proc.returncode == 1 and "--metrics-json m.json" in out and
                 "a file healgrid did not write" in out and "the output is complete" in out,
                 f"{label}: exit {proc.returncode}, expected 1 naming m.json:\n{out}")
    checks.check(open(metrics, encoding="ascii").read() == "the user's notes\n",
                 f"{label}: the user's file was replaced")
    checks.check(os.path.exists(os.path.join(case.cwd, "out.nc")), f"{label}: no output")
    checks.check(not os.path.exists(probe), f"{label}: the killed run's probe was left")
    checks.check(not glob.glob(os.path.join(case.cwd, "m.json.tmp.*")),
                 f"{label}: the metrics' temporary was left")


def launch_slowed(args, cwd, env):
    """A 2-rank run that sleeps 1 s after each journaled round (a test hook), so that a test can
    act while it works."""
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    return subprocess.Popen(mpiexec + ["-np", "2", "--oversubscribe", common.healgrid_bin(), "run"]
                            + args, cwd=cwd, env=dict(env, HEALGRID_TEST_ROUND_PAUSE_SECONDS="1"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", start_new_session=True)


def output_is_input_case(checks, tmp, master, env):
    case = Case(tmp, master, "output_is_input")
    granule = case.first_granule()
    name = os.path.basename(granule)
    digest = hashlib.sha256(open(granule, "rb").read()).hexdigest()
    os.symlink(granule, os.path.join(case.cwd, "link.h5"))
    for spelling in (f"../granules/{name}", f"./../granules/../granules/{name}", "link.h5"):
        rc, out = run(["--input", "../granules", "--output", spelling], case.cwd, env)
        label = f"--output {spelling}"
        print(f"{label}: exit {rc}")
        checks.check(rc == 2 and "is the input granule" in out,
                     f"{label}: exit {rc}, expected 2 'is the input granule':\n{out}")
        checks.check(hashlib.sha256(open(granule, "rb").read()).hexdigest() == digest,
                     f"{label}: the granule changed")
        checks.check("[index]" not in out, f"{label}: work started before the refusal:\n{out}")
    # A renamed copy among the inputs is left out as a duplicate; as the output it is still an
    # input granule (exit 2), not "someone's file".
    copy = os.path.join(case.root, "granules", "zz_copy.h5")
    shutil.copyfile(granule, copy)
    rc, out = run(["--input", "../granules", "--output", "../granules/zz_copy.h5"], case.cwd, env)
    checks.check(rc == 2 and "is the input granule" in out and "zz_copy.h5" in out,
                 f"--output a renamed copy among the inputs: exit {rc}, expected 2:\n{out}")
    checks.check(open(copy, "rb").read() == open(granule, "rb").read(),
                 "--output a renamed copy among the inputs: the copy changed")
    os.remove(copy)


def tree(path):
    """{relative path: bytes} of every file under path (following nothing)."""
    out = {}
    for root, _, names in os.walk(path):
        for n in names:
            p = os.path.join(root, n)
            out[os.path.relpath(p, path)] = open(p, "rb").read()
    return out


def journal_path_cases(checks, tmp, master, env):
    case = Case(tmp, master, "journal_path")
    target = os.path.join(case.root, "precious")
    os.makedirs(target)
    for n, text in (("sentinel.txt", b"keep me\n"), ("p0-9.round", b"not a round\n"),
                    ("KEY", b"mine\n")):
        open(os.path.join(target, n), "wb").write(text)
    journal = os.path.join(case.cwd, "out.nc.journal")
    args = ["--input", "../granules", "--output", "out.nc"]
    for label, make in (("journal a symlink", lambda: os.symlink(target, journal)),
                        ("journal a user directory", lambda: shutil.copytree(target, journal))):
        make()
        before_target, before_journal = tree(target), tree(journal)
        rc, out = run(args, case.cwd, env)
        print(f"{label}: exit {rc}")
        checks.check(rc == 1 and "out.nc.journal" in out and "untouched" in out,
                     f"{label}: exit {rc}, expected 1 naming out.nc.journal:\n{out}")
        if label == "journal a user directory":  # its KEY holds "mine": not a journal key
            checks.check("its KEY is not a file holding a journal's inputs key" in out,
                         f"{label}: the message does not say what is wrong with KEY:\n{out}")
        checks.check(tree(target) == before_target and tree(journal) == before_journal,
                     f"{label}: files changed or removed")
        checks.check(os.path.islink(journal) == (label == "journal a symlink"),
                     f"{label}: the journal path itself was replaced")
        checks.check(not os.path.exists(os.path.join(case.cwd, "out.nc")),
                     f"{label}: an output was written")
        if os.path.islink(journal):
            os.remove(journal)
        elif os.path.isdir(journal):
            shutil.rmtree(journal)
    killed_journal_cases(checks, case, journal, args, env)


def killed_journal_cases(checks, case, journal, args, env):
    """Journals a kill left without their KEY: healgrid's own names only, so its own."""
    for label, names in (("killed writing KEY", ["KEY.tmp.4242.0.8ef57fa7"]),
                         ("killed removing the journal", ["p1-2.round", "p3-40.round",
                                                          "p41-45.round.tmp.4242.3.8ef57fa7"]),
                         ("a user's file beside them", ["p1-2.round", "notes.txt"])):
        os.makedirs(journal)
        for n in names:
            open(os.path.join(journal, n), "wb").write(b"left by a killed run\n")
        rc, out = run(args, case.cwd, env)
        print(f"journal {label}: exit {rc}")
        if "notes.txt" in names:
            checks.check(rc == 1 and "out.nc.journal" in out and "untouched" in out and
                         sorted(os.listdir(journal)) == sorted(names),
                         f"journal {label}: exit {rc}, expected 1 and the files kept:\n{out}")
            shutil.rmtree(journal)
        else:
            checks.check(rc == 0 and not os.path.exists(journal) and
                         os.path.exists(os.path.join(case.cwd, "out.nc")),
                         f"journal {label}: exit {rc}, journal left or no output:\n{out}")
        if os.path.exists(os.path.join(case.cwd, "out.nc")):
            os.remove(os.path.join(case.cwd, "out.nc"))


def taken_names_cases(checks, tmp, master, env):
    """Files healgrid did not write at the output's names: refused, untouched; its own
    output is replaced as before."""
    case = Case(tmp, master, "taken_names")
    args = ["--input", "../granules", "--output", "out.nc"]
    out_nc = os.path.join(case.cwd, "out.nc")
    precious = os.path.join(case.root, "precious.nc")
    open(precious, "wb").write(b"someone's data\n")
    cases = (
        ("output a user's file", out_nc, lambda: shutil.copy(precious, out_nc), "out.nc",
         "not a healgrid output"),
        ("output a symlink", out_nc, lambda: os.symlink(precious, out_nc), "out.nc",
         "symbolic link"),
        ("output an HDF5 file of another tool", out_nc,
         lambda: shutil.copy(case.first_granule(), out_nc), "out.nc", "not a healgrid output"),
        ("lock name taken", out_nc + ".lock", lambda: shutil.copy(precious, out_nc + ".lock"),
         "out.nc.lock", "did not write"),
        ("progress name taken", out_nc + ".progress.json",
         lambda: open(out_nc + ".progress.json", "w").write('{"mine": 1}\n'),
         "out.nc.progress.json", "did not write"),
    )
    for label, path, make, name, needle in cases:
        make()
        before = open(path, "rb").read()
        was_link = os.path.islink(path)
        rc, out = run(args, case.cwd, env)
        print(f"{label}: exit {rc}")
        checks.check(rc == 1 and name in out and needle in out and "[index]" not in out,
                     f"{label}: exit {rc}, expected 1 naming {name} ({needle!r}) before any "
                     f"work:\n{out}")
        checks.check(os.path.islink(path) == was_link and open(path, "rb").read() == before,
                     f"{label}: {name} was changed or replaced")
        checks.check(open(precious, "rb").read() == b"someone's data\n",
                     f"{label}: the link's target changed")
        os.remove(path)
    rc, out = run(args, case.cwd, env)
    checks.check(rc == 0, f"taken names: the run after the cleanup failed:\n{out}")
    rc, out = run(args, case.cwd, env)
    checks.check(rc == 0, f"taken names: rerun over its own output refused:\n{out}")
    derived_cases(checks, case, args, env)
    # The output among the granules' files (`--input DIR --output DIR/out.nc`): the rerun
    # leaves its previous output out of the inputs, with a note, and writes the same bytes.
    beside = ["--input", "../granules", "--output", "../granules/out.nc"]
    first_rc, _ = run(beside, case.cwd, env)
    first = open(os.path.join(case.granules, "out.nc"), "rb").read() if first_rc == 0 else None
    rc, out = run(beside, case.cwd, env)
    checks.check(first_rc == 0 and rc == 0 and "is this run's output, not a granule" in out and
                 open(os.path.join(case.granules, "out.nc"), "rb").read() == first,
                 f"output beside the granules: exits {first_rc}, {rc}; rerun output:\n{out}")
    # A glob over that directory matches the run's lock (taken before the inputs are listed)
    # and its previous output: both left out, the same inputs as the directory's run.
    def inputs_of(path):
        with h5py.File(path, "r") as f:
            return (f.attrs.get("healgrid_inputs_sha256"), f.attrs.get("granule_count"),
                    np.asarray(f["count"]).tobytes())
    before = inputs_of(os.path.join(case.granules, "out.nc")) if first_rc == 0 else None
    # A killed run's journal (empty: killed before its KEY) is matched too: no input directory.
    os.makedirs(os.path.join(case.granules, "out.nc.journal"))
    rc, out = run(["--input", "../granules/*", "--output", "../granules/out.nc"], case.cwd, env)
    checks.check(rc == 0 and "out.nc.lock is this run's lock file, not a granule" in out and
                 "out.nc.journal is this run's restart journal, not an input directory" in out
                 and "no file ending in" not in out and
                 inputs_of(os.path.join(case.granules, "out.nc")) == before,
                 f"a glob over the output's directory: exit {rc}:\n{out}")


def derived_cases(checks, case, args, env):
    """Files derived from an output keep its healgrid_version attribute: an xarray copy with a
    variable added, the output with a global attribute added in place, a file carrying only
    that attribute. Each is refused, untouched (they were replaced, exit 0)."""
    import netCDF4  # noqa: E402
    import xarray as xr  # noqa: E402
    out_nc = os.path.join(case.cwd, "out.nc")
    own = os.path.join(case.root, "own.nc")
    shutil.copy(out_nc, own)

    def xarray_copy(path):
        with xr.open_dataset(own) as ds:
            ds = ds.load()
        ds["my_analysis"] = ds["count"] * 2
        ds.to_netcdf(path)

    def attribute_added(path):
        shutil.copy(own, path)
        with netCDF4.Dataset(path, "a") as nc:
            nc.comment = "my notes"

    def mark_only(path):
        with netCDF4.Dataset(path, "w") as nc:
            nc.healgrid_version = "0.1.0"
            nc.createDimension("x", 3)
            nc.createVariable("precious", "f8", ("x",))[:] = [1, 2, 3]

    for label, make in (("an xarray copy with a variable added", xarray_copy),
                        ("a global attribute added in place", attribute_added),
                        ("only the healgrid_version mark", mark_only)):
        os.remove(out_nc)
        make(out_nc)
        before = open(out_nc, "rb").read()
        rc, out = run(args, case.cwd, env)
        print(f"output {label}: exit {rc}")
        checks.check(rc == 1 and "not an output as healgrid wrote it" in out and
                     "[index]" not in out and open(out_nc, "rb").read() == before,
                     f"output {label}: exit {rc}, expected 1 and the file untouched:\n{out}")
    os.replace(own, out_nc)
    rc, out = run(args, case.cwd, env)
    checks.check(rc == 0, f"the output as healgrid wrote it, again: exit {rc}:\n{out}")


def long_name_case(checks, tmp, master, env):
    """An output name of 225 characters (under NAME_MAX with its temporary suffix) is written:
    OpenMPI's lockedfile shared-file-pointer component used to abort on it (a fixed buffer)."""
    case = Case(tmp, master, "long_name")
    name = "b" * 222 + ".nc"
    rc, out = run(["--input", "../granules", "--output", name], case.cwd, env)
    print(f"output name of {len(name)} characters: exit {rc}")
    checks.check(rc == 0 and os.listdir(case.cwd) == [name],
                 f"output name of {len(name)} characters: exit {rc}, left "
                 f"{sorted(os.listdir(case.cwd))}:\n{out[-2000:]}")


def closed_stdout_case(checks, tmp, master, env):
    """`healgrid run ... | head -1`: the log's reader gone, the run still completes (SIGPIPE used
    to kill it mid-way, leaving its lock, journal and a progress file stuck mid-run)."""
    case = Case(tmp, master, "closed_stdout")
    # One process started directly (its stdout is the pipe; under mpirun, mpirun's would be).
    proc = subprocess.Popen([common.healgrid_bin(), "run", "--input", "../granules", "--output",
                             "out.nc"],
                            cwd=case.cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    proc.stdout.readline()  # the first line, as head -1 reads it
    proc.stdout.close()
    rc = proc.wait(timeout=300)
    left = sorted(os.listdir(case.cwd))
    checks.check(rc == 0 and left == ["out.nc"],
                 f"run with its stdout closed: exit {rc}, left {left}")


def move_h_li_out(path, how):
    """Every beam's h_li of `path` moved to another file: an external raw file (`external`),
    the source of a virtual dataset (`virtual`) or the target of an external link (`link`);
    returns the file the values now live in."""
    other = path + (".h_li.bin" if how == "external" else ".source.h5")  # also for "link"
    offset = 0
    with h5py.File(path, "r+") as f:
        for name, data, attrs, _ in list(removed_h_li(f)):
            data = data.astype("<f4")
            if how == "external":
                with open(other, "ab") as raw:
                    raw.write(data.tobytes())
                new = f.create_dataset(name, shape=data.shape, dtype="<f4",
                                       external=[(os.path.abspath(other), offset, data.nbytes)])
                offset += data.nbytes
            elif how == "link":
                with h5py.File(other, "a") as src:
                    src[name] = data
                    for key, value in attrs.items():
                        src[name].attrs[key] = value
                f[name] = h5py.ExternalLink(os.path.abspath(other), name)
                continue
            else:
                with h5py.File(other, "a") as src:
                    src[name] = data
                layout = h5py.VirtualLayout(shape=data.shape, dtype="<f4")
                layout[:] = h5py.VirtualSource(os.path.abspath(other), name, shape=data.shape)
                new = f.create_virtual_dataset(name, layout, fillvalue=np.float32(3.4028235e38))
            for key, value in attrs.items():
                new.attrs[key] = value
    return other


def data_elsewhere_cases(checks, tmp, master, env):
    """A granule whose h_li lives in another file (an external raw file, a virtual dataset's
    source): the journal's key fingerprints the granule files only, so the run journals no
    round ("[journal] off: ...") and a source rewritten after a stop cannot come back with its
    old values; a rerun after the rewrite equals a fresh run on the new values. (A killed
    run's rounds were reused: every value of the rewritten source off by the rewrite.)"""
    for how, needle in (("external", "external raw file"), ("virtual", "virtual dataset"),
                        ("link", "through an external link")):
        label = f"h_li in another file ({how})"
        case = Case(tmp, master, f"elsewhere_{how}")
        other = move_h_li_out(case.first_granule(), how)
        proc = launch_slowed(check_restart.ARGS, case.cwd, env)
        journaled = False
        while proc.poll() is None:
            journaled |= bool(glob.glob(os.path.join(case.cwd, "out.nc.journal", "p*.round")))
            time.sleep(0.05)
        out = proc.communicate()[0]
        checks.check(proc.returncode == 0 and not journaled and "[journal] off:" in out and
                     needle in out, f"{label}: exit {proc.returncode}, rounds journaled "
                     f"{journaled}, no '[journal] off: ... {needle}' note:\n{out}")
        if how == "external":  # the values rewritten in the other file only
            values = np.fromfile(other, dtype="<f4")
            np.where(values < 1e30, values + np.float32(40), values).astype("<f4").tofile(other)
        else:
            with h5py.File(other, "r+") as src:
                src.visititems(lambda n, o: o.__setitem__(Ellipsis, o[...] + np.float32(40))
                               if isinstance(o, h5py.Dataset) else None)
        rc, out = run(check_restart.ARGS, case.cwd, env)
        mine = open(os.path.join(case.cwd, "out.nc"), "rb").read() if rc == 0 else b""
        fresh = os.path.join(case.root, "fresh")
        os.makedirs(fresh)
        rc2, out2 = run(check_restart.ARGS, fresh, env)
        same = rc2 == 0 and open(os.path.join(fresh, "out.nc"), "rb").read() == mine
        checks.check(rc == 0 and same, f"{label}: after the rewrite, exit {rc}, equal to a fresh "
                     f"run: {same}:\n{out}\n{out2}")
        print(f"{label}: no round journaled ({not journaled}); after the rewrite equal to a "
              f"fresh run: {same}")


def main():
    checks = Checks("check_run_integrity")
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    with common.temp_dir("healgrid-run-integrity-") as tmp:
        master = os.path.join(tmp, "granules")
        common.synth_granules(checks, master, ["--granules", "3", "--cycle", "4"], env)
        for path in glob.glob(os.path.join(master, "*.h5")):
            make_contiguous(path)
        first = sorted(glob.glob(os.path.join(master, "*.h5")))[0]
        size = os.path.getsize(first)
        layout = h_li_layout(first)
        hit = sum(in_sample(o + 4 * i, size) for _, o, n, _ in layout for i in range(0, n, 97))
        print(f"prepared granule {os.path.basename(first)}: {size} bytes, h_li of "
              f"{len(layout)} beams contiguous; {hit} sampled value positions (every 97th)")
        checks.check(hit > 0, "no h_li byte in a sampled block: the mtime case proves nothing")
        reference = fresh_bytes(tmp, master, env, check_restart.ARGS)
        if not checks.check(reference is not None, "reference run failed"):
            checks.finish()

        rewrite_case(checks, tmp, master, env, "rewrite in place", lambda o: True, False)
        rewrite_case(checks, tmp, master, env, "mtime restored", lambda o: True, True)
        rewrite_case(checks, tmp, master, env, "unsampled with --verify-inputs full",
                     lambda o: not in_sample(o, size), True, ["--verify-inputs", "full"])
        rewrite_case(checks, tmp, master, env, "unsampled, the change time",
                     lambda o: not in_sample(o, size), True)
        checksum_case(checks, tmp, master, env, reference)
        two_runs_case(checks, tmp, master, env, reference)
        output_is_input_case(checks, tmp, master, env)
        metrics_appear_case(checks, tmp, master, env)
        journal_path_cases(checks, tmp, master, env)
        taken_names_cases(checks, tmp, master, env)
        long_name_case(checks, tmp, master, env)
        closed_stdout_case(checks, tmp, master, env)
        data_elsewhere_cases(checks, tmp, master, env)
    checks.finish()


if __name__ == "__main__":
    main()
