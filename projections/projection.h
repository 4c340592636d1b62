// The interface every projection offers the daemon's projection host
// (daemon/host/projection_host.h), which holds one of each registered
// projection (projections/registry.h) and drives them all alike: applies
// each stored event, moves their clocks, snapshots and restores their state.
// What a projection answers (SLA records, account health, ...) stays on its
// own type; the host reads those through typed accessors of the registry.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "events/common/status.h"
#include "events/event.h"

namespace slamon::projections {

/// A projection: a fold over stored events whose replay state can be saved
/// and restored.
///
/// Thread-safety: none; the host calls every method under its lock.
class Projection {
 public:
  virtual ~Projection() = default;

  /// Its snapshot section name: stored in snapshots, so never renamed;
  /// unique among the registered projections.
  virtual std::string_view name() const = 0;
  /// Records one stored event (of any type; others are ignored).
  virtual void Apply(const events::Event& e) = 0;
  /// Live mode: moves the projection's clock to `now` (Unix seconds).
  virtual void AdvanceTo(int64_t now) = 0;
  /// Appends the replay state (never the config) to `out`.
  virtual void SaveState(std::string* out) const = 0;
  /// Restores a SaveState() output into this projection, which must be empty
  /// (nothing applied). Corrupt or truncated input gives an error and leaves
  /// it unchanged.
  virtual Status LoadState(std::string_view in) = 0;
};

/// A projection type `P` that has Apply(), SaveState() and LoadState() with
/// the meaning above (and AdvanceTo(int64_t) if it has a clock), registered
/// under `name`; owns the P.
template <typename P>
class RegisteredProjection final : public Projection {
 public:
  template <typename... Args>
  explicit RegisteredProjection(std::string_view name, Args&&... args)
      : name_(name), projection_(std::forward<Args>(args)...) {}

  std::string_view name() const override { return name_; }
  void Apply(const events::Event& e) override { projection_.Apply(e); }
  void AdvanceTo(int64_t now) override {
    if constexpr (requires(P & p) { p.AdvanceTo(now); }) projection_.AdvanceTo(now);
  }
  void SaveState(std::string* out) const override { projection_.SaveState(out); }
  Status LoadState(std::string_view in) override { return projection_.LoadState(in); }

  P& get() { return projection_; }
  const P& get() const { return projection_; }

 private:
  std::string name_;
  P projection_;
};

}  // namespace slamon::projections
