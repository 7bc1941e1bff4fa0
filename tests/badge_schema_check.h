// badge_schema_check.h: checks exported badges and CLRs against the official
// 1EdTech OB 3.0 AchievementCredential JSON Schema (tests/data/ob3/), offline,
// with tests/badge_schema_check.py (python3-jsonschema).
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/cli_runner.h"

namespace credmesh {

// Requires the schema to accept every file in `files` (names in c's scratch
// directory; a .jwt is checked by its payload).
inline void BadgeSchemaAccepts(const CliRunner& c, const std::vector<std::string>& files) {
  std::string cmd =
      "python3 '" CREDMESH_SOURCE_DIR "/tests/badge_schema_check.py' '" CREDMESH_SOURCE_DIR
      "/tests/data/ob3/ob_v3p0_achievementcredential_schema.json'";
  for (const auto& f : files) cmd += " '" + c.File(f) + "'";
  CliResult r = c.RunShell(cmd);
  INFO(r.output());
  CHECK(r.exit_code == 0);
}

}  // namespace credmesh
