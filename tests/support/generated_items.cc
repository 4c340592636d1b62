#include "tests/support/generated_items.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <utility>
#include <variant>

namespace slamon::testing {

GeneratedItems::GeneratedItems(const events::GeneratorOptions& options, int partitions, std::string topic,
                               Spread spread)
    : gen_(options), topic_(std::move(topic)), spread_(spread), next_(static_cast<size_t>(partitions), 0) {}

std::vector<events::BatchItem> GeneratedItems::Take(int64_t count, bool valid_only) {
  std::vector<events::BatchItem> items;
  for (int64_t i = 0; i < count; ++i) {
    const events::GeneratedMessage m = gen_.Next();
    const size_t n = next_.size();
    const size_t p =
        spread_ == Spread::kByKey ? std::hash<std::string>{}(m.key) % n : static_cast<size_t>(taken_++) % n;
    auto decoded = decoder_.Decode(m.value);
    if (valid_only && !std::holds_alternative<events::Event>(decoded)) continue;
    events::BatchItem item;
    item.pos = {topic_, static_cast<int32_t>(p), next_[p]++};
    if (auto* e = std::get_if<events::Event>(&decoded)) {
      item.event = std::move(*e);
    } else {
      item.rejection = std::get<events::Rejection>(std::move(decoded));
    }
    items.push_back(std::move(item));
  }
  return items;
}

void AppendInBatches(events::EventStore& store, const std::vector<events::BatchItem>& items, size_t batch_size) {
  for (size_t begin = 0; begin < items.size(); begin += batch_size) {
    const auto first = items.begin() + static_cast<std::ptrdiff_t>(begin);
    const auto last = items.begin() + static_cast<std::ptrdiff_t>(std::min(items.size(), begin + batch_size));
    const std::vector<events::BatchItem> part(first, last);
    events::AppendResult r;
    ASSERT_TRUE(store.AppendBatch(part, &r).ok());
  }
}

}  // namespace slamon::testing
