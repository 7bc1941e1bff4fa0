#include "node/trust/scope_policy.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

const NodeCertInfo kHub{"hub", "valley", ""};
const NodeCertInfo kPine{"school", "valley", "pine"};
const NodeCertInfo kUnenrolled{"", "", ""};

TEST_CASE("node/scope_policy: MayRead: hub reads every scope of its district, nothing else") {
  CHECK(MayRead(kHub, "district/valley"));
  CHECK(MayRead(kHub, "public/valley"));
  CHECK(MayRead(kHub, "school/pine"));
  CHECK(MayRead(kHub, "school/oak"));
  CHECK_FALSE(MayRead(kHub, "district/hill"));
  CHECK_FALSE(MayRead(kHub, "public/hill"));
  CHECK_FALSE(MayRead(kHub, "garbage"));
}

TEST_CASE(
    "node/scope_policy: MayRead: a school reads its own school, the district and public scopes") {
  CHECK(MayRead(kPine, "district/valley"));
  CHECK(MayRead(kPine, "public/valley"));
  CHECK(MayRead(kPine, "school/pine"));
  CHECK_FALSE(MayRead(kPine, "school/oak"));  // FERPA: never another school's work
  CHECK_FALSE(MayRead(kPine, "district/hill"));
  CHECK_FALSE(MayRead(kPine, "public/hill"));
  NodeCertInfo no_school{"school", "valley", ""};
  CHECK_FALSE(MayRead(no_school, "school/pine"));
}

TEST_CASE("node/scope_policy: MayRead: an unenrolled node reads nothing") {
  for (const char* s : {"district/valley", "public/valley", "school/pine", "school/local"}) {
    CHECK_FALSE(MayRead(kUnenrolled, s));
  }
  NodeCertInfo no_role{"", "valley", "pine"};
  CHECK_FALSE(MayRead(no_role, "school/pine"));
}

TEST_CASE("node/scope_policy: ScopeCovers: district grants cover schools and public") {
  CHECK(ScopeCovers("district/valley", "school/pine", "valley"));
  CHECK(ScopeCovers("district/valley", "public/valley", "valley"));
  CHECK(ScopeCovers("district/valley", "district/valley", "valley"));
  CHECK(ScopeCovers("school/pine", "school/pine", "valley"));
  CHECK_FALSE(ScopeCovers("school/pine", "school/oak", "valley"));
  CHECK_FALSE(ScopeCovers("school/pine", "district/valley", "valley"));
  CHECK_FALSE(ScopeCovers("district/valley", "public/hill", "valley"));
  CHECK_FALSE(ScopeCovers("district/hill", "school/pine", "valley"));
}

TEST_CASE("node/scope_policy: MayWrite: the policy table") {
  using R = std::vector<Role>;
  const std::string d = "valley";
  CHECK(MayWrite(R{Role::kEducator}, "note", "school/pine", d));
  CHECK(MayWrite(R{Role::kSchoolNode}, "note", "school/pine", d));
  CHECK_FALSE(MayWrite(R{}, "note", "school/pine", d));

  CHECK(MayWrite(R{Role::kEducator}, "submission.open", "school/pine", d));
  CHECK_FALSE(MayWrite(R{Role::kReviewer}, "submission.open", "school/pine", d));
  CHECK_FALSE(MayWrite(R{Role::kEducator}, "submission.open", "public/valley", d));

  CHECK(MayWrite(R{Role::kReviewer}, "review.score", "school/pine", d));
  CHECK_FALSE(MayWrite(R{Role::kEducator}, "review.score", "school/pine", d));
  CHECK_FALSE(MayWrite(R{Role::kAdmin}, "review.score", "school/pine", d));

  CHECK(MayWrite(R{Role::kIssuer}, "catalog.definition", "district/valley", d));
  CHECK(MayWrite(R{Role::kAdmin}, "catalog.stack", "district/valley", d));
  CHECK_FALSE(MayWrite(R{Role::kIssuer}, "catalog.definition", "school/pine", d));
  CHECK_FALSE(MayWrite(R{Role::kEducator}, "catalog.definition", "district/valley", d));

  CHECK(MayWrite(R{Role::kIssuer}, "award.grant", "public/valley", d));
  CHECK_FALSE(MayWrite(R{Role::kReviewer}, "award.grant", "public/valley", d));
  CHECK_FALSE(MayWrite(R{Role::kIssuer}, "award.grant", "public/hill", d));

  // Purging evidence (school scopes): an admin covering the school only.
  CHECK(MayWrite(R{Role::kAdmin}, "evidence.purge", "school/pine", d));
  CHECK_FALSE(MayWrite(R{Role::kAdmin}, "evidence.purge", "district/valley", d));
  CHECK_FALSE(MayWrite(R{Role::kIssuer}, "evidence.purge", "school/pine", d));
  CHECK_FALSE(MayWrite(R{Role::kReviewer}, "evidence.purge", "school/pine", d));
  CHECK_FALSE(MayWrite(R{Role::kSchoolNode}, "evidence.purge", "school/pine", d));
  CHECK(RequiredRolesText("evidence.purge") == "admin");

  CHECK(MayWrite(R{Role::kAdmin}, "person.profile", "school/pine", d));
  CHECK(MayWrite(R{Role::kSchoolNode}, "person.profile", "school/pine", d));
  CHECK_FALSE(MayWrite(R{Role::kEducator}, "person.profile", "school/pine", d));

  CHECK(MayWrite(R{Role::kRoot}, "trust.node_cert", "district/valley", d));
  CHECK(MayWrite(R{Role::kRoot}, "district.genesis", "district/valley", d));
  CHECK_FALSE(MayWrite(R{Role::kAdmin}, "trust.node_cert", "district/valley", d));
  CHECK_FALSE(MayWrite(R{Role::kHubNode}, "district.genesis", "district/valley", d));
  CHECK_FALSE(MayWrite(R{Role::kRoot}, "note", "district/hill", d));

  CHECK(MayWrite(R{Role::kAdmin}, "something.new", "district/valley", d));
  CHECK_FALSE(MayWrite(R{Role::kIssuer}, "something.new", "district/valley", d));
}

TEST_CASE(
    "node/scope_policy: MayGrant: admins anything, school nodes educator/reviewer in their "
    "school") {
  CHECK(MayGrant({Role::kRoot}, Role::kAdmin, "district/valley"));
  CHECK(MayGrant({Role::kAdmin}, Role::kIssuer, "district/valley"));
  CHECK(MayGrant({Role::kSchoolNode}, Role::kEducator, "school/pine"));
  CHECK(MayGrant({Role::kSchoolNode}, Role::kReviewer, "school/pine"));
  CHECK_FALSE(MayGrant({Role::kSchoolNode}, Role::kAdmin, "school/pine"));
  CHECK_FALSE(MayGrant({Role::kSchoolNode}, Role::kIssuer, "school/pine"));
  CHECK_FALSE(MayGrant({Role::kSchoolNode}, Role::kEducator, "district/valley"));
  CHECK_FALSE(MayGrant({Role::kReviewer}, Role::kEducator, "school/pine"));
}

}  // namespace
}  // namespace credmesh
