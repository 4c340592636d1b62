// Small builders of prometheus-cpp client families, shared by the
// collectors that compute their series at scrape time.
#pragma once

#include <prometheus/metric_family.h>

#include <string>

namespace slamon::daemon {

inline prometheus::MetricFamily Family(const std::string& name, const std::string& help, prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

}  // namespace slamon::daemon
