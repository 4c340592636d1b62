// Events as the JSON a producer sends, for tests that write them to Kafka or
// to a file: one event, a keyed list with numbered ids, and a ready-made
// history that puts accounts at risk.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace slamon::testing {

/// `{"id":ID,"type":TYPE,"occurred_at":RFC 3339 of t,"account_id":ACCOUNT` then
/// `extra` verbatim (",\"ticket_id\":\"T-1\"", or "") and `}`. The strings are
/// quoted as JSON (an account id may hold quotes or markup).
std::string EventJson(const std::string& id, const std::string& type, int64_t t, const std::string& account,
                      const std::string& extra = "");

/// Kafka messages: the account id as the key, the event's JSON as the value.
using KeyedMessages = std::vector<std::pair<std::string, std::string>>;

/// Builds KeyedMessages whose ids are `prefix`-0, `prefix`-1, ... in the order added.
class EventMessages {
 public:
  explicit EventMessages(std::string id_prefix) : prefix_(std::move(id_prefix)) {}
  void Add(const std::string& account, int64_t t, const std::string& type, const std::string& extra = "");
  const KeyedMessages& messages() const { return messages_; }

 private:
  std::string prefix_;
  KeyedMessages messages_;
};

/// Who the accounts of AtRiskHistory are.
struct AtRiskAccounts {
  std::string id_prefix;       ///< event ids id_prefix-N
  std::string account_prefix;  ///< account ids account_prefix0, account_prefix1, ...
  std::string name_prefix;     ///< names "name_prefix0", ...
  std::string owner;
  int count = 3;
};
/// Per account, up to `now`: an A-tier account (upserted 10 days ago), three
/// high-priority tickets nobody answered for days, reopened more often than
/// resolved, and unhappy surveys: health level at_risk.
KeyedMessages AtRiskHistory(const AtRiskAccounts& who, int64_t now);

}  // namespace slamon::testing
