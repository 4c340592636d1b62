// The version and git revision the binary was built from. The revision is
// compiled into build_info.cc alone, so a new commit recompiles one small
// file instead of every file of the daemon library.
#pragma once

#include <string>

namespace slamon::daemon {

/// The project version (CMake's project(VERSION)), e.g. "0.1.0".
const char* BuildVersion();
/// The short git revision at configure time; "unknown" outside a git checkout.
const char* BuildRevision();
/// "slamon VERSION (revision REVISION)", as `slamon --version` prints it.
std::string VersionLine();

}  // namespace slamon::daemon
