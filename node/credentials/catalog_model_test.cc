#include "node/credentials/catalog_model.h"

#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "node/credentials/catalog_bodies.h"
#include "protocol/record.h"

namespace credmesh {
namespace {

using Json = nlohmann::json;

std::string SampleText() {
  std::ifstream in(CREDMESH_SOURCE_DIR "/examples/catalog.json", std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Catalog Sample() {
  auto c = ParseCatalogJson(SampleText());
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  return *c;
}

// Parses the sample after `edit`, expecting failure; returns the message.
std::string ErrorAfter(const std::function<void(Json&)>& edit) {
  Json j = Json::parse(SampleText());
  edit(j);
  auto c = ParseCatalogJson(j.dump());
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == Status::Code::kInvalidArgument);
  return c.status().message();
}

std::string ErrorOfText(const std::string& text) {
  auto c = ParseCatalogJson(text);
  REQUIRE_FALSE(c.ok());
  return c.status().message();
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// A small rubric for rule tests: criteria a, b, c; levels scored 1..4.
Rubric AbcRubric(PassingRule rule) {
  Rubric r;
  r.levels = {{"beginning", "Beginning", 1},
              {"developing", "Developing", 2},
              {"proficient", "Proficient", 3},
              {"exemplary", "Exemplary", 4}};
  for (const char* id : {"a", "b", "c"}) {
    RubricCriterion c{id, std::string("Criterion ") + id, "", {}};
    for (const auto& l : r.levels) c.descriptors[l.id] = "Descriptor for " + l.id;
    r.criteria.push_back(c);
  }
  r.passing_rule = std::move(rule);
  return r;
}

std::map<std::string, int> Scores(int a, int b, int c) { return {{"a", a}, {"b", b}, {"c", c}}; }

// ---------------------------------------------------------------------------

TEST_CASE("node/catalog: the sample catalog parses and has the expected content") {
  Catalog c = Sample();
  CHECK(c.district == "maple-valley");
  CHECK(c.definitions.size() >= 6);
  CHECK(c.stacks.size() >= 1);

  // The seeds' pair: the same method aimed at the whole class vs individual students.
  const CredentialDefinition* whole = c.FindDefinition("fa-whole-class-decisions");
  const CredentialDefinition* individual = c.FindDefinition("fa-individual-support");
  REQUIRE(whole != nullptr);
  REQUIRE(individual != nullptr);
  CHECK(whole->competency.find("class as a whole") != std::string::npos);
  CHECK(whole->competency.find("move on") != std::string::npos);
  CHECK(individual->competency.find("individual students") != std::string::npos);
  CHECK(individual->competency.find("enrichment or remediation") != std::string::npos);

  for (const auto& d : c.definitions) {
    CAPTURE(d.id);
    CHECK(d.version >= 1);
    CHECK(d.method_components.size() >= 3);
    CHECK(d.supporting_research.size() >= 2);
    CHECK_FALSE(d.resources.empty());
    CHECK(std::any_of(d.submission_requirements.begin(), d.submission_requirements.end(),
                      [](const EvidenceSlot& s) { return s.proof_of_student_outcome_required; }));
    CHECK(d.rubric.criteria.size() >= 3);
    CHECK(d.rubric.criteria.size() <= 4);
    CHECK(d.rubric.levels.size() >= 3);
    CHECK(d.rubric.levels.size() <= 4);
    CHECK(d.rubric.passing_rule.HasClause());
    CHECK_FALSE(d.issuer.name.empty());
  }
  CHECK(std::any_of(c.definitions.begin(), c.definitions.end(), [](const CredentialDefinition& d) {
    return std::any_of(
        d.supporting_research.begin(), d.supporting_research.end(),
        [](const auto& r) { return r.citation.find("Inside the black box") != std::string::npos; });
  }));

  const Stack* fap = c.FindStack("formative-assessment-practitioner");
  REQUIRE(fap != nullptr);
  CHECK(fap->definitions.size() == 3);
  CHECK(fap->completion_rule.kind == CompletionRule::Kind::kAll);
  const Stack* fb = c.FindStack("feedback-and-ownership");
  REQUIRE(fb != nullptr);
  CHECK(fb->completion_rule == CompletionRule{CompletionRule::Kind::kAtLeast, 2});
  CHECK(fb->definitions[0] == StackEntry{"feedback-moves-learning", 2});
  CHECK(fb->definitions[1] == StackEntry{"student-self-assessment", std::nullopt});

  // Shorthands in the file were expanded.
  CHECK(whole->submission_requirements[0].accepts_text);
  CHECK(whole->submission_requirements[0].accepts_file);
  CHECK(whole->submission_requirements[0].max_files == 3);
  CHECK(whole->rubric.passing_rule.min_level_score_for.at("student-outcome") == 3);
  CHECK(ValidateCatalog(c).ok());
}

TEST_CASE("node/catalog: export round-trips and is stable") {
  Catalog c = Sample();
  std::string exported = CatalogToJson(c);
  auto again = ParseCatalogJson(exported);
  REQUIRE_MESSAGE(again.ok(), again.status().ToString());
  CHECK(*again == c);
  CHECK(CatalogToJson(*again) == exported);  // a fixed point
  // Pretty, documented order: format first, then district, definitions, stacks.
  CHECK(StartsWith(
      exported, "{\n  \"format\": \"credmesh-catalog/1\",\n  \"district\": \"maple-valley\",\n"));
  CHECK(exported.find("\"definitions\"") < exported.find("\"stacks\""));
  CHECK(exported.back() == '\n');
  // Descriptors come out lowest level first, as the levels are listed.
  size_t ny = exported.find("\"not-yet\": \"The check is missing");
  size_t ex = exported.find("\"exemplary\": \"The check is aligned and diagnostic");
  CHECK(ny != std::string::npos);
  CHECK(ny < ex);

  // One definition / stack on its own renders the same way and re-parses.
  std::string one = DefinitionToJson(c.definitions[0]);
  CHECK(StartsWith(one, "{\n  \"id\": \"fa-whole-class-decisions\",\n  \"version\": 1,\n"));
  CHECK(StartsWith(StackToJson(c.stacks[0]), "{\n  \"id\": \"formative-assessment-practitioner\""));

  Catalog empty;
  empty.district = "d";
  auto e = ParseCatalogJson(CatalogToJson(empty));
  REQUIRE(e.ok());
  CHECK(*e == empty);
}

TEST_CASE("node/catalog: JSON-level errors") {
  // The reader's own rules are tested in strict_json_test.cc; these check
  // that the catalog is read with it and its messages come through as is.
  CHECK(StartsWith(ErrorOfText("{} trailing"), "invalid JSON: "));
  CHECK(ErrorOfText("{\"definitions\": [{\"id\": \"a\"}, {\"id\": \"b\", \"id\": \"c\"}]}") ==
        "definitions[1].id: duplicate key");
  CHECK(ErrorOfText("[1, 2]") == "a catalog must be a JSON object");

  auto big = ParseCatalogJson(std::string(CatalogLimits::kMaxCatalogBytes + 1, ' '));
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().code() == Status::Code::kResourceExhausted);
}

TEST_CASE("node/catalog: top-level and field errors name the JSON path") {
  CHECK(ErrorAfter([](Json& j) { j.erase("format"); }) == "format: required");
  CHECK(ErrorAfter([](Json& j) { j["format"] = "credmesh-catalog/2"; }) ==
        "format: unsupported format \"credmesh-catalog/2\" (expected \"credmesh-catalog/1\")");
  CHECK(ErrorAfter([](Json& j) { j["district"] = "Maple Valley"; }) ==
        "district: \"Maple Valley\" is not a slug (a-z, 0-9 and single inner hyphens)");
  CHECK(ErrorAfter([](Json& j) { j.erase("definitions"); }) == "definitions: required");
  CHECK(StartsWith(ErrorAfter([](Json& j) { j["colour"] = "blue"; }),
                   "colour: unknown field (allowed: format, district, definitions, stacks)"));
  CHECK(StartsWith(ErrorAfter([](Json& j) { j["definitions"][2]["colour"] = "blue"; }),
                   "definitions[2].colour: unknown field (allowed: id, version, title,"));
  CHECK(ErrorAfter([](Json& j) { j["definitions"][2]["rubric"]["criteria"][0].erase("id"); }) ==
        "definitions[2].rubric.criteria[0].id: required");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["title"] = 5; }) ==
        "definitions[0].title: must be a string");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["title"] = nullptr; }) ==
        "definitions[0].title: must be a string");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["title"] = ""; }) ==
        "definitions[0].title: must not be empty");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["title"] = "Padded "; }) ==
        "definitions[0].title: must not begin or end with whitespace");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["title"] = "Two\nlines"; }) ==
        "definitions[0].title: must be a single line without control characters");
  CHECK(
      ErrorAfter([](Json& j) { j["definitions"][0]["competency"] = "Bell\x07"; }) ==
      "definitions[0].competency: must not contain control characters other than newline and tab");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["title"] = std::string(121, 'x'); }) ==
        "definitions[0].title: too long (121 characters, max 120)");
  {  // Lengths count code points: 120 two-byte characters fit.
    Json j = Json::parse(SampleText());
    std::string e120;
    for (int i = 0; i < 120; ++i) e120 += "\xc3\xa9";
    j["definitions"][0]["title"] = e120;
    auto c = ParseCatalogJson(j.dump());
    REQUIRE(c.ok());
    CHECK(c->definitions[0].title == e120);
  }
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["id"] = "Bad_ID"; }) ==
        "definitions[0].id: \"Bad_ID\" is not a slug (a-z, 0-9 and single inner hyphens)");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["id"] = "a--b"; }) ==
        "definitions[0].id: \"a--b\" is not a slug (a-z, 0-9 and single inner hyphens)");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["version"] = 0; }) ==
        "definitions[0].version: must be between 1 and 1000000 (got 0)");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["version"] = "1"; }) ==
        "definitions[0].version: must be an integer");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["method_components"] = Json::array(); }) ==
        "definitions[0].method_components: must have at least 1 entry");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["method_components"] = "Plan"; }) ==
        "definitions[0].method_components: must be a list");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["method_components"][1] = 7; }) ==
        "definitions[0].method_components[1]: must be an object");
  CHECK(ErrorAfter([](Json& j) {
          for (int i = 0; i < 10; ++i) j["definitions"][0]["method_components"].push_back("Step");
        }) == "definitions[0].method_components: too many entries (15, max 12)");
  CHECK(ErrorAfter([](Json& j) {
          j["definitions"][0]["supporting_research"][0]["url"] = "ftp://x.org/a";
        }) ==
        "definitions[0].supporting_research[0].url: must be an http:// or https:// URL of "
        "printable ASCII "
        "without spaces");
  CHECK(ErrorAfter([](Json& j) {
          j["definitions"][0]["resources"][0]["url"] = "https://";
        }).find("resources[0].url: must be an http") != std::string::npos);
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["issuer"] = "Maple Valley"; }) ==
        "definitions[0].issuer: must be an object");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["tags"]["grade_band"] = {"k-12"}; }) ==
        "definitions[0].tags.grade_band[0]: \"k-12\" is not a grade band (pre-k, k-2, 3-5, 6-8, "
        "9-12, adult)");
  CHECK(ErrorAfter([](Json& j) {
          j["definitions"][0]["tags"]["topics"] = {"memory", "memory"};
        }) == "definitions[0].tags.topics[1]: duplicate tag \"memory\" (also at [0])");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["estimated_hours"] = 0; }) ==
        "definitions[0].estimated_hours: must be between 1 and 200 (got 0)");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][0]["retired"] = "no"; }) ==
        "definitions[0].retired: must be true or false");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][3]["id"] = "fa-whole-class-decisions"; }) ==
        "definitions[3].id: duplicate definition id \"fa-whole-class-decisions\" (also at [0])");
}

TEST_CASE("node/catalog: evidence slot errors") {
  auto slot = [](Json& j) -> Json& { return j["definitions"][0]["submission_requirements"][1]; };
  CHECK(ErrorAfter([&](Json& j) { slot(j).erase("proof_of_student_outcome_required"); }) ==
        "definitions[0].submission_requirements[1].proof_of_student_outcome_required: required");
  CHECK(ErrorAfter([&](Json& j) { slot(j)["accepts"] = {"video"}; }) ==
        "definitions[0].submission_requirements[1].accepts[0]: must be \"text\" or \"file\"");
  CHECK(ErrorAfter([&](Json& j) {
          slot(j)["accepts"] = {"file", "file"};
        }) == "definitions[0].submission_requirements[1].accepts[1]: duplicate \"file\"");
  CHECK(ErrorAfter([&](Json& j) { slot(j)["accepts"] = Json::array(); }) ==
        "definitions[0].submission_requirements[1].accepts: must have at least 1 entry");
  CHECK(ErrorAfter([&](Json& j) { slot(j)["accepts"] = {"text"}; }) ==
        "definitions[0].submission_requirements[1].max_files: only allowed when the slot accepts "
        "\"file\"");
  CHECK(ErrorAfter([&](Json& j) { slot(j)["max_files"] = 21; }) ==
        "definitions[0].submission_requirements[1].max_files: must be between 1 and 20 (got 21)");
  CHECK(ErrorAfter([&](Json& j) { slot(j)["id"] = "lesson-plan"; }) ==
        "definitions[0].submission_requirements[1].id: duplicate slot id \"lesson-plan\" (also at "
        "[0])");
  // A slot that no criterion assesses (and no whole-submission criterion exists).
  CHECK(ErrorAfter([&](Json& j) {
          j["definitions"][0]["submission_requirements"].push_back(
              {{"id", "extra"},
               {"title", "Extra"},
               {"what_counts", "Anything."},
               {"proof_of_student_outcome_required", false},
               {"accepts", {"text"}}});
        }) ==
        "definitions[0].submission_requirements[3]: slot \"extra\" is not assessed by any rubric "
        "criterion");
  {  // ...which is fine once a criterion applies to the whole submission.
    Json j = Json::parse(SampleText());
    j["definitions"][0]["submission_requirements"].push_back(
        {{"id", "extra"},
         {"title", "Extra"},
         {"what_counts", "Anything."},
         {"proof_of_student_outcome_required", false},
         {"accepts", {"text"}}});
    j["definitions"][0]["rubric"]["criteria"][0].erase("slot");
    auto c = ParseCatalogJson(j.dump());
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    CHECK(c->definitions[0].rubric.criteria[0].slot.empty());
    CHECK(c->definitions[0].FindSlot("extra") != nullptr);
  }
}

TEST_CASE("node/catalog: rubric errors") {
  auto rubric = [](Json& j) -> Json& { return j["definitions"][0]["rubric"]; };
  const std::string p = "definitions[0].rubric.";
  CHECK(ErrorAfter([&](Json& j) { rubric(j)["levels"][2]["score"] = 2; }) ==
        p + "levels[2].score: must be greater than the previous level's score (2); list levels "
            "lowest first");
  CHECK(ErrorAfter([&](Json& j) { rubric(j)["levels"][3]["score"] = 101; }) ==
        p + "levels[3].score: must be between 0 and 100 (got 101)");
  CHECK(ErrorAfter([&](Json& j) { rubric(j)["levels"] = Json::array({rubric(j)["levels"][0]}); }) ==
        p + "levels: must have at least 2 entries");
  CHECK(ErrorAfter([&](Json& j) { rubric(j)["levels"][1]["id"] = "not-yet"; }) ==
        p + "levels[1].id: duplicate level id \"not-yet\" (also at [0])");
  CHECK(ErrorAfter([&](Json& j) { rubric(j)["criteria"][1]["descriptors"].erase("proficient"); }) ==
        p + "criteria[1].descriptors.proficient: required");
  CHECK(ErrorAfter([&](Json& j) { rubric(j)["criteria"][1]["descriptors"]["stellar"] = "Wow."; }) ==
        p + "criteria[1].descriptors.stellar: no such level (levels: not-yet, developing, "
            "proficient, exemplary)");
  CHECK(ErrorAfter([&](Json& j) {
          rubric(j)["criteria"][1]["descriptors"] = {"a", "b"};
        }) ==
        p + "criteria[1].descriptors: must be an object mapping each level id to its descriptor");
  CHECK(ErrorAfter([&](Json& j) { rubric(j)["criteria"][1]["slot"] = "video"; }) ==
        p + "criteria[1].slot: no evidence slot \"video\" in submission_requirements");
  CHECK(ErrorAfter([&](Json& j) { rubric(j)["criteria"][2]["id"] = "check-design"; }) ==
        p + "criteria[2].id: duplicate criterion id \"check-design\" (also at [0])");
  CHECK(ErrorAfter([&](Json& j) { rubric(j).erase("passing_rule"); }) ==
        p + "passing_rule: required");
}

TEST_CASE("node/catalog: passing rule errors") {
  auto rule = [](Json& j) -> Json& { return j["definitions"][0]["rubric"]["passing_rule"]; };
  const std::string p = "definitions[0].rubric.passing_rule";
  CHECK(ErrorAfter([&](Json& j) { rule(j) = Json::object(); }) ==
        p + ": needs at least one of min_level_score_each, min_total, min_level_score_for, "
            "min_count_at_or_above");
  CHECK(ErrorAfter([&](Json& j) { rule(j)["min_level_score_each"] = 5; }) ==
        p + ".min_level_score_each: must be the score of one of the rubric's levels (1, 2, 3, 4)");
  CHECK(ErrorAfter([&](Json& j) { rule(j)["min_total"] = 17; }) ==
        p + ".min_total: must be between 1 and 16 (got 17)");
  CHECK(ErrorAfter([&](Json& j) {
          rule(j)["min_level_score_for"] = {{"nope", 3}};
        }) == p + ".min_level_score_for.nope: no such criterion");
  CHECK(ErrorAfter([&](Json& j) { rule(j)["min_level_score_for"] = Json::object(); }) ==
        p + ".min_level_score_for: must not be empty (omit it instead)");
  CHECK(ErrorAfter([&](Json& j) {
          rule(j)["min_count_at_or_above"] = {{"score", 3}, {"count", 5}};
        }) == p + ".min_count_at_or_above.count: must be between 1 and 4 (got 5)");
  CHECK(ErrorAfter([&](Json& j) {
          rule(j)["min_count_at_or_above"] = {{"count", 2}};
        }) == p + ".min_count_at_or_above.score: required");
  CHECK(StartsWith(ErrorAfter([&](Json& j) {
                     rule(j)["min_count_at_or_above"] = {{"score", 3}, {"n", 2}};
                   }),
                   p + ".min_count_at_or_above.n: unknown field"));
  // A rule that every submission passes is a mistake, not a rule.
  CHECK(ErrorAfter([&](Json& j) {
          rule(j) = {{"min_level_score_each", 1}};
        }) == p + ": passes even with every criterion at the lowest level");
  CHECK(ErrorAfter([&](Json& j) {
          rule(j) = {{"min_total", 4}};
        }) == p + ": passes even with every criterion at the lowest level");
}

TEST_CASE("node/catalog: stack errors") {
  CHECK(ErrorAfter([](Json& j) { j["stacks"][0]["definitions"][1] = "no-such-thing"; }) ==
        "stacks[0].definitions[1]: no definition \"no-such-thing\" in this catalog");
  CHECK(ErrorAfter([](Json& j) { j["stacks"][1]["definitions"][0]["version"] = 3; }) ==
        "stacks[1].definitions[0]: pins version 3 but the catalog has version 2 of "
        "\"feedback-moves-learning\"");
  CHECK(ErrorAfter([](Json& j) { j["stacks"][0]["definitions"][2] = "fa-learning-intentions"; }) ==
        "stacks[0].definitions[2]: duplicate definition \"fa-learning-intentions\" (also at [0])");
  CHECK(ErrorAfter([](Json& j) { j["stacks"][0]["definitions"] = {"fa-learning-intentions"}; }) ==
        "stacks[0].definitions: must have at least 2 entries");
  CHECK(ErrorAfter([](Json& j) { j["stacks"][1]["completion_rule"]["count"] = 4; }) ==
        "stacks[1].completion_rule.count: must be between 1 and 3 (got 4)");
  CHECK(ErrorAfter([](Json& j) { j["stacks"][1]["completion_rule"].erase("count"); }) ==
        "stacks[1].completion_rule.count: required");
  CHECK(ErrorAfter([](Json& j) { j["stacks"][0]["completion_rule"]["count"] = 2; }) ==
        "stacks[0].completion_rule.count: only allowed when require is \"at_least\"");
  CHECK(ErrorAfter([](Json& j) { j["stacks"][0]["completion_rule"]["require"] = "most"; }) ==
        "stacks[0].completion_rule.require: must be \"all\" or \"at_least\"");
  CHECK(ErrorAfter([](Json& j) { j["stacks"][0]["id"] = "retrieval-practice"; }) ==
        "stacks[0].id: \"retrieval-practice\" is already the id of a definition");
  CHECK(ErrorAfter([](Json& j) { j["stacks"][1]["id"] = "formative-assessment-practitioner"; }) ==
        "stacks[1].id: duplicate stack id \"formative-assessment-practitioner\" (also at [0])");
  CHECK(ErrorAfter([](Json& j) { j["definitions"][5]["retired"] = true; }) ==
        "stacks[1].definitions[2]: definition \"retrieval-practice\" is retired; retire the stack "
        "or drop it");
  {  // A retired stack may keep referring to a retired definition.
    Json j = Json::parse(SampleText());
    j["definitions"][5]["retired"] = true;
    j["stacks"][1]["retired"] = true;
    auto c = ParseCatalogJson(j.dump());
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    CHECK(c->definitions[5].retired);
    CHECK(c->stacks[1].retired);
    CHECK(*ParseCatalogJson(CatalogToJson(*c)) == *c);
  }
}

TEST_CASE("node/catalog: an oversized definition is rejected before it becomes a record") {
  Json j = Json::parse(SampleText());
  std::string wide;
  for (size_t i = 0; i < CatalogLimits::kMaxProseChars; ++i)
    wide += "\xf0\x9f\x98\x80";  // 4-byte emoji
  Json& resources = j["definitions"][0]["resources"];
  for (int i = 0; i < 17; ++i) resources.push_back({{"title", "Resource"}, {"description", wide}});
  std::string err = ErrorOfText(j.dump());
  CHECK(StartsWith(err, "definitions[0]: definition too large ("));
  CHECK(err.find("max 131072") != std::string::npos);
}

TEST_CASE("node/catalog: record bodies are deterministic and round-trip") {
  Catalog c = Sample();
  for (const auto& d : c.definitions) {
    CAPTURE(d.id);
    Value body = DefinitionToBody(d);
    Bytes a, b;
    EncodeValue(body, a);
    EncodeValue(DefinitionToBody(d), b);
    CHECK(a == b);
    CHECK(a.size() <= CatalogLimits::kMaxDefinitionBodyBytes);
    // Through the strict msgpack decoder, as a synced record would travel.
    auto decoded =
        DecodeValue(a, ValueLimits{RecordLimits::kMaxDepth, RecordLimits::kMaxContainer});
    REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
    auto back = DefinitionFromBody(*decoded);
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(*back == d);
    CHECK(ValidateDefinition(d).ok());
  }
  for (const auto& s : c.stacks) {
    auto back = StackFromBody(StackToBody(s));
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(*back == s);
  }
  // Same definition written with and without shorthands gives the same bytes.
  const CredentialDefinition& d0 = c.definitions[0];
  CredentialDefinition shorthand = d0;
  Json j = Json::parse(SampleText());
  j["definitions"][0]["method_components"][0] = d0.method_components[0].title;
  j["definitions"][0]["submission_requirements"][0]["accepts"] = {"file", "text"};
  j["definitions"][0]["retired"] = false;
  auto c2 = ParseCatalogJson(j.dump());
  REQUIRE(c2.ok());
  shorthand.method_components[0].description.clear();
  CHECK(c2->definitions[0] == shorthand);
  Bytes x, y;
  EncodeValue(DefinitionToBody(c2->definitions[0]), x);
  EncodeValue(DefinitionToBody(shorthand), y);
  CHECK(x == y);

  // Body keys are the documented JSON field names; optional fields are omitted.
  Value body = DefinitionToBody(d0);
  CHECK(body.GetString("id") == "fa-whole-class-decisions");
  CHECK(body.GetInt("version") == 1);
  CHECK(body.Find("retired") == nullptr);
  CHECK(body.Find("rubric")->Find("passing_rule")->GetInt("min_total") == 11);
}

TEST_CASE("node/catalog: FromBody accepts only the canonical form") {
  Catalog c = Sample();
  Value body = DefinitionToBody(c.definitions[0]);

  Value with_shorthand = body;
  with_shorthand.as_map()["method_components"].as_array()[0] = Value("Name the learning goal");
  auto r = DefinitionFromBody(with_shorthand);
  REQUIRE_FALSE(r.ok());
  CHECK(StartsWith(r.status().message(), "definition body: not in canonical form"));

  Value explicit_default = body;
  explicit_default.as_map()["retired"] = Value(false);
  CHECK_FALSE(DefinitionFromBody(explicit_default).ok());

  Value unknown = body;
  unknown.as_map()["colour"] = Value("blue");
  CHECK(StartsWith(DefinitionFromBody(unknown).status().message(),
                   "definition body: colour: unknown field"));

  Value bad = body;
  bad.as_map()["rubric"].as_map()["levels"].as_array()[0].as_map().erase("id");
  CHECK(DefinitionFromBody(bad).status().message() ==
        "definition body: rubric.levels[0].id: required");

  Value bytes_title = body;
  bytes_title.as_map()["title"] = Value(Bytes{0x41});
  CHECK(DefinitionFromBody(bytes_title).status().message() ==
        "definition body: title: must be a string");

  Value bad_utf8 = body;
  bad_utf8.as_map()["title"] = Value(std::string("\xc3"));
  CHECK(DefinitionFromBody(bad_utf8).status().message() ==
        "definition body: title: is not valid UTF-8");

  CHECK(DefinitionFromBody(Value("not a map")).status().message() ==
        "definition body: must be an object");

  Value stack = StackToBody(c.stacks[0]);
  Value stack_short = stack;
  stack_short.as_map()["definitions"].as_array()[0] = Value("fa-learning-intentions");
  CHECK(StartsWith(StackFromBody(stack_short).status().message(),
                   "stack body: not in canonical form"));
  Value stack_bad = stack;
  stack_bad.as_map()["completion_rule"].as_map()["require"] = Value("any");
  CHECK(StackFromBody(stack_bad).status().message() ==
        "stack body: completion_rule.require: must be \"all\" or \"at_least\"");
}

TEST_CASE("node/catalog: Validate* catch in-memory values the format cannot express") {
  Catalog c = Sample();
  CHECK(ValidateCatalog(c).ok());

  Catalog bad_count = c;
  bad_count.stacks[0].completion_rule.count = 2;  // ignored by require "all"
  CHECK_FALSE(ValidateCatalog(bad_count).ok());
  CHECK_FALSE(ValidateStack(bad_count.stacks[0]).ok());

  Catalog bad_ref = c;
  bad_ref.stacks[0].definitions[0].definition_id = "missing";
  CHECK(ValidateCatalog(bad_ref).message() ==
        "stacks[0].definitions[0]: no definition \"missing\" in this catalog");

  CredentialDefinition d = c.definitions[0];
  d.rubric.criteria[0].descriptors.erase("exemplary");
  CHECK(ValidateDefinition(d).message() ==
        "definition body: rubric.criteria[0].descriptors.exemplary: required");
  d = c.definitions[0];
  d.submission_requirements[0].accepts_text = d.submission_requirements[0].accepts_file = false;
  d.submission_requirements[0].max_files.reset();
  CHECK(ValidateDefinition(d).message() ==
        "definition body: submission_requirements[0].accepts: must have at least 1 entry");
}

TEST_CASE("node/catalog: passing rule: truth table") {
  PassingRule each2;
  each2.min_level_score_each = 2;
  PassingRule total9;
  total9.min_total = 9;
  PassingRule for_b3;
  for_b3.min_level_score_for = {{"b", 3}};
  PassingRule count2at3;
  count2at3.min_count_at_or_above = PassingRule::CountAtOrAbove{3, 2};
  PassingRule combined;  // every criterion >= 2, total >= 9, b >= 3
  combined.min_level_score_each = 2;
  combined.min_total = 9;
  combined.min_level_score_for = {{"b", 3}};

  struct Row {
    const PassingRule* rule;
    int a, b, c;
    bool passes;
  };
  const Row rows[] = {
      {&each2, 2, 2, 2, true},      {&each2, 4, 4, 1, false},    {&each2, 1, 1, 1, false},
      {&each2, 4, 4, 4, true},      {&total9, 3, 3, 3, true},    {&total9, 4, 4, 1, true},
      {&total9, 4, 3, 1, false},    {&total9, 2, 2, 4, false},   {&for_b3, 1, 3, 1, true},
      {&for_b3, 4, 2, 4, false},    {&for_b3, 1, 4, 1, true},    {&count2at3, 3, 3, 1, true},
      {&count2at3, 4, 2, 2, false}, {&count2at3, 4, 4, 4, true}, {&count2at3, 2, 2, 2, false},
      {&combined, 3, 3, 3, true},   {&combined, 4, 2, 4, false}, {&combined, 2, 3, 4, true},
      {&combined, 2, 3, 3, false},  {&combined, 4, 4, 1, false}, {&combined, 1, 4, 4, false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.a);
    CAPTURE(row.b);
    CAPTURE(row.c);
    auto scores = Scores(row.a, row.b, row.c);
    CHECK(row.rule->Passes(scores) == row.passes);
    CHECK(row.rule->Unmet(scores).empty() == row.passes);
  }

  // Fail safe: nothing scored, or a rule without clauses, never passes.
  CHECK_FALSE(each2.Passes({}));
  CHECK_FALSE(PassingRule{}.Passes(Scores(4, 4, 4)));
  CHECK_FALSE(PassingRule{}.HasClause());
  CHECK_FALSE(for_b3.Passes({{"a", 4}, {"c", 4}}));  // the named criterion is missing

  // Unmet lists every failed clause, for reviewer feedback.
  auto unmet = combined.Unmet(Scores(1, 2, 3));
  REQUIRE(unmet.size() == 3);
  CHECK(unmet[0] == "criterion \"a\" scored 1, below min_level_score_each 2");
  CHECK(unmet[1] == "total 6 is below min_total 9");
  CHECK(unmet[2] == "criterion \"b\" scored 2, below its minimum 3");
  CHECK(count2at3.Unmet(Scores(4, 1, 1)) ==
        std::vector<std::string>{"1 criteria scored 3 or more; at least 2 required"});
}

TEST_CASE("node/catalog: rubric: level choices are checked and judged") {
  PassingRule rule;
  rule.min_level_score_each = 2;
  rule.min_total = 9;
  Rubric r = AbcRubric(rule);

  auto j = r.Judge({{"a", "proficient"}, {"b", "proficient"}, {"c", "proficient"}});
  REQUIRE(j.ok());
  CHECK(j->passed);
  CHECK(j->total == 9);
  CHECK(j->score_by_criterion == Scores(3, 3, 3));
  CHECK(j->unmet.empty());

  j = r.Judge({{"a", "exemplary"}, {"b", "exemplary"}, {"c", "beginning"}});
  REQUIRE(j.ok());
  CHECK_FALSE(j->passed);
  CHECK(j->total == 9);
  CHECK(j->unmet ==
        std::vector<std::string>{"criterion \"c\" scored 1, below min_level_score_each 2"});

  CHECK(r.CheckLevelChoices({{"a", "beginning"}, {"b", "developing"}, {"c", "exemplary"}}).ok());
  CHECK(r.CheckLevelChoices({{"a", "beginning"}, {"b", "developing"}}).message() ==
        "criterion \"c\": no level chosen");
  CHECK(r.CheckLevelChoices({{"a", "beginning"}, {"b", "stellar"}, {"c", "exemplary"}}).message() ==
        "criterion \"b\": no level \"stellar\" (levels: beginning, developing, proficient, "
        "exemplary)");
  CHECK(r.CheckLevelChoices(
             {{"a", "beginning"}, {"b", "developing"}, {"c", "exemplary"}, {"d", "beginning"}})
            .message() == "criterion \"d\": not in this rubric");
  CHECK_FALSE(r.Judge({}).ok());

  // The sample's whole-class rubric: the student-outcome criterion must be proficient.
  Catalog c = Sample();
  const Rubric& whole = c.FindDefinition("fa-whole-class-decisions")->rubric;
  auto all = [&](const std::string& level) {
    std::map<std::string, std::string> m;
    for (const auto& cr : whole.criteria) m[cr.id] = level;
    return m;
  };
  CHECK(whole.Judge(all("proficient"))->passed);
  CHECK_FALSE(whole.Judge(all("developing"))->passed);
  auto m = all("exemplary");
  m["student-outcome"] = "developing";
  auto w = whole.Judge(m);
  REQUIRE(w.ok());
  CHECK_FALSE(w->passed);
  CHECK(w->unmet ==
        std::vector<std::string>{"criterion \"student-outcome\" scored 2, below its minimum 3"});
}

TEST_CASE("node/catalog: stack: completion") {
  Catalog c = Sample();
  const Stack& all = *c.FindStack("formative-assessment-practitioner");
  CHECK(all.RequiredCount() == 3);
  CHECK_FALSE(all.IsCompletedBy({{"fa-learning-intentions", 1}, {"fa-whole-class-decisions", 1}}));
  CHECK(all.IsCompletedBy({{"fa-learning-intentions", 1},
                           {"fa-whole-class-decisions", 1},
                           {"fa-individual-support", 7}}));

  const Stack& two = *c.FindStack("feedback-and-ownership");
  CHECK(two.RequiredCount() == 2);
  CHECK(two.IsCompletedBy({{"feedback-moves-learning", 2}, {"retrieval-practice", 1}}));
  // Version 1 of the pinned definition does not count.
  CHECK_FALSE(two.IsCompletedBy({{"feedback-moves-learning", 1}, {"retrieval-practice", 1}}));
  CHECK(two.IsCompletedBy({{"student-self-assessment", 1}, {"retrieval-practice", 3}}));
  CHECK_FALSE(two.IsCompletedBy({}));
}

TEST_CASE("node/catalog: damaged input never crashes, truncated input never parses") {
  const std::string text = SampleText();
  // Every truncation point (sampled) must yield an error, not an exception.
  for (size_t n = 0; n < text.size() - 2; n += 499) {
    auto r = ParseCatalogJson(std::string_view(text).substr(0, n));
    CHECK_FALSE(r.ok());
  }
  // Byte flips: any outcome but a crash; a success must still round-trip.
  for (size_t i = 0; i < text.size(); i += 997) {
    std::string t = text;
    t[i] = static_cast<char>(t[i] ^ 0x20);
    auto r = ParseCatalogJson(t);
    if (r.ok()) CHECK(*ParseCatalogJson(CatalogToJson(*r)) == *r);
  }
}

}  // namespace
}  // namespace credmesh
