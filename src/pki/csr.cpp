#include "pki/csr.hpp"

#include <arpa/inet.h>
#include <openssl/pem.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/names.hpp"
#include "pki/key.hpp"

namespace outpost::pki {
namespace {

Result<ReqPtr> parse_request(std::string_view data) {
  auto bio = read_bio(data);
  ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) {
    ERR_clear_error();
    bio = read_bio(data);
    req.reset(d2i_X509_REQ_bio(bio.get(), nullptr));
  }
  ERR_clear_error();
  if (!req) {
    return fail("the file holds no readable certificate request (PEM or DER)",
                "pass the .csr file made by outpost cert request or your tooling",
                EventId::csr_refused);
  }
  return req;
}

std::string request_common_name(X509_REQ* req) {
  const X509_NAME* name = X509_REQ_get_subject_name(req);
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

struct RequestedExtensions {
  bool asks_for_ca = false;
  std::vector<std::string> dns_names;
  std::vector<std::string> other_names;  // "IP 10.0.0.1", "email a@b", "URI x": not issued
};

// Text from a certificate request, for a message: control and non-ASCII bytes escaped, at most
// 256 characters (a request is input from anyone).
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 256)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u >= 0x7f ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }
  return text.size() > 256 ? out + "..." : out;
}

std::string asn1_text(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  char buffer[INET6_ADDRSTRLEN] = {};
  const int length = ASN1_STRING_length(ip);
  const int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : 0;
  if (family == 0 ||
      ::inet_ntop(family, ASN1_STRING_get0_data(ip), buffer, sizeof buffer) == nullptr) {
    return fmt::format("IP (an address of {} bytes)", length);
  }
  return std::string("IP ") + buffer;
}

// A subjectAltName that is not a DNS name, as "IP 10.0.0.1", "email a@b", "URI x".
std::string other_name_text(const GENERAL_NAME* name) {
  switch (name->type) {
    case GEN_IPADD:
      return ip_text(name->d.iPAddress);
    case GEN_EMAIL:
      return "email " + printable(asn1_text(name->d.rfc822Name));
    case GEN_URI:
      return "URI " + printable(asn1_text(name->d.uniformResourceIdentifier));
    default:
      return fmt::format("a name of type {}", name->type);
  }
}

// "CN agent9.lab.test; DNS agent9.lab.test, gw1.lab.test; IP 10.0.0.1"
std::string names_text(const std::string& cn, const RequestedExtensions& ext) {
  std::vector<std::string> dns;
  for (const auto& d : ext.dns_names)
    dns.push_back(printable(d));
  std::string out = "CN " + printable(cn);
  if (!dns.empty()) out += fmt::format("; DNS {}", fmt::join(dns, ", "));
  if (!ext.other_names.empty()) out += fmt::format("; {}", fmt::join(ext.other_names, ", "));
  return out;
}

RequestedExtensions requested_extensions(X509_REQ* req) {
  RequestedExtensions out;
  ExtStackPtr exts(X509_REQ_get_extensions(req));
  for (int i = 0; exts && i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts.get(), i);
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
    if (nid == NID_basic_constraints) {
      auto* bc = static_cast<BASIC_CONSTRAINTS*>(X509V3_EXT_d2i(ext));
      out.asks_for_ca = out.asks_for_ca || (bc != nullptr && bc->ca != 0);
      BASIC_CONSTRAINTS_free(bc);
    } else if (nid == NID_subject_alt_name) {
      NamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
      for (int j = 0; names && j < sk_GENERAL_NAME_num(names.get()); ++j) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), j);
        if (name->type == GEN_DNS) {
          out.dns_names.push_back(asn1_text(name->d.dNSName));
        } else {
          out.other_names.push_back(other_name_text(name));
        }
      }
    }
  }
  return out;
}

bool add_request_extensions(X509_REQ* req, const std::string& fqdn) {
  ExtStackPtr exts(sk_X509_EXTENSION_new_null());
  const std::pair<int, std::string> wanted[] = {
      {NID_subject_alt_name, "DNS:" + fqdn},
      {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
      {NID_ext_key_usage, "serverAuth,clientAuth"},
  };
  for (const auto& [nid, value] : wanted) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, nid, value.c_str());
    if (ext == nullptr || sk_X509_EXTENSION_push(exts.get(), ext) == 0) {
      X509_EXTENSION_free(ext);
      return false;
    }
  }
  return X509_REQ_add_extensions(req, exts.get()) == 1;
}

}  // namespace

Result<std::string> make_csr(const std::string& fqdn, EVP_PKEY* key) {
  ReqPtr req(X509_REQ_new());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  const bool ok = X509_REQ_set_version(req.get(), 0) == 1 &&
                  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                             reinterpret_cast<const unsigned char*>(fqdn.c_str()),
                                             -1, -1, 0) == 1 &&
                  X509_REQ_set_pubkey(req.get(), key) == 1 &&
                  add_request_extensions(req.get(), fqdn) &&
                  X509_REQ_sign(req.get(), key, EVP_sha256()) > 0;
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!ok || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) {
    return fail("cannot build the certificate request: " + openssl_errors());
  }
  return bio_text(bio.get());
}

Result<ValidRequest> validate_csr(std::string_view data) {
  auto req = parse_request(data);
  if (!req) return std::unexpected(req.error());
  EVP_PKEY* key = X509_REQ_get0_pubkey(req->get());
  if (key == nullptr || X509_REQ_verify(req->get(), key) != 1) {
    ERR_clear_error();
    return fail("the request's signature does not verify: it was altered or is damaged",
                "create a new request", EventId::csr_refused);
  }
  const std::string cn = request_common_name(req->get());
  if (cn.empty() || !is_valid_host_name(cn)) {
    return fail(
        fmt::format("the request's subject CN '{}' is not a computer's FQDN", printable(cn)),
        "request a certificate with CN=<the computer's FQDN>", EventId::csr_refused);
  }
  if (auto weakness = key_weakness(key)) {
    return fail("the request's key is too weak: " + *weakness,
                "create the request with an RSA key of 2048 bits or more, or EC P-256/P-384",
                EventId::csr_refused);
  }
  const RequestedExtensions ext = requested_extensions(req->get());
  if (ext.asks_for_ca) {
    return fail(
        "the request asks for a CA certificate (basicConstraints CA:TRUE); this CA "
        "issues computer certificates only",
        "request a computer certificate without CA:TRUE", EventId::csr_refused);
  }
  if (!ext.other_names.empty()) {
    return fail(fmt::format("the request asks for subjectAltNames other than DNS names ({}); "
                            "Outpost identifies computers by FQDN only. The request names: {}",
                            fmt::join(ext.other_names, ", "), names_text(cn, ext)),
                fmt::format("create a request that names only the computer: outpost cert "
                            "request --fqdn {} --out NEW_DIR",
                            canonical_host_name(cn)),
                EventId::csr_refused);
  }
  ValidRequest out;
  out.fqdn = canonical_host_name(cn);
  out.dns_names.push_back(out.fqdn);
  for (const auto& dns : ext.dns_names) {
    if (!is_valid_host_name(dns)) {
      return fail(fmt::format("the request asks for the DNS name '{}', which is not a host "
                              "name. The request names: {}",
                              printable(dns), names_text(cn, ext)),
                  "request only host names", EventId::csr_refused);
    }
    if (std::ranges::find(out.dns_names, canonical_host_name(dns)) == out.dns_names.end()) {
      out.dns_names.push_back(canonical_host_name(dns));
      out.extra_names.push_back(canonical_host_name(dns));
    }
  }
  EVP_PKEY_up_ref(key);
  out.public_key.reset(key);
  return out;
}

}  // namespace outpost::pki
