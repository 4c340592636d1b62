// A whole config file as field tables: the sections a config type C is read
// from, the sections other readers own (the projections' calendars and
// policies), and what follows from the rows: loading, the reload's
// restart-needed diff, check-config's summary and the reference.
// Immutable after construction; safe to share between threads.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "daemon/config/field_table.h"

namespace slamon::config {

/// What changed between two loaded configs, by "section.key".
struct FieldChanges {
  std::vector<std::string> live;     ///< rows a reload applies
  std::vector<std::string> restart;  ///< rows that keep their running value until a restart
};

template <typename C>
class ConfigSchema {
 public:
  /// `tables` in file order; a table named "a.b" is a mapping inside section
  /// "a" (whose table accepts the key "b"), one named "" holds keys of the
  /// top level itself. `other_sections` are top-level sections read
  /// elsewhere: accepted here, not read.
  ConfigSchema(std::vector<FieldTable<C>> tables, std::vector<std::string> other_sections = {})
      : tables_(std::move(tables)), other_sections_(std::move(other_sections)) {}

  const std::vector<FieldTable<C>>& tables() const { return tables_; }
  const std::vector<std::string>& other_sections() const { return other_sections_; }

  /// C with every row's default.
  C Defaults() const {
    C c;
    for (const auto& t : tables_) t.ApplyDefaults(c);
    return c;
  }

  /// Rejects unknown top-level sections and reads every table into `c`
  /// (defaults first). Problems are collected in `r`; the caller throws.
  void Read(YamlReader& r, C& c) const {
    bool top_table = false;
    for (const auto& t : tables_) top_table = top_table || t.name().empty();
    // A table named "" holds top-level keys and checks the top level itself.
    if (!top_table) r.CheckKeys(r.root(), "", Subsections(""));
    for (const auto& t : tables_) t.ApplyDefaults(c);
    for (const auto& t : tables_) t.Read(r, c, Subsections(t.name()));
  }

  /// The rows whose values differ, split by when they apply.
  FieldChanges Diff(const C& a, const C& b) const {
    FieldChanges out;
    for (const auto& t : tables_) {
      for (auto& k : t.Changed(a, b, Apply::kLive)) out.live.push_back(std::move(k));
      for (auto& k : t.Changed(a, b, Apply::kRestart)) out.restart.push_back(std::move(k));
    }
    return out;
  }

  /// Sets every row that `apply` applies to its value in `from` (a reload:
  /// the live rows of the new config over the running one).
  void Copy(Apply apply, const C& from, C& to) const {
    for (const auto& t : tables_) t.Copy(apply, from, to);
  }

  /// One (section, "key value; ...") pair per table, for check-config; with
  /// `changed_only`, the values that differ from their defaults ("" for a
  /// section where none does).
  std::vector<std::pair<std::string, std::string>> Summary(const C& c, bool changed_only = false) const {
    const C defaults = Defaults();
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& t : tables_) out.emplace_back(t.name(), t.Summary(c, defaults, changed_only));
    return out;
  }

  std::vector<SectionInfo> Describe() const {
    std::vector<SectionInfo> out;
    for (const auto& t : tables_) out.push_back(t.Describe());
    return out;
  }

 private:
  // The last segment of every table named "<parent>.<segment>"; for the top
  // level (""), every top-level table and the sections read elsewhere.
  std::vector<std::string> Subsections(const std::string& parent) const {
    std::vector<std::string> out;
    if (parent.empty()) out = other_sections_;
    for (const auto& t : tables_) {
      const std::string& n = t.name();
      if (parent.empty()) {
        if (!n.empty() && n.find('.') == std::string::npos) out.push_back(n);
      } else if (n.size() > parent.size() + 1 && n.compare(0, parent.size(), parent) == 0 && n[parent.size()] == '.' &&
                 n.find('.', parent.size() + 1) == std::string::npos) {
        out.push_back(n.substr(parent.size() + 1));
      }
    }
    return out;
  }

  std::vector<FieldTable<C>> tables_;
  std::vector<std::string> other_sections_;
};

}  // namespace slamon::config
