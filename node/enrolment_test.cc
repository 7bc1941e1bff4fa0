#include "node/enrolment.h"

#include <doctest/doctest.h>

namespace credmesh {
namespace {

TEST_CASE("node/enrolment: a request round-trips and a tampered one is refused") {
  SigningKey key = SigningKey::Generate();
  auto req = EnrolmentRequest::Create(key, "Pine Elementary");
  auto back = EnrolmentRequest::Parse(req.ToJson());
  REQUIRE(back.ok());
  CHECK(back->node_key == key.public_key());
  CHECK(back->name == "Pine Elementary");
  std::string json = req.ToJson();
  json.replace(json.find("Pine Elementary"), 4, "Evil");
  auto tampered = EnrolmentRequest::Parse(json);
  CHECK(tampered.status().code() == Status::Code::kUnauthorized);
  CHECK_FALSE(EnrolmentRequest::Parse("{}").ok());
  CHECK_FALSE(EnrolmentRequest::Parse("not json").ok());
}

TEST_CASE("node/enrolment: bundles round-trip, malformed ones are refused") {
  CertificateBundle b;
  b.district = "valley";
  b.school = "pine";
  b.root_key = SigningKey::Generate().public_key();
  b.hub_key = SigningKey::Generate().public_key();
  b.hub_address = "tcp://10.0.0.1:7600";
  b.records = {Bytes{1, 2, 3}};
  auto back = CertificateBundle::Parse(b.ToJson());
  REQUIRE(back.ok());
  CHECK(back->records == b.records);
  CHECK(back->root_key == b.root_key);
  CHECK_FALSE(CertificateBundle::Parse("{\"format\":\"credmesh-certificate-bundle/1\"}").ok());
}

TEST_CASE("node/trust_records: slugs") {
  CHECK(Slugify("Valley USD") == "valley-usd");
  CHECK(Slugify("  St. Mary's -- K12 ") == "st-mary-s-k12");
  CHECK(Slugify("!!!") == "");
}

}  // namespace
}  // namespace credmesh
