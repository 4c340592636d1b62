// Plain-socket HTTP/1.1 on 127.0.0.1 for tests that need to misbehave as a
// client (stay idle, trickle a request byte by byte, hold many connections)
// and to time each answer. Every wait is bounded.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace slamon::testing {

/// A connected TCP socket to 127.0.0.1:port, or -1. Closes on destruction.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(RawConnection&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RawConnection& operator=(RawConnection&&) = delete;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool Send(std::string_view data);
  /// Writes all of `data` before reading anything, as most HTTP clients
  /// write a request body; each blocked write waits at most `timeout`.
  /// Returns the bytes written; `*error` is the errno that stopped it (EPIPE,
  /// ECONNRESET, EAGAIN on the timeout), 0 when everything was written.
  size_t SendAll(std::string_view data, std::chrono::milliseconds timeout, int* error);
  /// True when the server closed the connection (EOF or reset) within
  /// `timeout`; data that arrives meanwhile is read and appended to `*got`.
  bool WaitClosed(std::chrono::milliseconds timeout, std::string* got = nullptr);
  /// True when nothing is readable and the peer has not closed, right now.
  bool StillOpen();
  void Close();

  struct Response {
    int status = -1;  ///< -1: no complete response in time
    std::string head;
    std::string body;
  };
  /// Reads one response (head, then Content-Length bytes of body unless
  /// `head_only`), within `timeout`.
  Response Read(std::chrono::milliseconds timeout, bool head_only = false);

 private:
  int fd_ = -1;
  std::string pending_;  // bytes read past the previous response
};

/// GET `path` on a fresh connection ("Connection: close"); `extra` is added
/// to the head verbatim (each line ending in \r\n).
RawConnection::Response RawRequest(int port, std::string_view method, std::string_view path,
                                   std::chrono::milliseconds timeout, std::string_view extra = "");

/// POSTs a body of `body_size` bytes to `path`, `tries` times on fresh
/// connections, each time writing the whole request before reading anything
/// (as most HTTP clients and webhook senders do). Returns how many tries read
/// a 413 with "Connection: close" and then saw the server close; `*failures`
/// describes the others (a failed write, another answer, no close).
int OversizedPostsRefused(int port, std::string_view path, size_t body_size, int tries, std::string* failures);

/// Header `name` (case-insensitive) of a response head, "" when absent.
std::string HeaderOf(const std::string& head, std::string_view name);

/// Raises the soft limit on open files to at most `want` (bounded by the hard limit); returns the new soft limit.
long RaiseOpenFileLimit(long want);

}  // namespace slamon::testing
