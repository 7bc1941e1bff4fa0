#include "node/credentials/lifecycle_views.h"

#include <algorithm>
#include <set>
#include <utility>

#include "node/credentials/award_snapshot.h"
#include "node/credentials/catalog_projection.h"
#include "node/credentials/credential_records.h"
#include "node/credentials/lifecycle_projection.h"
#include "node/credentials/stack_awards.h"

namespace credmesh {
namespace {

// Resolves a unique id prefix in `table`.
Result<std::optional<std::string>> ResolveId(Database& db, const char* table,
                                             const std::string& prefix) {
  for (char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') return Status::InvalidArgument("bad id " + prefix);
  }
  CREDMESH_ASSIGN_OR_RETURN(
      auto ids, QueryTextColumn(db,
                                std::string("SELECT id FROM ") + table +
                                    " WHERE id = ?1 OR id LIKE ?1 || '%' ORDER BY id LIMIT 2",
                                {prefix}));
  if (ids.empty()) return std::optional<std::string>();
  if (ids.size() > 1 && ids[0] != prefix) {
    return Status::InvalidArgument("id prefix " + prefix + " is ambiguous");
  }
  return std::optional<std::string>(ids[0]);
}

Result<SubmissionSummary> SummaryFromRow(const Statement& st) {
  SubmissionSummary s;
  s.id = st.ColumnText(0);
  s.scope = st.ColumnText(1);
  s.definition = st.ColumnText(2);
  s.version = st.ColumnInt(3);
  auto educator = PublicKey::FromHex(st.ColumnText(4));
  if (!educator) return Status::Corruption("submission " + s.id + ": bad educator key");
  s.educator = *educator;
  s.status = st.ColumnText(5);
  s.attempt = st.ColumnInt(6);
  s.updated_hlc = static_cast<uint64_t>(st.ColumnInt(7));
  if (!st.ColumnIsNull(8)) s.award_status = st.ColumnText(8);
  return s;
}

bool SupersededOrder(const SupersededOutcome& a, const SupersededOutcome& b) {
  return a.hlc != b.hlc ? a.hlc < b.hlc : a.record < b.record;
}

// Appends the records of `ignored` that lost to another, as outcomes of `owner`.
void AppendSuperseded(const std::string& owner, const std::vector<IgnoredRecord>& ignored,
                      std::vector<SupersededOutcome>& out) {
  for (const IgnoredRecord& i : ignored) {
    if (i.lost_to) out.push_back({owner, i.id, i.kind, i.hlc, i.author, *i.lost_to, i.reason});
  }
}

constexpr char kSummarySql[] =
    "SELECT s.id, s.scope, s.definition, s.version, s.educator, s.status, s.attempt, s.updated_hlc,"
    " a.status FROM submissions s LEFT JOIN awards a ON a.submission = s.id ORDER BY s.id";

}  // namespace

Result<std::vector<SubmissionSummary>> ListSubmissions(Database& db, const SubmissionFilter& f) {
  CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(kSummarySql));
  std::vector<SubmissionSummary> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    CREDMESH_ASSIGN_OR_RETURN(SubmissionSummary s, SummaryFromRow(st));
    if (!f.status.empty() && s.status != f.status) continue;
    if (!f.definition.empty() && s.definition != f.definition) continue;
    if (!f.educator.empty() && s.educator.hex().rfind(f.educator, 0) != 0) continue;
    if (!f.educator_keys.empty() && std::find(f.educator_keys.begin(), f.educator_keys.end(),
                                              s.educator) == f.educator_keys.end()) {
      continue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<SupersededOutcome> SupersededIn(const std::string& submission_id,
                                            const SubmissionState* submission,
                                            const AwardState* award) {
  std::vector<SupersededOutcome> out;
  if (submission) AppendSuperseded(submission_id, submission->ignored, out);
  if (award) AppendSuperseded(submission_id, award->ignored, out);
  std::sort(out.begin(), out.end(), SupersededOrder);
  return out;
}

std::vector<SupersededOutcome> SupersededIn(const StackAwardState& stack_award) {
  std::vector<SupersededOutcome> out;
  AppendSuperseded(stack_award.id, stack_award.ignored, out);
  std::sort(out.begin(), out.end(), SupersededOrder);
  return out;
}

Result<std::optional<SubmissionView>> ShowSubmission(Store& store, const std::string& id) {
  CREDMESH_ASSIGN_OR_RETURN(auto full, ResolveId(store.db(), "submissions", id));
  if (!full) return std::optional<SubmissionView>();
  CREDMESH_ASSIGN_OR_RETURN(LifecycleState state, ComputeLifecycle(store, *full));
  if (!state.submission || !state.submission->opened) {
    return Status::Corruption("submission " + *full +
                              " is listed but its open record is not valid");
  }
  std::vector<SupersededOutcome> superseded =
      SupersededIn(*full, &*state.submission, state.award ? &*state.award : nullptr);
  SubmissionView view{std::move(*state.submission), std::nullopt, std::move(superseded)};
  if (state.award && state.award->issued) view.award = std::move(*state.award);
  return std::optional<SubmissionView>(std::move(view));
}

Result<std::optional<AwardState>> ShowAward(Store& store, const std::string& id) {
  const std::string key = SubmissionOfAward(id) ? id : AwardEntity(id);
  CREDMESH_ASSIGN_OR_RETURN(auto full, ResolveId(store.db(), "awards", key));
  if (!full) return std::optional<AwardState>();
  auto submission = SubmissionOfAward(*full);
  if (!submission) return Status::Corruption("award id " + *full + " names no submission");
  CREDMESH_ASSIGN_OR_RETURN(LifecycleState state, ComputeLifecycle(store, *submission));
  if (!state.award || !state.award->issued) {
    return Status::Corruption("award " + *full + " is listed but its issue record is not valid");
  }
  return std::optional<AwardState>(std::move(*state.award));
}

Result<std::optional<AwardView>> ShowAwardView(Store& store, const std::string& id) {
  const std::string key = SubmissionOfAward(id) ? id : AwardEntity(id);
  // Issued awards are rows of `awards`; one that lost has only ignored records.
  CREDMESH_ASSIGN_OR_RETURN(auto full,
                            ResolveId(store.db(),
                                      "(SELECT id FROM awards UNION SELECT entity AS id FROM "
                                      "lifecycle_ignored WHERE kind LIKE 'award.%')",
                                      key));
  if (!full) return std::optional<AwardView>();
  auto submission = SubmissionOfAward(*full);
  if (!submission) return Status::Corruption("award id " + *full + " names no submission");
  CREDMESH_ASSIGN_OR_RETURN(LifecycleState state, ComputeLifecycle(store, *submission));
  AwardView view;
  view.id = *full;
  if (state.award) {
    view.superseded = SupersededIn(*submission, nullptr, &*state.award);
    if (state.award->issued) view.award = std::move(*state.award);
  }
  if (!view.award && view.superseded.empty()) return std::optional<AwardView>();
  return std::optional<AwardView>(std::move(view));
}

Result<std::vector<SupersededOutcome>> ListSuperseded(Store& store) {
  CREDMESH_ASSIGN_OR_RETURN(
      auto entities, QueryTextColumn(store.db(), "SELECT DISTINCT entity FROM lifecycle_ignored"));
  std::set<std::string> submissions, stack_awards;
  for (const auto& e : entities) {
    if (IsStackAwardEntity(e)) {
      stack_awards.insert(e);
    } else {
      submissions.insert(SubmissionOfAward(e).value_or(e));
    }
  }
  std::vector<SupersededOutcome> out;
  // A second award.stack, or a second revoke of one, lost to the first.
  for (const auto& e : stack_awards) {
    CREDMESH_ASSIGN_OR_RETURN(auto state, ComputeStackAwardOf(store, e));
    if (state) AppendSuperseded(e, state->ignored, out);
  }
  for (const auto& sub : submissions) {
    CREDMESH_ASSIGN_OR_RETURN(LifecycleState state, ComputeLifecycle(store, sub));
    auto found = SupersededIn(sub, state.submission ? &*state.submission : nullptr,
                              state.award ? &*state.award : nullptr);
    out.insert(out.end(), found.begin(), found.end());
  }
  std::sort(out.begin(), out.end(), SupersededOrder);
  return out;
}

Result<PortfolioView> Portfolio(Store& store, const PublicKey& educator) {
  return Portfolio(store, std::vector<PublicKey>{educator});
}

Result<PortfolioView> Portfolio(Store& store, const std::vector<PublicKey>& keys) {
  if (keys.empty()) return Status::InvalidArgument("a portfolio needs at least one key");
  Database& db = store.db();
  PortfolioView p;
  p.educator = keys.front();
  p.keys = keys;
  std::vector<std::pair<std::string, int>> earned;
  std::string in;
  for (size_t i = 0; i < keys.size(); ++i) in += i ? ",?" : "?";
  CREDMESH_ASSIGN_OR_RETURN(Statement st,
                            db.Prepare("SELECT submission FROM awards WHERE educator IN (" + in +
                                       ") ORDER BY issued_hlc, id"));
  for (size_t i = 0; i < keys.size(); ++i) st.Bind(static_cast<int>(i + 1), keys[i].hex());
  std::vector<std::string> submissions;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    submissions.push_back(st.ColumnText(0));
  }
  for (const auto& sub : submissions) {
    CREDMESH_ASSIGN_OR_RETURN(LifecycleState state, ComputeLifecycle(store, sub));
    if (!state.award || !state.award->issued) {
      return Status::Corruption("award of " + sub + " is listed but its issue record is not valid");
    }
    AwardState& a = *state.award;
    const std::string def = a.issue.definition;
    if (a.Status() == "active") {
      p.ceu_hundredths += a.ActiveCeuHundredths();
      earned.emplace_back(def, static_cast<int>(a.issue.version));
    }
    // The title awarded (frozen in the award), never a later version's.
    // A cited record that is missing or disagrees costs only the check.
    auto achievement = LoadAwardedAchievement(store, a);
    std::string title = achievement.ok() ? achievement->title
                        : a.issue.frozen ? a.issue.frozen->title
                                         : def;
    p.awards.push_back({std::move(a), std::move(title)});
  }
  p.active_awards = earned.size();
  CREDMESH_ASSIGN_OR_RETURN(p.stack_awards, StackAwardsOf(store, keys));
  CatalogFilter sf;
  sf.kind = "stack";
  CREDMESH_ASSIGN_OR_RETURN(auto stack_items, ListCatalog(db, sf));
  for (const auto& it : stack_items) {
    CREDMESH_ASSIGN_OR_RETURN(auto stack, LoadStack(db, it.id));
    if (!stack) continue;
    const bool complete = stack->IsCompletedBy(earned);
    if (complete) p.completed_stacks.push_back({it.id, it.version, it.title});
    const StackAwardState* issued = nullptr;
    for (const StackAwardState& sa : p.stack_awards) {
      if (sa.issue.stack == it.id && (!issued || issued->Status() != "active")) issued = &sa;
    }
    if (it.retired && !complete && !issued) continue;
    StackProgress sp{it.id,
                     it.version,
                     it.title,
                     it.retired,
                     stack->RequiredCount(),
                     static_cast<int>(stack->definitions.size()),
                     {},
                     {},
                     std::nullopt,
                     ""};
    if (issued) {
      sp.award = issued->id;
      sp.award_status = issued->Status();
    }
    for (const StackEntry& e : stack->definitions) {
      const bool met = std::any_of(earned.begin(), earned.end(), [&](const auto& award) {
        return award.first == e.definition_id && (!e.version || *e.version == award.second);
      });
      std::string label = e.definition_id + (e.version ? " v" + std::to_string(*e.version) : "");
      (met ? sp.satisfied : sp.missing).push_back(std::move(label));
    }
    p.stacks.push_back(std::move(sp));
  }
  SubmissionFilter f;
  f.educator_keys = keys;
  CREDMESH_ASSIGN_OR_RETURN(p.submissions, ListSubmissions(db, f));
  return p;
}

}  // namespace credmesh
