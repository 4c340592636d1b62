#include "tests/support/files.h"

#include <fstream>
#include <sstream>

namespace slamon::testing {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Tail(const std::string& path, size_t bytes) {
  std::string s = ReadFile(path);
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

size_t CountInFile(const std::string& path, const std::string& needle) {
  const std::string text = ReadFile(path);
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

}  // namespace slamon::testing
