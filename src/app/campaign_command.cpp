// `healgrid campaign plan|status|submit`: see include/healgrid/campaign/campaign.hpp. No MPI: it
// plans files, reads outputs and talks to Slurm (sbatch, squeue).
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "healgrid/app/command_help.hpp"
#include "healgrid/app/commands.hpp"
#include "healgrid/campaign/campaign.hpp"
#include "healgrid/io/atomic_file.hpp"

namespace fs = std::filesystem;

namespace healgrid {
namespace {

namespace po = boost::program_options;

struct CampaignArgs {
  std::string target;  // CAMPAIGN.yaml, or PLAN_DIR (status, submit)
  bool json = false, dry_run = false, wait = false, help = false;
  std::string script;
  std::vector<std::string> sbatch_args;
};

std::string overview_help() {
  auto d = options_list("Options");
  d.add_options()("help,h", "show this help (also after a subcommand)");
  return format_help(
      {{"healgrid campaign plan CAMPAIGN.yaml",
        "healgrid campaign status CAMPAIGN.yaml|PLAN_DIR [--json]",
        "healgrid campaign submit CAMPAIGN.yaml|PLAN_DIR [options]"},
       "Plans, checks and submits many runs from one campaign file (every cycle, every region). "
       "plan expands the file into runs and writes PLAN_DIR; status tells per run whether it "
       "is done, stale, running, pending, failed, todo or in error; submit hands every run not "
       "done, running or pending to sbatch as one job array. `healgrid campaign SUBCOMMAND "
       "--help` explains each.",
       {&d},
       "",
       {"healgrid campaign plan campaigns/antarctica.yaml",
        "healgrid campaign status campaigns/antarctica.yaml",
        "healgrid campaign submit campaigns/antarctica.yaml --wait"}});
}

// The options of `verb` (plan, status or submit) and its help text.
po::options_description verb_options(const std::string& verb, CampaignArgs& a, std::string& help) {
  auto d = options_list("Options");
  d.add_options()("help,h", "show this help");
  if (verb == "plan") {
    help = format_help(
        {{"healgrid campaign plan CAMPAIGN.yaml"},
         "Expands the campaign file into runs and writes its plan directory: plan.json, and per "
         "run I the frozen config runs/I.yaml and its `healgrid run` arguments runs/I.args.",
         {&d},
         "",
         {"healgrid campaign plan campaigns/antarctica.yaml"}});
  } else if (verb == "status") {
    d.add_options()("json", po::bool_switch(&a.json), "one JSON object instead of the table");
    help = format_help(
        {{"healgrid campaign status CAMPAIGN.yaml|PLAN_DIR [--json]"},
         "Per run: done (an output with the inputs hash its inputs have now), stale (an output "
         "of other inputs), running or pending (a Slurm job), failed (exit status, or the job "
         "ended without a result), todo (never run), error (config or inputs unusable); and "
         "the restart journal's finished rounds.",
         {&d},
         "",
         {"healgrid campaign status campaigns/antarctica.yaml",
          "healgrid campaign status plans/antarctica --json"}});
  } else {
    // clang-format off
    d.add_options()
      ("script", value(&a.script, "FILE"),
       "the job array script (default: the campaign's job_script, else "
       "jobs/healgrid-campaign.sbatch near this executable)")
      ("sbatch-arg", value(&a.sbatch_args, "ARG")->composing(),
       "one more sbatch argument, after the campaign's `sbatch:` options; repeatable")
      ("dry-run", po::bool_switch(&a.dry_run), "print the sbatch command only")
      ("wait", po::bool_switch(&a.wait),
       "wait for the job array to leave the queue, then print the status (exit 1 unless "
       "every submitted run is done)");
    // clang-format on
    help = format_help(
        {{"healgrid campaign submit CAMPAIGN.yaml|PLAN_DIR [options]"},
         "Hands every run that is not done, running or pending to sbatch as one job array "
         "(jobs/healgrid-campaign.sbatch; the campaign's `sbatch:` options, then --sbatch-arg).",
         {&d},
         "",
         {"healgrid campaign submit campaigns/antarctica.yaml --wait",
          "healgrid campaign submit plans/antarctica --sbatch-arg --time=2:00:00 --dry-run"}});
  }
  return d;
}

// "--sbatch-arg X" as "--sbatch-arg=X", so that X may start with '-' (an sbatch option).
std::vector<std::string> join_sbatch_args(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--sbatch-arg" && i + 1 < args.size())
      out.push_back("--sbatch-arg=" + args[++i]);
    else
      out.push_back(args[i]);
  }
  return out;
}

// 0: parsed (help printed if asked), 2: a usage error, printed.
int parse_verb(const std::string& verb, const std::vector<std::string>& args, CampaignArgs& a) {
  std::string help;
  const auto options = verb_options(verb, a, help);
  po::options_description all;  // the options, and the file given without a name
  all.add(options).add_options()("target", value(&a.target, "FILE"));
  po::positional_options_description positional;
  positional.add("target", 1);
  try {
    po::variables_map vm;
    po::store(
        po::command_line_parser(join_sbatch_args(args)).options(all).positional(positional).run(),
        vm);
    po::notify(vm);
    a.help = vm.count("help") > 0;
    if (a.help) {
      std::fputs(help.c_str(), stdout);
      return 0;
    }
    if (a.target.empty())
      throw po::error(verb == "plan" ? "expected one campaign file"
                                     : "expected a campaign file or plan directory");
  } catch (const po::error& e) {
    std::fprintf(stderr, "healgrid campaign %s: %s\n(see healgrid campaign %s --help)\n",
                 verb.c_str(), e.what(), verb.c_str());
    return 2;
  }
  return 0;
}

Campaign open_plan(const std::string& target) {
  std::error_code ec;
  const std::string dir = fs::is_directory(target, ec) ? target : load_campaign(target).plan_dir;
  return read_plan(dir);
}

std::string self_executable() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "healgrid" : p.string();
}

// The array script: --script, the campaign's job_script, or jobs/ of a source tree holding the
// executable (build folders live inside it).
std::string find_job_script(const std::string& given, const Campaign& plan) {
  if (!given.empty()) return given;
  if (!plan.job_script.empty()) return plan.job_script;
  fs::path dir = fs::path(self_executable()).parent_path();
  for (int up = 0; up < 5 && !dir.empty(); ++up, dir = dir.parent_path()) {
    const auto candidate = dir / "jobs" / "healgrid-campaign.sbatch";
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
    if (dir == dir.parent_path()) break;
  }
  throw CampaignError(
      "cannot find jobs/healgrid-campaign.sbatch near the executable: give --script FILE or "
      "job_script: in the campaign file");
}

int print_status(const Campaign& plan, bool json) {
  nlohmann::json rows = nlohmann::json::array();
  std::map<std::string, int> counts;
  if (!json)
    std::printf("campaign %s: %zu runs (plan %s)\n", plan.name.c_str(), plan.runs.size(),
                plan.plan_dir.c_str());
  for (const auto& run : plan.runs) {
    const auto s = run_state(plan, run);
    ++counts[s.state];
    std::string detail = s.detail;
    if (s.journal_rounds > 0 && s.state != "done")
      detail += "; journal: " + std::to_string(s.journal_rounds) + " rounds finished";
    if (json) {
      rows.push_back({{"index", run.index},
                      {"name", run.name},
                      {"state", s.state},
                      {"detail", s.detail},
                      {"journal_rounds", s.journal_rounds},
                      {"output", run.output}});
    } else {
      std::printf("  %3d  %-16s %-8s %s\n       %s\n", run.index, run.name.c_str(), s.state.c_str(),
                  detail.c_str(), run.output.c_str());
    }
  }
  if (json) {
    std::printf("%s\n", nlohmann::json({{"campaign", plan.name}, {"runs", rows}}).dump(1).c_str());
  } else {
    std::string line;
    for (const auto& [state, n] : counts)
      line += (line.empty() ? "" : ", ") + std::to_string(n) + " " + state;
    std::printf("summary: %s\n", line.c_str());
  }
  std::fflush(stdout);
  return 0;
}

int submit(const Campaign& plan, const CampaignArgs& args) {
  const std::string& script = args.script;
  const std::vector<std::string>& extra = args.sbatch_args;
  const bool dry_run = args.dry_run, wait = args.wait;
  std::vector<int> todo;
  for (const auto& run : plan.runs) {
    const auto s = run_state(plan, run);
    if (s.state == "todo" || s.state == "failed" || s.state == "stale") {
      todo.push_back(run.index);
      std::printf("submit: run %d %s (%s: %s)\n", run.index, run.name.c_str(), s.state.c_str(),
                  s.detail.c_str());
    } else if (s.state == "error") {
      std::fprintf(stderr, "healgrid campaign submit: run %d %s left out: %s\n", run.index,
                   run.name.c_str(), s.detail.c_str());
    }
  }
  if (todo.empty()) {
    std::printf("submit: nothing to submit (every run is done, running or pending)\n");
    return 0;
  }
  std::string list;
  for (const int i : todo) list += (list.empty() ? "" : ",") + std::to_string(i);
  const auto logs = fs::path(plan.plan_dir) / "logs";
  std::vector<std::string> argv = {"sbatch",
                                   "--parsable",
                                   "--array=" + list,
                                   "--job-name=healgrid-" + plan.name,
                                   "--output=" + (logs / "%A_%a.log").string(),
                                   "--export=ALL,HEALGRID=" + self_executable()};
  argv.insert(argv.end(), plan.sbatch.begin(), plan.sbatch.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(find_job_script(script, plan));
  argv.push_back(plan.plan_dir);
  std::string shown;
  for (const auto& a : argv) shown += (shown.empty() ? "" : " ") + a;
  std::printf("submit: %s\n", shown.c_str());
  std::fflush(stdout);
  if (dry_run) return 0;
  std::error_code ec;
  fs::create_directories(logs, ec);
  fs::create_directories(fs::path(plan.plan_dir) / "state", ec);
  const std::time_t submitted_at = std::time(nullptr);
  std::string out;
  const int rc = run_program(argv, out);
  const std::string job = out.substr(0, out.find_first_of(";\n"));
  if (rc != 0 || job.empty()) {
    std::fprintf(stderr, "healgrid campaign submit: sbatch failed (exit status %d)%s\n", rc,
                 rc == -1 ? ": sbatch not found on PATH" : "");
    return 1;
  }
  for (const int i : todo) {  // unless the task already wrote its own state
    const auto path = fs::path(plan.plan_dir) / "state" / std::to_string(i);
    std::ifstream in(path);
    std::string what, id;
    long long when = 0;
    if (in >> what >> id >> when && when >= submitted_at) continue;
    try {
      io::write_file_atomically(path.string(), "submitted " + job + "_" + std::to_string(i) + " " +
                                                   std::to_string(submitted_at) + "\n");
    } catch (const std::exception& e) {  // the state is informative: status falls back to squeue
      std::fprintf(stderr, "healgrid campaign: warning: %s\n", e.what());
    }
  }
  std::printf("submit: job array %s, %zu runs\n", job.c_str(), todo.size());
  std::fflush(stdout);
  if (!wait) return 0;
  for (;;) {  // until the array leaves the queue
    std::string q;
    if (run_program({"squeue", "-h", "-j", job, "-o", "%i"}, q) != 0 || q.empty()) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  print_status(plan, false);
  for (const int i : todo)
    if (run_state(plan, plan.runs.at(static_cast<std::size_t>(i))).state != "done") return 1;
  return 0;
}

}  // namespace

int campaign_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(overview_help().c_str(), args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string& verb = args[0];
  if (verb != "plan" && verb != "status" && verb != "submit") {
    std::fprintf(stderr,
                 "healgrid campaign: expected plan, status or submit, got '%s'\n(see healgrid "
                 "campaign --help)\n",
                 verb.c_str());
    return 2;
  }
  CampaignArgs parsed;
  if (const int rc = parse_verb(verb, {args.begin() + 1, args.end()}, parsed);
      rc != 0 || parsed.help)
    return rc;
  try {
    if (verb == "plan") {
      const auto c = load_campaign(parsed.target);
      write_plan(c);
      std::printf("campaign %s: %zu runs planned in %s\n", c.name.c_str(), c.runs.size(),
                  c.plan_dir.c_str());
      for (const auto& r : c.runs)
        std::printf("  %3d  %-16s %s\n", r.index, r.name.c_str(), r.output.c_str());
      return 0;
    }
    const auto plan = open_plan(parsed.target);
    if (verb == "status") return print_status(plan, parsed.json);
    return submit(plan, parsed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "healgrid campaign %s: error: %s\n", verb.c_str(), e.what());
    return 1;
  }
}

}  // namespace healgrid
