// catalog_bodies.h: the record bodies of the catalog model (catalog_model.h)
// — the canonical Value form of a definition or stack that is signed and
// synced as a catalog.definition / catalog.stack record, and its strict
// inverse. Pure functions: no I/O, no exceptions escape.
#pragma once

#include "node/credentials/catalog_model.h"
#include "protocol/status.h"
#include "protocol/value.h"

namespace credmesh {

// ToBody is a pure function of the value, so equal values give
// byte-identical canonical encodings; optional fields are omitted when absent.
// FromBody validates strictly and accepts only the canonical form ToBody
// produces (no shorthands, no unknown keys): FromBody(b) ok implies
// ToBody(*FromBody(b)) == b. Errors are InvalidArgument with a path relative
// to the body, prefixed "definition body: " / "stack body: ".
Value DefinitionToBody(const CredentialDefinition& definition);
Result<CredentialDefinition> DefinitionFromBody(const Value& body);
Value StackToBody(const Stack& stack);
Result<Stack> StackFromBody(const Value& body);

}  // namespace credmesh
