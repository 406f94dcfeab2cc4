// Communicator collectives, the RAII MPI handles and the agree-on-failure helper, on however
// many ranks mpirun started (ctest: 1, 2, 3). Expected values are computed from the rank
// numbers alone.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/util/mpi_handles.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {
namespace {

Communicator world() { return Communicator::world(); }

TEST(Communicator, BroadcastsStringsListsAndArraysFromAnyRoot) {
  const auto c = world();
  const int root = c.size - 1;
  std::string text = c.rank == root ? std::string("a\0b", 3) + "tail" : "junk";
  std::vector<std::string> list;
  if (c.rank == root) list = {"", "x", std::string(1, '\0'), "last item"};
  std::vector<std::int64_t> words;
  if (c.rank == root) words = {-1, 0, std::int64_t{1} << 40};
  c.bcast(text, root);
  c.bcast(list, root);
  c.bcast(words, root);
  EXPECT_EQ(text, std::string("a\0b", 3) + "tail");
  EXPECT_EQ(list, (std::vector<std::string>{"", "x", std::string(1, '\0'), "last item"}));
  EXPECT_EQ(words, (std::vector<std::int64_t>{-1, 0, std::int64_t{1} << 40}));
  struct Pair {
    int a;
    double b;
  } pair{c.rank, 0.5 * c.rank};
  c.bcast_value(pair, root);
  EXPECT_EQ(pair.a, root);
  EXPECT_EQ(pair.b, 0.5 * root);
}

TEST(Communicator, GathersInRankOrderOnRankZeroOnly) {
  const auto c = world();
  // Rank r contributes r strings "r:k" and the words r*10 .. r*10+r-1.
  std::vector<std::string> strings;
  std::vector<std::int64_t> words;
  for (int k = 0; k < c.rank; ++k) {
    strings.push_back(std::to_string(c.rank) + ":" + std::to_string(k));
    words.push_back(c.rank * 10 + k);
  }
  const auto all_strings = c.gather(strings);
  const auto all_words = c.gather(words);
  const auto one_each = c.gather("rank" + std::to_string(c.rank));
  const auto values = c.gather(static_cast<long long>(c.rank * c.rank));
  if (c.rank != 0) {
    EXPECT_TRUE(all_strings.empty() && all_words.empty() && one_each.empty() && values.empty());
    return;
  }
  std::vector<std::string> want_strings, want_each;
  std::vector<std::int64_t> want_words;
  std::vector<long long> want_values;
  for (int r = 0; r < c.size; ++r) {
    for (int k = 0; k < r; ++k) {
      want_strings.push_back(std::to_string(r) + ":" + std::to_string(k));
      want_words.push_back(r * 10 + k);
    }
    want_each.push_back("rank" + std::to_string(r));
    want_values.push_back(static_cast<long long>(r) * r);
  }
  EXPECT_EQ(all_strings, want_strings);
  EXPECT_EQ(all_words, want_words);
  EXPECT_EQ(one_each, want_each);
  EXPECT_EQ(values, want_values);
}

TEST(Communicator, SumsMaximaAndPrefixSums) {
  const auto c = world();
  const long long n = c.size;
  EXPECT_EQ(c.sum(c.rank + 1), n * (n + 1) / 2);
  EXPECT_EQ(c.sum_to_root(c.rank + 1), c.rank == 0 ? n * (n + 1) / 2 : 0);
  EXPECT_EQ(c.max(c.rank * 2), 2 * (c.size - 1));
  EXPECT_EQ(c.max(-0.5 * c.rank), 0.0);
  // Before rank r: 1 + 2 + ... + r.
  EXPECT_EQ(c.exclusive_prefix_sum(c.rank + 1), static_cast<long long>(c.rank) * (c.rank + 1) / 2);
  std::vector<long long> v = {1, c.rank};
  c.sum_in_place(v);
  EXPECT_EQ(v, (std::vector<long long>{n, n * (n - 1) / 2}));
  // Rank r sends r + 10 * destination to every destination.
  std::vector<int> counts;
  for (int d = 0; d < c.size; ++d) counts.push_back(c.rank + 10 * d);
  const auto received = c.alltoall(counts);
  for (int s = 0; s < c.size; ++s) EXPECT_EQ(received[s], s + 10 * c.rank);
}

TEST(Communicator, AllOkReportsEachFailingRankOnRankZero) {
  const auto c = world();
  std::vector<std::string> messages;
  EXPECT_TRUE(c.all_ok("", &messages));
  EXPECT_TRUE(messages.empty());
  const int last = c.size - 1;
  EXPECT_FALSE(c.all_ok(c.rank == last ? "disk full" : "", &messages));
  if (c.rank == 0)
    EXPECT_EQ(messages, (std::vector<std::string>{"rank " + std::to_string(last) + ": disk full"}));
  else
    EXPECT_TRUE(messages.empty());
}

TEST(CollectiveStep, AFailureOnOneRankIsSeenByEveryRankWithItsMessage) {
  const auto c = world();
  const int last = c.size - 1;
  EXPECT_NO_THROW(run_on_every_rank(c, [] {}));
  try {
    run_on_every_rank(c, [&] {
      if (c.rank == last) throw std::runtime_error("cannot read g.h5: /gt1l/h_li");
    });
    ADD_FAILURE() << "no RunFailure on rank " << c.rank;
  } catch (const RunFailure& e) {
    EXPECT_EQ(e.exit_status(), kExitFailure);
    if (c.rank == 0) {
      EXPECT_EQ(e.messages(), (std::vector<std::string>{"rank " + std::to_string(last) +
                                                        ": cannot read g.h5: /gt1l/h_li"}));
    }
  }
}

TEST(CollectiveStep, ConfigErrorsGiveTwoAndTheWorstStatusWins) {
  const auto c = world();
  try {
    run_on_every_rank(
        c, [] { throw ConfigError("config.yaml:3: unknown key colour"); }, Reporting::root_only);
    ADD_FAILURE() << "no RunFailure";
  } catch (const RunFailure& e) {
    EXPECT_EQ(e.exit_status(), kExitUsage);
    if (c.rank == 0) {  // once, not once per rank
      EXPECT_EQ(e.messages(), (std::vector<std::string>{"config.yaml:3: unknown key colour"}));
    }
  }
  // The last rank fails with 2, rank 0 (when it is another) with 1: every rank exits 2.
  try {
    run_on_every_rank(c, [&] {
      if (c.rank == c.size - 1) throw std::invalid_argument("--rounds -1");
      if (c.rank == 0) throw std::runtime_error("other");
    });
    ADD_FAILURE() << "no RunFailure";
  } catch (const RunFailure& e) {
    EXPECT_EQ(e.exit_status(), kExitUsage);
    if (c.rank == 0) {
      EXPECT_EQ(e.messages().size(), c.size == 1 ? 1u : 2u);
    }
  }
}

TEST(CollectiveStep, RootStepsRunOnRankZeroAndReportItsMessagesAsTheyAre) {
  const auto c = world();
  int ran = 0;
  try {
    run_on_root(c, [&] {
      ++ran;
      throw RunFailure(kExitFailure, {"first bad granule", "second bad granule"});
    });
    ADD_FAILURE() << "no RunFailure";
  } catch (const RunFailure& e) {
    if (c.rank == 0)
      EXPECT_EQ(e.messages(),
                (std::vector<std::string>{"first bad granule", "second bad granule"}));
    else
      EXPECT_TRUE(e.messages().empty());
  }
  EXPECT_EQ(ran, c.rank == 0 ? 1 : 0);
}

TEST(MpiHandles, SplitCommunicatorsAreFreedAndWorkOnTheirOwn) {
  const auto c = world();
  for (int round = 0; round < 100; ++round) {  // freed each time: no handle exhaustion
    const auto parity = OwnedCommunicator::split(c, c.rank % 2, c.rank);
    ASSERT_TRUE(parity.valid());
    const auto& p = parity.get();
    EXPECT_EQ(p.size, (c.size - c.rank % 2 + 1) / 2);
    EXPECT_EQ(p.rank, c.rank / 2);
    EXPECT_EQ(p.sum(c.rank), c.rank % 2 == 0 ? (c.size - 1) / 2 * ((c.size - 1) / 2 + 1)
                                             : (c.size / 2) * (c.size / 2));
  }
  const auto none = OwnedCommunicator::split(c, c.rank == 0 ? 0 : MPI_UNDEFINED, 0);
  EXPECT_EQ(none.valid(), c.rank == 0);
  auto dup = OwnedCommunicator::duplicate(c);
  auto moved = std::move(dup);
  EXPECT_FALSE(dup.valid());  // NOLINT(bugprone-use-after-move): the moved-from state
  EXPECT_EQ(moved.get().size, c.size);
}

TEST(MpiHandles, DatatypesSendScatteredBlocksAndAreFreed) {
  const auto c = world();
  struct Item {
    std::int64_t a;
    std::int32_t b, c;
  };
  const auto item = MpiDatatype::bytes(sizeof(Item));
  // Every rank sends items 1 and 3 of its array (two scattered blocks) to the next rank.
  std::vector<Item> mine(4);
  for (int i = 0; i < 4; ++i) mine[i] = {c.rank * 100 + i, i, -i};
  std::vector<MPI_Aint> where(2);
  MPI_Get_address(&mine[1], &where[0]);
  MPI_Get_address(&mine[3], &where[1]);
  const auto blocks = MpiDatatype::at_addresses({1, 1}, where, item);
  std::vector<Item> got(2);
  const int to = (c.rank + 1) % c.size, from = (c.rank + c.size - 1) % c.size;
  MPI_Sendrecv(MPI_BOTTOM, 1, blocks.get(), to, 0, got.data(), 2, item.get(), from, 0, c.comm,
               MPI_STATUS_IGNORE);
  EXPECT_EQ(got[0].a, from * 100 + 1);
  EXPECT_EQ(got[1].a, from * 100 + 3);
  EXPECT_EQ(got[1].c, -3);
}

}  // namespace
}  // namespace healgrid
