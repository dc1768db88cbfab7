-- An approved gateway is bound to its key (SHA-256 of the public key of the certificate it first
-- connected with after its approval): a certificate that merely names the gateway cannot be
-- admitted as it. `outpost gateway approve --rebind` and `gateway remove` delete the binding.
CREATE TABLE gateway_keys (
  fqdn       TEXT PRIMARY KEY NOT NULL,
  key_sha256 TEXT NOT NULL,
  bound_ms   INTEGER NOT NULL
);
