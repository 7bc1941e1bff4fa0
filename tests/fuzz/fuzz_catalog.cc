// libFuzzer target for catalog files: ParseCatalogJson (strict JSON, then
// the catalog rules) on arbitrary text. Besides crashes and sanitizer
// reports it aborts when a catalog that parsed does not survive
// CatalogToJson -> ParseCatalogJson unchanged. Build: tests/fuzz/README.md.
#include <cstdlib>
#include <string_view>

#include "node/credentials/catalog_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto catalog = credmesh::ParseCatalogJson(text);
  if (!catalog.ok()) return 0;
  auto again = credmesh::ParseCatalogJson(credmesh::CatalogToJson(*catalog));
  if (!again.ok() || !(*again == *catalog)) std::abort();
  return 0;
}
