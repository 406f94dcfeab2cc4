// Campaign run states: the inputs hash a run would record, the output's, the job's state file
// and squeue.

#include <filesystem>
#include <fstream>
#include <sstream>

#include "healgrid/app/run_options.hpp"
#include "healgrid/campaign/campaign.hpp"
#include "healgrid/io/nc_file.hpp"
#include "healgrid/pipeline/catalog_inputs.hpp"
#include "healgrid/pipeline/inputs_digest.hpp"

namespace fs = std::filesystem;

namespace healgrid {

std::string run_inputs_sha256(const std::vector<std::string>& run_args) {
  RunOptions opt;
  std::string error;
  if (!parse_run_options(run_args, opt, error)) throw CampaignError("run arguments: " + error);
  if (opt.query_given)
    throw CampaignError("campaign runs take --input or --catalog, not a query (resolve first)");
  opt.quiet = true;
  const std::string text = opt.config_path.empty() ? std::string(default_config_text())
                                                   : load_config_file(opt.config_path).source_text;
  PipelineConfig config =
      parse_config(text, opt.config_path.empty() ? "built-in config" : opt.config_path);
  const std::string overrides = apply_overrides(opt, config);
  const HealpixGrid grid(config.grid.parent_order, config.grid.child_order, config.grid.latitude);
  CatalogSelection selection;
  const auto granules = opt.inputs.empty() ? resolve_run_granules(opt, grid, selection)
                                           : resolve_inputs(opt.inputs, config.input_suffixes);
  return inputs_sha256({text, overrides,
                        opt.on_bad_granule == BadGranulePolicy::skip ? "skip" : "fail",
                        selection.catalog_sha256, granules});
}

namespace {

int journal_rounds(const std::string& output) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(output + ".journal", ec)) {
    const auto name = e.path().filename().string();
    n += name.size() > 6 && name[0] == 'p' && name.compare(name.size() - 6, 6, ".round") == 0;
  }
  return n;
}

// The output's recorded inputs hash; "" with `why` set when there is none.
std::string recorded_sha(const std::string& output, std::string& why) {
  try {
    const auto nc = io::NcFile::open_read(output);
    const auto sha = nc.text_att(io::kNcGlobal, kInputsAttribute);
    if (!sha) why = "output has no " + std::string(kInputsAttribute) + " (older healgrid)";
    return sha.value_or("");
  } catch (const std::exception& e) {
    why = e.what();
    return "";
  }
}

std::string short_sha(const std::string& s) { return s.substr(0, 12); }

}  // namespace

RunState run_state(const Campaign& plan, const CampaignRun& run) {
  RunState s;
  s.journal_rounds = journal_rounds(run.output);
  std::string want;
  try {
    want = run_inputs_sha256(run.args);
  } catch (const std::exception& e) {
    s.state = "error";
    s.detail = e.what();
    return s;
  }
  std::string stale;
  std::error_code ec;
  if (fs::exists(run.output, ec)) {
    std::string why;
    const auto have = recorded_sha(run.output, why);
    if (have == want) {
      s.state = "done";
      s.detail = "inputs " + short_sha(want);
      return s;
    }
    stale = !why.empty()
                ? why
                : "output of other inputs (" + short_sha(have) + ", now " + short_sha(want) + ")";
  }
  // PLAN_DIR/state/I: "WHAT JOB SECONDS [STATUS]" (jobs/healgrid-campaign.sbatch, submit).
  std::ifstream in((fs::path(plan.plan_dir) / "state" / std::to_string(run.index)).string());
  std::string what, job, when, rc;
  if (in >> what >> job >> when) {
    in >> rc;
    if (what == "running" || what == "submitted") {
      std::string out;
      const int st = run_program({"squeue", "-h", "-j", job, "-o", "%T"}, out);
      std::istringstream lines(out);
      std::string slurm_state;
      lines >> slurm_state;
      if (st == 0 && !slurm_state.empty() && slurm_state != "COMPLETED" &&
          slurm_state != "FAILED" && slurm_state != "CANCELLED" && slurm_state != "TIMEOUT" &&
          slurm_state != "NODE_FAIL" && slurm_state != "OUT_OF_MEMORY") {
        s.state = slurm_state == "PENDING" ? "pending" : "running";
        s.detail = "job " + job + " " + slurm_state;
        return s;
      }
      s.state = "failed";
      s.detail =
          "job " + job + " ended without a result" +
          (slurm_state.empty() ? std::string(" (killed, cancelled, walltime or node failure)")
                               : " (" + slurm_state + ")");
      return s;
    }
    if (what == "failed") {
      s.state = "failed";
      s.detail = "job " + job + " exit status " + rc;
      return s;
    }
  }
  s.state = stale.empty() ? "todo" : "stale";
  s.detail = stale.empty() ? "not run yet" : stale;
  return s;
}

}  // namespace healgrid
