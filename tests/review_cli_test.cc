// End-to-end tests of cross-school review, driving the built credmesh binary:
// an educator at Oak submits (refused until the slots that require it hold
// proof of student outcome), a district reviewer works from the hub's queue
// with the rubric beside the evidence (with --level, or walked on a
// terminal), the outcome reaches the educator's inbox once; an award that a
// concurrent withdraw voids is shown as superseded; `catalog show` prints a
// card. Records move between nodes with export/import.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli_runner.h"

namespace credmesh::review_cli_test {
namespace {

const char kEd[] = " --as Ed";
const char kDana[] = " --as 'Dana Reviewer'";
const char kIrene[] = " --as 'Irene Issuer'";
const char kPass[] =
    " --level check-design=proficient --level pattern-analysis=proficient"
    " --level instructional-decision=exemplary --level student-outcome=proficient";

// A hub and the Oak school, with an issuer and a district-wide reviewer on
// the hub, an educator at Oak, and the sample catalog on both.
class DistrictCli : public CliRunner {
 public:
  DistrictCli() : CliRunner("credmesh-review-e2e") {
    UseTestPassphrase();
    Ok("init --dir hub --hub --district 'Maple Valley'");
    Ok("init --dir oak --school --name 'Oak Middle'");
    Ok("enrol issue --dir hub oak/enrolment-request.json --school-id oak -o oak.cert");
    Ok("enrol install --dir oak oak.cert");
    Ok("person add --dir hub --name 'Irene Issuer' --email irene@maple.org --role issuer");
    Ok("person add --dir hub --name 'Dana Reviewer' --email dana@maple.org --role reviewer"
       " --scope district/maple-valley");
    Ok("person add --dir oak --name Ed --email ed@oak.org --role educator");
    Ok("catalog import --dir hub '" CREDMESH_SOURCE_DIR "/examples/catalog.json'" +
       std::string(kIrene));
    Move("hub", "oak");
  }
  nlohmann::json Json(const std::string& args) const {
    return nlohmann::json::parse(Ok(args + " --json"));
  }
  // Every record of `from` that `to` may hold, by export and import.
  void Move(const std::string& from, const std::string& to) const {
    Ok("export --dir " + from + " -o " + from + ".rec --force");
    Ok("import --dir " + to + " " + from + ".rec");
  }
  // Ed's submission at Oak with every slot filled and proof of student
  // outcome in the two slots that require it; not submitted.
  std::string Draft() const {
    std::string s = OkLine("submission open --dir oak fa-whole-class-decisions" + std::string(kEd));
    Ok("submission reflect --dir oak " + s + " --pre 'Why I chose this'" + kEd);
    Ok("submission evidence --dir oak " + s + " --slot lesson-plan --file plan.txt" + kEd);
    Ok("submission evidence --dir oak " + s +
       " --slot decision-and-impact --student-outcome --text 'Second check: 24 of 26'" + kEd);
    Ok("submission reflect --dir oak " + s + " --post 'What the students showed'" + kEd);
    return s;
  }
};

TEST_CASE("review CLI: Oak submits, a district reviewer reviews from the hub's queue, Ed's inbox" *
          doctest::test_suite("slow")) {
  DistrictCli c;
  {
    std::ofstream plan(c.File("plan.txt"));
    plan << "Goal: compare fractions. Hinge question 3. Rule: 80% correct, move on.\n";
  }
  const std::string s = c.Draft();
  c.Ok("submission evidence --dir oak " + s + " --slot class-results --text '18 of 26'" + kEd);
  // class-results requires proof of student outcome; its only item is not marked so.
  c.Refused("submission submit --dir oak " + s + kEd,
            "proof of student outcome missing in slot(s) class-results");
  c.Ok("submission evidence --dir oak " + s +
       " --slot class-results --student-outcome --text 'Tally: 18 of 26, most chose 3/8 > 1/2'" +
       kEd);
  c.Ok("submission submit --dir oak " + s + kEd);
  c.Move("oak", "hub");

  // The hub holds school/oak: its queue lists the attempt, rubric beside the evidence.
  nlohmann::json q = c.Json("review queue --dir hub --mine" + std::string(kDana))["queue"];
  REQUIRE(q.size() == 1);
  CHECK(q[0]["submission"] == s);
  CHECK(q[0]["scope"] == "school/oak");
  nlohmann::json slots = q[0]["slots"];
  REQUIRE(slots.size() == 3);
  CHECK(slots[0]["id"] == "lesson-plan");
  CHECK(slots[0]["evidence"][0]["file"]["name"] == "plan.txt");
  CHECK(slots[0]["evidence"][0]["file"]["bytes"] == "incomplete");  // the bytes stay at Oak
  CHECK(slots[0]["criteria"][0]["id"] == "check-design");
  CHECK(slots[0]["criteria"][0]["descriptors"].size() == 4);
  CHECK(slots[1]["proof_of_student_outcome_required"] == true);
  CHECK(slots[1]["student_outcome_missing"] == false);
  CHECK(slots[1]["evidence"][1]["student_outcome"] == true);
  CHECK(q[0]["levels"].size() == 4);
  const std::string text = c.Ok("review queue --dir hub");
  CHECK(text.find("pattern-analysis: Reading the class pattern") != std::string::npos);
  CHECK(text.find("identifies the most common wrong answer") != std::string::npos);  // descriptor
  CHECK(text.find("proof of student outcome required") != std::string::npos);
  CHECK(text.find("[student outcome] Tally: 18 of 26") != std::string::npos);
  // Ed is named at the hub from Oak's records; so are the nodes and the root in the log.
  CHECK(text.find("  educator Ed (") != std::string::npos);
  CHECK(q[0]["educator_name"] == "Ed");
  CHECK(c.Ok("submission list --dir hub").find("  educator Ed (") != std::string::npos);
  CHECK(c.Json("submission list --dir hub")["submissions"][0]["educator_name"] == "Ed");
  const std::string log = c.Ok("log --dir hub");
  CHECK(log.find("submission.submit  school/oak  by Ed (") != std::string::npos);
  CHECK(log.find("trust.grant  district/maple-valley  by Oak Middle (") != std::string::npos);
  CHECK(log.find("trust.node_cert  district/maple-valley  by district root (") !=
        std::string::npos);
  // An issuer may not review: not in their queue.
  CHECK(c.Json("review queue --dir hub --mine" + std::string(kIrene))["queue"].empty());

  // Without --level the rubric is walked on a terminal; without one, refused.
  CliResult no_tty =
      c.Run("review add --dir hub " + s + kDana + " --feedback 'Fine'", "proficient\n");
  CHECK(no_tty.exit_code == 2);
  CHECK(no_tty.Says("standard input is not a terminal"));
  // script(1) gives the command a terminal; a wrong answer is asked again.
  CliResult walked =
      c.RunShell("script -qec \"'" + CredmeshBinary() + "' review add --dir hub " + s + kDana +
                     " --feedback 'Clear rule, strong outcome'\" /dev/null",
                 "x\n3\nproficient\nexemplary\n3\nawarded\n");
  INFO(walked.output());
  CHECK(walked.exit_code == 0);
  CHECK(walked.Says("no level \"x\""));
  CHECK(walked.Says("the passing rule holds"));
  nlohmann::json shown = c.Json("submission show --dir hub " + s);
  CHECK(shown["status"] == "awarded");
  CHECK(shown["attempts"][0]["reviews"][0]["levels"]["instructional-decision"] == "exemplary");
  CHECK(c.Json("review queue --dir hub")["queue"].empty());

  // The outcome reaches Ed at Oak: new once, then nothing new.
  c.Ok("award issue --dir hub " + s + kIrene);
  c.Move("hub", "oak");
  nlohmann::json inbox = c.Json("inbox --dir oak" + std::string(kEd));
  CHECK(inbox["new"] == 3);
  std::vector<std::string> kinds;
  for (const auto& i : inbox["items"]) kinds.push_back(i["kind"]);
  CHECK(kinds == std::vector<std::string>{"feedback", "decision", "award"});
  CHECK(inbox["items"][0]["text"] == "Clear rule, strong outcome");
  CHECK(inbox["items"][0]["by_name"] == "Dana Reviewer");
  CHECK(inbox["items"][2]["by_name"] == "Irene Issuer");
  CHECK(inbox["person_name"] == "Ed");
  inbox = c.Json("inbox --dir oak" + std::string(kEd));
  CHECK(inbox["new"] == 0);
  CHECK(inbox["items"].empty());
  CHECK(c.Json("inbox --dir oak --all" + std::string(kEd))["items"].size() == 3);
  const std::string all = c.Ok("inbox --dir oak --all" + std::string(kEd));
  CHECK(all.find(", awarded, from Dana Reviewer (") != std::string::npos);
  CHECK(all.find("  awarded by Irene Issuer (") != std::string::npos);
  CHECK(c.Ok("inbox --dir oak" + std::string(kEd)).empty());
}

TEST_CASE("review CLI: an award voided by a concurrent withdraw is superseded, never silent" *
          doctest::test_suite("slow")) {
  DistrictCli c;
  { std::ofstream(c.File("plan.txt")) << "plan\n"; }
  const std::string s = c.Draft();
  c.Ok("submission evidence --dir oak " + s + " --slot class-results --student-outcome --text r" +
       kEd);
  c.Ok("submission submit --dir oak " + s + kEd);
  c.Move("oak", "hub");
  // Partition: Ed withdraws at Oak; at the hub Dana, not knowing, awards and Irene issues.
  c.Ok("submission withdraw --dir oak " + s + kEd);
  c.Ok("review add --dir hub " + s + kDana + kPass + " --decision awarded --feedback 'Strong'");
  const std::string award = c.OkLine("award issue --dir hub " + s + kIrene);
  CHECK(c.Ok("award show --dir hub " + award).find("SUPERSEDED") == std::string::npos);
  c.Move("oak", "hub");  // the link is back: the withdraw came first

  const std::string shown = c.Ok("award show --dir hub " + award);
  CHECK(shown.find("not issued") != std::string::npos);
  CHECK(shown.find("SUPERSEDED award.issue") != std::string::npos);
  CHECK(shown.find("lost to submission.withdraw") != std::string::npos);
  nlohmann::json aj = c.Json("award show --dir hub " + award);
  CHECK(aj["status"] == "none");
  REQUIRE(aj["superseded"].size() == 1);
  CHECK(aj["superseded"][0]["by"]["kind"] == "submission.withdraw");
  nlohmann::json sj = c.Json("submission show --dir hub " + s);
  CHECK(sj["status"] == "withdrawn");
  CHECK(sj["superseded"].size() == 2);  // the review, and the award that relied on it
  CHECK(c.Ok("submission show --dir hub " + s).find("SUPERSEDED review.add") != std::string::npos);
  CHECK(c.Json("status --dir hub")["superseded"].size() == 2);
  CHECK(c.Ok("status --dir hub").find("superseded: 2 outcome(s)") != std::string::npos);

  c.Move("hub", "oak");
  nlohmann::json inbox = c.Json("inbox --dir oak" + std::string(kEd));
  std::vector<std::string> kinds;
  for (const auto& i : inbox["items"]) kinds.push_back(i["kind"]);
  CHECK(kinds == std::vector<std::string>{"superseded", "superseded"});
  CHECK(inbox["items"][1]["superseded"]["kind"] == "award.issue");
  CHECK(inbox["items"][1]["superseded"]["author_name"] == "Irene Issuer");
  CHECK(c.Ok("inbox --dir oak --all" + std::string(kEd))
            .find("award.issue " +
                  inbox["items"][1]["superseded"]["record"].get<std::string>().substr(0, 16) +
                  " (by Irene Issuer (") != std::string::npos);
}

TEST_CASE("review CLI: catalog show prints a card, --json the raw definition") {
  CliRunner c("credmesh-card-e2e");
  c.UseTestPassphrase();
  c.Ok("init --dir hub --hub --district 'Maple Valley'");
  c.Ok("person add --dir hub --name 'Irene Issuer' --email irene@maple.org --role issuer");
  c.Ok("catalog import --dir hub '" CREDMESH_SOURCE_DIR "/examples/catalog.json'" +
       std::string(kIrene));
  const std::string card = c.Ok("catalog show --dir hub fa-whole-class-decisions");
  size_t at = 0;
  for (const char* section :
       {"COMPETENCY", "KEY METHOD", "METHOD COMPONENTS", "SUPPORTING RESEARCH", "RESOURCES",
        "SUBMISSION REQUIREMENTS", "RUBRIC", "awarded when:"}) {
    CAPTURE(section);
    const size_t found = card.find(section, at);
    REQUIRE(found != std::string::npos);  // present, in this order
    at = found;
  }
  CHECK(card.find("    not-yet    1  No follow-up evidence of student learning") !=
        std::string::npos);
  CHECK(card.find("    exemplary  4  The check is aligned and diagnostic") != std::string::npos);
  CHECK(card.find("requires proof of student outcome") != std::string::npos);
  CHECK(card.find("student-outcome at least Proficient (3)") != std::string::npos);
  CHECK(card.find("\"min_level_score_each\"") == std::string::npos);  // not JSON
  nlohmann::json raw =
      nlohmann::json::parse(c.Ok("catalog show --dir hub fa-whole-class-decisions --json"));
  CHECK(raw["content"]["rubric"]["passing_rule"]["min_level_score_each"] == 2);
}

}  // namespace
}  // namespace credmesh::review_cli_test
