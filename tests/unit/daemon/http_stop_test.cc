// HttpServer::Stop() right after Start(), before the listener thread has
// started serving: it must return promptly (it used to wait forever on some
// interleavings, hanging a daemon that failed during start-up), and it must
// be safe when the server never started or was stopped already.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

#include "daemon/http/http_server.h"

namespace slamon::daemon {
namespace {

using std::chrono::seconds;

HttpSettings AnyPort() {
  HttpSettings s;
  s.listen = "127.0.0.1:0";
  return s;
}

// Runs `fn` with a bound; a hang ends the whole test binary (a stuck thread
// cannot be cancelled) with a message naming the case.
template <typename Fn>
void Bounded(const char* what, Fn fn, seconds bound = seconds(60)) {
  std::packaged_task<void()> task(fn);
  auto done = task.get_future();
  std::thread t(std::move(task));
  if (done.wait_for(bound) != std::future_status::ready) {
    std::fprintf(stderr, "%s: still running after %lld s (hang)\n", what, static_cast<long long>(bound.count()));
    std::fflush(stderr);
    std::_Exit(3);
  }
  t.join();
  done.get();
}

TEST(HttpServerStop, StopImmediatelyAfterStartNeverHangs) {
  Bounded("Start();Stop() x300", [] {
    for (int i = 0; i < 300; ++i) {
      HttpServer http(AnyPort(), nullptr);
      ASSERT_TRUE(http.Start().ok());
      ASSERT_GT(http.port(), 0);
      http.Stop();
    }
  });
}

TEST(HttpServerStop, DestructorAfterStartNeverHangs) {
  Bounded("Start();~HttpServer x300", [] {
    for (int i = 0; i < 300; ++i) {
      HttpServer http(AnyPort(), nullptr);
      ASSERT_TRUE(http.Start().ok());
    }
  });
}

TEST(HttpServerStop, StopWithoutStartAndTwice) {
  Bounded("Stop() without Start(), Stop() twice", [] {
    HttpServer never(AnyPort(), nullptr);
    never.Stop();
    HttpServer twice(AnyPort(), nullptr);
    ASSERT_TRUE(twice.Start().ok());
    twice.Stop();
    twice.Stop();
  });
}

}  // namespace
}  // namespace slamon::daemon
