#!/usr/bin/env python3
"""healgrid benchmark: one command, figures printed and saved.

Generates (or reuses) a synthetic Antarctic ATL06 workload with `healgrid synth`, reads it once
so it is page-cached, then times in the same run:
  (a) `healgrid run` at 1 rank and at every rank count up to --max-ranks (default: all cores),
      or at the counts --ranks lists (1,2,4,8,16);
  (b) the numpy + h5py + healpy baseline (bench/baseline_numpy.py, one process);
  (c) the read floor (bench/read_floor.cpp, build/bench/healgrid_read_floor): direct chunk reads
      + libdeflate inflate of exactly the datasets the config needs, one process on the CPUs
      mpirun binds the 1-rank runs to (unpinned with --bind-to none), once per round; healgrid's 1-rank wall time over it is the
      "floor ratio" (also per round, median); and
      --max-ranks floor processes side by side, each over a byte share of the files: the
      machine's own scaling of that work, printed next to healgrid's parallel efficiency;
  (d) --max-ranks independent 1-rank healgrid runs side by side over byte shares of the files
      (own outputs): the same split with no exchange and no shared file, a reference for (a);
      and one of those shares alone, a different one each round: its time alone over its time
      among all the shares is what the machine gives to this work on that many busy cores;
each --repeats times in interleaved rounds (one run of every configuration per round, so a slow
spell of the machine touches all alike; medians reported), checks that healgrid's output equals the baseline's
(and is identical across rank counts), and prints wall seconds, valid points per second, per
rank, seconds per phase, peak RSS per rank, output size, the healgrid/baseline ratio at equal
cores, the parallel efficiency and the slowest rank's excess of own work over the mean
(--metrics-json rank_busy_seconds). Results also go to <data-dir>/results.json.

usage: bench/run_benchmark.py [--granules 120] [--repeats 3] [--max-ranks N | --ranks 1,2,4,8,16]
                              [--data-dir DIR]
                              [--reference OTHER_HEALGRID]
--reference times a second healgrid binary (e.g. a build of an earlier commit) in the same
interleaved rounds, checks its output values equal this build's, and prints the ratio of the
wall times and of each phase: "within noise of before" measured in one run.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

try:
    import netCDF4
except ImportError:  # h5py reads the same files (NetCDF-4 is HDF5); fill values masked by hand
    netCDF4 = None
    import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            for line in stream:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd, extra_env=None, **kw):
    """(wall seconds, stdout, CPU seconds of the command and its descendants: mpirun, ranks)."""
    env = dict(os.environ, **MPI_ENV, **(extra_env or {}))
    t0, cpu0 = time.perf_counter(), children_cpu()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, **kw)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    if proc.returncode != 0:
        sys.exit(f"benchmark: command failed ({proc.returncode}): {' '.join(cmd)}\n"
                 f"{proc.stdout}\n{proc.stderr}")
    return wall, proc.stdout, cpu


def ensure_workload(args):
    data = os.path.join(args.data_dir, f"antarctica_{args.granules}g_seed{args.seed}")
    files = sorted(f for f in os.listdir(data) if f.endswith(".h5")) if os.path.isdir(data) else []
    if len(files) != args.granules:
        print(f"generating {args.granules} synthetic Antarctic granules in {data} ...", flush=True)
        os.makedirs(data, exist_ok=True)
        wall, _, _ = run(["mpirun", "-np", str(args.max_ranks), args.healgrid, "synth",
                       "--region", "antarctica", "--granules", str(args.granules),
                       "--seed", str(args.seed), "--output-dir", data])
        files = sorted(f for f in os.listdir(data) if f.endswith(".h5"))
        print(f"  generated in {wall:.1f} s", flush=True)
    paths = [os.path.join(data, f) for f in files]
    size = sum(os.path.getsize(p) for p in paths)
    for p in paths:  # page-cache the inputs: the benchmark measures compute, not the disk
        with open(p, "rb") as stream:
            while stream.read(1 << 24):
                pass
    return data, paths, size


def time_healgrid(args, data, ranks, out, binary=None):
    """One healgrid run at `ranks`: its metrics plus the wall time of mpirun. --env applies to
    this build's runs only (not --reference's), for an A/B of a setting on one binary."""
    metrics = out + ".json"
    extra = None if binary else dict(kv.split("=", 1) for kv in args.env)
    wall, _, cpu = run(["mpirun", "-np", str(ranks), "--bind-to", args.bind_to,
                        binary or args.healgrid, "run",
                   "--input", data, "--output", out, "--quiet", "--metrics-json", metrics],
                       extra_env=extra)
    with open(metrics, encoding="utf-8") as stream:
        m = json.load(stream)
    m["wall"] = wall
    m["cpu"] = cpu
    return m


def time_baseline(args, paths, out):
    """One baseline run."""
    metrics = out + ".json"
    wall, _, cpu = run([sys.executable, os.path.join(HERE, "baseline_numpy.py"), "--output", out,
                   "--metrics-json", metrics] + paths)
    with open(metrics, encoding="utf-8") as stream:
        m = json.load(stream)
    m["wall"] = wall
    m["cpu"] = cpu
    return m


def rank0_cpus(args):
    """The logical CPUs mpirun binds a 1-rank run to under --bind-to (None when unbound): the
    read floor runs on them too, so that 1 rank / floor compares the same core (on a VM one
    core can run memory-heavy work slower than another, and the two may swap over time)."""
    if args.bind_to == "none":
        return None
    _, out, _ = run(["mpirun", "-np", "1", "--bind-to", args.bind_to, sys.executable, "-c",
                     "import os; print(' '.join(map(str, sorted(os.sched_getaffinity(0)))))"])
    return {int(c) for c in out.strip().splitlines()[-1].split()}


def time_floor(args, data):
    """One read-floor measurement (its own warm-up pass, then one timed pass) on the CPUs of
    the 1-rank runs (args.floor_cpus): seconds."""
    cpus = args.floor_cpus
    _, out, _ = run([args.read_floor, "--json", "--repeats", "1", data],
                    preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
    return json.loads(out)


def byte_shares(paths, parts):
    """`paths` split into `parts` contiguous lists of about equal bytes (the rule of healgrid's
    index pass: a file goes to the share that holds the middle of its bytes)."""
    sizes = [max(os.path.getsize(p), 1) for p in paths]
    total, cumulative = float(sum(sizes)), 0.0
    shares = [[] for _ in range(parts)]
    for p, size in zip(paths, sizes):
        shares[min(parts - 1, int((cumulative + size / 2) / total * parts))].append(p)
        cumulative += size
    return [s for s in shares if s]


def time_floor_side_by_side(args, paths, processes):
    """The read floor in `processes` processes at once, each over a contiguous byte share of
    the files: each one's timed pass (after its own warm-up, so the timed passes overlap). What
    this machine gives to the floor's own work at that many cores, next to one process's."""
    procs = [subprocess.Popen([args.read_floor, "--json", "--repeats", "1"] + share,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for share in byte_shares(paths, processes)]
    timed = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            sys.exit(f"benchmark: the read floor failed ({proc.returncode}): {err}")
        timed.append(json.loads(out)["median_seconds"])
    return timed


def start_share(args, share, i):
    """A 1-rank healgrid run over the granules `share`, into its own output."""
    cmd = ["mpirun", "-np", "1", "--bind-to", "none", args.healgrid, "run", "--output",
           os.path.join(args.data_dir, f"share{i}.nc"), "--quiet"]
    for p in share:
        cmd += ["--input", p]
    return subprocess.Popen(cmd, env=dict(os.environ, **MPI_ENV), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish_share(proc, t0):
    """Seconds from t0 until the share's run `proc` ended; exits the benchmark if it failed."""
    _, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"benchmark: a share's healgrid run failed ({proc.returncode}): {err}")
    return time.perf_counter() - t0


def time_healgrid_shares(args, shares):
    """Independent 1-rank healgrid runs side by side, one per byte share of the files (each into
    its own output): seconds until each ends (the last: the split's wall time). The same work
    split without any communication or shared output (a reference for the MPI run's parallel
    efficiency)."""
    t0 = time.perf_counter()
    procs = [start_share(args, share, i) for i, share in enumerate(shares)]
    return [finish_share(proc, t0) for proc in procs]


def time_healgrid_share_alone(args, shares, i):
    """Share `i` of time_healgrid_shares run alone: over its time among all the shares, what the
    machine gives to this work when every core runs it (no healgrid code between them)."""
    t0 = time.perf_counter()
    return finish_share(start_share(args, shares[i], i), t0)


def median_of(runs, *keys):
    values = []
    for r in runs:
        v = r
        for k in keys:
            v = v[k]
        values.append(v)
    return statistics.median(values)


def cells_with_points(ds):
    """(cell ids, index into the file) of the cells whose count is > 0: a dense file's other
    cells are fill, a sparse file stores only these."""
    ids = np.asarray(ds["cell_ids"][:])
    keep = np.flatnonzero(np.ma.filled(ds["count"][:], 0) > 0)
    return ids[keep], keep


class _H5Dataset:
    """The part of netCDF4.Dataset that compare() uses, over h5py: variables as masked arrays
    (the _FillValue attribute masked, as netCDF4 does)."""

    def __init__(self, path):
        self.file = h5py.File(path, "r")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()

    def __getitem__(self, name):
        var = self.file[name]
        data = var[()]
        fill = var.attrs.get("_FillValue")
        if fill is None:
            return np.ma.masked_array(data)
        fill = np.asarray(fill).reshape(-1)[0]
        mask = np.isnan(data) if np.issubdtype(data.dtype, np.floating) and np.isnan(fill) \
            else data == fill
        return np.ma.masked_array(data, mask=mask)


def open_dataset(path):
    return netCDF4.Dataset(path) if netCDF4 else _H5Dataset(path)


def compare(a_path, b_path, exact):
    """Same cells with points (whatever the layouts) and counts; floats equal (exact) or within
    float32 rounding."""
    with open_dataset(a_path) as a, open_dataset(b_path) as b:
        problems = []
        (a_ids, a_at), (b_ids, b_at) = cells_with_points(a), cells_with_points(b)
        if not np.array_equal(a_ids, b_ids):
            return ["cells with points differ"]
        for name in ("count", "h_min", "h_max", "h_mean", "h_sigma", "h_variance", "h_q25",
                     "h_q50", "h_q75"):
            x = np.ma.filled(a[name][:].astype(np.float64), np.nan)[a_at]
            y = np.ma.filled(b[name][:].astype(np.float64), np.nan)[b_at]
            if name == "count":
                x, y = np.nan_to_num(x), np.nan_to_num(y)
            same_nan = np.array_equal(np.isnan(x), np.isnan(y))
            ok = np.array_equal(x, y, equal_nan=True) if exact else same_nan and np.allclose(
                x, y, rtol=2e-6, atol=1e-4 if name == "h_variance" else 1e-6, equal_nan=True)
            if not ok:
                problems.append(name)
        return problems


def report_busy_excess(results, ranks):
    """The slowest rank's own work (--metrics-json rank_busy_seconds) above the mean, in the
    index and in read + aggregate: time the other ranks wait, whether from the plan or from a
    slower core, told apart from the run's own costs."""
    runs = [r for r in results["healgrid"][ranks] if "rank_busy_seconds" in r]
    if not runs:
        return

    def excess(run, phase):
        busy = run["rank_busy_seconds"][phase]
        return max(busy) - statistics.mean(busy)

    phases = ("index", "read_aggregate")
    for phase in phases:
        results[f"busy_excess_{phase}_np{ranks}"] = statistics.median(excess(r, phase)
                                                                      for r in runs)
    share = statistics.median(sum(excess(r, p) for p in phases) / r["wall"] for r in runs)
    results[f"busy_excess_share_np{ranks}"] = share
    print(f"ranks' own work at {ranks} ranks: the slowest rank's excess over the mean "
          f"{results[f'busy_excess_index_np{ranks}']:.2f} s in the index, "
          f"{results[f'busy_excess_read_aggregate_np{ranks}']:.2f} s in read+aggregate "
          f"(medians): {100 * share:.1f}% of the wall time spent waiting for it")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--granules", type=int, default=120,
                        help="synthetic granules (~16.6 MB, ~0.67 M segments each); default 120")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="healgrid runs per rank count")
    parser.add_argument("--baseline-repeats", type=int, default=3)
    parser.add_argument("--max-ranks", type=int, default=os.cpu_count())
    parser.add_argument("--ranks", help="rank counts to time, comma-separated (default: 1 to "
                        "--max-ranks, each); 1 is always included, e.g. 1,2,4,8,16")
    parser.add_argument("--data-dir", default=os.path.join(ROOT, "bench-data"))
    parser.add_argument("--healgrid", default=os.path.join(ROOT, "build", "src", "healgrid"))
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--reference", help="another healgrid binary timed in the same rounds")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment of this build's runs only (repeatable); with "
                             "--reference build/src/healgrid: the same binary with and without it")
    parser.add_argument("--read-floor", default=os.path.join(ROOT, "build", "bench",
                                                             "healgrid_read_floor"),
                        help="the read-floor program (bench/read_floor.cpp)")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--bind-to", default="core",
                        help="mpirun's --bind-to for the timed runs (core; hwthread where the "
                             "machine's logical CPUs are hyperthreads and every one is used)")
    args = parser.parse_args()
    rank_counts = sorted({1} | {int(r) for r in args.ranks.split(",")}) if args.ranks \
        else list(range(1, args.max_ranks + 1))
    args.max_ranks = rank_counts[-1]

    data, paths, size = ensure_workload(args)
    print(f"workload: {len(paths)} granules, {size / 1e9:.2f} GB, in {data}", flush=True)
    args.floor_cpus = None if args.skip_floor else rank0_cpus(args)
    if args.floor_cpus:
        print(f"the read floor runs on logical CPU(s) {sorted(args.floor_cpus)}, those of the "
              f"1-rank runs (mpirun --bind-to {args.bind_to})", flush=True)
    results = {"granules": len(paths), "bytes": size, "cores": os.cpu_count(),
               "cpu_model": cpu_model(), "healgrid": {}}
    print(f"machine: {os.cpu_count()} logical CPUs ({results['cpu_model']}), "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB memory",
          flush=True)
    # Rounds of one run per configuration, interleaved, so that a slow spell of the machine
    # touches every configuration alike instead of one rank count's whole series.
    outs = {r: os.path.join(args.data_dir, f"healgrid_np{r}.nc") for r in rank_counts}
    base_out = os.path.join(args.data_dir, "baseline.nc")
    baseline_repeats = 0 if args.skip_baseline else args.baseline_repeats
    for ranks in outs:
        results["healgrid"][ranks] = []
    ref_outs = {r: os.path.join(args.data_dir, f"reference_np{r}.nc") for r in outs}
    if args.reference:
        results["reference"] = {r: [] for r in outs}
    if baseline_repeats:
        results["baseline"] = []
    results["shares_side_by_side"] = []
    results["share_alone"] = []  # (share, seconds alone, seconds among all shares at once)
    shares = byte_shares(paths, args.max_ranks)
    # This benchmark's own outputs of an earlier run go first: a healgrid of another version
    # may have written them, and healgrid replaces only outputs it can tell are its own.
    for path in [*outs.values(), *ref_outs.values()] + [
            os.path.join(args.data_dir, f"share{i}.nc") for i in range(len(shares))]:
        if os.path.isfile(path) and not os.path.islink(path):
            os.remove(path)
    if not args.skip_floor:
        results["floor"] = []
        # The floor side by side at the top rank count: the host's own scaling of that work.
        results["floor_side_by_side"] = []
    for rep in range(max(args.repeats, baseline_repeats)):
        if rep < args.repeats and not args.skip_floor:
            results["floor"].append(time_floor(args, data))
            if args.max_ranks > 1:
                results["floor_side_by_side"].append(
                    time_floor_side_by_side(args, paths, args.max_ranks))
        if rep < args.repeats:
            for ranks, out in outs.items():
                results["healgrid"][ranks].append(time_healgrid(args, data, ranks, out))
                if args.reference:
                    results["reference"][ranks].append(
                        time_healgrid(args, data, ranks, ref_outs[ranks], args.reference))
        if rep < args.repeats and args.max_ranks > 1:
            ends = time_healgrid_shares(args, shares)
            results["shares_side_by_side"].append(max(ends))
            i = rep % len(shares)  # a different share alone each round
            results["share_alone"].append((i, time_healgrid_share_alone(args, shares, i), ends[i]))
        if rep < baseline_repeats:
            results["baseline"].append(time_baseline(args, paths, base_out))
        print(f"  round {rep + 1}: " + ", ".join(
            f"np{r} {results['healgrid'][r][-1]['wall']:.2f} s" for r in outs
            if rep < args.repeats) + (f", baseline {results['baseline'][-1]['wall']:.2f} s"
                                      if rep < baseline_repeats else ""), flush=True)

    agree = {}
    for ranks in rank_counts[1:]:
        agree[f"np{ranks}_vs_np1"] = compare(outs[ranks], outs[1], exact=True)
    if args.reference:
        for ranks in outs:
            agree[f"np{ranks}_vs_reference"] = compare(outs[ranks], ref_outs[ranks], exact=True)
    if not args.skip_baseline:
        agree["np1_vs_baseline"] = compare(outs[1], base_out, exact=False)
    results["agreement"] = agree

    points = results["healgrid"][1][0]["points_used"]
    print(f"\nvalid points: {points} ({points / len(paths):.0f} per granule)")
    header = (f"{'tool':<10}{'ranks':>6}{'wall s':>9}{'Mpts/s':>9}{'Mpts/s/rank':>13}"
              f"{'index':>8}{'plan':>6}{'read+bin':>10}{'reduce':>8}{'write':>7}{'RSS/rank MB':>13}"
              f"{'out MB':>8}")
    print(header)
    print("-" * len(header))
    t1 = median_of(results["healgrid"][1], "wall")
    for ranks, runs in results["healgrid"].items():
        wall = median_of(runs, "wall")
        rss = max(max(r["peak_rss_bytes"]) for r in runs) / 1e6
        print(f"{'healgrid':<10}{ranks:>6}{wall:>9.2f}{points / wall / 1e6:>9.2f}"
              f"{points / wall / ranks / 1e6:>13.2f}"
              f"{median_of(runs, 'seconds', 'index'):>8.2f}"
              f"{median_of(runs, 'seconds', 'plan'):>6.2f}"
              f"{median_of(runs, 'seconds', 'read_bin'):>10.2f}"
              f"{median_of(runs, 'seconds', 'reduce'):>8.2f}"
              f"{median_of(runs, 'seconds', 'write'):>7.2f}{rss:>13.0f}"
              f"{runs[0]['output_bytes'] / 1e6:>8.1f}")
    for ranks, runs in results["healgrid"].items():
        print(f"  healgrid at {ranks} rank(s): {median_of(runs, 'cpu'):.2f} CPU s (mpirun included)")
    if not args.skip_baseline:
        runs = results["baseline"]
        wall = median_of(runs, "wall")
        print(f"{'baseline':<10}{1:>6}{wall:>9.2f}{points / wall / 1e6:>9.2f}"
              f"{points / wall / 1e6:>13.2f}{'-':>8}{'-':>6}"
              f"{median_of(runs, 'seconds', 'read_bin'):>10.2f}"
              f"{median_of(runs, 'seconds', 'reduce'):>8.2f}"
              f"{median_of(runs, 'seconds', 'write'):>7.2f}{'':>13}"
              f"{os.path.getsize(base_out) / 1e6:>8.1f}")
        print(f"\nhealgrid / baseline throughput at 1 core: {wall / t1:.2f}x")
        results["speedup_vs_baseline_1core"] = wall / t1
        # The target compares with the baseline minus its NetCDF write (its own timer).
        no_write = statistics.median(b["wall"] - b["seconds"]["write"] for b in runs)
        results["speedup_vs_baseline_without_write_1core"] = no_write / t1
        print(f"healgrid / baseline without its write at 1 core: {no_write / t1:.2f}x "
              f"(baseline {no_write:.2f} s without the write)")
    if not args.skip_floor:
        floor = statistics.median(f["median_seconds"] for f in results["floor"])
        f0 = results["floor"][0]
        print(f"\nread floor ({f0['chunks']} chunks of {', '.join(f0['datasets'])}, "
              f"{f0['stored_bytes'] / 1e6:.0f} MB stored, {f0['inflated_bytes'] / 1e6:.0f} MB "
              f"inflated, one core): {floor:.2f} s (median of {len(results['floor'])} rounds)")
        paired = statistics.median(h["wall"] / f["median_seconds"] for h, f in
                                   zip(results["healgrid"][1], results["floor"]))
        paired_total = statistics.median(h["seconds"]["total"] / f["median_seconds"] for h, f in
                                         zip(results["healgrid"][1], results["floor"]))
        cpu_floor = statistics.median(f["median_cpu_seconds"] for f in results["floor"])
        paired_cpu = statistics.median(h["cpu"] / f["median_cpu_seconds"] for h, f in
                                       zip(results["healgrid"][1], results["floor"]))
        results["floor_cpu_seconds"] = cpu_floor
        results["floor_ratio_np1_cpu_paired"] = paired_cpu
        print(f"CPU seconds (the figure a shared machine does not move): healgrid 1 rank "
              f"{median_of(results['healgrid'][1], 'cpu'):.2f} s (mpirun included), floor "
              f"{cpu_floor:.2f} s: {paired_cpu:.2f}x (median of per-round ratios)")
        results["floor_seconds"] = floor
        results["floor_ratio_np1"] = t1 / floor
        results["floor_ratio_np1_paired"] = paired
        results["floor_ratio_np1_without_mpirun"] = paired_total
        print(f"healgrid 1 rank / read floor: {t1 / floor:.2f}x (median of per-round ratios "
              f"{paired:.2f}x; {paired_total:.2f}x from healgrid's own total, without mpirun's "
              f"start-up)")
    for ranks in rank_counts[1:]:
        tp = median_of(results["healgrid"][ranks], "wall")
        eff = t1 / (ranks * tp)
        results[f"parallel_efficiency_np{ranks}"] = eff
        # Paired per round (the runs of one round ran minutes apart at most): robust to drift.
        paired = statistics.median(
            a["wall"] / (ranks * b["wall"])
            for a, b in zip(results["healgrid"][1], results["healgrid"][ranks]))
        results[f"parallel_efficiency_np{ranks}_paired"] = paired
        # healgrid's own totals (from MPI_Init's end): mpirun's start-up is the launcher's,
        # about 0.4 s at either rank count here (srun's on a cluster).
        own = statistics.median(
            a["seconds"]["total"] / (ranks * b["seconds"]["total"])
            for a, b in zip(results["healgrid"][1], results["healgrid"][ranks]))
        results[f"parallel_efficiency_np{ranks}_own_totals"] = own
        print(f"parallel efficiency 1 -> {ranks} ranks: {100 * eff:.0f}% "
              f"(speed-up {t1 / tp:.2f}x; median of per-round pairs {100 * paired:.0f}%; "
              f"{100 * own:.0f}% from healgrid's own totals, without mpirun's start-up)")
    for ranks in rank_counts[1:]:
        report_busy_excess(results, ranks)
    if args.max_ranks > 1:
        ranks = args.max_ranks
        split = statistics.median(a["wall"] / (ranks * b) for a, b in
                                  zip(results["healgrid"][1], results["shares_side_by_side"]))
        results[f"shares_efficiency_np{ranks}_paired"] = split
        print(f"{ranks} independent 1-rank runs side by side (a byte share of the granules each, "
              f"own outputs): {100 * split:.0f}% (median of per-round pairs; the same work with "
              f"no exchange, no shared output)")
        ceiling = statistics.median(alone / among for _, alone, among in results["share_alone"])
        results[f"share_alone_vs_among_np{ranks}"] = ceiling
        print(f"one share alone / the same share among the {ranks} at once: {100 * ceiling:.0f}% "
              f"(median of per-round ratios, a different share each round; what the machine "
              f"itself gives to healgrid's work on {ranks} busy cores, before any communication)")
    if not args.skip_floor and args.max_ranks > 1:
        # The same ratio for the floor's work (inflate only, no communication): what the
        # machine allows at this many busy cores. Below healgrid's, the host limits both.
        ranks = args.max_ranks
        host = statistics.median(f["median_seconds"] / (ranks * max(side))
                                 for f, side in zip(results["floor"],
                                                    results["floor_side_by_side"]))
        results[f"floor_efficiency_np{ranks}_paired"] = host
        print(f"the read floor itself, 1 -> {ranks} processes side by side (a byte share of the "
              f"files each): {100 * host:.0f}% (median of per-round pairs; the host's scaling of "
              f"inflate-only work)")
    if args.reference:
        print("\nthis build / reference, medians of per-round ratios (< 1: this build faster):")
        for ranks in outs:
            pairs = list(zip(results["healgrid"][ranks], results["reference"][ranks]))
            ratio = {k: statistics.median(a["seconds"][k] / b["seconds"][k] for a, b in pairs
                                          if b["seconds"][k] > 0)
                     # plan: the point exchange, nothing at 1 rank
                     for k in ("index", "plan", "read_bin", "reduce", "write")
                     if k != "plan" or ranks > 1}
            ratio["wall"] = statistics.median(a["wall"] / b["wall"] for a, b in pairs)
            ratio["cpu"] = statistics.median(a["cpu"] / b["cpu"] for a, b in pairs)
            results[f"reference_ratio_np{ranks}"] = ratio
            ref_wall = median_of(results["reference"][ranks], "wall")
            print(f"  {ranks} rank(s): reference wall {ref_wall:.2f} s; ratio " +
                  ", ".join(f"{k} {v:.3f}" for k, v in ratio.items()))
    for ranks, runs in results["healgrid"].items():
        share = statistics.median(r["seconds"]["write"] / r["wall"] for r in runs)
        results[f"write_share_np{ranks}"] = share
        print(f"write phase at {ranks} rank(s): {100 * share:.1f}% of the wall time (median)")
    print("agreement:", ", ".join(f"{k}: {'identical' if not v and 'baseline' not in k else ('ok' if not v else 'DIFFER ' + ','.join(v))}" for k, v in agree.items()))
    with open(os.path.join(args.data_dir, "results.json"), "w", encoding="utf-8") as stream:
        json.dump(results, stream, indent=1, default=str)
    return 1 if any(agree.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
