// Units of one dataset across granules: UDUNITS-2 names (same_units) and the run's verdict
// (check_unit_agreement), in name order whatever order the ranks report.
#include "healgrid/pipeline/unit_agreement.hpp"

#include <gtest/gtest.h>

#include "healgrid/util/unit_names.hpp"

namespace healgrid {
namespace {

TEST(SameUnits, SpellingsOfOneUnitAgreeOthersDoNot) {
  EXPECT_TRUE(same_units("m", "m"));
  EXPECT_TRUE(same_units("m", " meters "));
  EXPECT_TRUE(same_units("metres", "meter"));
  EXPECT_TRUE(same_units("m s-1", "m/s"));
  EXPECT_TRUE(same_units("km", "1000 m"));
  EXPECT_TRUE(same_units("counts", "counts"));  // not UDUNITS: equal strings only
  EXPECT_FALSE(same_units("m", "cm"));
  EXPECT_FALSE(same_units("m", "km"));
  EXPECT_FALSE(same_units("K", "degC"));
  EXPECT_FALSE(same_units("m", "s"));
  EXPECT_FALSE(same_units("counts", "count_of_things"));
  EXPECT_FALSE(same_units("m", "not a unit"));
}

TEST(UnitAgreement, DisagreementNamesKeyGranulesAndUnitsMissingUnitsWarn) {
  const std::vector<std::string> keys{"variables.h", "", "filters[0].dataset"};
  const std::vector<std::string> names{"A.h5", "B.h5", "C.h5", "D.h5"};
  // Reported out of order (rank 1's granules before rank 0's): the verdict is in name order.
  auto verdict = check_unit_agreement(
      keys, names, {{2, {"meters", "", "1"}}, {0, {"m", "", "1"}}, {1, {"", "", "1"}}});
  EXPECT_EQ(verdict.error, "");
  ASSERT_EQ(verdict.warnings.size(), 1u);
  EXPECT_EQ(verdict.warnings[0],
            "variables.h: 1 granule(s) give no units (first: B.h5), the others \"m\": taken as "
            "the same");
  verdict = check_unit_agreement(keys, names, {{3, {"cm", "", "1"}}, {1, {"m", "", "1"}}});
  EXPECT_EQ(verdict.error,
            "variables.h: the granules disagree on its units: B.h5 has \"m\", D.h5 has \"cm\"; "
            "healgrid does not convert between granules: grid them in separate runs");
  verdict = check_unit_agreement(keys, names, {{0, {"m", "", "1"}}, {1, {"m", "", "K"}}});
  EXPECT_NE(verdict.error.find("filters[0].dataset: the granules disagree"), std::string::npos);
  // No units anywhere, one granule, no granule: nothing to say.
  EXPECT_EQ(check_unit_agreement(keys, names, {{0, {"", "", ""}}, {1, {"", "", ""}}}).warnings,
            std::vector<std::string>{});
  EXPECT_EQ(check_unit_agreement(keys, names, {{0, {"m", "", "K"}}}).error, "");
  EXPECT_EQ(check_unit_agreement(keys, names, {}).error, "");
  // A beamless granule reports no units at all: as if it had none.
  EXPECT_EQ(check_unit_agreement(keys, names, {{0, {}}, {1, {"m", "", "1"}}}).error, "");
}

TEST(UnitAgreement, AgreedUnitsComeFromAGranuleThatHasThemWhicheverSortsFirst) {
  const std::vector<std::string> keys{"variables.h", "", "filters[0].dataset"};
  const std::vector<std::string> names{"A.h5", "B.h5", "C.h5"};
  // A.h5, without units, sorts first: the output's units are still B.h5's.
  auto verdict = check_unit_agreement(keys, names, {{0, {"", "", ""}}, {1, {"m", "", "1"}}});
  EXPECT_EQ(verdict.units, (std::vector<std::string>{"m", "", "1"}));
  verdict = check_unit_agreement(keys, names, {{2, {"meters", "", ""}}, {1, {"m", "", ""}}});
  EXPECT_EQ(verdict.units, (std::vector<std::string>{"m", "", ""}));  // B.h5's, by name
  EXPECT_EQ(check_unit_agreement(keys, names, {}).units, (std::vector<std::string>(3, "")));
}

}  // namespace
}  // namespace healgrid
