// credential_test_world.h: test helpers for the micro-credential domain —
// people's keys, a record factory with explicit timestamps, and stores that
// ingest record sets and dump their derived tables.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "node/credentials/catalog_bodies.h"
#include "node/credentials/catalog_projection.h"
#include "node/credentials/credential_records.h"
#include "node/credentials/lifecycle_projection.h"
#include "node/credentials/lifecycle_views.h"
#include "node/ledger.h"
#include "protocol/hlc.h"

namespace credmesh::testing {

inline constexpr int64_t kBaseMs = 1'700'000'000'000;

// Timestamp `n` ticks (10 ms each) after the base; `logical` breaks ties.
inline uint64_t T(int n, uint64_t logical = 0) {
  return HybridClock::Make(kBaseMs + n * 10, logical);
}

inline CredentialDefinition SampleDefinition(const std::string& id = "fa-whole-class-decisions") {
  std::ifstream in(CREDMESH_SOURCE_DIR "/examples/catalog.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto cat = ParseCatalogJson(ss.str());
  REQUIRE(cat.ok());
  const CredentialDefinition* d = cat->FindDefinition(id);
  REQUIRE(d != nullptr);
  return *d;
}

// Every criterion at the highest level (passes) or the lowest (does not).
inline std::map<std::string, std::string> Levels(const CredentialDefinition& d, bool top) {
  std::map<std::string, std::string> out;
  for (const auto& c : d.rubric.criteria) {
    out[c.id] = top ? d.rubric.levels.back().id : d.rubric.levels.front().id;
  }
  return out;
}

// Makes signed records with explicit timestamps.
class Factory {
 public:
  SigningKey issuer = SigningKey::Generate();
  SigningKey educator = SigningKey::Generate();
  SigningKey reviewer = SigningKey::Generate();
  SigningKey reviewer2 = SigningKey::Generate();
  std::string district = "maple-valley";
  std::string school = "school/pine";
  std::vector<VerifiedRecord> all;  // every record made, in creation order

  RecordId Add(const std::string& kind, const std::string& scope, const std::string& entity,
               uint64_t hlc, Value body, const SigningKey& key) {
    auto r = VerifiedRecord::Create(kind, scope, entity, hlc, std::move(body), key);
    REQUIRE(r.ok());
    all.push_back(*r);
    return r->id();
  }
  RecordId Definition(const CredentialDefinition& d, uint64_t hlc) {
    return Add(kCatalogDefinitionKind, "district/" + district, DefinitionEntity(d.id), hlc,
               DefinitionToBody(d), issuer);
  }
  RecordId Retire(const std::string& id, bool retired, uint64_t hlc) {
    return Add(kCatalogRetireKind, "district/" + district, DefinitionEntity(id), hlc,
               RetireBody{retired}.ToValue(), issuer);
  }
  RecordId Open(const std::string& sub, const CredentialDefinition& d, uint64_t hlc) {
    return Add(kSubmissionOpenKind, school, sub, hlc,
               OpenBody{d.id, d.version, educator.public_key(), district}.ToValue(), educator);
  }
  RecordId Reflect(const std::string& sub, int attempt, const std::string& phase, uint64_t hlc) {
    return Add(
        kSubmissionReflectionKind, school, sub, hlc,
        ReflectionBody{attempt, phase, phase + " reflection " + std::to_string(hlc)}.ToValue(),
        educator);
  }
  // `student_outcome` unset: a record from before the declaration existed.
  RecordId Evidence(const std::string& sub, int attempt, const std::string& slot, uint64_t hlc,
                    std::optional<bool> student_outcome = std::nullopt) {
    EvidenceBody b;
    b.attempt = attempt;
    b.slot = slot;
    b.text = "evidence for " + slot + " at " + std::to_string(hlc);
    b.student_outcome = student_outcome;
    return Add(kSubmissionEvidenceKind, school, sub, hlc, b.ToValue(), educator);
  }
  RecordId Submit(const std::string& sub, int attempt, std::vector<RecordId> evidence, RecordId pre,
                  RecordId post, uint64_t hlc) {
    return Add(kSubmissionSubmitKind, school, sub, hlc,
               SubmitBody{attempt, std::move(evidence), pre, post}.ToValue(), educator);
  }
  // Open, pre, one evidence per slot, post, submit at ticks n..n+slots+3.
  // Returns the submit record id.
  RecordId Draft(const std::string& sub, const CredentialDefinition& d, int n, bool submit = true) {
    Open(sub, d, T(n++));
    RecordId pre = Reflect(sub, 1, "pre", T(n++));
    std::vector<RecordId> ev;
    for (const auto& s : d.submission_requirements) ev.push_back(Evidence(sub, 1, s.id, T(n++)));
    RecordId post = Reflect(sub, 1, "post", T(n++));
    return submit ? Submit(sub, 1, ev, pre, post, T(n)) : RecordId{};
  }
  RecordId Review(const std::string& sub, int attempt, const CredentialDefinition& d, bool award,
                  uint64_t hlc, const SigningKey& who,
                  std::string feedback = "Specific, kind feedback.") {
    ReviewBody b{attempt, Levels(d, award), std::move(feedback),
                 award ? kDecisionAwarded : kDecisionNotYet};
    return Add(kReviewAddKind, school, sub, hlc, b.ToValue(), who);
  }
  RecordId Issue(const std::string& sub, int attempt, const CredentialDefinition& d,
                 RecordId review, uint64_t hlc, std::optional<AwardSnapshot> frozen = {}) {
    AwardIssueBody b{sub,    attempt,          review, d.id, d.version, educator.public_key(),
                     school, std::move(frozen)};
    return Add(kAwardIssueKind, "public/" + district, AwardEntity(sub), hlc, b.ToValue(), issuer);
  }
};

// A store with the two domain projections and no authorizer.
class World {
 public:
  World() : dir_(std::filesystem::temp_directory_path() / ("credmesh-cred-" + NewSubmissionId())) {
    std::filesystem::create_directories(dir_);
    auto s = Store::Open((dir_ / "node.db").string());
    REQUIRE(s.ok());
    store_ = std::move(*s);
    auto l = Ledger::Open(*store_, clock_, nullptr, {&catalog_, &lifecycle_});
    REQUIRE(l.ok());
    ledger_ = std::move(*l);
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World() {
    ledger_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void Ingest(const std::vector<VerifiedRecord>& records) {
    auto r = ledger_->IngestVerified(records);
    REQUIRE(r.ok());
  }
  std::string Dump() {
    auto d = DumpDomainTables(store_->db());
    REQUIRE(d.ok());
    return *d;
  }
  SubmissionView Show(const std::string& sub) {
    auto v = ShowSubmission(*store_, sub);
    REQUIRE(v.ok());
    REQUIRE(v->has_value());
    return **v;
  }
  Ledger& ledger() { return *ledger_; }
  Database& db() { return store_->db(); }
  Store& store() { return *store_; }

 private:
  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  CatalogProjection catalog_;
  LifecycleProjection lifecycle_;
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace credmesh::testing
