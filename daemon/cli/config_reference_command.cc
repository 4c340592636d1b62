#include "daemon/cli/config_reference_command.h"

#include <fstream>
#include <memory>
#include <sstream>

#include "daemon/bridge/bridge_config.h"
#include "daemon/cli/cli_error.h"
#include "daemon/cli/cli_output.h"
#include "daemon/config/config_reference.h"
#include "daemon/config/daemon_fields.h"
#include "daemon/config/web_fields.h"

namespace slamon::daemon {
namespace {

StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Invalid(path + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Status Run(const std::string& write, const std::string& check) {
  if (write.empty() && check.empty()) {
    std::string out;
    for (const auto& block : ConfigReferenceBlocks()) {
      out += config::BeginMarker(block.id) + "\n" + block.markdown + "\n" + config::EndMarker(block.id) + "\n\n";
    }
    WriteStdout(out);
    return Status::OK();
  }
  const std::string& path = write.empty() ? check : write;
  GET_OR_RET(const std::string text, ReadText(path));
  std::string missing;
  const auto updated = UpdateConfigReference(text, &missing);
  if (!updated) return Status::Invalid(path + ": no " + config::BeginMarker(missing) + " block");
  if (!check.empty()) {
    if (*updated == text) return Status::OK();
    return Status::Invalid(
        path + " is out of date with the config tables; regenerate it with: " + std::string(kRegenerateReference));
  }
  if (*updated == text) return Status::OK();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << *updated;
  if (!out.flush()) return Status::IoError(path + ": cannot write the file");
  return Status::OK();
}

}  // namespace

std::vector<ReferenceBlock> ConfigReferenceBlocks() {
  return {
      {"config-reference", config::RenderReference(DaemonSchema().Describe())},
      {"web-config-reference", config::RenderReference(WebConfigSchema().Describe())},
      {"bridge-config-reference", config::RenderReference(bridge::BridgeReference())},
  };
}

std::optional<std::string> UpdateConfigReference(std::string_view document, std::string* missing) {
  std::string out(document);
  for (const auto& block : ConfigReferenceBlocks()) {
    auto next = config::ReplaceGenerated(out, block.id, block.markdown);
    if (!next) {
      if (missing != nullptr) *missing = block.id;
      return std::nullopt;
    }
    out = std::move(*next);
  }
  return out;
}

void AddConfigReferenceCommand(CLI::App& app) {
  struct Args {
    std::string write;
    std::string check;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "config-reference", "Print the configuration reference generated from the config tables (docs/configuration.md)");
  CLI::Option* write = cmd->add_option("--write", a->write, "Rewrite the generated blocks of this markdown file");
  CLI::Option* check =
      cmd->add_option("--check", a->check, "Exit 2 when the generated blocks of this markdown file are out of date");
  write->excludes(check);
  OnRun(cmd, [a] { return Run(a->write, a->check); });
}

}  // namespace slamon::daemon
