// Untrusted names from catalogs and servers never leave the cache directory; credentials are
// redacted from text bound for logs and errors.
#include "healgrid/util/safe_path.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace healgrid {
namespace {

TEST(SafePath, KeepsOrdinaryGranulePaths) {
  EXPECT_EQ(safe_relative_path("ATL06_20190416093911_02770303_006_01.h5"),
            "ATL06_20190416093911_02770303_006_01.h5");
  EXPECT_EQ(safe_relative_path("ATLAS/ATL06/006/2019/04/16/ATL06_x_006_01.h5"),
            "ATLAS/ATL06/006/2019/04/16/ATL06_x_006_01.h5");
}

TEST(SafePath, DropsSchemeHostQueryAndFragment) {
  EXPECT_EQ(safe_relative_path("https://user:pw@data.example.org/ATLAS/ATL06/a.h5?token=s3cr3t#x"),
            "ATLAS/ATL06/a.h5");
  EXPECT_EQ(safe_relative_path("s3://bucket/ATL06/b.h5"), "ATL06/b.h5");
}

TEST(SafePath, NeverEscapesTheCache) {
  EXPECT_EQ(safe_relative_path("../../etc/passwd"), "etc/passwd");
  EXPECT_EQ(safe_relative_path("/etc/passwd"), "etc/passwd");
  EXPECT_EQ(safe_relative_path("a/./b/../c.h5"), "a/b/c.h5");
  EXPECT_EQ(safe_relative_path("..\\..\\windows\\x.h5"), "windows/x.h5");
  // An escaped separator is decoded inside its component: no directory, nothing outside (a
  // server's "sub%2Fok.h5" once became CACHE/sub/ok.h5, through a symlink at CACHE/sub).
  EXPECT_EQ(safe_relative_path("%2e%2e%2f%2E%2E%2Fetc%2fshadow"), "_._.._etc_shadow");
  EXPECT_EQ(safe_relative_path("sub%2Fok.h5"), "sub_ok.h5");
  EXPECT_EQ(safe_relative_path("a%5Cb.h5"), "a_b.h5");
  EXPECT_EQ(safe_relative_path("https://h/%2e%2e/%2e%2e/root/.ssh/id_rsa"), "root/_ssh/id_rsa");
  // double encoding stays harmless: the '%' itself is replaced
  EXPECT_EQ(safe_relative_path("%252e%252e/x"), "_2e_2e/x");
  EXPECT_EQ(safe_cache_path("/cache", "../../x.h5"), "/cache/x.h5");
  EXPECT_EQ(safe_cache_path("/cache/", "/abs/y.h5"), "/cache/abs/y.h5");
}

// A catalog's granule name is one plain file name, whatever the server sent.
TEST(SafePath, PlainFileNamesHaveNoSeparatorEscapedOrNot) {
  EXPECT_EQ(plain_file_name("ATL06_20190416093911_02770303_006_01.h5"),
            "ATL06_20190416093911_02770303_006_01.h5");
  EXPECT_EQ(plain_file_name("sub%2Fok.h5"), "sub_ok.h5");
  EXPECT_EQ(plain_file_name("a\\b.h5"), "a_b.h5");
  EXPECT_EQ(plain_file_name("dir/x.h5"), "dir_x.h5");
  EXPECT_EQ(plain_file_name("..%2F..%2Fevil.h5"), "_._.._evil.h5");
  EXPECT_EQ(plain_file_name(".hidden.h5"), "_hidden.h5");
  EXPECT_EQ(plain_file_name(""), "");
  EXPECT_EQ(plain_file_name("?x"), "");
  for (const char* name : {"sub%2Fok.h5", "../x", "%2e%2e", "a/../../b"})
    EXPECT_EQ(plain_file_name(name).find('/'), std::string::npos) << name;
}

TEST(SafePath, ReplacesUnsafeBytes) {
  EXPECT_EQ(safe_relative_path(".hidden"), "_hidden");
  EXPECT_EQ(safe_relative_path("a b;rm -rf $(x)`y`.h5"), "a_b_rm_-rf___x__y_.h5");
  EXPECT_EQ(safe_relative_path(std::string("a\0b\n.h5", 7)), "a_b_.h5");
  EXPECT_EQ(safe_relative_path(std::string(500, 'x')).size(), 200u);
}

TEST(SafePath, RejectsNamesWithNothingLeft) {
  for (const char* bad : {"", "/", "..", "../..", "./.", "?x=1", "https://host", "https://host/"})
    EXPECT_THROW(safe_relative_path(bad), std::invalid_argument) << bad;
}

TEST(SafePath, RejectionMessageDoesNotLeakCredentials) {
  try {
    safe_relative_path("https://alice:hunter2@host/?token=abc");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
    EXPECT_EQ(what.find("abc"), std::string::npos) << what;
  }
}

TEST(Redact, UserInfoQueryAndHeaders) {
  EXPECT_EQ(redact_credentials("GET https://alice:hunter2@urs.example.org/x.h5 failed"),
            "GET https://***@urs.example.org/x.h5 failed");
  EXPECT_EQ(redact_credentials("https://h/x.h5?a=1&token=abc123&b=2"),
            "https://h/x.h5?a=1&token=***&b=2");
  EXPECT_EQ(redact_credentials("X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA/1"),
            "X-Amz-Signature=***&X-Amz-Credential=***");
  EXPECT_EQ(redact_credentials("Authorization: Bearer eyJhbGciOi.x.y"), "Authorization: *** ***");
  EXPECT_EQ(redact_credentials("{\"access_token\": \"eyJ0\", \"expires\": 3600}"),
            "{\"access_token\": \"***\", \"expires\": 3600}");
  EXPECT_EQ(redact_credentials("password=p@ss word"), "password=*** word");
  // A password holding '@': nothing of it is left.
  EXPECT_EQ(redact_credentials("--cmr-url=https://alice:p@ss@cmr.example/search"),
            "--cmr-url=https://***@cmr.example/search");
  const std::string plain = "granule /data/ATL06_x.h5 rows 0..10: 3 points";
  EXPECT_EQ(redact_credentials(plain), plain);
}

}  // namespace
}  // namespace healgrid
