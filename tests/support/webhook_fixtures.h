// The webhook fixtures of tests/fixtures/webhooks: one ticket's life per
// vendor, signed the way the vendor signs, as requests the bridge receives.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/source.h"
#include "events/codec.h"

namespace slamon::testing {

inline std::string FixtureDir() { return std::string(SLAMON_SOURCE_DIR) + "/tests/fixtures/webhooks"; }

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The secrets in tests/fixtures/webhooks/sources.yaml.
inline constexpr const char* kZendeskSecret = "test-zendesk-signing-secret";
inline constexpr const char* kJiandaoyunSecret = "test-jdy-secret";

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

/// A fixture as the request its vendor sends. Zendesk (both folders): signed
/// at the body's `time` (received one second later). Jiandaoyun: nonce and timestamp in the
/// query, the delivery id derived from the file name.
inline bridge::WebhookRequest SignedRequest(const std::string& vendor, const std::string& file) {
  bridge::WebhookRequest r;
  r.body = ReadWholeFile(file);
  const std::string stem = std::filesystem::path(file).stem().string();
  if (vendor.starts_with("zendesk")) {
    auto body = YAML::Load(r.body);  // JSON is YAML
    const std::string ts = body["time"].as<std::string>().substr(0, 19) + "Z";
    r.headers["x-zendesk-webhook-signature-timestamp"] = ts;
    r.headers["x-zendesk-webhook-signature"] = bridge::Base64Encode(bridge::HmacSha256(kZendeskSecret, ts + r.body));
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

/// The query string of `r` ("?nonce=…&timestamp=…" or "").
inline std::string QueryString(const bridge::WebhookRequest& r) {
  std::string q;
  for (const auto& [k, v] : r.query) q += (q.empty() ? "?" : "&") + k + "=" + v;
  return q;
}

}  // namespace slamon::testing
