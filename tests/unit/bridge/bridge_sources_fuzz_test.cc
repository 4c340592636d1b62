// Truncated, corrupted and type-confused payloads for every source of this
// file's set (Jira, Zoho Desk, Generic): Map must never crash or throw; it
// either maps to events slamon's decoder accepts, or refuses with 400
// (bad payload) or 422 (unmappable).
#include <cstdlib>
#include <functional>
#include <random>

#include "tests/support/webhook_fixtures.h"

namespace slamon::bridge {
namespace {

using testing::Fixture;
using testing::Request;

struct Subject {
  std::string label;
  std::unique_ptr<WebhookSource> source;
  std::vector<std::string> fixtures;
};

std::vector<Subject> Subjects() {
  setenv("FRESHDESK_WEBHOOK_TOKEN", "t", 1);
  setenv("FXIAOKE_WEBHOOK_SECRET", "t", 1);
  setenv("ZOHOCRM_WEBHOOK_TOKEN", "t", 1);
  std::vector<Subject> out;
  out.push_back({"jira",
                 testing::Build(&MakeJiraSource, "jira", "secret: s\ndefault_account: acme\n"),
                 {"jira/webhooks_issue_created.json", "jira/webhooks_comment_created_customer.json",
                  "jira/webhooks_issue_updated_commented_public_agent.json",
                  "jira/webhooks_issue_updated_status_resolved.json", "jira/webhooks_issue_updated_reopened.json"}});
  out.push_back(
      {"zoho",
       testing::Build(&MakeZohoSource, "zoho", "secret: s\ntoken_query: t\ndefault_account: acme\n"),
       {"zoho/webhook_ticket_add.json", "zoho/webhook_ticket_thread_add_agent_reply.json",
        "zoho/webhook_ticket_comment_add_public_agent.json", "zoho/webhook_ticket_update_reopened_prevstate.json",
        "zoho/webhook_ticket_update_no_prevstate.json"}});
  const YAML::Node example = YAML::LoadFile(std::string(SLAMON_SOURCE_DIR) + "/config/bridge.generic.example.yaml");
  for (const auto& entry : example["sources"]) {
    const std::string name = entry.first.as<std::string>();
    const YAML::Node section = entry.second;
    auto made = BuildSource(&MakeGenericSource, name, section);
    EXPECT_TRUE(made.ok()) << made.status().message();
    std::vector<std::string> files;
    for (const char* f :
         {"freshdesk_like_ticket_created.json", "freshdesk_like_reply_agent.json",
          "freshdesk_like_status_reopened.json", "freshdesk_like_survey.json", "fxiaoke_like_case_added.json",
          "fxiaoke_like_case_updated_status_priority.json", "fxiaoke_like_reply_agent.json",
          "fxiaoke_like_account_added.json", "fxiaoke_like_account_won_back.json", "zohocrm_account_saved.json",
          "zohocrm_deal_won.json"}) {
      if (std::string(f).rfind(name, 0) == 0) files.push_back(std::string("generic/") + f);
    }
    out.push_back({name, made.ok() ? made.take() : nullptr, files});
  }
  return out;
}

// Maps `body` and checks the contract; returns whether it mapped.
bool CheckContract(const Subject& s, const std::string& body, const std::string& what) {
  std::vector<MappedEvent> events;
  SourceError error{Rejection::kBadSignature, ""};
  bool ok = false;
  try {
    ok = s.source->Map(Request(body), &events, &error);
  } catch (const std::exception& e) {
    ADD_FAILURE() << s.label << " threw on " << what << ": " << e.what();
    return false;
  }
  if (ok) {
    for (const MappedEvent& e : events) {
      EXPECT_EQ(testing::DecoderVerdict(e.json), "") << s.label << " " << what << ": " << e.json;
      EXPECT_FALSE(e.key.empty()) << s.label << " " << what;
    }
  } else {
    EXPECT_TRUE(error.rejection == Rejection::kBadPayload || error.rejection == Rejection::kUnmappable)
        << s.label << " " << what;
    EXPECT_FALSE(error.reason.empty()) << s.label << " " << what;
    EXPECT_TRUE(events.empty()) << s.label << " " << what;
  }
  return ok;
}

// Every node of `doc`, one at a time, replaced by each value of another type.
void ForEachTypeConfusion(const nlohmann::json& doc, const std::function<void(const std::string&)>& visit) {
  const std::vector<nlohmann::json> replacements = {
      nullptr, 0, -1.5, "", true, nlohmann::json::array(), nlohmann::json::object(), "9999-99-99", 123456789012345};
  const nlohmann::json flat = doc.flatten();
  for (const auto& [pointer, unused] : flat.items()) {
    // Replace the leaf and each of its ancestors.
    nlohmann::json::json_pointer p(pointer);
    while (!p.empty()) {
      for (const nlohmann::json& r : replacements) {
        nlohmann::json copy = doc;
        copy[p] = r;
        visit(copy.dump());
      }
      p = p.parent_pointer();
    }
  }
}

TEST(BridgeSourcesFuzz, TruncatedPayloadsNeverCrash) {
  for (const Subject& s : Subjects()) {
    ASSERT_NE(s.source, nullptr) << s.label;
    ASSERT_FALSE(s.fixtures.empty()) << s.label;
    for (const std::string& file : s.fixtures) {
      const std::string body = Fixture(file);
      EXPECT_TRUE(CheckContract(s, body, file)) << "the intact fixture maps";
      for (size_t n = 0; n < body.size(); ++n)
        CheckContract(s, body.substr(0, n), file + " cut at " + std::to_string(n));
    }
  }
}

TEST(BridgeSourcesFuzz, CorruptedBytesNeverCrash) {
  std::mt19937 rng(20261120);  // fixed seed: failures reproduce
  const std::string noise = "{}[]\",:\\0123456789eE+-.nulltruefalse\x01\xff\xc3 ";
  for (const Subject& s : Subjects()) {
    ASSERT_NE(s.source, nullptr) << s.label;
    for (const std::string& file : s.fixtures) {
      const std::string body = Fixture(file);
      for (int round = 0; round < 300; ++round) {
        std::string mutated = body;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) mutated[rng() % mutated.size()] = noise[rng() % noise.size()];
        CheckContract(s, mutated, file + " mutation " + std::to_string(round));
      }
    }
  }
}

TEST(BridgeSourcesFuzz, TypeConfusionNeverCrashes) {
  for (const Subject& s : Subjects()) {
    ASSERT_NE(s.source, nullptr) << s.label;
    for (const std::string& file : s.fixtures) {
      const nlohmann::json doc = nlohmann::json::parse(Fixture(file));
      ForEachTypeConfusion(doc, [&](const std::string& body) { CheckContract(s, body, file + " confused"); });
    }
  }
}

TEST(BridgeSourcesFuzz, GarbageNeverCrashes) {
  const std::vector<std::string> garbage = {"",
                                            " ",
                                            "null",
                                            "true",
                                            "0",
                                            "\"text\"",
                                            "[]",
                                            "{}",
                                            "[null]",
                                            "[[]]",
                                            "[{}]",
                                            "{\"webhookEvent\":null}",
                                            "{\"webhookEvent\":\"comment_created\",\"issue\":{\"fields\":{}}}",
                                            "[{\"eventType\":\"Ticket_Thread_Add\",\"payload\":{}}]",
                                            "\xef\xbb\xbf{}",
                                            std::string(5000, '[') + std::string(5000, ']'),
                                            std::string("{\"a\":\"") + std::string(3, '\0') + "\"}"};
  for (const Subject& s : Subjects()) {
    ASSERT_NE(s.source, nullptr) << s.label;
    for (const std::string& body : garbage) CheckContract(s, body, "garbage of size " + std::to_string(body.size()));
  }
}

}  // namespace
}  // namespace slamon::bridge
