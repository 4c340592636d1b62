#include "tests/support/event_json.h"

#include "events/codec.h"

namespace slamon::testing {
namespace {

constexpr int64_t kDay = 86400;

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string EventJson(const std::string& id, const std::string& type, int64_t t, const std::string& account,
                      const std::string& extra) {
  return "{\"id\":" + Quoted(id) + ",\"type\":" + Quoted(type) + ",\"occurred_at\":\"" + events::FormatRfc3339(t) +
         "\",\"account_id\":" + Quoted(account) + extra + "}";
}

void EventMessages::Add(const std::string& account, int64_t t, const std::string& type, const std::string& extra) {
  const std::string id = prefix_ + "-" + std::to_string(messages_.size());
  messages_.emplace_back(account, EventJson(id, type, t, account, extra));
}

KeyedMessages AtRiskHistory(const AtRiskAccounts& who, int64_t now) {
  EventMessages out(who.id_prefix);
  for (int a = 0; a < who.count; ++a) {
    const std::string account = who.account_prefix + std::to_string(a);
    out.Add(account, now - 10 * kDay, "account.upserted",
            ",\"name\":\"" + who.name_prefix + std::to_string(a) + "\",\"tier\":\"A\",\"owner\":\"" + who.owner + "\"");
    for (int64_t t = 0; t < 3; ++t) {
      const std::string ticket = ",\"ticket_id\":\"" + account + "-T" + std::to_string(t) + "\"";
      out.Add(account, now - 5 * kDay + t * 600 + a, "ticket.opened", ticket + ",\"priority\":\"high\"");
      if (t < 2) {
        out.Add(account, now - 4 * kDay + t * 600, "ticket.resolved", ticket);
        out.Add(account, now - 3 * kDay + t * 600, "ticket.reopened", ticket);
        out.Add(account, now - 2 * kDay + t * 600, "ticket.reopened", ticket);
      }
      out.Add(account, now - kDay + t * 600, "survey.answered", ticket + ",\"score\":1");
    }
  }
  return out.messages();
}

}  // namespace slamon::testing
