// Config as data: every setting of a section is one row of a field table,
// in the manner of kvrocks' src/config/config.cc. A row holds the key, its
// type and parser, the default, the bounds, whether a reload applies it or
// only a restart does, and one line of documentation:
//
//   Int("batch_max_messages", At(&C::kafka, &KafkaSettings::batch_max_messages), 20000, {1, 100000},
//       Apply::kRestart, "Messages stored per batch at most."),
//
// Loading (defaults, parsing, bounds, unknown-key rejection), the
// restart-needed diff of a reload, check-config's summary and the generated
// configuration reference all come from the rows, so a new setting is one
// row plus the code that uses it.
//
// Rows bind to the loaded config type C through an Accessor (a member path
// or a getter/setter pair), so two loaded configs can be compared row by row.
// Tables are immutable after construction and may be shared between threads;
// reading goes through one YamlReader, which is not thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/config/field_rows.h"
#include "daemon/config/yaml_reader.h"

namespace slamon::config {

/// What a section's cross-field checks see: where to report, and what the
/// file gave.
class SectionCheck {
 public:
  SectionCheck(YamlReader& reader, YAML::Node section, std::string name)
      : reader_(reader), section_(std::move(section)), name_(std::move(name)) {}

  /// Reports `problem` for "section.key", at the line of `at_key` (by
  /// default the key itself) when the file gives it, at the section's
  /// otherwise.
  void Fail(std::string_view key, std::string_view problem, std::string_view at_key = {}) {
    if (at_key.empty()) at_key = key;
    reader_.Problem(Has(at_key) ? Node(at_key) : section_, YamlReader::Join(name_, key), problem);
  }
  /// Reports `problem` for the section as a whole, at its line.
  void FailSection(std::string_view problem) {
    reader_.Problem(section_, name_.empty() ? "(top level)" : name_, problem);
  }
  /// Whether the file (or an override) gives `key` in this section.
  bool Has(std::string_view key) const {
    const YAML::Node n = Node(key);
    return n.IsDefined() && !n.IsNull();
  }
  /// Whether the section itself is given.
  bool present() const { return section_.IsDefined() && !section_.IsNull(); }
  const std::string& name() const { return name_; }

 private:
  YAML::Node Node(std::string_view key) const {
    if (!section_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& view = section_;  // const lookup: a missing key is not added
    return view[std::string(key)];
  }

  YamlReader& reader_;
  YAML::Node section_;
  std::string name_;
};

/// The rows of one section, and its cross-field checks.
template <typename C>
class FieldTable {
 public:
  /// Runs after the rows were read without a problem; reports through the SectionCheck.
  using Check = std::function<void(const C&, SectionCheck&)>;

  FieldTable(std::string name, std::string doc, std::vector<Field<C>> fields, std::vector<Check> checks = {})
      : name_(std::move(name)), doc_(std::move(doc)), fields_(std::move(fields)), checks_(std::move(checks)) {}

  const std::string& name() const { return name_; }
  const std::vector<Field<C>>& fields() const { return fields_; }

  /// The reference's heading for this table, when it is not the name.
  FieldTable Title(std::string title) && {
    title_ = std::move(title);
    return std::move(*this);
  }

  /// Keys of a format slamon shares but does not implement: reported as
  /// "not supported by slamon (remove it)" rather than as unknown.
  FieldTable Unsupported(std::vector<std::string> keys) && {
    unsupported_ = std::move(keys);
    return std::move(*this);
  }

  void ApplyDefaults(C& c) const {
    for (const auto& f : fields_) f.set_default(c);
  }

  /// Reads the section at this table's name in the document (the top level
  /// for a table named "").
  void Read(YamlReader& r, C& c, const std::vector<std::string>& subsections = {}) const {
    Read(r, name_.empty() ? r.root() : r.At(name_), name_, c, subsections);
  }

  /// Reads `section` (a mapping, null or absent), naming it `name` in
  /// messages ("sources.zd" for a section whose name is data). Keys that are
  /// neither rows nor `subsections` are reported; values keep their
  /// defaults where the file gives none or gives a bad one (then reported).
  void Read(YamlReader& r, const YAML::Node& section, const std::string& name, C& c,
            const std::vector<std::string>& subsections = {}) const {
    const size_t before = r.problems().size();
    std::vector<std::string> known = subsections;
    for (const auto& f : fields_) known.push_back(f.info.key);
    r.CheckKeys(section, name, known, unsupported_);
    if (section.IsMap()) {
      const YAML::Node& view = section;  // const lookup: a missing key is not added
      for (const auto& f : fields_) {
        const std::string field = YamlReader::Join(name, f.info.key);
        const YAML::Node value = view[f.info.key];
        if (value.IsDefined() && !value.IsNull()) {
          f.read(r, value, field, c);
        } else if (f.info.required) {
          r.Problem(section, field, "is required");
        }
      }
    }
    if (r.problems().size() != before) return;  // checks would only repeat a problem in other words
    SectionCheck check(r, section, name);
    for (const auto& k : checks_) k(c, check);
  }

  /// The keys ("section.key") whose values differ between `a` and `b` among
  /// the rows that `apply` applies.
  std::vector<std::string> Changed(const C& a, const C& b, Apply apply) const {
    std::vector<std::string> out;
    for (const auto& f : fields_) {
      if (f.info.apply == apply && !f.same(a, b)) out.push_back(YamlReader::Join(name_, f.info.key));
    }
    return out;
  }

  /// Sets every row that `apply` applies to its value in `from`.
  void Copy(Apply apply, const C& from, C& to) const {
    for (const auto& f : fields_) {
      if (f.info.apply == apply) f.copy(to, from);
    }
  }

  /// "key value; key value" in row order, secrets as "(set)" or "(not set)";
  /// with `changed_only`, just the rows whose value differs from `defaults`
  /// ("" when none does).
  std::string Summary(const C& c, const C& defaults, bool changed_only = false) const {
    std::string out;
    for (const auto& f : fields_) {
      const bool is_default = f.same(c, defaults);
      if (changed_only && is_default) continue;
      std::string value = f.show(c);
      if (f.info.secret) value = is_default ? "(not set)" : "(set)";
      if (value.empty()) value = "\"\"";
      out += (out.empty() ? "" : "; ") + f.info.key + " " + value;
    }
    return out;
  }

  SectionInfo Describe() const {
    SectionInfo info{name_, doc_, {}, title_};
    for (const auto& f : fields_) info.fields.push_back(f.info);
    return info;
  }

 private:
  std::string name_;
  std::string doc_;
  std::vector<Field<C>> fields_;
  std::vector<Check> checks_;
  std::vector<std::string> unsupported_;
  std::string title_;
};

}  // namespace slamon::config
