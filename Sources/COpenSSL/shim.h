#ifndef EDGE_COPENSSL_SHIM_H
#define EDGE_COPENSSL_SHIM_H
// libcrypto only: digests and signatures through the EVP API, keys in PEM. (TLS is libcurl's,
// which links libssl itself.)
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/hmac.h>

/* Macros that Swift does not import (or imports only as their expansion's pieces). */
static const int EDGE_EVP_PKEY_ED25519 = EVP_PKEY_ED25519;
static const int EDGE_EVP_PKEY_EC = EVP_PKEY_EC;

/* BIO_get_mem_data is a macro over the variadic-free BIO_ctrl: a typed wrapper. */
static inline long edge_bio_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
#endif
