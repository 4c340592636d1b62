#include "daemon/bridge/jiandaoyun_push.h"

#include <optional>

#include "daemon/bridge/mapping_util.h"
#include "daemon/bridge/source_config.h"

namespace slamon::bridge::jiandaoyun {

bool Verify(const WebhookRequest& request, const std::vector<std::string>& secrets, SourceError* error,
            size_t* matched) {
  const std::string signature = request.Header("x-jdy-signature");
  auto nonce = request.query.find("nonce");
  auto timestamp = request.query.find("timestamp");
  if (signature.empty() || nonce == request.query.end() || timestamp == request.query.end()) {
    *error = {Rejection::kBadSignature, "missing X-JDY-Signature header or nonce/timestamp query parameter"};
    return false;
  }
  const auto match = MatchSecret(secrets, signature, [&](const std::string& secret) {
    return HexEncode(Sha1(nonce->second + ":" + request.body + ":" + secret + ":" + timestamp->second));
  });
  if (!match) {
    *error = {Rejection::kBadSignature, "signature does not match"};
    return false;
  }
  *matched = *match;
  return true;
}

bool ParsePush(const WebhookRequest& request, Push* push, bool* mapped, SourceError* error) {
  *mapped = false;
  nlohmann::json body;
  if (!ParseJsonObject(request.body, &body, error)) return false;
  push->op = JsonText(body, "op");
  if (push->op.empty() || !body.contains("data") || !body["data"].is_object()) {
    *error = {Rejection::kBadPayload, "not a Jiandaoyun data push: needs op and data"};
    return false;
  }
  if (push->op != "data_create" && push->op != "data_update") return true;  // data_remove and others
  push->data = std::move(body["data"]);
  push->delivery = request.Header("x-jdy-deliverid");
  if (push->delivery.empty()) return Unmappable(error, "X-JDY-DeliverId header is missing");
  push->record = JsonText(push->data, "_id");
  if (push->record.empty()) return Unmappable(error, "data._id is missing");
  const nlohmann::json& data = push->data;
  auto created = data.contains("createTime") ? NormalizeJsonTimestamp(data["createTime"]) : std::nullopt;
  auto updated = data.contains("updateTime") ? NormalizeJsonTimestamp(data["updateTime"]) : std::nullopt;
  if (!created) return Unmappable(error, "data.createTime is missing or not a timestamp");
  push->created_at = *created;
  push->changed_at = updated ? *updated : *created;
  *mapped = true;
  return true;
}

std::string WidgetText(const nlohmann::json& data, const std::string& widget) {
  if (widget.empty() || !data.contains(widget)) return {};
  const nlohmann::json& v = data[widget];
  if (v.is_object()) return JsonText(v, "name");
  return ScalarText(&v);
}

std::string MemberId(const nlohmann::json& data, const std::string& widget) {
  if (widget.empty() || !data.contains(widget)) return {};
  const nlohmann::json& v = data[widget];
  if (v.is_object()) return JsonText(v, "username");
  return ScalarText(&v);
}

const std::vector<std::string>& FormKinds() {
  static const std::vector<std::string> kKinds = {"tickets", "accounts", "orders", "followups"};
  return kKinds;
}

}  // namespace slamon::bridge::jiandaoyun
