// load_campaign: expansion of `values` / `runs` into runs, and the errors that name the file,
// the key and the run.
#include "healgrid/campaign/campaign.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using healgrid::CampaignError;
using healgrid::load_campaign;

namespace {

class CampaignFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/healgrid-campaign-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& text) {
    const auto path = (fs::path(dir_) / "c.yaml").string();
    std::ofstream(path) << text;
    return path;
  }
  // The CampaignError message of loading `text` ("" when it loads).
  std::string error_of(const std::string& text) {
    try {
      load_campaign(write(text));
    } catch (const CampaignError& e) {
      return e.what();
    }
    return "";
  }
  std::string dir_;
};

TEST_F(CampaignFile, ValuesExpandToEveryCombinationInKeyOrder) {
  const auto c =
      load_campaign(write("values: {cycle: [3, 4], region: [ant, grn]}\n"
                          "run: {name: \"c{cycle:02}-{region}\", input: \"g/{cycle}\", output: "
                          "\"out/{region}-{cycle}.nc\"}\n"));
  ASSERT_EQ(c.runs.size(), 4u);
  EXPECT_EQ(c.name, "c");
  EXPECT_EQ(c.runs[0].name, "c03-ant");
  EXPECT_EQ(c.runs[1].name, "c03-grn");
  EXPECT_EQ(c.runs[3].name, "c04-grn");
  EXPECT_EQ(c.runs[2].output, (fs::path(dir_) / "out/ant-4.nc").string());
  EXPECT_EQ(c.runs[2].args[0], "--config");
  EXPECT_EQ(c.runs[2].args[2], "--input");
  EXPECT_EQ(c.runs[2].args[3], (fs::path(dir_) / "g/4").string());
}

TEST_F(CampaignFile, ExplicitRunsAndConfigMergedIntoTheBase) {
  const auto c = load_campaign(
      write("runs: [{c: 1}, {c: 2}]\n"
            "run: {input: x, output: \"o{c}.nc\", config: {title: \"Cycle {c}\"}}\n"));
  ASSERT_EQ(c.runs.size(), 2u);
  EXPECT_EQ(c.runs[1].name, "run1");
  EXPECT_NE(c.runs[1].config_text.find("title: Cycle 2"), std::string::npos)
      << c.runs[1].config_text;
}

TEST_F(CampaignFile, ErrorsNameTheKeyAndTheRun) {
  const std::string run = "run: {input: x, output: \"o{c}.nc\"}\n";
  EXPECT_NE(error_of("values: {c: [1]}\nruns: [{c: 1}]\n" + run).find("not both"),
            std::string::npos);
  EXPECT_NE(error_of("values: {c: [1]}\nrun: {input: x, output: o.nc, colour: 1}\n")
                .find("run: unknown key 'colour'"),
            std::string::npos);
  EXPECT_NE(error_of("values: {c: [1]}\nrun: {output: o.nc}\n").find("`input` or `catalog`"),
            std::string::npos);
  EXPECT_NE(error_of("values: {c: [1, 2]}\nrun: {name: same, input: x, output: \"o{c}.nc\"}\n")
                .find("run 1: run name 'same' used twice"),
            std::string::npos);
  EXPECT_NE(error_of("values: {c: [1, 1]}\n" + run).find("run 1: output"), std::string::npos);
  const auto bad = error_of(
      "values: {c: [1, 2]}\n"
      "run: {input: x, output: \"o{c}.nc\", config: {grid: {child_order: "
      "\"{c}\"}}}\n");
  EXPECT_NE(bad.find("run 0 (run0): "), std::string::npos) << bad;
  EXPECT_NE(bad.find("child_order"), std::string::npos) << bad;
  // The merged config's line numbers mean nothing in the user's files: none is given.
  EXPECT_NE(bad.find("run 0 (run0): its config (base_config with run.config merged in): "
                     "grid.child_order: "),
            std::string::npos)
      << bad;
  EXPECT_NE(error_of("values: {c: [1]}\nrun: {input: \"{d}\", output: o.nc}\n").find("run 0: "),
            std::string::npos);
}

}  // namespace

namespace {

// plan writes only into a plan directory it made: a user's directory holding their own
// plan.json or runs/0.yaml is refused and left as it was; its own plan is replanned.
TEST_F(CampaignFile, PlanWritesOnlyIntoItsOwnPlanDirectory) {
  const auto c =
      load_campaign(write("plan_dir: mine\nruns: [{c: 1}]\n"
                          "run: {input: x, output: \"o{c}.nc\"}\n"));
  const fs::path plan = fs::path(dir_) / "mine";
  fs::create_directories(plan / "runs");
  std::ofstream(plan / "plan.json") << "{\"my\": \"notes\"}\n";
  std::ofstream(plan / "runs" / "0.yaml") << "mine: 1\n";
  try {
    healgrid::write_plan(c);
    FAIL() << "wrote into a user's directory";
  } catch (const CampaignError& e) {
    EXPECT_NE(std::string(e.what()).find(plan.string() + ": the plan directory exists and its "
                                                         "plan.json is not a healgrid plan"),
              std::string::npos)
        << e.what();
  }
  std::ifstream notes(plan / "plan.json"), run(plan / "runs" / "0.yaml");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(notes), {}), "{\"my\": \"notes\"}\n");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(run), {}), "mine: 1\n");
  fs::remove(plan / "plan.json");
  EXPECT_THROW(healgrid::write_plan(c), CampaignError);  // no plan.json, not empty
  fs::remove_all(plan);
  healgrid::write_plan(c);  // a new directory, then its own plan again
  healgrid::write_plan(c);
  EXPECT_EQ(healgrid::read_plan(plan.string()).runs.size(), 1u);
}

}  // namespace
