// The award.revoke rule shared by awards and stack awards: only a revoke in
// the award's scope naming its winning issue counts, the first by (hlc,
// record id) wins whatever order the records come in, and the winner's
// reason and timestamp are what the award shows.
#include "node/credentials/revocation.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "node/credentials/credential_records.h"

namespace credmesh {
namespace {

const std::string kAwardScope = "public/maple-valley";

FixedBytes<32> Filled(uint8_t b) {
  FixedBytes<32> out;
  out.data.fill(b);
  return out;
}

const RecordId kIssue = Filled(0x11);

DomainRecord RevokeRecord(uint8_t id, uint64_t hlc, const std::string& reason,
                          const RecordId& issue = kIssue, const std::string& scope = kAwardScope) {
  return {Filled(id),
          kAwardRevokeKind,
          scope,
          "award:sub-1",
          hlc,
          Filled(0x80 + id),
          AwardRevokeBody{issue, reason}.ToValue()};
}

// ReplayRevokes over `records` for the award issued by kIssue in kAwardScope.
Revocation Replay(const std::vector<DomainRecord>& records, std::vector<IgnoredRecord>& ignored,
                  const std::map<RecordId, LostTo>& lost_issues = {}) {
  std::vector<const DomainRecord*> revokes;
  revokes.reserve(records.size());
  for (const DomainRecord& r : records) revokes.push_back(&r);
  return ReplayRevokes(revokes, kAwardScope, kIssue, lost_issues, ignored);
}

}  // namespace

TEST_CASE("revocation: a valid revoke keeps its record, time and reason") {
  const DomainRecord r = RevokeRecord(1, 500, "evidence was not the educator's own");
  std::vector<IgnoredRecord> ignored;
  Revocation rv = Replay({r}, ignored);
  CHECK(ignored.empty());
  CHECK(rv.revoked);
  CHECK(rv.record == r.id);
  CHECK(rv.hlc == 500);
  CHECK(rv.reason == "evidence was not the educator's own");
}

TEST_CASE("revocation: no revoke records, not revoked") {
  std::vector<IgnoredRecord> ignored;
  CHECK_FALSE(Replay({}, ignored).revoked);
  CHECK(ignored.empty());
}

TEST_CASE("revocation: a revoke in another scope is ignored") {
  const DomainRecord r = RevokeRecord(1, 500, "wrong place", kIssue, "public/other-district");
  std::vector<IgnoredRecord> ignored;
  CHECK_FALSE(Replay({r}, ignored).revoked);
  REQUIRE(ignored.size() == 1);
  CHECK(ignored[0].id == r.id);
  CHECK(ignored[0].reason == "scope differs from the award's " + kAwardScope);
  CHECK_FALSE(ignored[0].lost_to.has_value());
}

TEST_CASE("revocation: a revoke of another issue record is ignored") {
  const RecordId losing_issue = Filled(0x22);
  const DomainRecord r = RevokeRecord(1, 500, "the other one", losing_issue);
  std::vector<IgnoredRecord> ignored;
  SUBCASE("an issue record unknown here") {
    CHECK_FALSE(Replay({r}, ignored).revoked);
    REQUIRE(ignored.size() == 1);
    CHECK(ignored[0].reason == "revokes another issue record");
    CHECK_FALSE(ignored[0].lost_to.has_value());
  }
  SUBCASE("an issue record that lost: the revoke lost with it") {
    const LostTo issue_lost_to{kIssue, kAwardIssueKind};
    CHECK_FALSE(Replay({r}, ignored, {{losing_issue, issue_lost_to}}).revoked);
    REQUIRE(ignored.size() == 1);
    CHECK(ignored[0].reason == "revokes another issue record");
    CHECK(ignored[0].lost_to == issue_lost_to);
  }
}

TEST_CASE("revocation: a malformed revoke is ignored with the parse error") {
  DomainRecord r = RevokeRecord(1, 500, "x");
  r.body = Value::Map{{"reason", "no issue field"}};
  std::vector<IgnoredRecord> ignored;
  CHECK_FALSE(Replay({r}, ignored).revoked);
  REQUIRE(ignored.size() == 1);
  CHECK(ignored[0].reason.find("issue") != std::string::npos);
}

TEST_CASE("revocation: the first revoke wins whatever the order of the records") {
  // `first` comes first by hlc; `tie` has its hlc and a higher record id, so
  // it comes next; `second` comes last although its record id is the lowest.
  const DomainRecord first = RevokeRecord(5, 500, "first reason");
  const DomainRecord tie = RevokeRecord(6, 500, "same time, higher id");
  const DomainRecord second = RevokeRecord(2, 900, "second reason");
  std::vector<DomainRecord> records = {second, tie, first};
  std::sort(records.begin(), records.end(),
            [](const DomainRecord& a, const DomainRecord& b) { return a.id < b.id; });
  do {
    std::vector<IgnoredRecord> ignored;
    Revocation rv = Replay(records, ignored);
    CHECK(rv.record == first.id);
    CHECK(rv.hlc == 500);
    CHECK(rv.reason == "first reason");
    // The others are ignored, each once, as lost to the first.
    REQUIRE(ignored.size() == 2);
    CHECK(ignored[0].id != ignored[1].id);
    for (const IgnoredRecord& i : ignored) {
      CHECK((i.id == tie.id || i.id == second.id));
      CHECK(i.kind == kAwardRevokeKind);
      CHECK(i.reason == "already revoked by record " + first.id.hex());
      CHECK(i.lost_to == LostTo{first.id, kAwardRevokeKind});
    }
  } while (std::next_permutation(
      records.begin(), records.end(),
      [](const DomainRecord& a, const DomainRecord& b) { return a.id < b.id; }));
}

TEST_CASE("revocation: an ignored revoke ordered first does not block a valid later one") {
  const DomainRecord elsewhere = RevokeRecord(1, 100, "wrong scope", kIssue, "public/other");
  const DomainRecord other_issue = RevokeRecord(2, 200, "another issue", Filled(0x33));
  const DomainRecord valid = RevokeRecord(3, 300, "the real one");
  std::vector<IgnoredRecord> ignored;
  Revocation rv = Replay({valid, other_issue, elsewhere}, ignored);
  CHECK(rv.revoked);
  CHECK(rv.record == valid.id);
  CHECK(rv.reason == "the real one");
  CHECK(ignored.size() == 2);
}

}  // namespace credmesh
