// The webhook fixtures of tests/fixtures/webhooks (one ticket's life per
// vendor, signed the way the vendor signs, as requests the bridge receives)
// and helpers for the bridge's source tests: building a source from YAML,
// mapping a request, comparing mapped events with expected JSON.
#pragma once

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/source.h"
#include "daemon/bridge/sources.h"
#include "events/codec.h"
#include "tests/support/files.h"
#include "tests/support/raw_http.h"

namespace slamon::testing {

inline std::string FixtureDir() { return std::string(SLAMON_SOURCE_DIR) + "/tests/fixtures/webhooks"; }

/// The text of tests/fixtures/webhooks/`relative`; fails the test when it does not exist.
inline std::string Fixture(const std::string& relative) {
  const std::string path = FixtureDir() + "/" + relative;
  EXPECT_TRUE(std::filesystem::exists(path)) << "cannot read " << path;
  return ReadFile(path);
}

/// The secrets in tests/fixtures/webhooks/sources.yaml.
inline constexpr const char* kZendeskSecret = "test-zendesk-signing-secret";
inline constexpr const char* kJiandaoyunSecret = "test-jdy-secret";

/// tests/fixtures/webhooks/sources.yaml indented to go under a bridge config's `sources:`.
inline std::string FixtureSourcesSection() {
  const std::string sources = Fixture("sources.yaml");
  std::string indented;
  for (size_t start = 0; start < sources.size();) {
    size_t end = sources.find('\n', start);
    if (end == std::string::npos) end = sources.size();
    indented += "  " + sources.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return indented;
}

/// Body files of one vendor folder ("zendesk", "zendesk-organizations",
/// "jiandaoyun"), in delivery order.
inline std::vector<std::string> FixtureFiles(const std::string& vendor) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(FixtureDir() + "/" + vendor)) {
    const std::string p = entry.path().string();
    if (p.ends_with(".json")) files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// Signs a Zendesk request at `ts` (RFC 3339) the way Zendesk does.
inline void SignZendesk(const std::string& ts, bridge::WebhookRequest* r) {
  r->headers["x-zendesk-webhook-signature-timestamp"] = ts;
  r->headers["x-zendesk-webhook-signature"] = bridge::Base64Encode(bridge::HmacSha256(kZendeskSecret, ts + r->body));
}

/// A fixture as the request its vendor sends. Zendesk (both folders): signed
/// at the body's `time` (received one second later). Jiandaoyun: nonce and timestamp in the
/// query, the delivery id derived from the file name.
inline bridge::WebhookRequest SignedRequest(const std::string& vendor, const std::string& file) {
  bridge::WebhookRequest r;
  r.body = ReadFile(file);
  const std::string stem = std::filesystem::path(file).stem().string();
  if (vendor.starts_with("zendesk")) {
    auto body = YAML::Load(r.body);  // JSON is YAML
    const std::string ts = body["time"].as<std::string>().substr(0, 19) + "Z";
    SignZendesk(ts, &r);
    int64_t t = 0;
    events::ParseRfc3339(ts, &t);
    r.received_unix_s = t + 1;
  } else {
    r.query["nonce"] = "n" + stem.substr(10, 2);
    r.query["timestamp"] = "1795136400";
    r.headers["x-jdy-deliverid"] = "deliver-" + stem.substr(10, 2);
    r.headers["x-jdy-signature"] = bridge::HexEncode(
        bridge::Sha1(r.query["nonce"] + ":" + r.body + ":" + kJiandaoyunSecret + ":" + r.query["timestamp"]));
    r.received_unix_s = 1795136401;
  }
  return r;
}

/// SignedRequest, with a Zendesk fixture signed now: the bridge measures its
/// replay window against its own clock.
inline bridge::WebhookRequest SignedNow(const std::string& vendor, const std::string& file) {
  bridge::WebhookRequest r = SignedRequest(vendor, file);
  if (vendor == "zendesk") SignZendesk(events::FormatRfc3339(std::time(nullptr)), &r);
  return r;
}

/// The query string of `r` ("?nonce=…&timestamp=…" or "").
inline std::string QueryString(const bridge::WebhookRequest& r) {
  std::string q;
  for (const auto& [k, v] : r.query) q += (q.empty() ? "?" : "&") + k + "=" + v;
  return q;
}

/// POSTs `r` to 127.0.0.1:port`path` on a fresh connection; the response, status -1 when none came in `timeout`.
inline RawConnection::Response PostWebhook(int port, const std::string& path, const bridge::WebhookRequest& r,
                                           std::chrono::milliseconds timeout) {
  RawConnection c(port);
  std::string req = "POST " + path + QueryString(r) + " HTTP/1.1\r\nHost: x\r\n";
  for (const auto& [k, v] : r.headers) req += k + ": " + v + "\r\n";
  req += "Content-Length: " + std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n" + r.body;
  if (!c.Send(req)) return {};
  return c.Read(timeout);
}

/// A source made by `factory` from `yaml`; fails the test (and returns nullptr) when it is refused.
inline std::unique_ptr<bridge::WebhookSource> Build(bridge::SourceFactory factory, const std::string& name,
                                                    const std::string& yaml) {
  auto made = BuildSource(factory, name, YAML::Load(yaml));
  EXPECT_TRUE(made.ok()) << made.status().message();
  return made.ok() ? made.take() : nullptr;
}

/// Why `factory` refuses `yaml`; fails the test when it accepts it.
inline std::string BuildError(bridge::SourceFactory factory, const std::string& yaml) {
  auto made = BuildSource(factory, "src", YAML::Load(yaml));
  EXPECT_FALSE(made.ok());
  return made.ok() ? std::string() : made.status().message();
}

inline bridge::WebhookRequest Request(std::string body, std::map<std::string, std::string> headers = {},
                                      std::map<std::string, std::string> query = {}) {
  bridge::WebhookRequest r;
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
inline std::vector<nlohmann::json> MapOk(const bridge::WebhookSource& source, const bridge::WebhookRequest& request) {
  std::vector<bridge::MappedEvent> events;
  bridge::SourceError error{bridge::Rejection::kBadPayload, ""};
  const bool ok = source.Map(request, &events, &error);
  EXPECT_TRUE(ok) << error.reason;
  std::vector<nlohmann::json> out;
  for (const bridge::MappedEvent& e : events) {
    EXPECT_EQ(DecoderVerdict(e.json), "") << e.json;
    nlohmann::json j = nlohmann::json::parse(e.json);
    EXPECT_EQ(e.key, j.value("account_id", "")) << "the Kafka key is the account id";
    out.push_back(std::move(j));
  }
  return out;
}

/// Maps `request` expecting a rejection; returns it.
inline bridge::SourceError MapFails(const bridge::WebhookSource& source, const bridge::WebhookRequest& request) {
  std::vector<bridge::MappedEvent> events;
  bridge::SourceError error{bridge::Rejection::kBadSignature, ""};
  EXPECT_FALSE(source.Map(request, &events, &error));
  EXPECT_TRUE(events.empty());
  EXPECT_FALSE(error.reason.empty());
  return error;
}

inline bridge::SourceError VerifyFails(const bridge::WebhookSource& source, const bridge::WebhookRequest& request) {
  bridge::SourceError error{bridge::Rejection::kUnmappable, ""};
  EXPECT_FALSE(source.Verify(request, &error));
  EXPECT_EQ(error.rejection, bridge::Rejection::kBadSignature);
  return error;
}

inline bool Verifies(const bridge::WebhookSource& source, const bridge::WebhookRequest& request) {
  bridge::SourceError error{bridge::Rejection::kUnmappable, ""};
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

}  // namespace slamon::testing
