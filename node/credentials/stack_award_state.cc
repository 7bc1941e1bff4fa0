#include "node/credentials/stack_award_state.h"

#include <algorithm>

namespace credmesh {
namespace {

bool PartMatchesEntry(const StackEntry& e, const AwardIssueBody& part) {
  return e.definition_id == part.definition && (!e.version || *e.version == part.version);
}

// (definition, version) of each part, as Stack::IsCompletedBy counts them.
std::vector<std::pair<std::string, int>> EarnedBy(const std::vector<const AwardState*>& parts) {
  std::vector<std::pair<std::string, int>> earned;
  earned.reserve(parts.size());
  for (const AwardState* p : parts)
    earned.emplace_back(p->issue.definition, static_cast<int>(p->issue.version));
  return earned;
}

}  // namespace

std::string CheckStackAward(const StackAwardBody& b, const std::string& entity,
                            const std::string& scope, uint64_t hlc,
                            const StackAwardInputs& inputs) {
  if (entity != StackAwardEntity(b.stack, b.version, b.educator))
    return "stack award entity must be " + StackAwardEntity(b.stack, b.version, b.educator);
  if (scope.rfind("public/", 0) != 0) return "stack awards live in a public/<d> scope";
  const std::string what = b.stack + " v" + std::to_string(b.version);
  auto held = inputs.stacks.find(b.frozen.stack_record);
  if (held == inputs.stacks.end()) {
    return "the catalog.stack record " + b.frozen.stack_record.hex().substr(0, 16) + " of " + what +
           " is not held here";
  }
  const Stack& stack = held->second.stack;
  if (stack.id != b.stack || stack.version != b.version || stack.title != b.frozen.title ||
      stack.description != b.frozen.description) {
    return "the cited record " + b.frozen.stack_record.hex().substr(0, 16) + " is not " + what +
           " with the frozen title and description";
  }
  if (held->second.scope != "district/" + scope.substr(7))
    return "stack " + what + " belongs to " + held->second.scope + ", not this award's district";
  std::vector<std::string> problems;
  std::vector<const AwardState*> parts;
  for (const StackAwardPart& p : b.parts) {
    auto it = inputs.parts.find(p.award);
    if (it == inputs.parts.end() || !it->second.issued) {
      problems.push_back("part " + p.award + " is not an issued award held here");
      continue;
    }
    const AwardState& a = it->second;
    if (a.issue_record != p.issue) {
      problems.push_back("part " + p.award + " was issued by record " +
                         a.issue_record.hex().substr(0, 16) + ", not the one named");
    } else if (a.issue.educator != b.educator) {
      problems.push_back("part " + p.award + " is another educator's award");
    } else if (a.scope != scope) {
      problems.push_back("part " + p.award + " is in scope " + a.scope);
    } else if (a.revocation.revoked && a.revocation.hlc < hlc) {
      problems.push_back("part " + p.award + " (" + a.issue.definition + " v" +
                         std::to_string(a.issue.version) + ") is revoked");
    } else if (std::none_of(stack.definitions.begin(), stack.definitions.end(),
                            [&](const StackEntry& e) { return PartMatchesEntry(e, a.issue); })) {
      problems.push_back("part " + p.award + " (" + a.issue.definition + " v" +
                         std::to_string(a.issue.version) + ") is not an entry of " + what);
    } else {
      parts.push_back(&a);
    }
  }
  if (!problems.empty()) {
    std::string out;
    for (const auto& p : problems) out += (out.empty() ? "" : "; ") + p;
    return out;
  }
  if (!stack.IsCompletedBy(EarnedBy(parts)))
    return "the parts do not complete " + what + " (" + std::to_string(stack.RequiredCount()) +
           " entries needed)";
  return "";
}

StackAwardState ComputeStackAward(const std::string& entity, std::vector<DomainRecord> records,
                                  const StackAwardInputs& inputs) {
  std::sort(records.begin(), records.end(), ReplayOrder);
  StackAwardState s;
  s.id = entity;
  auto ignore = [&](const DomainRecord& r, std::string why,
                    std::optional<LostTo> lost_to = std::nullopt) {
    s.ignored.push_back({r.id, r.kind, r.hlc, std::move(why), r.author, std::move(lost_to)});
  };
  for (const auto& r : records) {
    if (r.kind != kAwardStackKind) continue;
    if (s.issued) {
      ignore(r, "already issued by record " + s.issue_record.hex(),
             LostTo{s.issue_record, kAwardStackKind});
      continue;
    }
    auto b = StackAwardBody::Parse(r.body);
    if (!b.ok()) {
      ignore(r, b.status().message());
      continue;
    }
    if (auto why = CheckStackAward(*b, entity, r.scope, r.hlc, inputs); !why.empty()) {
      ignore(r, why);
      continue;
    }
    s.issued = true;
    s.scope = r.scope;
    s.issue = std::move(*b);
    s.issue_record = r.id;
    s.issued_hlc = r.hlc;
    s.issuer = r.author;
    s.stack = inputs.stacks.at(s.issue.frozen.stack_record).stack;
  }
  std::vector<const DomainRecord*> revokes;
  for (const auto& r : records) {
    if (r.kind == kAwardStackKind) continue;
    if (r.kind != kAwardRevokeKind) {
      ignore(r, "kind " + r.kind + " does not belong to a stack award");
      continue;
    }
    if (!s.issued) {
      ignore(r, "no valid award.stack for " + entity);
      continue;
    }
    revokes.push_back(&r);
  }
  if (s.issued) {
    s.revocation = ReplayRevokes(revokes, s.scope, s.issue_record, {}, s.ignored);
    // Computed from the parts: each part revoked after the issue is listed,
    // and the award stands only while the others still complete the stack.
    std::vector<const AwardState*> standing;
    for (const StackAwardPart& p : s.issue.parts) {
      const AwardState& a = inputs.parts.at(p.award);
      if (a.revocation.revoked) {
        s.revoked_parts.push_back({p.award, a.revocation.hlc, a.revocation.reason});
      } else {
        standing.push_back(&a);
      }
    }
    s.parts_complete = s.stack.IsCompletedBy(EarnedBy(standing));
  }
  std::sort(s.ignored.begin(), s.ignored.end(), [](const IgnoredRecord& x, const IgnoredRecord& y) {
    return x.hlc != y.hlc ? x.hlc < y.hlc : x.id < y.id;
  });
  return s;
}

}  // namespace credmesh
