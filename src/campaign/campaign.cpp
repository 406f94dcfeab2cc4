// Campaign files: parsing, expansion into runs, frozen configs, the plan directory.
#include "healgrid/campaign/campaign.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "healgrid/app/run_options.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/io/atomic_file.hpp"

namespace fs = std::filesystem;

namespace healgrid {
namespace {

using Values = std::vector<std::pair<std::string, std::string>>;

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CampaignError(path + ": cannot read the " + what);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& path, const std::string& text) {
  try {
    io::write_file_atomically(path.string(), text);
  } catch (const std::runtime_error& e) {
    throw CampaignError(e.what());
  }
}

std::string resolve(const fs::path& base, const std::string& p) {
  return (fs::path(p).is_absolute() ? fs::path(p) : base / p).lexically_normal().string();
}

// Scalars of a `values:` entry: a list, or {from: A, to: B} (integers, inclusive).
std::vector<std::string> value_list(const std::string& file, const std::string& key,
                                    const YAML::Node& node) {
  std::vector<std::string> out;
  if (node.IsSequence()) {
    for (const auto& v : node) {
      if (!v.IsScalar()) throw CampaignError(file + ": values." + key + ": expected scalars");
      out.push_back(v.as<std::string>());
    }
  } else if (node.IsMap() && node["from"] && node["to"]) {
    const long long from = node["from"].as<long long>(), to = node["to"].as<long long>();
    if (to < from || to - from > 100000)
      throw CampaignError(file + ": values." + key + ": expected from <= to (at most 100000)");
    for (long long v = from; v <= to; ++v) out.push_back(std::to_string(v));
  } else {
    throw CampaignError(file + ": values." + key + ": expected a list or {from: N, to: M}");
  }
  if (out.empty()) throw CampaignError(file + ": values." + key + ": empty");
  return out;
}

// A copy of `node` with every scalar string substituted.
YAML::Node substituted(const YAML::Node& node, const Values& values) {
  if (node.IsScalar()) return YAML::Node(substitute(node.as<std::string>(), values));
  YAML::Node out(node.Type());
  if (node.IsSequence())
    for (const auto& v : node) out.push_back(substituted(v, values));
  if (node.IsMap())
    for (const auto& kv : node) out[kv.first.as<std::string>()] = substituted(kv.second, values);
  return out;
}

void merge_into(YAML::Node base, const YAML::Node& over) {
  for (const auto& kv : over) {
    const auto key = kv.first.as<std::string>();
    if (kv.second.IsMap() && base[key] && base[key].IsMap())
      merge_into(base[key], kv.second);
    else
      base[key] = YAML::Clone(kv.second);
  }
}

std::vector<std::string> string_list(const std::string& file, const std::string& key,
                                     const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node.IsScalar()) return {node.as<std::string>()};
  if (!node.IsSequence()) throw CampaignError(file + ": " + key + ": expected a string or list");
  for (const auto& v : node) out.push_back(v.as<std::string>());
  return out;
}

}  // namespace

std::string substitute(const std::string& text, const Values& values) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '{') {
      out += text[i++];
      continue;
    }
    const auto close = text.find('}', i);
    if (close == std::string::npos) throw CampaignError("unclosed '{' in \"" + text + "\"");
    std::string key = text.substr(i + 1, close - i - 1), width;
    if (const auto colon = key.find(':'); colon != std::string::npos) {
      width = key.substr(colon + 1);
      key = key.substr(0, colon);
    }
    const auto it =
        std::find_if(values.begin(), values.end(), [&](const auto& kv) { return kv.first == key; });
    if (it == values.end()) throw CampaignError("unknown value {" + key + "} in \"" + text + "\"");
    std::string v = it->second;
    if (!width.empty()) {
      if (width.find_first_not_of("0123456789") != std::string::npos || width.size() > 2)
        throw CampaignError("bad width in {" + key + ":" + width + "} (use {key:02})");
      const auto n = static_cast<std::size_t>(std::stoi(width));
      if (v.size() < n) v.insert(0, n - v.size(), width[0] == '0' ? '0' : ' ');
    }
    out += v;
    i = close + 1;
  }
  return out;
}

namespace {

// Every combination of `values` (their cartesian product, in key order), or the explicit `runs`.
std::vector<Values> value_combinations(const std::string& f, const YAML::Node& root) {
  std::vector<Values> combos;
  if (root["values"] && root["runs"])
    throw CampaignError(f + ": give `values` or `runs`, not both");
  if (root["values"]) {
    if (!root["values"].IsMap()) throw CampaignError(f + ": values: expected a map");
    combos.emplace_back();
    for (const auto& kv : root["values"]) {
      const auto key = kv.first.as<std::string>();
      std::vector<Values> next;
      for (const auto& combo : combos)
        for (const auto& v : value_list(f, key, kv.second)) {
          next.push_back(combo);
          next.back().emplace_back(key, v);
        }
      combos = std::move(next);
    }
  } else if (root["runs"] && root["runs"].IsSequence()) {
    for (const auto& r : root["runs"]) {
      if (!r.IsMap()) throw CampaignError(f + ": runs: expected a list of maps");
      Values combo;
      for (const auto& kv : r)
        combo.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
      combos.push_back(combo);
    }
  } else {
    throw CampaignError(f + ": expected `values:` (a map of lists) or `runs:` (a list of maps)");
  }
  return combos;
}

// The `run:` template, checked: known keys, `output`, and exactly one of `input`/`catalog`.
YAML::Node run_template(const std::string& f, const YAML::Node& root) {
  const YAML::Node tmpl = root["run"];
  if (!tmpl || !tmpl.IsMap() || !tmpl["output"])
    throw CampaignError(f + ": run: expected a map with at least `output`");
  static const std::set<std::string> keys = {"name",   "input",  "catalog", "cache_dir",
                                             "output", "config", "args"};
  for (const auto& kv : tmpl)
    if (!keys.count(kv.first.as<std::string>()))
      throw CampaignError(f + ": run: unknown key '" + kv.first.as<std::string>() + "'");
  if (!tmpl["input"] == !tmpl["catalog"])
    throw CampaignError(f + ": run: give the granules as `input` or `catalog`");
  return tmpl;
}

std::string run_name(const YAML::Node& tmpl, std::size_t i, const Values& vals) {
  return tmpl["name"] ? substitute(tmpl["name"].as<std::string>(), vals)
                      : "run" + std::to_string(i);
}

// Run `i` of the campaign: the template with `vals` substituted, its config checked.
CampaignRun make_run(const Campaign& c, const YAML::Node& tmpl, const std::string& base_text,
                     const fs::path& base, std::size_t i, const Values& vals) {
  const std::string& f = c.file;
  CampaignRun run;
  run.index = static_cast<int>(i);
  run.name = run_name(tmpl, i, vals);
  run.output = resolve(base, substitute(tmpl["output"].as<std::string>(), vals));
  run.config_path = (fs::path(c.plan_dir) / "runs" / (std::to_string(i) + ".yaml")).string();
  run.config_text = base_text;
  if (tmpl["config"]) {
    YAML::Node merged = YAML::Load(base_text);
    merge_into(merged, substituted(tmpl["config"], vals));
    YAML::Emitter out;
    out << merged;
    run.config_text = std::string(out.c_str()) + "\n";
  }
  const std::string origin = "campaign run " + run.name;
  try {
    parse_config(run.config_text, origin);
  } catch (const ConfigError& e) {
    // A line of the merged text means nothing to the user: the key and the problem do.
    std::string what = e.what();
    if (what.rfind(origin, 0) == 0 && what.find(": ", origin.size()) != std::string::npos)
      what = what.substr(what.find(": ", origin.size()) + 2);
    throw ConfigError("its config (base_config with run.config merged in): " + what);
  }
  run.args = {"--config", run.config_path};
  for (const auto& in : string_list(f, "run.input", tmpl["input"]))
    run.args.insert(run.args.end(), {"--input", resolve(base, substitute(in, vals))});
  if (tmpl["catalog"]) {
    run.args.insert(
        run.args.end(),
        {"--catalog", resolve(base, substitute(tmpl["catalog"].as<std::string>(), vals))});
    if (tmpl["cache_dir"])
      run.args.insert(
          run.args.end(),
          {"--cache-dir", resolve(base, substitute(tmpl["cache_dir"].as<std::string>(), vals))});
  }
  run.args.insert(run.args.end(), {"--output", run.output});
  for (const auto& a : string_list(f, "run.args", tmpl["args"]))
    run.args.push_back(substitute(a, vals));
  return run;
}

}  // namespace

Campaign load_campaign(const std::string& path) {
  const fs::path file = fs::absolute(path).lexically_normal();
  const fs::path base = file.parent_path();
  const std::string f = file.string();
  YAML::Node root;
  try {
    root = YAML::Load(read_file(f, "campaign file"));
  } catch (const YAML::Exception& e) {
    throw CampaignError(f + ": " + e.what());
  }
  if (!root.IsMap()) throw CampaignError(f + ": expected a YAML map");
  static const std::set<std::string> keys = {"name", "plan_dir", "base_config", "values",
                                             "runs", "run",      "sbatch",      "job_script"};
  for (const auto& kv : root)
    if (!keys.count(kv.first.as<std::string>()))
      throw CampaignError(f + ": unknown key '" + kv.first.as<std::string>() + "'");
  Campaign c;
  c.file = f;
  c.name = root["name"] ? root["name"].as<std::string>() : file.stem().string();
  c.plan_dir = resolve(
      base, root["plan_dir"] ? root["plan_dir"].as<std::string>() : file.stem().string() + ".plan");
  if (root["job_script"]) c.job_script = resolve(base, root["job_script"].as<std::string>());
  c.sbatch = string_list(f, "sbatch", root["sbatch"]);
  const std::string base_text =
      root["base_config"]
          ? read_file(resolve(base, root["base_config"].as<std::string>()), "base_config")
          : std::string(default_config_text());
  const auto combos = value_combinations(f, root);
  const YAML::Node tmpl = run_template(f, root);
  std::set<std::string> names, outputs;
  for (std::size_t i = 0; i < combos.size(); ++i) {
    const std::string where = f + ": run " + std::to_string(i);
    CampaignRun run;
    try {
      run = make_run(c, tmpl, base_text, base, i, combos[i]);
    } catch (const ConfigError& e) {
      throw CampaignError(where + " (" + run_name(tmpl, i, combos[i]) + "): " + e.what());
    } catch (const YAML::Exception& e) {
      throw CampaignError(where + ": " + e.what());
    } catch (const CampaignError& e) {
      throw CampaignError(where + ": " + e.what());
    }
    if (!names.insert(run.name).second)
      throw CampaignError(where + ": run name '" + run.name + "' used twice (run.name)");
    if (!outputs.insert(run.output).second)
      throw CampaignError(where + ": output " + run.output + " used twice (run.output)");
    c.runs.push_back(std::move(run));
  }
  return c;
}

// A plan directory that exists must hold a healgrid plan (plan.json with its campaign, runs and
// plan_dir): a user's directory (their own plan.json, runs/0.yaml) is never written into.
void require_own_plan_dir(const std::string& plan_dir) {
  std::error_code ec;
  if (!fs::exists(plan_dir, ec) || fs::is_empty(plan_dir, ec)) return;
  const auto refuse = [&](const std::string& why) {
    throw CampaignError(plan_dir + ": the plan directory exists and " + why +
                        ": healgrid writes only into a plan directory it made (set plan_dir to a " +
                        "new directory, or remove this one)");
  };
  if (!fs::is_directory(plan_dir, ec)) refuse("is not a directory");
  std::ifstream in(fs::path(plan_dir) / "plan.json");
  if (!in) refuse("holds no plan.json");
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("campaign") || !j.contains("runs") ||
      !j.contains("plan_dir"))
    refuse("its plan.json is not a healgrid plan");
}

void write_plan(const Campaign& c) {
  require_own_plan_dir(c.plan_dir);
  std::error_code ec;
  fs::create_directories(fs::path(c.plan_dir) / "runs", ec);
  if (ec) throw CampaignError(c.plan_dir + ": cannot create the plan directory: " + ec.message());
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& r : c.runs) {
    fs::create_directories(fs::path(r.output).parent_path(), ec);  // the run checks it exists
    if (ec) throw CampaignError(r.output + ": cannot create the output directory: " + ec.message());
    write_file(r.config_path, r.config_text);
    std::string args;
    for (const auto& a : r.args) {
      if (a.find('\n') != std::string::npos)
        throw CampaignError(c.file + ": run " + r.name + ": an argument holds a line break");
      args += a + "\n";
    }
    write_file(fs::path(c.plan_dir) / "runs" / (std::to_string(r.index) + ".args"), args);
    runs.push_back({{"index", r.index},
                    {"name", r.name},
                    {"output", r.output},
                    {"config", r.config_path},
                    {"args", r.args}});
  }
  const nlohmann::json plan = {{"campaign", c.name},     {"campaign_file", c.file},
                               {"plan_dir", c.plan_dir}, {"job_script", c.job_script},
                               {"sbatch", c.sbatch},     {"runs", runs}};
  write_file(fs::path(c.plan_dir) / "plan.json", plan.dump(1) + "\n");
}

Campaign read_plan(const std::string& plan_dir) {
  const std::string path = (fs::path(plan_dir) / "plan.json").string();
  Campaign c;
  try {
    const auto j = nlohmann::json::parse(read_file(path, "plan (run `healgrid campaign plan`)"));
    c.name = j.at("campaign").get<std::string>();
    c.file = j.at("campaign_file").get<std::string>();
    c.plan_dir = j.at("plan_dir").get<std::string>();
    c.job_script = j.at("job_script").get<std::string>();
    c.sbatch = j.at("sbatch").get<std::vector<std::string>>();
    for (const auto& r : j.at("runs")) {
      CampaignRun run;
      run.index = r.at("index").get<int>();
      run.name = r.at("name").get<std::string>();
      run.output = r.at("output").get<std::string>();
      run.config_path = r.at("config").get<std::string>();
      run.args = r.at("args").get<std::vector<std::string>>();
      c.runs.push_back(std::move(run));
    }
  } catch (const nlohmann::json::exception& e) {
    throw CampaignError(path + ": not a campaign plan: " + e.what());
  }
  return c;
}

}  // namespace healgrid
