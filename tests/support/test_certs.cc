#include "tests/support/test_certs.h"

#include <cstdio>
#include <fstream>

namespace slamon::testing {
namespace {

// Runs `cmd` in `dir`; appends its output to `*error` when it fails.
bool Run(const std::string& dir, const std::string& cmd, std::string* error) {
  const std::string full = "cd '" + dir + "' && " + cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (p == nullptr) {
    *error += "cannot run: " + cmd + "\n";
    return false;
  }
  std::string out;
  char buf[1024];
  while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  if (pclose(p) != 0) {
    *error += "failed: " + cmd + "\n" + out;
    return false;
  }
  return true;
}

constexpr const char* kNewKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

bool MakeCa(const std::string& dir, const std::string& name, std::string* error) {
  return Run(dir,
             std::string("openssl req -x509 ") + kNewKey + " -keyout " + name + ".key -out " + name +
                 ".crt -days 2 -subj /CN=" + name,
             error);
}

bool MakeLeaf(const std::string& dir, const std::string& ca, const std::string& name, const std::string& cn,
              const std::string& extensions, std::string* error) {
  {
    std::ofstream ext(dir + "/" + name + ".ext");
    ext << extensions;
  }
  return Run(dir,
             std::string("openssl req ") + kNewKey + " -keyout " + name + ".key -out " + name + ".csr -subj /CN=" + cn,
             error) &&
         Run(dir,
             "openssl x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca + ".key -CAcreateserial -out " +
                 name + ".crt -days 2 -extfile " + name + ".ext",
             error);
}

}  // namespace

TestCerts MakeTestCerts(const std::string& dir) {
  TestCerts c;
  const bool ok = MakeCa(dir, "ca", &c.error) && MakeCa(dir, "other-ca", &c.error) &&
                  MakeLeaf(dir, "ca", "server", "localhost",
                           "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n", &c.error) &&
                  MakeLeaf(dir, "ca", "client", "prometheus", "extendedKeyUsage=clientAuth\n", &c.error) &&
                  MakeLeaf(dir, "other-ca", "rogue", "prometheus", "extendedKeyUsage=clientAuth\n", &c.error);
  if (!ok && c.error.empty()) c.error = "openssl failed";
  c.ca_cert = dir + "/ca.crt";
  c.server_cert = dir + "/server.crt";
  c.server_key = dir + "/server.key";
  c.client_cert = dir + "/client.crt";
  c.client_key = dir + "/client.key";
  c.other_ca_cert = dir + "/other-ca.crt";
  c.rogue_cert = dir + "/rogue.crt";
  c.rogue_key = dir + "/rogue.key";
  return c;
}

}  // namespace slamon::testing
