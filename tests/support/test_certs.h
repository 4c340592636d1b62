// Certificates for TLS tests, made with the openssl command line in a test's
// temporary directory: a CA, a server certificate for 127.0.0.1/localhost
// and a client certificate it signed, and a second CA that signed nothing
// the server trusts. ECDSA P-256, valid for two days.
#pragma once

#include <string>

namespace slamon::testing {

struct TestCerts {
  std::string ca_cert;      ///< the CA that signed the server and client certificates
  std::string server_cert;  ///< CN=localhost, SAN IP:127.0.0.1 and DNS:localhost
  std::string server_key;
  std::string client_cert;  ///< CN=prometheus, for client authentication
  std::string client_key;
  std::string other_ca_cert;  ///< an unrelated CA
  std::string rogue_cert;     ///< a client certificate signed by the unrelated CA
  std::string rogue_key;
  std::string error;  ///< non-empty when generating failed (the openssl output)
};

/// Generates the set in `dir` (which must exist).
TestCerts MakeTestCerts(const std::string& dir);

}  // namespace slamon::testing
