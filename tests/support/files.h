// Reading files in tests: whole files, their tails for failure messages,
// counting a needle. None of them fails the test: a missing file reads as "".
#pragma once

#include <cstddef>
#include <string>

namespace slamon::testing {

/// The bytes of `path`, "" when it cannot be read.
std::string ReadFile(const std::string& path);
/// The last `bytes` bytes of `path` (all of it when shorter), for failure messages.
std::string Tail(const std::string& path, size_t bytes = 4000);
/// Occurrences of `needle` in `path` (0 when it does not exist).
size_t CountInFile(const std::string& path, const std::string& needle);

}  // namespace slamon::testing
