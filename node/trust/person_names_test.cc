#include "node/trust/person_names.h"

#include <doctest/doctest.h>

#include <string>

namespace credmesh {
namespace {

bool NameSays(const std::string& name, const std::string& part) {
  Status s = ValidatePersonName(name);
  return !s.ok() && s.message().find(part) != std::string::npos;
}

TEST_CASE("person_names: ordinary names pass, including non-ASCII") {
  CHECK(ValidatePersonName("Ed").ok());
  CHECK(ValidatePersonName("Ed Educator").ok());
  CHECK(ValidatePersonName("Zo\xc3\xab O'Brien-N\xc3\xba\xc3\xb1\x65z").ok());  // Zoë O'Brien-Núñez
  CHECK(ValidatePersonName("\xe7\x8e\x8b\xe8\x8a\xb3").ok());                   // 王芳
  CHECK(ValidatePersonName(std::string(kMaxPersonName, 'a')).ok());
}

TEST_CASE("person_names: empty, long, padded, control and bidi names are refused") {
  CHECK(NameSays("", "empty"));
  CHECK(NameSays(std::string(kMaxPersonName + 1, 'a'), "at most 128"));
  CHECK(NameSays(" Ed", "space"));
  CHECK(NameSays("Ed ", "space"));
  CHECK(NameSays("Ed\nEducator", "control character (U+000A)"));
  CHECK(NameSays(std::string("Ed\0x", 4), "control character (U+0000)"));
  CHECK(NameSays("Ed\x7f", "control character (U+007F)"));
  CHECK(NameSays("Ed\xc2\x85", "control character (U+0085)"));  // NEL
  CHECK(NameSays("Ed\xe2\x80\xa8x", "line separator (U+2028)"));
  // NOLINTBEGIN(misc-misleading-bidirectional): escaped bidi overrides, on purpose
  CHECK(NameSays("Ed\xe2\x80\xaa", "bidi override (U+202A)"));
  CHECK(NameSays("\xe2\x80\xaerotacudE dE", "bidi override (U+202E)"));  // RLO
  CHECK(NameSays("Ed\xe2\x81\xa6x", "bidi override (U+2066)"));
  // NOLINTEND(misc-misleading-bidirectional)
  CHECK(NameSays("Ed\xe2\x81\xa9", "bidi override (U+2069)"));
  CHECK(NameSays("Ed\xff", "UTF-8"));
  CHECK(NameSays("Ed\xe2\x80\xa9x", "line separator (U+2029)"));
  // Neighbours of the refused ranges pass.
  CHECK(ValidatePersonName("Ed\xe2\x80\xafx").ok());  // U+202F narrow no-break space
  CHECK(ValidatePersonName("Ed\xe2\x81\xa5x").ok());  // U+2065 (unassigned, not bidi)
  CHECK(ValidatePersonName("Ed\xc2\xa0x").ok());      // U+00A0 no-break space
}

TEST_CASE("person_names: e-mail syntax") {
  CHECK(ValidateEmail("ed@pine.org").ok());
  CHECK(ValidateEmail("ed.o'neil+pd@mail.pine-elementary.k12.us").ok());
  for (const char* bad :
       {"", "ed", "ed@", "@pine.org", "ed@pine", "ed@@pine.org", "ed@pine..org", "ed@-pine.org",
        "ed@pine-.org", "ed@pine.org.", ".ed@pine.org", "ed.@pine.org", "e..d@pine.org",
        "ed smith@pine.org", "ed@pi ne.org",
        // NOLINTNEXTLINE(misc-misleading-bidirectional): an escaped override, on purpose
        "ed\n@pine.org", "ed@pine.org\xe2\x80\xae", "\xc3\xa9@pine.org"}) {
    INFO(bad);
    Status s = ValidateEmail(bad);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find("not valid") != std::string::npos);
  }
  CHECK_FALSE(ValidateEmail(std::string(65, 'e') + "@pine.org").ok());
  CHECK_FALSE(ValidateEmail("ed@" + std::string(64, 'p') + ".org").ok());
  CHECK_FALSE(ValidateEmail("ed@" + std::string(250, 'p') + ".org").ok());
}

TEST_CASE("person_names: the comparison form folds ASCII case and spaces") {
  CHECK(PersonNameKey("Ed  Educator") == PersonNameKey("ed educator"));
  CHECK(PersonNameKey("ED EDUCATOR") == "ed educator");
  CHECK(PersonNameKey("Ed Educator") != PersonNameKey("Ed Educato"));
  CHECK(PersonNameKey("Zo\xc3\xab") != PersonNameKey("Zoe"));
}

}  // namespace
}  // namespace credmesh
