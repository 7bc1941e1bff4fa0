// Headers precompiled once per build tree and reused by every test binary
// (root CMakeLists.txt, credmesh_test_pch): at -O0, parsing these was about
// half of compiling a batch of tests. Only widely used, stable headers.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
