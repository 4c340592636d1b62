// Resume records of `slamon import`. A backfill resumes only inside the file
// it stopped in: a record holds the SHA-256 of the imported prefix (bytes
// 0..bytes) and a later run resumes after it only when the given file still
// starts with exactly those bytes; any other file is imported in full.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/common/status.h"

namespace slamon::daemon {

/// Where an earlier run stopped in one file, and how to recognise that file.
struct ImportResume {
  std::string first_line_sha;     ///< hex SHA-256 of the first line (no newline): the lookup key
  std::string prefix_sha;         ///< hex SHA-256 of bytes [0, bytes)
  int64_t bytes = 0;              ///< the imported prefix ends here, at a line end
  int64_t lines = 0;              ///< lines in that prefix (the next line's 0-based number)
  bool ends_with_newline = true;  ///< false: the last line had no newline, so it must not have grown
  int32_t partition = 0;          ///< store mode: the import partition of this file
  std::string topic;              ///< Kafka mode: the topic the lines were produced to
};

std::string ToJson(const ImportResume& r);
/// False when `json` is not a resume record.
bool FromJson(std::string_view json, ImportResume* r);

/// Hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

/// Reads a file line by line, counting bytes and lines and hashing every byte
/// read, so that Mark() describes the prefix read so far.
class LineReader {
 public:
  explicit LineReader(std::istream& in);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// The next line without its "\n"; false at the end of the file.
  bool Next(std::string* line);
  bool bad() const { return in_.bad(); }
  /// The prefix read so far (prefix_sha, bytes, lines, ends_with_newline).
  ImportResume Mark() const;
  int64_t bytes() const { return bytes_; }

 private:
  struct Hasher;
  std::istream& in_;
  std::unique_ptr<Hasher> hasher_;
  int64_t bytes_ = 0, lines_ = 0;
  bool ends_with_newline_ = true;
};

/// The first line of the file at `path` (without its newline), or an error
/// when it cannot be read.
StatusOr<std::string> ReadFirstLine(const std::string& path);

/// Of `candidates` (records with the file's first-line hash), the one whose
/// prefix the file at `path` still has, the longest when several do; nullopt
/// when none does (the file was rewritten, truncated or its unterminated last
/// line grew): then it is another file.
StatusOr<std::optional<ImportResume>> MatchResume(const std::string& path, std::vector<ImportResume> candidates);

}  // namespace slamon::daemon
