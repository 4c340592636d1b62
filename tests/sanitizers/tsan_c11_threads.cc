// Linked into every executable of the ThreadSanitizer tree (SLAMON_SANITIZE
// = thread) and nowhere else.
//
// Debian's librdkafka uses the C11 threads of glibc (thrd_create, mtx_lock,
// cnd_wait, ...). glibc implements them on its internal pthread functions,
// which GCC 12's ThreadSanitizer does not intercept: a thread made by
// thrd_create starts without TSan's per-thread state and crashes at its first
// allocation (SEGV in the TSan allocator, "rdk:mock" and "rdk:main" threads),
// and TSan would not see the locks either. These definitions, found before
// glibc's because the executable defines them, forward each C11 call to the
// pthread function TSan intercepts; glibc's own C11 functions are the same
// casts over the same types (mtx_t is a pthread_mutex_t, cnd_t a
// pthread_cond_t, thrd_t a pthread_t).
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <ctime>

namespace {

int Map(int err) {
  switch (err) {
    case 0:
      return thrd_success;
    case EBUSY:
      return thrd_busy;
    case ETIMEDOUT:
      return thrd_timedout;
    case ENOMEM:
    case EAGAIN:
      return thrd_nomem;
    default:
      return thrd_error;
  }
}

struct Start {
  thrd_start_t fn;
  void* arg;
};

void* Trampoline(void* p) {
  const Start start = *static_cast<Start*>(p);
  delete static_cast<Start*>(p);
  return reinterpret_cast<void*>(static_cast<intptr_t>(start.fn(start.arg)));
}

pthread_mutex_t* M(mtx_t* m) { return reinterpret_cast<pthread_mutex_t*>(m); }
pthread_cond_t* C(cnd_t* c) { return reinterpret_cast<pthread_cond_t*>(c); }

}  // namespace

extern "C" {

int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
  auto* start = new Start{func, arg};
  pthread_t t;
  const int err = pthread_create(&t, nullptr, Trampoline, start);
  if (err != 0) {
    delete start;
    return Map(err);
  }
  *thr = t;
  return thrd_success;
}

int thrd_join(thrd_t thr, int* res) {
  void* ret = nullptr;
  const int err = pthread_join(thr, &ret);
  if (err == 0 && res != nullptr) *res = static_cast<int>(reinterpret_cast<intptr_t>(ret));
  return Map(err);
}

int thrd_detach(thrd_t thr) { return Map(pthread_detach(thr)); }

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if ((type & mtx_recursive) != 0) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  const int err = pthread_mutex_init(M(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return Map(err);
}

int mtx_lock(mtx_t* m) { return Map(pthread_mutex_lock(M(m))); }
int mtx_trylock(mtx_t* m) { return Map(pthread_mutex_trylock(M(m))); }
int mtx_timedlock(mtx_t* m, const struct timespec* until) { return Map(pthread_mutex_timedlock(M(m), until)); }
int mtx_unlock(mtx_t* m) { return Map(pthread_mutex_unlock(M(m))); }
void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(M(m)); }

int cnd_init(cnd_t* c) { return Map(pthread_cond_init(C(c), nullptr)); }
int cnd_signal(cnd_t* c) { return Map(pthread_cond_signal(C(c))); }
int cnd_broadcast(cnd_t* c) { return Map(pthread_cond_broadcast(C(c))); }
int cnd_wait(cnd_t* c, mtx_t* m) { return Map(pthread_cond_wait(C(c), M(m))); }
int cnd_timedwait(cnd_t* c, mtx_t* m, const struct timespec* until) {
  return Map(pthread_cond_timedwait(C(c), M(m), until));
}
void cnd_destroy(cnd_t* c) { pthread_cond_destroy(C(c)); }

// glibc's once_flag holds a pthread_once_t.
void call_once(once_flag* flag, void (*func)(void)) { pthread_once(reinterpret_cast<pthread_once_t*>(flag), func); }

}  // extern "C"
