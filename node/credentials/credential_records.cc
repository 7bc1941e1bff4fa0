#include "node/credentials/credential_records.h"

#include "protocol/crypto.h"
#include "protocol/field_reader.h"

namespace credmesh {
namespace {

using Map = Value::Map;
using Array = Value::Array;

constexpr char kDefinitionPrefix[] = "definition:";
constexpr char kStackPrefix[] = "stack:";
constexpr char kAwardPrefix[] = "award:";

// Reads typed fields of a body map (protocol/field_reader.h, open key
// policy), remembering the first problem: a body parser reads every field
// and reports the first error, "<what> body.<key>: <problem>".
class Reader {
 public:
  Reader(const Value& body, std::string what) {
    auto fields = FieldReader::Open(body, KeyPolicy::kOpen, {}, Describer(std::move(what)));
    if (fields.ok()) {
      fields_.emplace(std::move(*fields));
    } else {
      status_ = fields.status();
    }
  }
  std::string Text(const char* key, size_t max = kMaxCredentialText, bool allow_empty = false) {
    if (!fields_) return "";
    return Keep(fields_->String(key, max, allow_empty), std::string());
  }
  std::optional<std::string> OptText(const char* key) {
    if (!Raw(key)) return std::nullopt;
    return Text(key);
  }
  int64_t Int(const char* key, int64_t min, int64_t max) {
    if (!fields_) return 0;
    return Keep(fields_->Int(key, min, max), int64_t{0});
  }
  bool Bool(const char* key) {
    if (!fields_) return false;
    return Keep(fields_->Bool(key), false);
  }
  template <size_t N>
  FixedBytes<N> Hex(const char* key) {
    std::string s = Text(key, 2 * N);
    auto out = FixedBytes<N>::FromHex(s);
    if (!out) return Fail(key, "must be " + std::to_string(2 * N) + " hex digits"), FixedBytes<N>{};
    return *out;
  }
  const Value* Raw(const char* key) { return fields_ ? fields_->Find(key) : nullptr; }
  void Fail(const std::string& key, const std::string& msg) {
    if (status_.ok()) status_ = Status::InvalidArgument(Where(what_, key) + msg);
  }
  const Status& status() const { return status_; }

 private:
  static std::string Where(const std::string& what, const std::string& key) {
    return what + " body" + (key.empty() ? "" : "." + key) + ": ";
  }
  // The messages of credential record bodies.
  DescribeProblem Describer(std::string what) {
    what_ = what;
    return [what = std::move(what)](const FieldProblem& p) {
      using K = FieldProblem::Kind;
      std::string msg;
      switch (p.kind) {
        case K::kNotAMap:
          msg = "must be a map";
          break;
        case K::kMissing:
        case K::kWrongType:
          msg = p.expected == FieldType::kInt    ? "required integer"
                : p.expected == FieldType::kBool ? "required bool"
                                                 : "required text";
          break;
        case K::kEmpty:
          msg = "must not be empty";
          break;
        case K::kTooLong:
          msg = "longer than " + std::to_string(p.max) + " bytes";
          break;
        case K::kOutOfRange:
          msg = "out of range " + std::to_string(p.min) + ".." + std::to_string(p.max);
          break;
        default:
          msg = "invalid";
          break;
      }
      return Status::InvalidArgument(Where(what, p.key) + msg);
    };
  }
  template <typename T>
  T Keep(Result<T> r, T fallback) {
    if (r.ok()) return std::move(*r);
    if (status_.ok()) status_ = r.status();
    return fallback;
  }

  std::string what_;
  std::optional<FieldReader> fields_;
  Status status_;
};

constexpr int64_t kMaxAttempt = 1000;

int64_t ReadAttempt(Reader& r) { return r.Int("attempt", 1, kMaxAttempt); }

template <typename T>
Result<T> Done(const Reader& r, T value) {
  if (!r.status().ok()) return r.status();
  return value;
}

std::optional<std::string> StripPrefix(const std::string& s, const char* prefix) {
  std::string p = prefix;
  if (s.size() <= p.size() || s.compare(0, p.size(), p) != 0) return std::nullopt;
  return s.substr(p.size());
}

}  // namespace

std::string DefinitionEntity(const std::string& id) { return kDefinitionPrefix + id; }
std::string StackEntity(const std::string& id) { return kStackPrefix + id; }
std::string AwardEntity(const std::string& submission_id) { return kAwardPrefix + submission_id; }
std::optional<std::string> SubmissionOfAward(const std::string& entity) {
  if (IsStackAwardEntity(entity)) return std::nullopt;
  return StripPrefix(entity, kAwardPrefix);
}
std::string StackAwardEntity(const std::string& stack, int64_t version, const PublicKey& educator) {
  return std::string(kAwardPrefix) + "stack:" + stack + ":v" + std::to_string(version) + ":" +
         educator.hex().substr(0, 16);
}
bool IsStackAwardEntity(const std::string& entity) {
  return entity.rfind(std::string(kAwardPrefix) + "stack:", 0) == 0;
}
std::optional<std::string> DefinitionOfEntity(const std::string& entity) {
  return StripPrefix(entity, kDefinitionPrefix);
}

std::string NewSubmissionId() {
  uint8_t rnd[8];
  RandomBytes(rnd, sizeof rnd);
  return "sub-" + ToHex(ByteView(rnd, sizeof rnd));
}
std::string PurgeEntity(const Hash256& file) { return "file:" + file.hex(); }

Value OpenBody::ToValue() const {
  return Map{{"definition", definition},
             {"version", version},
             {"educator", educator.hex()},
             {"district", district}};
}
Result<OpenBody> OpenBody::Parse(const Value& body) {
  Reader r(body, "submission.open");
  OpenBody b;
  b.definition = r.Text("definition", 64);
  b.version = r.Int("version", 1, 1'000'000);
  b.educator = r.Hex<32>("educator");
  b.district = r.Text("district", 64);
  return Done(r, std::move(b));
}

Value ReflectionBody::ToValue() const {
  return Map{{"attempt", attempt}, {"phase", phase}, {"text", text}};
}
Result<ReflectionBody> ReflectionBody::Parse(const Value& body) {
  Reader r(body, "submission.reflection");
  ReflectionBody b;
  b.attempt = ReadAttempt(r);
  b.phase = r.Text("phase", 8);
  if (r.status().ok() && b.phase != "pre" && b.phase != "post")
    r.Fail("phase", "must be pre or post");
  b.text = r.Text("text");
  return Done(r, std::move(b));
}

Value EvidenceBody::ToValue() const {
  Map m{{"attempt", attempt}, {"slot", slot}};
  if (text) m["text"] = *text;
  if (file) {
    Map f{{"name", file->name},
          {"type", file->type},
          {"size", file->size},
          {"hash", file->hash.hex()}};
    if (file->has_manifest()) {
      Bytes chunks;
      chunks.reserve(file->chunks.size() * 32);
      for (const Hash256& c : file->chunks)
        chunks.insert(chunks.end(), c.data.begin(), c.data.end());
      f["chunk_size"] = file->chunk_size;
      f["chunks"] = std::move(chunks);
    }
    m["file"] = std::move(f);
  }
  if (student_outcome) m["student_outcome"] = *student_outcome;
  return m;
}
Result<EvidenceBody> EvidenceBody::Parse(const Value& body) {
  Reader r(body, "submission.evidence");
  EvidenceBody b;
  b.attempt = ReadAttempt(r);
  b.slot = r.Text("slot", 64);
  b.text = r.OptText("text");
  if (r.Raw("student_outcome")) b.student_outcome = r.Bool("student_outcome");
  if (const Value* f = r.Raw("file")) {
    Reader fr(*f, "submission.evidence file");
    EvidenceFile ef;
    ef.name = fr.Text("name", 255);
    ef.type = fr.Text("type", 127);
    ef.size = fr.Int("size", 0, int64_t{1} << 50);
    ef.hash = fr.Hex<32>("hash");
    if (fr.Raw("chunk_size") || fr.Raw("chunks")) {
      // Limits mirror node/files/file_chunker.h: 256 KiB chunks, 4096 per file.
      ef.chunk_size = fr.Int("chunk_size", 1, 256 * 1024);
      const Value* c = fr.Raw("chunks");
      if (!c || !c->is_bytes() || c->as_bytes().size() % 32 != 0 ||
          c->as_bytes().size() > 4096 * 32) {
        fr.Fail("chunks", "required binary of 32-byte chunk hashes, at most 4096");
      } else if (fr.status().ok()) {
        const Bytes& raw = c->as_bytes();
        for (size_t i = 0; i < raw.size(); i += 32) {
          ef.chunks.push_back(*Hash256::FromView(ByteView(raw).subspan(i, 32)));
        }
        if (static_cast<int64_t>(ef.chunks.size()) !=
            (ef.size + ef.chunk_size - 1) / ef.chunk_size) {
          fr.Fail("chunks", "count does not match size and chunk_size");
        }
      }
    }
    if (!fr.status().ok()) return fr.status();
    b.file = ef;
  }
  if (r.status().ok() && b.text.has_value() == b.file.has_value()) {
    r.Fail("", "needs exactly one of text and file");
  }
  return Done(r, std::move(b));
}

Value PurgeBody::ToValue() const { return Map{{"file", file.hex()}, {"reason", reason}}; }
Result<PurgeBody> PurgeBody::Parse(const Value& body) {
  Reader r(body, "evidence.purge");
  PurgeBody b;
  b.file = r.Hex<32>("file");
  b.reason = r.Text("reason", kMaxPurgeReason);
  return Done(r, std::move(b));
}

Value SubmitBody::ToValue() const {
  Value::Array ev;
  for (const auto& id : evidence) ev.emplace_back(id.hex());
  return Map{{"attempt", attempt}, {"evidence", ev}, {"pre", pre.hex()}, {"post", post.hex()}};
}
Result<SubmitBody> SubmitBody::Parse(const Value& body) {
  Reader r(body, "submission.submit");
  SubmitBody b;
  b.attempt = ReadAttempt(r);
  b.pre = r.Hex<32>("pre");
  b.post = r.Hex<32>("post");
  const Value* ev = r.Raw("evidence");
  if (!ev || !ev->is_array()) {
    r.Fail("evidence", "required list of record ids");
  } else {
    for (const Value& v : ev->as_array()) {
      auto id = v.is_string() ? RecordId::FromHex(v.as_string()) : std::nullopt;
      if (!id) {
        r.Fail("evidence", "every entry must be a record id (64 hex digits)");
        break;
      }
      b.evidence.push_back(*id);
    }
  }
  return Done(r, std::move(b));
}

Value AttemptBody::ToValue() const { return Map{{"attempt", attempt}}; }
Result<AttemptBody> AttemptBody::Parse(const Value& body) {
  Reader r(body, "submission.withdraw");
  AttemptBody b;
  b.attempt = ReadAttempt(r);
  return Done(r, b);
}

Value ResubmitBody::ToValue() const { return Map{{"attempt", attempt}, {"previous", previous}}; }
Result<ResubmitBody> ResubmitBody::Parse(const Value& body) {
  Reader r(body, "submission.resubmit");
  ResubmitBody b;
  b.attempt = ReadAttempt(r);
  b.previous = r.Int("previous", 1, kMaxAttempt);
  if (r.status().ok() && b.attempt != b.previous + 1) r.Fail("attempt", "must be previous + 1");
  return Done(r, b);
}

Value ReviewBody::ToValue() const {
  Map lv;
  for (const auto& [c, l] : levels) lv[c] = l;
  return Map{{"attempt", attempt}, {"levels", lv}, {"feedback", feedback}, {"decision", decision}};
}
Result<ReviewBody> ReviewBody::Parse(const Value& body) {
  Reader r(body, "review.add");
  ReviewBody b;
  b.attempt = ReadAttempt(r);
  b.feedback = r.Text("feedback");
  b.decision = r.Text("decision", 16);
  if (r.status().ok() && b.decision != kDecisionAwarded && b.decision != kDecisionNotYet) {
    r.Fail("decision", "must be awarded or not_yet");
  }
  const Value* lv = r.Raw("levels");
  if (!lv || !lv->is_map()) {
    r.Fail("levels", "required map criterion -> level");
  } else {
    for (const auto& [c, l] : lv->as_map()) {
      if (!l.is_string()) {
        r.Fail("levels." + c, "must be a level id");
        break;
      }
      b.levels[c] = l.as_string();
    }
  }
  return Done(r, std::move(b));
}

Value AwardIssueBody::ToValue() const {
  Map m{{"submission", submission}, {"attempt", attempt}, {"review", review.hex()},
        {"definition", definition}, {"version", version}, {"educator", educator.hex()},
        {"school", school}};
  if (frozen) {
    Map lv;
    for (const auto& [c, l] : frozen->levels) lv[c] = l;
    m["frozen"] = Map{{"definition_record", frozen->definition_record.hex()},
                      {"title", frozen->title},
                      {"district_name", frozen->district_name},
                      {"levels", std::move(lv)}};
  }
  return m;
}
Result<AwardIssueBody> AwardIssueBody::Parse(const Value& body) {
  Reader r(body, "award.issue");
  AwardIssueBody b;
  b.submission = r.Text("submission", 128);
  b.attempt = ReadAttempt(r);
  b.review = r.Hex<32>("review");
  b.definition = r.Text("definition", 64);
  b.version = r.Int("version", 1, 1'000'000);
  b.educator = r.Hex<32>("educator");
  b.school = r.Text("school", 128);
  if (const Value* f = r.Raw("frozen")) {
    Reader fr(*f, "award.issue frozen");
    AwardSnapshot snap;
    snap.definition_record = fr.Hex<32>("definition_record");
    snap.title = fr.Text("title", 1000);
    snap.district_name = fr.Text("district_name", 1000);
    const Value* lv = fr.Raw("levels");
    if (!lv || !lv->is_map() || lv->as_map().size() > 64) {
      fr.Fail("levels", "required map criterion -> level (at most 64)");
    } else {
      for (const auto& [c, l] : lv->as_map()) {
        if (!l.is_string() || l.as_string().size() > 64 || c.size() > 64) {
          fr.Fail("levels." + c, "must be a level id");
          break;
        }
        snap.levels[c] = l.as_string();
      }
    }
    if (!fr.status().ok()) return fr.status();
    b.frozen = std::move(snap);
  }
  return Done(r, std::move(b));
}

Value StackAwardBody::ToValue() const {
  Array ps;
  for (const auto& p : parts) ps.push_back(Map{{"award", p.award}, {"issue", p.issue.hex()}});
  return Map{{"stack", stack},
             {"version", version},
             {"educator", educator.hex()},
             {"parts", std::move(ps)},
             {"frozen", Map{{"stack_record", frozen.stack_record.hex()},
                            {"title", frozen.title},
                            {"description", frozen.description},
                            {"district_name", frozen.district_name}}}};
}
Result<StackAwardBody> StackAwardBody::Parse(const Value& body) {
  Reader r(body, "award.stack");
  StackAwardBody b;
  b.stack = r.Text("stack", 64);
  b.version = r.Int("version", 1, 1'000'000);
  b.educator = r.Hex<32>("educator");
  const Value* ps = r.Raw("parts");
  if (!ps || !ps->is_array() || ps->as_array().empty() || ps->as_array().size() > kMaxStackParts) {
    r.Fail("parts", "required list of 1.." + std::to_string(kMaxStackParts) + " parts");
  } else {
    for (const Value& p : ps->as_array()) {
      Reader pr(p, "award.stack part");
      StackAwardPart part;
      part.award = pr.Text("award", 128);
      part.issue = pr.Hex<32>("issue");
      if (!pr.status().ok()) return pr.status();
      if (!SubmissionOfAward(part.award)) {
        r.Fail("parts", "\"" + part.award + "\" is not an award:<submission> entity");
        break;
      }
      for (const auto& q : b.parts) {
        if (q.award == part.award) r.Fail("parts", "award " + part.award + " is listed twice");
      }
      b.parts.push_back(std::move(part));
    }
  }
  if (const Value* f = r.Raw("frozen")) {
    Reader fr(*f, "award.stack frozen");
    b.frozen.stack_record = fr.Hex<32>("stack_record");
    b.frozen.title = fr.Text("title", 1000);
    b.frozen.description = fr.Text("description", kMaxCredentialText, /*allow_empty=*/true);
    b.frozen.district_name = fr.Text("district_name", 1000);
    if (!fr.status().ok()) return fr.status();
  } else {
    r.Fail("frozen", "required map");
  }
  return Done(r, std::move(b));
}

Value AwardRevokeBody::ToValue() const { return Map{{"issue", issue.hex()}, {"reason", reason}}; }
Result<AwardRevokeBody> AwardRevokeBody::Parse(const Value& body) {
  Reader r(body, "award.revoke");
  AwardRevokeBody b;
  b.issue = r.Hex<32>("issue");
  b.reason = r.Text("reason", 2000);
  return Done(r, std::move(b));
}

Value RecognitionBody::ToValue() const {
  return Map{{"issue", issue.hex()},
             {"ceu_hundredths", ceu_hundredths},
             {"issuer", issuer},
             {"note", note}};
}
Result<RecognitionBody> RecognitionBody::Parse(const Value& body) {
  Reader r(body, "award.recognition");
  RecognitionBody b;
  b.issue = r.Hex<32>("issue");
  b.ceu_hundredths = r.Int("ceu_hundredths", 0, 100'000);
  b.issuer = r.Text("issuer", 200);
  b.note = r.Text("note", 2000, /*allow_empty=*/true);
  return Done(r, std::move(b));
}

Value RetireBody::ToValue() const { return Map{{"retired", retired}}; }
Result<RetireBody> RetireBody::Parse(const Value& body) {
  Reader r(body, "catalog.retire");
  RetireBody b;
  b.retired = r.Bool("retired");
  return Done(r, b);
}

}  // namespace credmesh
