#!/usr/bin/env python3
"""healgrid fails cleanly on bad input, and `--on-bad-granule skip` skips a bad granule.

Each bad case runs at -np 2 and must: exit non-zero (1 for bad data, 2 for bad config, 1 or 2
for a bad input location), print a message naming the offending thing (file, dataset, directory,
key, function), finish within a time limit (no hang), and leave NO file at the output path nor
any *.nc file in the output folder. Cases: truncated granule, non-HDF5 file named like a
granule, granule missing /gt1l/land_ice_segments/h_li_sigma, missing input directory,
unreadable input directory (run as user nobody when we are root), config with an unknown key,
child_order 30, unknown statistic function; symlinks planted at OUT.nc.partial (not used:
temporary names are unique per run) and OUT.nc.lock (fails the run), never written through;
--metrics-json at a file healgrid did not write (the granule, the output, the config, a user's
file, a symlink) or in a missing directory: refused before any work, the file untouched.
Then `--on-bad-granule skip` with a truncated granule among the real ones: exit 0, the output
written, the skipped granule listed in the provenance as "skipped: <reason>", and every value
equal to the reference computed on the good granules only.
"""

import os
import shutil

# common first: it fails clearly when this interpreter lacks numpy, h5py, netCDF4...
import common  # isort: skip
from common import Checks  # isort: skip

import h5py  # noqa: E402
import yaml  # noqa: E402

NPROCS = 2
BAD_RUN_TIMEOUT_S = 120
DATA_ERROR, CONFIG_ERROR = {1}, {2}
LOCATION_ERROR = {1, 2}


def base_granule(files):
    """The smallest real granule that has /gt1l/land_ice_segments/h_li_sigma."""
    for path in sorted(files, key=os.path.getsize):
        with h5py.File(path, "r") as h5:
            if "/gt1l/land_ice_segments/h_li_sigma" in h5:
                return path
    raise RuntimeError("no real granule with gt1l")


def truncated_copy(src, folder, name):
    """Copy src into folder under name and cut the copy to half its size."""
    dst = os.path.join(folder, name)
    shutil.copyfile(src, dst)
    with open(dst, "r+b") as stream:
        stream.truncate(os.path.getsize(src) // 2)
    return dst


def config_variant(cfg_path, folder, name, edit):
    """A copy of the YAML config with `edit(cfg_dict)` applied."""
    with open(cfg_path, encoding="utf-8") as stream:
        cfg = yaml.safe_load(stream)
    edit(cfg)
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as stream:
        yaml.safe_dump(cfg, stream, sort_keys=False)
    return path


# Each case builder makes its inputs in `tmp` and returns (config, inputs, rcs, needles).

def case_truncated(tmp, cfg_path, good):
    bad = truncated_copy(good, tmp, "truncated_" + os.path.basename(good))
    return cfg_path, [bad], DATA_ERROR, [os.path.basename(bad)]


def case_not_hdf5(tmp, cfg_path, good):
    bad = os.path.join(tmp, "ATL06_20200101000000_00000000_006_01.h5")
    with open(bad, "w", encoding="ascii") as stream:
        stream.write("this is not an HDF5 file\n" * 200)
    return cfg_path, [bad], DATA_ERROR, [os.path.basename(bad)]


def case_missing_dataset(tmp, cfg_path, good):
    bad = os.path.join(tmp, "nosigma_" + os.path.basename(good))
    shutil.copyfile(good, bad)
    with h5py.File(bad, "r+") as h5:
        del h5["/gt1l/land_ice_segments/h_li_sigma"]
    # The only granule does not fit the config: found before the index pass, a config error
    # naming the key and the dataset.
    return cfg_path, [bad], CONFIG_ERROR, ["variables.s_li: missing dataset",
                                           "h_li_sigma", os.path.basename(bad)]


def case_missing_dir(tmp, cfg_path, good):
    return cfg_path, [os.path.join(tmp, "no_such_input_dir")], LOCATION_ERROR, ["no_such_input_dir"]


def case_unknown_key(tmp, cfg_path, good):
    cfg = config_variant(cfg_path, tmp, "unknown_key.yaml",
                         lambda c: c.update({"colour_scheme": "viridis"}))
    return cfg, [good], CONFIG_ERROR, ["colour_scheme"]


def case_child_order_30(tmp, cfg_path, good):
    cfg = config_variant(cfg_path, tmp, "order30.yaml",
                         lambda c: c["grid"].update({"child_order": 30}))
    return cfg, [good], CONFIG_ERROR, ["child_order"]


def case_unknown_function(tmp, cfg_path, good):
    stat_entry = {"name": "h_mode", "function": "geometric_mode", "variable": "h_li"}
    cfg = config_variant(cfg_path, tmp, "badfunc.yaml",
                         lambda c: c["statistics"].append(stat_entry))
    return cfg, [good], CONFIG_ERROR, ["geometric_mode"]


CASES = [("truncated granule", case_truncated),
         ("non-HDF5 file", case_not_hdf5),
         ("missing h_li_sigma dataset", case_missing_dataset),
         ("missing input directory", case_missing_dir),
         ("unknown config key", case_unknown_key),
         ("child_order 30", case_child_order_30),
         ("unknown statistic function", case_unknown_function)]


def check_failed_cleanly(checks, label, rc, output, rcs, needles, out_dir, out_path):
    """Non-zero rc in `rcs`, every needle in the output, no output file nor *.nc leftover."""
    ok = checks.check(rc != 0, f"{label}: exit 0 on bad input")
    ok &= checks.check(rc in rcs, f"{label}: exit {rc}, expected one of {sorted(rcs)}")
    for needle in needles:
        ok &= checks.check(needle in output, f"{label}: message does not name {needle!r}")
    ok &= checks.check(not os.path.exists(out_path), f"{label}: output file exists after failure")
    leftovers = sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else []
    ok &= checks.check(not any(n.endswith(".nc") for n in leftovers),
                       f"{label}: *.nc leftover after failure: {leftovers}")
    if leftovers:
        print(f"note: {label}: leftovers in the output folder: {leftovers}")
    if not ok:
        print(f"--- {label} output:\n{output}")
    lines = [line for line in output.splitlines()[1:] if line.strip()]
    first = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")
    print(f"{label}: exit {rc}; message: {first[:200]}")


def run_case(checks, label, builder, cfg_path, good):
    """Build one bad case in a fresh temp folder, run healgrid, check it failed cleanly."""
    with common.temp_dir() as tmp:
        out_dir = os.path.join(tmp, "out")
        os.mkdir(out_dir)
        out_path = os.path.join(out_dir, "result.nc")
        cfg, inputs, rcs, needles = builder(tmp, cfg_path, good)
        args = ["--config", cfg, "--output", out_path]
        for path in inputs:
            args += ["--input", path]
        rc, output = common.run_healgrid(args, NPROCS, timeout=BAD_RUN_TIMEOUT_S)
        check_failed_cleanly(checks, label, rc, output, rcs, needles, out_dir, out_path)


def run_unreadable_dir_case(checks, cfg_path, good):
    """Input directory with mode 000; as root, healgrid runs as nobody via setpriv."""
    label = "unreadable input directory"
    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            print(f"SKIP case '{label}': running as root and setpriv is unavailable")
            return
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        rc, _ = common.run_as(prefix + ["test", "-x", common.healgrid_bin()])
        if rc != 0:
            print(f"SKIP case '{label}': user nobody cannot execute {common.healgrid_bin()}")
            return
    with common.temp_dir() as tmp:
        os.chmod(tmp, 0o755)
        home = os.path.join(tmp, "home")
        out_dir = os.path.join(tmp, "out")
        locked = os.path.join(tmp, "locked_input_dir")
        for folder in (home, out_dir, locked):
            os.mkdir(folder)
            os.chmod(folder, 0o777)
        shutil.copyfile(good, os.path.join(locked, os.path.basename(good)))
        cfg = shutil.copyfile(cfg_path, os.path.join(tmp, "config.yaml"))
        os.chmod(cfg, 0o644)
        os.chmod(locked, 0)
        env = dict(os.environ, HOME=home, TMPDIR=home)
        out_path = os.path.join(out_dir, "result.nc")
        rc, output = common.run_healgrid(["--config", cfg, "--input", locked, "--output", out_path],
                                         NPROCS, prefix=prefix, env=env,
                                         timeout=BAD_RUN_TIMEOUT_S)
        os.chmod(locked, 0o755)
        check_failed_cleanly(checks, label, rc, output, LOCATION_ERROR, ["locked_input_dir"],
                             out_dir, out_path)


def run_planted_symlink_case(checks, cfg_path, good):
    """Symlinks planted beside the output are never written through. The temporary output's
    name is unique per run (OUT.nc.partial.<pid>.<random>): one at the old fixed name
    OUT.nc.partial is not used (the run succeeds, the link stays); one at the lock file
    OUT.nc.lock fails the run naming it. The files they point to are untouched."""
    for label, planted, expect_rc in (("symlink at OUT.partial", ".partial", 0),
                                      ("symlink at OUT.lock", ".lock", 1)):
        with common.temp_dir() as tmp:
            out_dir = os.path.join(tmp, "out")
            os.mkdir(out_dir)
            victim = os.path.join(tmp, "victim.txt")
            with open(victim, "w", encoding="ascii") as stream:
                stream.write("precious\n")
            out_path = os.path.join(out_dir, "result.nc")
            os.symlink(victim, out_path + planted)
            rc, output = common.run_healgrid(["--config", cfg_path, "--input", good, "--output",
                                              out_path], NPROCS, timeout=BAD_RUN_TIMEOUT_S)
            checks.check(rc == expect_rc and (rc == 0 or "result.nc" + planted in output),
                         f"{label}: exit {rc}, expected {expect_rc} naming result.nc{planted}\n"
                         f"{output}")
            with open(victim, encoding="ascii") as stream:
                checks.check(stream.read() == "precious\n",
                             f"{label}: the symlink was written through")
            checks.check(os.path.islink(out_path + planted), f"{label}: the symlink was removed")
            checks.check(os.path.exists(out_path) == (expect_rc == 0),
                         f"{label}: output file exists after failure, or missing after success")


def run_metrics_path_cases(checks, cfg_path, good):
    """--metrics-json never replaces a file healgrid did not write: the input granule, the
    output, the config, a user's file, a symlink are refused before any work (exit 2, the
    option named, the file untouched, no output); a directory that cannot take the file fails
    at once, not after the run; an earlier metrics file is replaced."""
    with common.temp_dir() as tmp:
        granule = shutil.copyfile(good, os.path.join(tmp, os.path.basename(good)))
        cfg = shutil.copyfile(cfg_path, os.path.join(tmp, "config.yaml"))
        out_dir = os.path.join(tmp, "out")
        os.mkdir(out_dir)
        out_path = os.path.join(out_dir, "result.nc")
        notes = os.path.join(tmp, "notes.txt")
        with open(notes, "w", encoding="ascii") as stream:
            stream.write("precious\n")
        link = os.path.join(tmp, "link.json")
        os.symlink(notes, link)
        cases = [("the input granule", granule), ("the config file", cfg),
                 ("the output path", os.path.join(out_dir, ".", "result.nc")),
                 ("a user's file", notes), ("a symlink", link),
                 ("a missing directory", os.path.join(tmp, "no_such_dir", "m.json")),
                 # The run's own files: its journal took no metrics (exit 0, none written),
                 # its progress file took them (a rerun then refused it), its lock was refused
                 # as "not a healgrid metrics file" (made by the run itself).
                 ("the run's journal", out_path + ".journal"),
                 ("the run's progress file", out_path + ".progress.json"),
                 ("the run's lock file", out_path + ".lock"),
                 ("the run's temporary name", out_path + ".partial.1.deadbeef")]
        for what, target in cases:
            label = f"--metrics-json at {what}"
            before = open(target, "rb").read() if os.path.isfile(target) else None
            rc, output = common.run_healgrid(["--config", cfg, "--input", granule, "--output",
                                              out_path, "--metrics-json", target], NPROCS,
                                             timeout=BAD_RUN_TIMEOUT_S)
            check_failed_cleanly(checks, label, rc, output, CONFIG_ERROR, ["--metrics-json"],
                                 out_dir, out_path)
            if before is not None:
                checks.check(open(target, "rb").read() == before, f"{label}: the file changed")
        metrics = os.path.join(tmp, "metrics.json")
        for run in (1, 2):  # the second run replaces the first one's metrics
            rc, output = common.run_healgrid(["--config", cfg, "--input", granule, "--output",
                                              out_path, "--metrics-json", metrics], NPROCS,
                                             timeout=BAD_RUN_TIMEOUT_S)
            checks.check(rc == 0 and os.path.isfile(metrics),
                         f"--metrics-json, run {run}: exit {rc}\n{output}")
            os.remove(out_path) if os.path.exists(out_path) else None


def run_skip_case(checks, cfg_path, files):
    """--on-bad-granule skip: exit 0, bad granule listed as skipped, values = good-only ref."""
    label = "skip mode"
    with common.temp_dir() as tmp:
        source = base_granule(files)
        bad = truncated_copy(source, tmp, "truncated_" + os.path.basename(source))
        out_dir = os.path.join(tmp, "out")
        os.mkdir(out_dir)
        out_path = os.path.join(out_dir, "result.nc")
        args = ["--config", cfg_path, "--output", out_path, "--on-bad-granule", "skip",
                "--input", bad]
        for path in files:
            args += ["--input", path]
        if not common.run_healgrid_ok(args, NPROCS, checks, label):
            return
        leftovers = sorted(os.listdir(out_dir))
        checks.check(leftovers == ["result.nc"], f"{label}: output folder holds {leftovers}")
        cfg = common.load_config(cfg_path)
        ref = common.reference_grid(cfg_path, files)
        ds = common.open_output(out_path)
        common.check_provenance(checks, ds, label, files, ref, skipped_paths=[bad])
        checks.check(int(ds.attrs.get("points_used", -1)) == ref["points_used"],
                     f"{label}: points_used {ds.attrs.get('points_used')} != {ref['points_used']}")
        count = ds.attrs.get("granule_count")
        checks.check(count in (len(files), len(files) + 1),
                     f"{label}: granule_count {count}, expected {len(files)} used "
                     f"or {len(files) + 1} listed")
        print(f"{label}: granule_count = {count} ({len(files)} used + 1 skipped); status of the "
              f"bad granule: {skipped_status(ds, bad)!r}")
        common.compare_to_reference(checks, ds, ref, cfg, label)


def skipped_status(ds, path):
    """The provenance status string of the granule at `path` (or None)."""
    if "granule_name" not in ds.variables or "granule_status" not in ds.variables:
        return None
    names = [os.path.basename(n) for n in common.char_strings(ds, "granule_name")]
    statuses = common.char_strings(ds, "granule_status")
    return dict(zip(names, statuses)).get(os.path.basename(path))


def main():
    files = common.real_atl06_files()
    cfg_path = common.config_path()
    good = base_granule(files)
    checks = Checks("check_bad_input")
    for label, builder in CASES:
        run_case(checks, label, builder, cfg_path, good)
    run_unreadable_dir_case(checks, cfg_path, good)
    run_planted_symlink_case(checks, cfg_path, good)
    run_metrics_path_cases(checks, cfg_path, good)
    run_skip_case(checks, cfg_path, files)
    checks.finish()


if __name__ == "__main__":
    main()
