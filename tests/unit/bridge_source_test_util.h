// Helpers for the webhook source tests: fixtures, requests, signatures and
// comparing mapped events with expected JSON.
#pragma once

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/source.h"
#include "daemon/bridge/sources.h"
#include "events/codec.h"

namespace slamon::bridge::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string Fixture(const std::string& relative) {
  return ReadFile(std::string(SLAMON_SOURCE_DIR) + "/tests/fixtures/webhooks/" + relative);
}

inline std::unique_ptr<WebhookSource> Build(SourceFactory factory, const std::string& name, const std::string& yaml) {
  auto made = BuildSource(factory, name, YAML::Load(yaml));
  EXPECT_TRUE(made.ok()) << made.status().message();
  return made.ok() ? made.take() : nullptr;
}

inline std::string BuildError(SourceFactory factory, const std::string& yaml) {
  auto made = BuildSource(factory, "src", YAML::Load(yaml));
  EXPECT_FALSE(made.ok());
  return made.ok() ? std::string() : made.status().message();
}

inline WebhookRequest Request(std::string body, std::map<std::string, std::string> headers = {},
                              std::map<std::string, std::string> query = {}) {
  WebhookRequest r;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.query = std::move(query);
  r.received_unix_s = 1795137400;
  return r;
}

/// Whether slamon's own decoder accepts `json` as an event ("" when it does, else the detail).
inline std::string DecoderVerdict(const std::string& json) {
  events::Decoder decoder;
  events::DecodeResult result = decoder.Decode(json);
  if (std::holds_alternative<events::Event>(result)) return {};
  const auto& rejection = std::get<events::Rejection>(result);
  return rejection.detail.empty() ? "rejected" : rejection.detail;
}

/// Maps `request`; fails the test when the mapping fails or an event is not
/// one slamon would store.
inline std::vector<nlohmann::json> MapOk(const WebhookSource& source, const WebhookRequest& request) {
  std::vector<MappedEvent> events;
  SourceError error{Rejection::kBadPayload, ""};
  const bool ok = source.Map(request, &events, &error);
  EXPECT_TRUE(ok) << error.reason;
  std::vector<nlohmann::json> out;
  for (const MappedEvent& e : events) {
    EXPECT_EQ(DecoderVerdict(e.json), "") << e.json;
    nlohmann::json j = nlohmann::json::parse(e.json);
    EXPECT_EQ(e.key, j.value("account_id", "")) << "the Kafka key is the account id";
    out.push_back(std::move(j));
  }
  return out;
}

/// Maps `request` expecting a rejection; returns it.
inline SourceError MapFails(const WebhookSource& source, const WebhookRequest& request) {
  std::vector<MappedEvent> events;
  SourceError error{Rejection::kBadSignature, ""};
  EXPECT_FALSE(source.Map(request, &events, &error));
  EXPECT_TRUE(events.empty());
  EXPECT_FALSE(error.reason.empty());
  return error;
}

inline SourceError VerifyFails(const WebhookSource& source, const WebhookRequest& request) {
  SourceError error{Rejection::kUnmappable, ""};
  EXPECT_FALSE(source.Verify(request, &error));
  EXPECT_EQ(error.rejection, Rejection::kBadSignature);
  return error;
}

inline bool Verifies(const WebhookSource& source, const WebhookRequest& request) {
  SourceError error{Rejection::kUnmappable, ""};
  const bool ok = source.Verify(request, &error);
  EXPECT_TRUE(ok) << error.reason;
  return ok;
}

/// Every event of `actual` equals the matching JSON text of `expected`, in order.
inline void ExpectEvents(const std::vector<nlohmann::json>& actual, const std::vector<std::string>& expected) {
  ASSERT_EQ(actual.size(), expected.size()) << nlohmann::json(actual).dump();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i], nlohmann::json::parse(expected[i])) << "event " << i << ": " << actual[i].dump();
  }
}

}  // namespace slamon::bridge::testing
