#include "node/credentials/inbox.h"

#include <algorithm>
#include <utility>

#include "node/credentials/lifecycle_projection.h"
#include "node/credentials/stack_awards.h"
#include "storage/migrations.h"

namespace credmesh {
namespace {

constexpr Migration kInboxMigrations[] = {
    {1,
     "CREATE TABLE inbox_seen ("
     "  person TEXT NOT NULL, item TEXT NOT NULL, seen_ms INTEGER NOT NULL,"
     "  PRIMARY KEY (person, item)) WITHOUT ROWID;"
     "CREATE TABLE inbox_looked (person TEXT PRIMARY KEY, looked_ms INTEGER NOT NULL);"},
};

// The submissions whose items may concern `person`: theirs, their awards', and
// those holding an ignored record they wrote.
Result<std::set<std::string>> SubmissionsConcerning(Database& db, const PublicKey& person) {
  std::set<std::string> out;
  auto collect = [&](Statement& st) -> Status {
    while (true) {
      CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return Status::Ok();
      const std::string entity = st.ColumnText(0);
      if (IsStackAwardEntity(entity)) continue;  // not a submission's (stack_awards.h)
      out.insert(SubmissionOfAward(entity).value_or(entity));
    }
  };
  for (const char* sql : {"SELECT id FROM submissions WHERE educator = ?",
                          "SELECT submission FROM awards WHERE educator = ?"}) {
    CREDMESH_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
    st.Bind(1, person.hex());
    CREDMESH_RETURN_IF_ERROR(collect(st));
  }
  CREDMESH_ASSIGN_OR_RETURN(
      Statement by_author,
      db.Prepare("SELECT DISTINCT i.entity FROM lifecycle_ignored i JOIN records r ON r.id = "
                 "i.record_id WHERE r.author = ?"));
  by_author.Bind(1, person.view());
  CREDMESH_RETURN_IF_ERROR(collect(by_author));
  return out;
}

// Items of a submission `person` educates.
void EducatorItems(const std::string& sub_id, const SubmissionState* sub, const AwardState* award,
                   const std::string& definition, std::vector<InboxItem>& out) {
  auto item = [&](InboxKind kind, std::string key, const RecordId& record, uint64_t hlc,
                  const PublicKey& by) -> InboxItem& {
    InboxItem i;
    i.kind = kind;
    i.key = std::move(key);
    i.submission = sub_id;
    i.definition = definition;
    i.record = record;
    i.hlc = hlc;
    i.by = by;
    out.push_back(std::move(i));
    return out.back();
  };
  if (sub) {
    for (const Attempt& a : sub->attempts) {
      for (const ReviewItem& r : a.reviews) {
        InboxItem& i =
            item(InboxKind::kFeedback, "feedback:" + r.id.hex(), r.id, r.hlc, r.reviewer);
        i.attempt = a.number;
        i.decision = r.body.decision;
        i.text = r.body.feedback;
      }
      if (!a.deciding_review) continue;
      const ReviewItem* deciding = sub->FindReview(*a.deciding_review);
      if (!deciding) continue;
      InboxItem& i =
          item(InboxKind::kDecision,
               "decision:" + sub_id + ":" + std::to_string(a.number) + ":" + deciding->id.hex(),
               deciding->id, deciding->hlc, deciding->reviewer);
      i.attempt = a.number;
      i.decision = deciding->body.decision;
    }
  }
  if (award && award->issued) {
    item(InboxKind::kAward, "award:" + award->issue_record.hex(), award->issue_record,
         award->issued_hlc, award->issuer);
    if (const Revocation& rv = award->revocation; rv.revoked) {
      InboxItem& i = item(InboxKind::kRevocation, "revocation:" + rv.record.hex(), rv.record,
                          rv.hlc, award->issuer);
      i.text = rv.reason;
    }
    for (const RecognitionItem& r : award->recognitions) {
      InboxItem& i =
          item(InboxKind::kRecognition, "recognition:" + r.id.hex(), r.id, r.hlc, r.author);
      i.text = r.body.note;
      i.ceu_hundredths = r.body.ceu_hundredths;
    }
  }
}

// Items of a stack awarded to the person: the award.stack and its revocation
// (a part's revocation is an item of that part's award).
void StackAwardItems(const StackAwardState& s, std::vector<InboxItem>& out) {
  InboxItem i;
  i.kind = InboxKind::kAward;
  i.key = "award:" + s.issue_record.hex();
  i.stack_award = s.id;
  i.definition = s.issue.stack;
  i.record = s.issue_record;
  i.hlc = s.issued_hlc;
  i.by = s.issuer;
  out.push_back(i);
  if (const Revocation& rv = s.revocation; rv.revoked) {
    i.kind = InboxKind::kRevocation;
    i.key = "revocation:" + rv.record.hex();
    i.record = rv.record;
    i.hlc = rv.hlc;
    i.text = rv.reason;
    out.push_back(std::move(i));
  }
}

}  // namespace

std::string_view InboxKindName(InboxKind kind) {
  switch (kind) {
    case InboxKind::kFeedback:
      return "feedback";
    case InboxKind::kDecision:
      return "decision";
    case InboxKind::kAward:
      return "award";
    case InboxKind::kRevocation:
      return "revocation";
    case InboxKind::kRecognition:
      return "recognition";
    case InboxKind::kSuperseded:
      return "superseded";
  }
  return "?";
}

Result<std::vector<InboxItem>> InboxItems(Store& store, const PublicKey& person) {
  CREDMESH_ASSIGN_OR_RETURN(auto submissions, SubmissionsConcerning(store.db(), person));
  std::vector<InboxItem> out;
  for (const auto& id : submissions) {
    CREDMESH_ASSIGN_OR_RETURN(LifecycleState state, ComputeLifecycle(store, id));
    const SubmissionState* sub =
        state.submission && state.submission->opened ? &*state.submission : nullptr;
    const AwardState* award = state.award ? &*state.award : nullptr;
    std::optional<PublicKey> educator;
    std::string definition;
    if (sub) {
      educator = sub->open.educator;
      definition = sub->open.definition;
    } else if (award && award->issued) {
      educator = award->issue.educator;
      definition = award->issue.definition;
    }
    const bool educates = educator == person;
    if (educates) EducatorItems(id, sub, award, definition, out);
    for (SupersededOutcome& s : SupersededIn(id, sub, award)) {
      if (!educates && s.author != person) continue;
      InboxItem i;
      i.kind = InboxKind::kSuperseded;
      i.key = "superseded:" + s.record.hex() + ":" + s.by.record.hex();
      i.submission = id;
      i.definition = definition;
      i.record = s.record;
      i.hlc = s.hlc;
      i.by = s.author;
      i.text = s.why;
      i.superseded = std::move(s);
      out.push_back(std::move(i));
    }
  }
  CREDMESH_ASSIGN_OR_RETURN(auto stacks, StackAwardsOf(store, {person}));
  for (const StackAwardState& s : stacks) StackAwardItems(s, out);
  std::sort(out.begin(), out.end(), [](const InboxItem& a, const InboxItem& b) {
    if (a.hlc != b.hlc) return a.hlc < b.hlc;
    return a.kind != b.kind ? a.kind < b.kind : a.key < b.key;
  });
  return out;
}

Status InboxMarks::Migrate(Database& db) { return ApplyMigrations(db, "inbox", kInboxMigrations); }

Result<std::set<std::string>> InboxMarks::Seen(const PublicKey& person) {
  CREDMESH_ASSIGN_OR_RETURN(Statement st,
                            db_.Prepare("SELECT item FROM inbox_seen WHERE person = ?"));
  st.Bind(1, person.hex());
  std::set<std::string> out;
  while (true) {
    CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.insert(st.ColumnText(0));
  }
}

Result<std::optional<int64_t>> InboxMarks::LastLooked(const PublicKey& person) {
  CREDMESH_ASSIGN_OR_RETURN(Statement st,
                            db_.Prepare("SELECT looked_ms FROM inbox_looked WHERE person = ?"));
  st.Bind(1, person.hex());
  CREDMESH_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(st.ColumnInt(0));
}

Status InboxMarks::MarkSeen(const PublicKey& person, const std::vector<std::string>& keys,
                            int64_t now_ms) {
  CREDMESH_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_));
  const std::string who = person.hex();
  CREDMESH_ASSIGN_OR_RETURN(
      Statement ins,
      db_.Prepare("INSERT OR IGNORE INTO inbox_seen(person, item, seen_ms) VALUES (?, ?, ?)"));
  for (const auto& k : keys) {
    CREDMESH_RETURN_IF_ERROR(ins.Bind(1, who).Bind(2, k).Bind(3, now_ms).Run());
  }
  CREDMESH_ASSIGN_OR_RETURN(
      Statement looked,
      db_.Prepare("INSERT OR REPLACE INTO inbox_looked(person, looked_ms) VALUES (?, ?)"));
  CREDMESH_RETURN_IF_ERROR(looked.Bind(1, who).Bind(2, now_ms).Run());
  return tx.Commit();
}

Result<InboxView> LookAtInbox(Store& store, const PublicKey& person, int64_t now_ms) {
  CREDMESH_RETURN_IF_ERROR(InboxMarks::Migrate(store.db()));
  InboxMarks marks(store.db());
  InboxView view;
  CREDMESH_ASSIGN_OR_RETURN(view.last_looked_ms, marks.LastLooked(person));
  CREDMESH_ASSIGN_OR_RETURN(auto seen, marks.Seen(person));
  CREDMESH_ASSIGN_OR_RETURN(view.items, InboxItems(store, person));
  std::vector<std::string> fresh;
  for (InboxItem& i : view.items) {
    i.is_new = !seen.count(i.key);
    if (i.is_new) fresh.push_back(i.key);
  }
  view.new_items = fresh.size();
  CREDMESH_RETURN_IF_ERROR(marks.MarkSeen(person, fresh, now_ms));
  return view;
}

}  // namespace credmesh
