#include "tests/support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace slamon::testing {
namespace {

using Clock = std::chrono::steady_clock;

int MsLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<int64_t>(0, left));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Close();
}

RawConnection::~RawConnection() { Close(); }

void RawConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawConnection::Send(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

size_t RawConnection::SendAll(std::string_view data, std::chrono::milliseconds timeout, int* error) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  size_t sent = 0;
  *error = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = n < 0 ? errno : EPIPE;
      break;
    }
    sent += static_cast<size_t>(n);
  }
  return sent;
}

bool RawConnection::WaitClosed(std::chrono::milliseconds timeout, std::string* got) {
  const auto deadline = Clock::now() + timeout;
  char buf[4096];
  while (true) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, MsLeft(deadline));
    if (r <= 0) return false;  // timed out
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EINTR;  // reset
    if (got != nullptr) got->append(buf, static_cast<size_t>(n));
  }
}

bool RawConnection::StillOpen() {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

RawConnection::Response RawConnection::Read(std::chrono::milliseconds timeout, bool head_only) {
  const auto deadline = Clock::now() + timeout;
  Response res;
  std::string data = std::move(pending_);
  pending_.clear();
  size_t head_end = std::string::npos;
  size_t want = 0;
  char buf[8192];
  while (true) {
    if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
      res.head = data.substr(0, head_end + 2);
      const std::string length = HeaderOf(res.head, "content-length");
      want = head_only || length.empty() ? 0 : std::stoul(length);
    }
    if (head_end != std::string::npos && data.size() >= head_end + 4 + want) {
      res.body = data.substr(head_end + 4, want);
      pending_ = data.substr(head_end + 4 + want);
      if (res.head.size() > 12 && res.head.compare(0, 5, "HTTP/") == 0) res.status = std::stoi(res.head.substr(9, 3));
      return res;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, MsLeft(deadline)) <= 0) return res;
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return res;
    data.append(buf, static_cast<size_t>(n));
  }
}

RawConnection::Response RawRequest(int port, std::string_view method, std::string_view path,
                                   std::chrono::milliseconds timeout, std::string_view extra) {
  RawConnection c(port);
  if (!c.ok()) return {};
  std::string req = std::string(method) + " " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                    std::string(extra) + "Connection: close\r\n\r\n";
  if (!c.Send(req)) return {};
  return c.Read(timeout, method == "HEAD");
}

int OversizedPostsRefused(int port, std::string_view path, size_t body_size, int tries, std::string* failures) {
  using std::chrono::seconds;
  const std::string request = "POST " + std::string(path) +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body_size) +
                              "\r\n\r\n" + std::string(body_size, 'x');
  int refused = 0;
  for (int i = 0; i < tries; ++i) {
    RawConnection c(port);
    int error = 0;
    const size_t sent = c.ok() ? c.SendAll(request, seconds(10), &error) : 0;
    const std::string what = "try " + std::to_string(i) + ": ";
    if (sent != request.size()) {
      *failures += what + "wrote " + std::to_string(sent) + " bytes, then " + std::strerror(error) + "\n";
      continue;
    }
    const auto res = c.Read(seconds(5));
    if (res.status != 413 || Lower(HeaderOf(res.head, "Connection")) != "close") {
      *failures += what + "answer " + std::to_string(res.status) + " " + res.head + "\n";
    } else if (!c.WaitClosed(seconds(5))) {
      *failures += what + "the server kept the connection open\n";
    } else {
      ++refused;
    }
  }
  return refused;
}

std::string HeaderOf(const std::string& head, std::string_view name) {
  const std::string lower = Lower(head);
  const std::string key = "\r\n" + Lower(name) + ":";
  const size_t at = lower.find(key);
  if (at == std::string::npos) return "";
  size_t start = at + key.size();
  const size_t end = head.find("\r\n", start);
  while (start < end && head[start] == ' ') ++start;
  return head.substr(start, end - start);
}

long RaiseOpenFileLimit(long want) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return -1;
  const rlim_t target = std::min<rlim_t>(static_cast<rlim_t>(want), lim.rlim_max);
  if (lim.rlim_cur < target) {
    lim.rlim_cur = target;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) return -1;
  }
  return static_cast<long>(lim.rlim_cur);
}

}  // namespace slamon::testing
