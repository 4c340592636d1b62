#include "daemon/metrics/build_info.h"

#ifndef SLAMON_GIT_REVISION
#define SLAMON_GIT_REVISION "unknown"
#endif

namespace slamon::daemon {

const char* BuildVersion() { return SLAMON_VERSION; }

const char* BuildRevision() { return SLAMON_GIT_REVISION; }

std::string VersionLine() { return std::string("slamon ") + BuildVersion() + " (revision " + BuildRevision() + ")"; }

}  // namespace slamon::daemon
