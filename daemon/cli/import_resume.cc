#include "daemon/cli/import_resume.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace slamon::daemon {
namespace {

std::string Hex(const unsigned char* p, unsigned int n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size_t{n} * 2);
  for (unsigned int i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

// A streaming SHA-256 whose digest can be taken at any point and go on.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("OpenSSL: SHA-256 is unavailable");
    }
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes) { EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()); }
  std::string HexDigest() const {
    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (copy == nullptr || EVP_MD_CTX_copy_ex(copy, ctx_) != 1 || EVP_DigestFinal_ex(copy, md.data(), &len) != 1) {
      EVP_MD_CTX_free(copy);
      throw std::runtime_error("OpenSSL: SHA-256 failed");
    }
    EVP_MD_CTX_free(copy);
    return Hex(md.data(), len);
  }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace

struct LineReader::Hasher : Sha256 {};

std::string ToJson(const ImportResume& r) {
  nlohmann::json j = {{"first_line_sha256", r.first_line_sha},
                      {"prefix_sha256", r.prefix_sha},
                      {"bytes", r.bytes},
                      {"lines", r.lines},
                      {"ends_with_newline", r.ends_with_newline},
                      {"partition", r.partition},
                      {"topic", r.topic}};
  return j.dump();
}

bool FromJson(std::string_view json, ImportResume* r) {
  auto j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  try {
    r->first_line_sha = j.at("first_line_sha256").get<std::string>();
    r->prefix_sha = j.at("prefix_sha256").get<std::string>();
    r->bytes = j.at("bytes").get<int64_t>();
    r->lines = j.at("lines").get<int64_t>();
    r->ends_with_newline = j.at("ends_with_newline").get<bool>();
    r->partition = j.value("partition", 0);
    r->topic = j.value("topic", std::string());
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return r->bytes >= 0 && r->lines >= 0;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.HexDigest();
}

LineReader::LineReader(std::istream& in) : in_(in), hasher_(std::make_unique<Hasher>()) {}
LineReader::~LineReader() = default;

bool LineReader::Next(std::string* line) {
  if (!std::getline(in_, *line)) return false;
  // getline stops at "\n" (consumed) or at the end of the file (eof set).
  ends_with_newline_ = !in_.eof();
  hasher_->Update(*line);
  if (ends_with_newline_) hasher_->Update("\n");
  bytes_ += static_cast<int64_t>(line->size()) + (ends_with_newline_ ? 1 : 0);
  ++lines_;
  return true;
}

ImportResume LineReader::Mark() const {
  ImportResume r;
  r.prefix_sha = hasher_->HexDigest();
  r.bytes = bytes_;
  r.lines = lines_;
  r.ends_with_newline = ends_with_newline_;
  return r;
}

StatusOr<std::string> ReadFirstLine(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": " + std::strerror(errno));
  std::string line;
  std::getline(in, line);
  if (in.bad()) return Status::IoError("reading " + path + ": " + std::strerror(errno));
  return line;
}

StatusOr<std::optional<ImportResume>> MatchResume(const std::string& path, std::vector<ImportResume> candidates) {
  std::optional<ImportResume> match;
  if (candidates.empty()) return match;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::IoError(path + ": " + std::strerror(errno));
  const auto size = static_cast<int64_t>(in.tellg());
  in.seekg(0);
  std::sort(candidates.begin(), candidates.end(),
            [](const ImportResume& a, const ImportResume& b) { return a.bytes < b.bytes; });
  Sha256 hash;
  std::vector<char> buf(1 << 20);
  int64_t pos = 0;
  for (const ImportResume& c : candidates) {
    if (c.bytes > size) break;
    // An unterminated last line that was imported must still be the end.
    if (!c.ends_with_newline && size > c.bytes) continue;
    while (pos < c.bytes) {
      const auto n = static_cast<std::streamsize>(std::min<int64_t>(static_cast<int64_t>(buf.size()), c.bytes - pos));
      if (!in.read(buf.data(), n)) return Status::IoError("reading " + path + ": " + std::strerror(errno));
      hash.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
      pos += n;
    }
    if (hash.HexDigest() == c.prefix_sha) match = c;  // sorted by length: the last match is the longest
  }
  return match;
}

}  // namespace slamon::daemon
