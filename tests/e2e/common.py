"""Helpers shared by the end-to-end drivers: locating data, running healgrid, comparing output.

Environment (set by tests/CMakeLists.txt):
    HEALGRID_BIN         the healgrid executable (required)
    HEALGRID_SOURCE_DIR  the repository root (required unless HEALGRID_SHARED_DIR is set)
    HEALGRID_SHARED_DIR  the shared folder holding data/real (default: <source>/../shared)
    MPIEXEC              the MPI launcher (default: mpirun)
A driver exits 0 when every check passes, 1 when any fails, 77 when the data is absent (skip).
"""

import argparse
import contextlib
import glob
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
REQUIRED_MODULES = ("numpy", "h5py", "healpy", "yaml", "xarray", "netCDF4")


def _require_modules():
    """Fail clearly (not skip) when this interpreter lacks a module the drivers need."""
    missing = []
    for name in REQUIRED_MODULES:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        print(f"FAIL: {sys.executable} lacks Python modules {', '.join(missing)} "
              "(Debian: python3-numpy python3-h5py python3-healpy python3-yaml python3-xarray "
              "python3-netcdf4); run the drivers with the system python3 that has them.")
        sys.exit(1)


_require_modules()

import numpy as np  # noqa: E402
import xarray  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from healgrid_reference import load_config, reference_grid  # noqa: E402,F401 (for drivers)
import output_schema as schema  # noqa: E402

RUN_TIMEOUT_S = 300


# ----------------------------------------------------------------------------- locations

def source_dir():
    """Repository root: $HEALGRID_SOURCE_DIR, else two levels above this file."""
    env = os.environ.get("HEALGRID_SOURCE_DIR")
    return env if env else os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def shared_dir():
    """The shared folder: $HEALGRID_SHARED_DIR, else <source>/../shared."""
    env = os.environ.get("HEALGRID_SHARED_DIR")
    return env if env else os.path.abspath(os.path.join(source_dir(), "..", "shared"))


def skip(message):
    """Print a SKIP line and exit with the ctest skip code."""
    print(f"SKIP: {message}")
    sys.exit(SKIP)


def real_atl06_files():
    """Sorted paths of every real ATL06 granule (*ATL06_*.h5) in <shared>/data/real, or skip."""
    real = os.path.join(shared_dir(), "data", "real")
    files = sorted(glob.glob(os.path.join(real, "*ATL06_*.h5")))
    if not files:
        skip(f"no real ATL06 granules (*ATL06_*.h5) in {real}; set HEALGRID_SHARED_DIR")
    return files


def config_path():
    """The repository's config/atl06.yaml (failing clearly if it is missing)."""
    path = os.path.join(source_dir(), "config", "atl06.yaml")
    if not os.path.isfile(path):
        print(f"FAIL: config file {path} does not exist")
        sys.exit(1)
    return path


def executable_from_env(name):
    """The program named by environment variable `name`, which must be an executable file."""
    path = os.environ.get(name)
    if not path or not os.access(path, os.X_OK):
        print(f"FAIL: {name}={path!r} is not an executable file")
        sys.exit(1)
    return path


def healgrid_bin():
    """$HEALGRID_BIN, which must be an executable file."""
    return executable_from_env("HEALGRID_BIN")


@contextlib.contextmanager
def temp_dir(prefix="healgrid-e2e-"):
    """A temporary directory removed (even when made unreadable) when the block ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    try:
        yield path
    finally:
        for root, dirs, _ in os.walk(path):
            for d in dirs:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(root, d), 0o755)
        shutil.rmtree(path, ignore_errors=True)


def write_config_variant(base_path, out_path, **grid):
    """Copy the YAML config to out_path with grid keys (parent_order, latitude...) replaced."""
    import yaml
    with open(base_path, encoding="utf-8") as stream:
        cfg = yaml.safe_load(stream)
    cfg["grid"].update(grid)
    with open(out_path, "w", encoding="utf-8") as stream:
        yaml.safe_dump(cfg, stream, sort_keys=False)
    return out_path


# ----------------------------------------------------------------------------- running

def ranks_from_args(doc, default=1):
    """The MPI ranks an e2e driver was asked for (--np N); `doc`: its module docstring, whose
    first line is the --help description."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--np", type=int, default=default, dest="nprocs", help="MPI ranks")
    return parser.parse_args().nprocs


def run_healgrid(args, nprocs=1, prefix=(), env=None, timeout=RUN_TIMEOUT_S):
    """Run `$MPIEXEC -np N --oversubscribe $HEALGRID_BIN run ARGS`; return (rc, combined output).

    `prefix` is prepended to the whole command line (e.g. setpriv to change user); a run that
    exceeds `timeout` seconds (a hang) is killed and reported as rc 124.
    """
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    cmd = list(prefix) + mpiexec + ["-np", str(nprocs), "--oversubscribe",
                                    healgrid_bin(), "run"] + [str(a) for a in args]
    # Own process group, so that a hung run is killed together with its MPI ranks.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", env=env, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        return 124, f"TIMEOUT after {timeout} s (killed): {shlex.join(cmd)}\n{output}"
    return proc.returncode, f"$ {shlex.join(cmd)}\n{output}"


def run_healgrid_ok(args, nprocs, checks, what):
    """Run healgrid expecting exit 0; record a failure (printing its output) otherwise."""
    rc, output = run_healgrid(args, nprocs)
    if rc != 0:
        checks.fail(f"{what}: healgrid exited {rc}\n{output}")
        return False
    return True


def check_rank_busy(checks, m, nprocs, in_passes, label, bound_read_aggregate=False):
    """The ranks' own work in metrics `m` (--metrics-json rank_busy_seconds): one figure per
    rank; the index above 0 and within the index phase (rank 0's time, which includes the wait
    for the slowest; a little slack for when each rank starts its clock); the passes' points
    (indexed again or read back) above 0 on every rank in passes, 0 in one pass; read +
    aggregate above 0, and with `bound_read_aggregate` within read_bin + reduce likewise."""
    busy, seconds = m.get("rank_busy_seconds", {}), m.get("seconds", {})
    index = seconds.get("index", 0)
    checks.check(len(busy.get("index", [])) == nprocs
                 and all(0 < v <= 1.2 * index + 0.05 for v in busy["index"]),
                 f"{label}: index busy {busy.get('index')} against the phase's {index:.3f} s")
    passes = busy.get("passes", [])
    checks.check(len(passes) == nprocs and all((v > 0) if in_passes else (v == 0) for v in passes),
                 f"{label}: passes' busy seconds {passes}")
    bound = seconds.get("read_bin", 0) + seconds.get("reduce", 0)
    reads = busy.get("read_aggregate", [])
    checks.check(len(reads) == nprocs and all(
        0 < v and (not bound_read_aggregate or v <= 1.2 * bound + 0.05) for v in reads),
        f"{label}: read+aggregate busy {reads}, read_bin + reduce {bound:.3f} s")


def synth_granules(checks, out_dir, args=(), env=None, nprocs=2, timeout=300):
    """`healgrid synth --output-dir OUT_DIR ARGS` on `nprocs` ranks; on failure records it and
    ends the check (every caller needs the granules)."""
    mpiexec = shlex.split(os.environ.get("MPIEXEC") or "mpirun")
    cmd = mpiexec + ["-np", str(nprocs), "--oversubscribe", healgrid_bin(), "synth",
                     *[str(a) for a in args], "--output-dir", out_dir]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout, check=False)
    if not checks.check(proc.returncode == 0, f"synth failed: {proc.stdout}"):
        checks.finish()


def wait_for_rounds(proc, journal, count, seconds):
    """Waits until `journal` holds `count` round files or `proc` ends; returns the rounds seen."""
    deadline, rounds = time.time() + seconds, []
    while time.time() < deadline and proc.poll() is None:
        rounds = glob.glob(os.path.join(journal, "p*.round"))
        if len(rounds) >= count:
            break
        time.sleep(0.05)
    return rounds


def open_output(path):
    """Open a healgrid output with xarray.open_dataset, load it into memory, close the file."""
    with xarray.open_dataset(path) as ds:
        return ds.load()


def char_strings(ds, name):
    """A char-array variable decoded by xarray (bytes strings) as a list of str."""
    return [s.strip() for s in np.asarray(ds[name].values).astype(str).tolist()]


# ----------------------------------------------------------------------------- checks

class Checks:
    """Collects check results so that one run reports every failure, not only the first."""

    def __init__(self, title):
        self.title = title
        self.failures = []
        self.passed = 0

    def check(self, condition, message):
        """Record one check; `message` describes the failure."""
        if condition:
            self.passed += 1
        else:
            self.fail(message)
        return bool(condition)

    def fail(self, message):
        print(f"FAIL: {message}")
        self.failures.append(message)

    def finish(self):
        """Print the summary and exit 0 (all passed) or 1."""
        if self.failures:
            print(f"{self.title}: {len(self.failures)} check(s) FAILED, {self.passed} passed")
            sys.exit(1)
        print(f"{self.title}: all {self.passed} checks passed")
        sys.exit(0)


def tolerance(function):
    """(rtol, atol) for a float32 output statistic against the float64 reference.

    float32 keeps ~7 digits (ulp 2.4e-4 m at 3000 m), hence rtol 2e-6; atol absorbs values near
    0 (variance of nearly equal heights: 1e-6 m^2 allows float64 rounding of sums of squares of
    ~10^3 heights of ~3000 m; std is its square root). min and max are compared exactly.
    """
    atol = {"variance": 1e-6, "std": 1e-3, "weighted_mean_sigma": 1e-9}.get(function, 1e-6)
    return 2e-6, atol


def _describe(cell_ids, idx, expected, got, limit=5):
    """'cell C: expected E, got G' for the first `limit` indices."""
    return "; ".join(f"cell {cell_ids[i]}: expected {expected[i]!r}, got {got[i]!r}"
                     for i in idx[:limit])


def compare_count(checks, label, cell_ids, out, ref):
    """Counts must be equal exactly (xarray decodes fill 0 as NaN: NaN counts as 0)."""
    out = np.nan_to_num(np.asarray(out, dtype=np.float64), nan=0.0)
    bad = np.flatnonzero(out != ref)
    checks.check(bad.size == 0, f"{label}: {bad.size} cells differ: "
                 f"{_describe(cell_ids, bad, ref, out.astype(np.int64))}")


def compare_float(checks, label, function, cell_ids, out, ref):
    """NaN positions identical; min/max equal float32(reference); others within tolerance()."""
    out = np.asarray(out)
    nan_out, nan_ref = np.isnan(out), np.isnan(ref)
    bad = np.flatnonzero(nan_out != nan_ref)
    checks.check(bad.size == 0, f"{label}: NaN (empty) positions differ at {bad.size} cells: "
                 f"{_describe(cell_ids, bad, ref, out)}")
    both = ~nan_out & ~nan_ref
    if function in ("min", "max"):
        ok = out[both] == ref[both].astype(np.float32)
        tol_text = "exact float32"
    else:
        rtol, atol = tolerance(function)
        ok = np.isclose(out[both].astype(np.float64), ref[both], rtol=rtol, atol=atol)
        tol_text = f"rtol={rtol}, atol={atol}"
    bad = np.flatnonzero(both)[~ok]
    checks.check(bad.size == 0, f"{label}: {bad.size} of {both.sum()} cells outside "
                 f"{tol_text}: {_describe(cell_ids, bad, ref, out)}")
    return int(both.sum())


def data_cell_count(ref, cfg):
    """Number of reference cells holding >= 1 used point."""
    stat = cfg["statistics"][0]
    values = ref[stat["name"]]
    return int((values > 0).sum() if stat["function"] == "count" else (~np.isnan(values)).sum())


def with_data_only(ref, cfg):
    """The dense reference restricted to its cells holding a value (what a sparse file lists)."""
    keep = np.zeros(ref["cell_ids"].size, dtype=bool)
    for stat in cfg["statistics"]:
        values = ref[stat["name"]]
        keep |= (values != 0) if stat["function"] == "count" else ~np.isnan(values)
    out = dict(ref)
    out["cell_ids"] = ref["cell_ids"][keep]
    for stat in cfg["statistics"]:
        out[stat["name"]] = ref[stat["name"]][keep]
    return out


def compare_to_reference(checks, ds, ref, cfg, label):
    """cell_ids equal exactly, then EVERY statistic of EVERY cell against the reference (a
    dense reference is first restricted to the cells with data when the file is sparse)."""
    if ds.attrs.get(schema.LAYOUT) == schema.SPARSE:
        ref = with_data_only(ref, cfg)
    out_ids = np.asarray(ds["cell_ids"].values)
    ref_ids = ref["cell_ids"]
    same_ids = out_ids.shape == ref_ids.shape and np.array_equal(out_ids, ref_ids)
    if not same_ids:
        extra = np.setdiff1d(out_ids, ref_ids)
        missing = np.setdiff1d(ref_ids, out_ids)
        checks.fail(f"{label}: cell_ids differ: output {out_ids.size}, reference {ref_ids.size}; "
                    f"{extra.size} only in output (first {extra[:5].tolist()}), "
                    f"{missing.size} only in reference (first {missing[:5].tolist()})")
    else:
        checks.check(True, "")
    # Compare on common cells so that a cell_ids disagreement still reports value evidence.
    common, i_out, i_ref = np.intersect1d(out_ids, ref_ids, return_indices=True)
    for stat in cfg["statistics"]:
        name = stat["name"]
        if not checks.check(name in ds.variables, f"{label}: statistic {name} missing"):
            continue
        out = np.asarray(ds[name].values)[i_out]
        expected = ref[name][i_ref]
        if stat["function"] == "count":
            compare_count(checks, f"{label} {name}", common, out, expected)
        else:
            compare_float(checks, f"{label} {name}", stat["function"], common, out, expected)
    print(f"{label}: compared {len(cfg['statistics'])} statistics on {common.size} cells "
          f"({data_cell_count(ref, cfg)} with data) against the reference")
    return same_ids


def check_provenance(checks, ds, label, used_paths, ref, skipped_paths=()):
    """The `granules` provenance rows: one per input, name/bytes/points_used/status correct.

    Used granules: status "used" ("empty: <why>" when the reference counts no point of it),
    granule_points_used = the reference's count of that granule.
    Skipped granules: status "skipped: <non-empty reason>", 0 points used.
    Rows are matched by file basename (a row may hold a longer path ending in it).
    """
    needed = ("granule_name", "granule_bytes", "granule_points_used", "granule_status")
    missing = [v for v in needed if v not in ds.variables]
    if not checks.check(not missing, f"{label}: provenance variables missing: {missing}"):
        return
    names = [os.path.basename(n) for n in char_strings(ds, "granule_name")]
    statuses = char_strings(ds, "granule_status")
    sizes = np.asarray(ds["granule_bytes"].values)
    points = np.asarray(ds["granule_points_used"].values)
    rows = {n: (int(b), int(p), s) for n, b, p, s in zip(names, sizes, points, statuses)}
    expected_names = sorted(os.path.basename(p) for p in list(used_paths) + list(skipped_paths))
    checks.check(sorted(names) == expected_names,
                 f"{label}: granule_name rows {sorted(names)} != inputs {expected_names}")
    for path in used_paths:
        base = os.path.basename(path)
        if base not in rows:
            continue
        nbytes, npoints, status = rows[base]
        checks.check(nbytes == os.path.getsize(path),
                     f"{label}: granule_bytes of {base} = {nbytes}, "
                     f"file has {os.path.getsize(path)}")
        checks.check(npoints == ref["granule_points_used"][base],
                     f"{label}: granule_points_used of {base} = {npoints}, "
                     f"reference {ref['granule_points_used'][base]}")
        # A granule whose every point was filtered out is "empty: <why>", not "used".
        want = "used" if ref["granule_points_used"][base] > 0 else "empty: "
        checks.check(status == want if want == "used" else status.startswith(want),
                     f"{label}: granule_status of {base} = {status!r}, expected {want!r}")
    for path in skipped_paths:
        base = os.path.basename(path)
        if base not in rows:
            continue
        nbytes, npoints, status = rows[base]
        checks.check(status.startswith("skipped: ") and len(status) > len("skipped: "),
                     f"{label}: granule_status of skipped {base} = {status!r}, "
                     "expected 'skipped: <reason>'")
        checks.check(npoints == 0, f"{label}: skipped {base} has granule_points_used {npoints}")
        checks.check(nbytes == os.path.getsize(path),
                     f"{label}: granule_bytes of {base} = {nbytes}, "
                     f"file has {os.path.getsize(path)}")


def run_as(cmd, timeout=60):
    """Run a short helper command; return (rc, combined output)."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", timeout=timeout, check=False)
    return proc.returncode, proc.stdout


def rank_pids(mpirun_pid):
    """{rank: pid} of the healgrid ranks started by this mpirun (OMPI_COMM_WORLD_RANK)."""
    ranks = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            pid = int(stat.split("/")[2])
            with open(stat, encoding="utf-8") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent != mpirun_pid:
            continue
        for var in environ:
            if var.startswith(b"OMPI_COMM_WORLD_RANK="):
                ranks[int(var.split(b"=", 1)[1])] = pid
    return ranks
