#include "daemon/http/rotating_tls_context.h"

#include <sys/stat.h>

#include <utility>

#include "events/common/logging.h"

namespace slamon::daemon {

bool SameTlsSettings(const TlsServerSettings& a, const TlsServerSettings& b) {
  return a.cert_file == b.cert_file && a.key_file == b.key_file && a.client_ca_file == b.client_ca_file &&
         a.client_auth == b.client_auth && a.min_version == b.min_version && a.max_version == b.max_version;
}

RotatingTlsContext::RotatingTlsContext(TlsServerSettings settings, std::shared_ptr<TlsContext> context,
                                       Clock::duration check_interval)
    : settings_(std::move(settings)),
      context_(std::move(context)),
      interval_(check_interval),
      last_check_(Clock::now()),
      registry_(std::make_shared<prometheus::Registry>()) {
  seen_ = Identify(settings_);
  auto& family = prometheus::BuildCounter()
                     .Name("slamon_http_tls_reloads_total")
                     .Help(
                         "TLS certificate and key files loaded again after they changed, or on a config reload, by "
                         "result (a failure keeps the previous certificate)")
                     .Register(*registry_);
  succeeded_ = &family.Add({{"result", "success"}});
  failed_ = &family.Add({{"result", "failure"}});
}

std::vector<RotatingTlsContext::FileIdentity> RotatingTlsContext::Identify(const TlsServerSettings& settings) const {
  std::vector<FileIdentity> out;
  for (const std::string* file : {&settings.cert_file, &settings.key_file, &settings.client_ca_file}) {
    FileIdentity id;
    struct stat st {};
    if (!file->empty() && ::stat(file->c_str(), &st) == 0) {
      id.exists = true;
      id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      id.size = static_cast<int64_t>(st.st_size);
      id.inode = static_cast<uint64_t>(st.st_ino);
      id.device = static_cast<uint64_t>(st.st_dev);
    }
    out.push_back(id);
  }
  return out;
}

std::shared_ptr<TlsContext> RotatingTlsContext::Current(Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (now - last_check_ < interval_) return context_;
  last_check_ = now;
  std::vector<FileIdentity> files = Identify(settings_);
  if (files == seen_) return context_;
  // Remembered whether or not the files load: a bad replacement is reported
  // once, and tried again only when the files change again.
  seen_ = std::move(files);
  std::string field;
  std::string why;
  if (auto next = TlsContext::Create(settings_, &field, &why)) {
    context_ = std::move(next);
    succeeded_->Increment();
    Log("http")->info("TLS: {} changed, serving its certificate to new connections", settings_.cert_file);
  } else {
    failed_->Increment();
    Log("http")->error("TLS: the changed certificate files do not load, still serving the previous ones: {}: {}", field,
                       why);
  }
  return context_;
}

void RotatingTlsContext::Replace(TlsServerSettings settings, std::shared_ptr<TlsContext> context) {
  std::vector<FileIdentity> files = Identify(settings);
  std::lock_guard lock(mu_);
  settings_ = std::move(settings);
  context_ = std::move(context);
  seen_ = std::move(files);
  succeeded_->Increment();
}

void RotatingTlsContext::set_check_interval(Clock::duration interval) {
  std::lock_guard lock(mu_);
  interval_ = interval;
}

}  // namespace slamon::daemon
