// End-to-end tests of district people, driving the built credmesh binary:
// a person written at a school resolves at the hub (by name and key prefix,
// from the records it holds, not its key store); names are unique and a name
// two people share after a partition is refused with both keys listed; an
// educator who moves school keeps their portfolio; free text comes from
// files or standard input.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli_runner.h"

namespace credmesh::people_cli_test {
namespace {

// A hub (with its root key) and two enrolled schools, Pine and Oak, that
// exchange records by export/import files.
class District : public CliRunner {
 public:
  District() : CliRunner("credmesh-people-e2e") {
    UseTestPassphrase();
    Ok("init --dir hub --hub --district 'Maple Valley' --listen tcp://127.0.0.1:7691");
    for (const char* s : {"pine", "oak"}) {
      const std::string school = s;
      Ok("init --dir " + school + " --school --name " + school);
      Ok("enrol issue --dir hub " + school + "/enrolment-request.json --school-id " + school +
         " -o " + school + ".cert");
      Ok("enrol install --dir " + school + " " + school + ".cert");
    }
  }
  // Carries every record `from` holds (or those of `scope`) to `to`.
  void Carry(const std::string& from, const std::string& to, const std::string& scope = "") {
    const std::string file = from + "-to-" + to + std::to_string(++files_) + ".rec";
    Ok("export --dir " + from + (scope.empty() ? "" : " --scope " + scope) + " -o " + file);
    Ok("import --dir " + to + " " + file);
  }
  nlohmann::json Json(const std::string& args) const {
    return nlohmann::json::parse(Ok(args + " --json"));
  }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(File(name)) << text;
  }

 private:
  int files_ = 0;
};

const char kPass[] =
    " --level check-design=proficient --level pattern-analysis=proficient"
    " --level instructional-decision=proficient --level student-outcome=proficient";

TEST_CASE("people e2e: the hub resolves a school's educator and the portfolio follows a move" *
          doctest::test_suite("slow")) {
  District d;
  d.Ok("person add --dir hub --name 'Irene Issuer' --email irene@maple.org --role issuer");
  d.Ok("catalog import --dir hub '" CREDMESH_SOURCE_DIR
       "/examples/catalog.json' --as 'Irene Issuer'");
  d.Carry("hub", "pine", "district/maple-valley");
  d.Ok("person add --dir pine --name 'Ed Educator' --email ed@pine.org --role educator");
  d.Ok("person add --dir pine --name Rita --email rita@pine.org --role reviewer");

  // Ed's submission, its long texts from files and standard input.
  const std::string s =
      d.OkLine("submission open --dir pine fa-whole-class-decisions --as Ed\\ Educator");
  d.Write("pre.txt", "Why I chose this:\nmy class moves on too early.\n");
  d.Ok("submission reflect --dir pine " + s + " --pre --text-file pre.txt --as 'ed educator'");
  d.Ok("submission evidence --dir pine " + s +
       " --slot lesson-plan --text 'Plan' --as 'Ed Educator'");
  CliResult from_stdin = d.Run("submission evidence --dir pine " + s +
                                   " --slot class-results --student-outcome --text-file -"
                                   " --as 'Ed Educator'",
                               "18 of 26 correct\nmost common wrong answer: 3/8 > 1/2\n");
  REQUIRE(from_stdin.exit_code == 0);
  d.Ok("submission evidence --dir pine " + s +
       " --slot decision-and-impact --student-outcome --text 'Retaught; 24 of 26'"
       " --as 'Ed Educator'");
  d.Ok("submission reflect --dir pine " + s + " --post 'What they showed' --as 'Ed Educator'");
  d.Ok("submission submit --dir pine " + s + " --as 'Ed Educator'");
  d.Write("feedback.txt", "Strong outcome evidence.\nNext: try a second hinge question.\n");
  d.Ok("review add --dir pine " + s + kPass +
       " --feedback-file feedback.txt --decision awarded --as Rita");
  nlohmann::json shown = d.Json("submission show --dir pine " + s);
  CHECK(shown["attempts"][0]["pre_reflection"]["text"] ==
        "Why I chose this:\nmy class moves on too early.\n");
  CHECK(shown["attempts"][0]["reviews"][0]["feedback"] ==
        "Strong outcome evidence.\nNext: try a second hinge question.\n");
  bool stdin_text = false;
  for (const auto& e : shown["attempts"][0]["evidence"]) {
    stdin_text = stdin_text || e.value("text", "") ==
                                   "18 of 26 correct\nmost common wrong "
                                   "answer: 3/8 > 1/2\n";
  }
  CHECK(stdin_text);

  // At the hub, Ed is known only from Pine's records: no key of his is there.
  d.Carry("pine", "hub");
  const std::string award = d.OkLine("award issue --dir hub " + s + " --as 'Irene Issuer'");
  nlohmann::json p = d.Json("portfolio --dir hub 'Ed Educator'");
  CHECK(p["active_awards"] == 1);
  const std::string old_key = p["educator"];
  CHECK(d.Json("portfolio --dir hub " + old_key.substr(0, 8))["active_awards"] == 1);
  CHECK(d.Json("submission list --dir hub --for 'ed educator'")["submissions"].size() == 1);
  CHECK(d.Json("person show --dir hub 'Ed Educator'")["email"] == "ed@pine.org");
  d.Refused(
      "person add --dir hub --name 'ED  Educator' --email other@maple.org --role educator "
      "--scope school/oak",
      "a person named \"ED  Educator\" already exists in district maple-valley");
  // Signing still needs the person's own key.
  d.Refused("note add --dir hub hello --as 'Ed Educator'", "has no key on this node");

  // Ed moves to Oak: his Pine key stays behind, so an admin (here the root)
  // vouches for a new key at Oak; the portfolio follows him everywhere.
  d.Carry("hub", "oak", "district/maple-valley");
  d.Refused("person move --dir oak 'Ed Educator' --role educator --email ed@oak.org",
            "needs an admin to vouch");
  d.Write("reason.txt", "moved to Oak Middle in January");
  nlohmann::json moved = d.Json(
      "person move --dir oak 'Ed Educator' --role educator --email ed@oak.org "
      "--reason-file reason.txt --root-key hub/root.key");
  const std::string new_key = moved["key"];
  CHECK(moved["previous_key"] == old_key);
  d.Ok("note add --dir oak 'first day at Oak' --as 'Ed Educator'");  // the new key signs
  d.Carry("oak", "hub");
  p = d.Json("portfolio --dir hub 'Ed Educator'");
  CHECK(p["educator"] == new_key);
  CHECK(p["keys"].size() == 2);
  CHECK(p["active_awards"] == 1);
  CHECK(p["awards"][0]["id"] == award);
  CHECK(d.Json("portfolio --dir hub " + new_key.substr(0, 10))["active_awards"] == 1);
  // The CLR too: Ed is resolved from the people records, with both keys, so
  // the award made to his Pine key is in it.
  nlohmann::json clr =
      d.Json("portfolio export --dir hub 'Ed Educator' -o moved-clr.json --as 'Irene Issuer'");
  CHECK(clr["awards"] == nlohmann::json::array({award}));
  CHECK(d.Json("submission list --dir hub --educator " + new_key.substr(0, 10))["submissions"]
            .size() == 1);
  // Records signed with his earlier key still name him.
  CHECK(d.Ok("submission list --dir hub")
            .find("  educator Ed Educator (" + old_key.substr(0, 16) + ")") != std::string::npos);
  CHECK(d.Ok("log --dir hub --kind submission.open")
            .find("  by Ed Educator (" + old_key.substr(0, 16) + ")") != std::string::npos);
  CHECK(
      d.Ok("log --dir hub --kind note").find("  by Ed Educator (" + new_key.substr(0, 16) + ")") !=
      std::string::npos);
  nlohmann::json ed = d.Json("person show --dir hub 'Ed Educator'");
  CHECK(ed["email"] == "ed@oak.org");
  CHECK(ed["grants"].size() == 2);
  d.Carry("hub", "oak", "public/maple-valley");
  nlohmann::json at_oak = d.Json("portfolio --dir oak 'Ed Educator'");
  CHECK(at_oak["active_awards"] == 1);
  CHECK(at_oak["educator"] == new_key);
  CHECK(d.Ok("person list --dir oak").find("earlier key " + old_key.substr(0, 16)) !=
        std::string::npos);
}

TEST_CASE("people e2e: a name two people share after a partition is refused everywhere") {
  District d;
  // Pine and Oak each add an Ed before hearing of the other.
  d.Ok("person add --dir pine --name 'Ed Educator' --email ed@pine.org --role educator");
  d.Ok("person add --dir oak --name 'Ed Educator' --email ed@oak.org --role educator");
  d.Carry("pine", "hub");
  d.Carry("oak", "hub");
  for (const char* cmd :
       {"portfolio --dir hub 'Ed Educator'", "submission list --dir hub --for 'Ed Educator'",
        "person show --dir hub 'ed educator'",
        "person grant --dir hub 'Ed Educator' --role reviewer"}) {
    CliResult r = d.Run(cmd);
    INFO(cmd << "\n" << r.output());
    CHECK(r.exit_code == 1);
    CHECK(r.Says("names 2 people in this district; name one by key prefix"));
    CHECK(r.Says("educator school/pine"));
    CHECK(r.Says("educator school/oak"));
  }
  // Listing shows both, flagged; a key prefix picks one.
  nlohmann::json people = d.Json("person list --dir hub")["people"];
  std::string pine_key;
  for (const auto& p : people) {
    if (p["name"] != "Ed Educator") continue;
    CHECK(p["duplicate_name"] == true);
    if (p["grants"][0]["scope"] == "school/pine") pine_key = p["key"];
  }
  REQUIRE(pine_key.size() == 64);
  CHECK(d.Json("person show --dir hub " + pine_key.substr(0, 8))["email"] == "ed@pine.org");
  // On Pine itself, once Oak's Ed arrives, --as by name is refused too.
  d.Carry("hub", "pine", "district/maple-valley");
  d.Refused("note add --dir pine hi --as 'Ed Educator'", "names 2 people");
  d.Ok("note add --dir pine hi --as " + pine_key.substr(0, 8));
}

TEST_CASE("people e2e: names, e-mails and free text are checked") {
  District d;
  d.Refused("person add --dir pine --name '' --email a@pine.org --role educator",
            "the name is empty");
  d.Refused(
      "person add --dir pine --name \"$(printf 'Ed\\342\\200\\256')\" --email a@pine.org "
      "--role educator",
      "bidi override (U+202E)");
  d.Refused(
      "person add --dir pine --name \"$(printf 'Ed\\tE')\" --email a@pine.org --role "
      "educator",
      "control character (U+0009)");
  d.Refused("person add --dir pine --name Ed --email 'ed at pine' --role educator",
            "e-mail address \"ed at pine\" is not valid");
  d.Ok("person add --dir pine --name Rita --email rita@pine.org --role reviewer");
  CHECK(d.Run("person list --dir pine").out.find("Ed") == std::string::npos);

  // A profile with a bad name is refused like one from a peer, with the reason.
  const std::string rita = d.Json("person show --dir pine Rita")["key"];
  d.Refused("put --dir pine --kind person.profile --scope school/pine --entity person/" + rita +
                " --body '{\"key\":\"" + rita +
                "\",\"name\":\"Rita\\u202e\",\"email\":\"rita@pine.org\"}' --as Rita",
            "malformed person.profile: name: the name holds a bidi override");

  // Rita re-keys herself: her current key signs; the new one signs from now on.
  nlohmann::json re = d.Json("person rekey --dir pine Rita --role reviewer --reason 'new laptop'");
  CHECK(re["previous_key"] == rita);
  nlohmann::json shown = d.Json("person show --dir pine " + rita.substr(0, 8));
  CHECK(shown["key"] == re["key"]);
  CHECK(shown["keys"].size() == 2);
  const std::string note = d.OkLine("note add --dir pine 'signed with the new key' --as Rita");
  CHECK(d.Json("show --dir pine " + note)["author"] == re["key"]);

  // Free text over the limit, from a file or stdin, is a usage error naming it.
  d.Write("big.txt", std::string(64 * 1024 + 1, 'x'));
  CliResult big = d.Run("note add --dir pine --text-file big.txt");
  CHECK(big.exit_code == 2);
  CHECK(big.Says("--text-file: big.txt: the text is over the limit of 65536 bytes (64 KiB)"));
  CliResult piped = d.Run("revoke --dir pine 0000 --reason-file -", std::string(70000, 'y'));
  CHECK(piped.exit_code == 2);
  CHECK(piped.Says("standard input: the text is over the limit"));
  CHECK(d.Run("note add --dir pine hi --text-file big.txt").exit_code == 2);  // not both
  CHECK(d.Run("review add --help").out.find("--feedback-file F") != std::string::npos);
  CHECK(d.Run("review add --help").out.find("at most 64 KiB") != std::string::npos);
}

}  // namespace
}  // namespace credmesh::people_cli_test
