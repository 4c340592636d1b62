#include "daemon/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace slamon::daemon {
namespace {

namespace ssl = boost::asio::ssl;

// OpenSSL's newest queued error as text ("no start line", "key values
// mismatch"), or `fallback` when the queue is empty.
std::string OpenSslReason(const std::string& fallback) {
  unsigned long code = ERR_peek_last_error();
  std::string out = fallback;
  if (code != 0) {
    const char* reason = ERR_reason_error_string(code);
    out = reason != nullptr ? reason : ERR_error_string(code, nullptr);
  }
  ERR_clear_error();
  return out;
}

}  // namespace

std::shared_ptr<TlsContext> TlsContext::Create(const TlsServerSettings& settings, std::string* field,
                                               std::string* why) {
  std::shared_ptr<TlsContext> out(new TlsContext());
  SSL_CTX* ctx = out->ctx_.native_handle();
  ERR_clear_error();
  auto fail = [&](const char* f, const std::string& reason) {
    *field = f;
    *why = reason;
    return nullptr;
  };
  out->ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::single_dh_use | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(ctx, settings.min_version) != 1) {
    return fail("min_version", OpenSslReason("not supported by this OpenSSL"));
  }
  if (SSL_CTX_set_max_proto_version(ctx, settings.max_version) != 1) {
    return fail("max_version", OpenSslReason("not supported by this OpenSSL"));
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, settings.cert_file.c_str()) != 1) {
    return fail("cert_file", "cannot load the certificate from " + settings.cert_file + ": " +
                                 OpenSslReason("not a PEM certificate"));
  }
  const bool key_loaded = SSL_CTX_use_PrivateKey_file(ctx, settings.key_file.c_str(), SSL_FILETYPE_PEM) == 1;
  // OpenSSL checks the pair while loading the key; a mismatch is told as such.
  if (!key_loaded && ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
    return fail("key_file",
                "cannot load the private key from " + settings.key_file + ": " + OpenSslReason("not a PEM key"));
  }
  if (!key_loaded || SSL_CTX_check_private_key(ctx) != 1) {
    return fail("key_file", "the key in " + settings.key_file + " does not belong to the certificate in " +
                                settings.cert_file + ": " + OpenSslReason("mismatch"));
  }
  if (!settings.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, settings.client_ca_file.c_str(), nullptr) != 1) {
      return fail("client_ca_file", "cannot load CA certificates from " + settings.client_ca_file + ": " +
                                        OpenSslReason("not PEM certificates"));
    }
    // Tells clients which CAs are accepted, so that one holding several
    // certificates picks the right one.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(settings.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx, names);
    }
  }
  // A server that asks for client certificates must name its session
  // context, or OpenSSL refuses every resumed session.
  static constexpr unsigned char kSessionContext[] = "slamon";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);

  // Accepts any certificate the client shows: the two "not verified" modes.
  auto accept_any = [](bool, ssl::verify_context&) { return true; };
  switch (settings.client_auth) {
    case ClientAuth::kNoClientCert:
      out->ctx_.set_verify_mode(ssl::verify_none);
      break;
    case ClientAuth::kRequestClientCert:
      out->ctx_.set_verify_mode(ssl::verify_peer);
      out->ctx_.set_verify_callback(accept_any);
      break;
    case ClientAuth::kRequireAnyClientCert:
      out->ctx_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      out->ctx_.set_verify_callback(accept_any);
      break;
    case ClientAuth::kVerifyClientCertIfGiven:
      out->ctx_.set_verify_mode(ssl::verify_peer);
      break;
    case ClientAuth::kRequireAndVerifyClientCert:
      out->ctx_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      break;
  }
  return out;
}

bool IsPlainHttpOnTlsPort(const boost::system::error_code& ec) {
  if (ec.category() != boost::asio::error::get_ssl_category()) return false;
  return ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST;
}

}  // namespace slamon::daemon
