#include "events/store/hash_chain.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace slamon::events {

struct ChainHasher::Impl {
  EVP_MD* md = nullptr;
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

ChainHasher::ChainHasher() : impl_(std::make_unique<Impl>()) {
  // An explicitly fetched digest avoids OpenSSL 3's implicit fetch (a
  // provider lookup under a lock) on every EVP_DigestInit_ex.
  impl_->md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->md == nullptr || impl_->ctx == nullptr) throw std::runtime_error("OpenSSL: SHA-256 is unavailable");
}

ChainHasher::~ChainHasher() = default;

ChainHash ChainHasher::Link(const ChainHash& prev, std::string_view event_key, std::string_view value) {
  ChainHash out{};
  unsigned int len = 0;
  EVP_MD_CTX* ctx = impl_->ctx;
  // These calls fail only on allocation failure inside OpenSSL; an all-zero
  // link then simply fails verification, it never passes a tampered store.
  if (EVP_DigestInit_ex(ctx, impl_->md, nullptr) != 1 || EVP_DigestUpdate(ctx, prev.data(), prev.size()) != 1 ||
      EVP_DigestUpdate(ctx, event_key.data(), event_key.size()) != 1 ||
      EVP_DigestUpdate(ctx, value.data(), value.size()) != 1 || EVP_DigestFinal_ex(ctx, out.data(), &len) != 1) {
    out.fill(0);
  }
  return out;
}

std::string ToHex(const ChainHash& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(64);
  for (uint8_t b : h) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 15]);
  }
  return s;
}

}  // namespace slamon::events
