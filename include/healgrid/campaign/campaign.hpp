// Campaigns: many `healgrid run`s (every cycle, every region) from one YAML file.
//
//   name: antarctica-cycles          # optional; default: the file's stem
//   plan_dir: antarctica.plan        # optional; default: <stem>.plan beside the file
//   base_config: ../config/atl06.yaml  # optional; default: the built-in ATL06 pipeline
//   values: {cycle: [1, 2, 3]}       # one run per combination ({from: 1, to: 12} is a range);
//                                    # or `runs: [{cycle: 1, region: ant}, ...]`
//   run:                             # templates: {key} or {key:02} (zero-padded) substituted
//     name: "c{cycle:02}"
//     input: "granules/c{cycle}"     # string or list; or `catalog:` (+ `cache_dir:`)
//     output: "out/antarctica-c{cycle:02}.nc"
//     config: {output: {title: "Antarctica, cycle {cycle}"}}  # merged into the base config
//     args: ["--rounds", "8"]        # more `healgrid run` options
//   sbatch: ["--ntasks=8", "--time=01:00:00"]  # options for `healgrid campaign submit`
//   job_script: ../jobs/healgrid-campaign.sbatch  # optional
//
// Relative paths are relative to the campaign file. `plan` writes PLAN_DIR/plan.json, and per
// run I the frozen config PLAN_DIR/runs/I.yaml and the `healgrid run` arguments
// PLAN_DIR/runs/I.args (one per line), which jobs/healgrid-campaign.sbatch runs as array task I.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace healgrid {

class CampaignError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CampaignRun {
  int index = 0;
  std::string name;
  std::string output;             // absolute
  std::string config_path;        // PLAN_DIR/runs/I.yaml
  std::string config_text;        // the frozen config
  std::vector<std::string> args;  // healgrid run arguments
};

struct Campaign {
  std::string name, file, plan_dir, job_script;
  std::vector<std::string> sbatch;
  std::vector<CampaignRun> runs;
};

// Reads and expands a campaign file (every run's config is validated). Throws CampaignError
// naming the file, the key and the run.
Campaign load_campaign(const std::string& path);
// Writes the plan (creating PLAN_DIR); throws CampaignError naming the file.
void write_plan(const Campaign& campaign);
// Reads PLAN_DIR/plan.json back (runs with name, output, config_path and args).
Campaign read_plan(const std::string& plan_dir);

// "{cycle:02}" style substitution; throws CampaignError for an unknown key.
std::string substitute(const std::string& text,
                       const std::vector<std::pair<std::string, std::string>>& values);

// A run's state for `status` and `submit`.
struct RunState {
  std::string state;   // done, stale, running, pending, failed, todo, error
  std::string detail;  // why (job id, exit status, hash, error message)
  int journal_rounds = 0;
};
// Recomputes the run's inputs hash from its arguments exactly as `healgrid run` does and
// compares it with the output's; then looks at PLAN_DIR/state/I and squeue.
RunState run_state(const Campaign& plan, const CampaignRun& run);
// The inputs hash `healgrid run ARGS` would record (without running it); throws naming the
// cause (config, inputs).
std::string run_inputs_sha256(const std::vector<std::string>& run_args);

// Runs argv (no shell), returning the exit status (-1: could not start) and stdout in `out`.
int run_program(const std::vector<std::string>& argv, std::string& out);

}  // namespace healgrid
