#include "pki/key.hpp"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <fmt/format.h>

namespace outpost::pki {
namespace {

std::string curve_name(const EVP_PKEY* key) {
  char name[80] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &length) !=
      1) {
    return "unknown curve";
  }
  return std::string(name, length);
}

}  // namespace

std::optional<KeyType> key_type_from_name(std::string_view name) {
  if (name == "rsa2048") return KeyType::rsa2048;
  if (name == "rsa3072") return KeyType::rsa3072;
  if (name == "ec256") return KeyType::ec256;
  return std::nullopt;
}

std::string_view key_type_name(KeyType type) {
  switch (type) {
    case KeyType::rsa2048:
      return "rsa2048";
    case KeyType::rsa3072:
      return "rsa3072";
    case KeyType::ec256:
      return "ec256";
  }
  return "rsa2048";
}

Result<KeyPtr> generate_rsa_key(int bits) {
  KeyPtr key(EVP_RSA_gen(static_cast<unsigned>(bits)));
  if (!key) {
    return fail("cannot generate an RSA key: " + openssl_errors());
  }
  return key;
}

Result<KeyPtr> generate_key(KeyType type) {
  switch (type) {
    case KeyType::rsa2048:
      return generate_rsa_key(2048);
    case KeyType::rsa3072:
      return generate_rsa_key(3072);
    case KeyType::ec256: {
      KeyPtr key(EVP_EC_gen("P-256"));
      if (!key) {
        return fail("cannot generate an EC P-256 key: " + openssl_errors());
      }
      return key;
    }
  }
  return fail("unknown key type");
}

Result<std::string> private_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return fail("cannot encode the private key: " + openssl_errors());
  }
  return bio_text(bio.get());
}

Result<KeyPtr> load_private_key(std::string_view data) {
  if (data.find("ENCRYPTED") != std::string_view::npos) {
    return fail("the private key file is encrypted",
                "decrypt it first (openssl pkey -in KEY -out PLAIN.key) or import a PFX with "
                "--password-file",
                EventId::cert_no_private_key);
  }
  auto bio = read_bio(data);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    bio = read_bio(data);
    key.reset(d2i_PrivateKey_bio(bio.get(), nullptr));
  }
  if (!key) {
    ERR_clear_error();
    return fail("the file holds no readable private key (PEM or DER)",
                "pass the key the certificate was issued for", EventId::cert_file_unreadable);
  }
  return key;
}

std::string key_description(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return fmt::format("RSA {}", EVP_PKEY_get_bits(key));
    case EVP_PKEY_EC: {
      const std::string curve = curve_name(key);
      if (curve == "prime256v1") return "EC P-256";
      if (curve == "secp384r1") return "EC P-384";
      if (curve == "secp521r1") return "EC P-521";
      return "EC " + curve;
    }
    default:
      return EVP_PKEY_get0_type_name(key) != nullptr ? EVP_PKEY_get0_type_name(key) : "unknown";
  }
}

std::optional<std::string> key_weakness(const EVP_PKEY* key) {
  const std::string description = key_description(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(key) < 2048) {
        return fmt::format("the key is {}; at least RSA 2048 is required", description);
      }
      return std::nullopt;
    case EVP_PKEY_EC:
      if (description == "EC P-256" || description == "EC P-384") {
        return std::nullopt;
      }
      return fmt::format("the key is {}; only EC P-256 and P-384 are supported", description);
    default:
      return fmt::format("the key is {}; RSA (>= 2048 bits) or EC P-256/P-384 is required",
                         description);
  }
}

KeyType key_type_like(const EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) return KeyType::ec256;
  return EVP_PKEY_get_bits(key) >= 3072 ? KeyType::rsa3072 : KeyType::rsa2048;
}

}  // namespace outpost::pki
