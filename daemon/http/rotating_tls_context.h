// The TLS context the HTTP server hands to each new connection, kept in step
// with the certificate, key and client CA files, so that a renewed
// certificate is served without a restart. As Prometheus' exporter toolkit
// does, a handshake that comes more than the check interval after the last
// look stats the files; when one changed (modification time, size, inode or
// device: a renewal that rewrites a file in place or renames a new one over
// it), a new context is built from them. A replacement that does not load (a
// half-written file, a key that does not belong to the certificate) keeps the
// old context serving, is logged as an error and counted, and is tried again
// when the files change again. Connections keep the context they started
// with; only new ones see the new certificate.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/http/tls_context.h"

namespace slamon::daemon {

/// Whether two tls_server_config sections say the same (files, client
/// authentication, versions): a reload reports a difference as applied.
bool SameTlsSettings(const TlsServerSettings& a, const TlsServerSettings& b);

class RotatingTlsContext {
 public:
  using Clock = std::chrono::steady_clock;

  /// How often the files are looked at, at most (a look is a stat(2) per file).
  static constexpr std::chrono::seconds kDefaultCheckInterval{5};

  /// `context` was built from `settings` (the web config loader did, having
  /// read the files); the files' identity is taken now. Registers
  /// slamon_http_tls_reloads_total{result="success"|"failure"} in registry().
  RotatingTlsContext(TlsServerSettings settings, std::shared_ptr<TlsContext> context,
                     Clock::duration check_interval = kDefaultCheckInterval);

  /// The context for a connection accepted at `now`: the current one, after
  /// a look at the files when the last look is older than the interval.
  /// Never fails: a bad replacement keeps the old context. Thread-safe.
  std::shared_ptr<TlsContext> Current(Clock::time_point now = Clock::now());

  /// Puts `context`, just built from `settings` (a reloaded web config, whose
  /// loader read the files anew), in force for new connections. Counted as a
  /// successful reload. Thread-safe.
  void Replace(TlsServerSettings settings, std::shared_ptr<TlsContext> context);

  /// Before the first connection (tests look at the files at every handshake).
  void set_check_interval(Clock::duration interval);

  /// The reload counters, for the server's /metrics.
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

 private:
  /// What identifies the content of one file without reading it.
  struct FileIdentity {
    bool exists = false;
    int64_t mtime_ns = 0;
    int64_t size = 0;
    uint64_t inode = 0;
    uint64_t device = 0;
    bool operator==(const FileIdentity&) const = default;
  };
  std::vector<FileIdentity> Identify(const TlsServerSettings& settings) const;

  std::mutex mu_;
  TlsServerSettings settings_;
  std::shared_ptr<TlsContext> context_;
  std::vector<FileIdentity> seen_;  ///< the files as last looked at (loaded or not)
  Clock::duration interval_;
  Clock::time_point last_check_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter* succeeded_;
  prometheus::Counter* failed_;
};

}  // namespace slamon::daemon
