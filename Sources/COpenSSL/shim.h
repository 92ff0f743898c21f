#ifndef EDGE_COPENSSL_SHIM_H
#define EDGE_COPENSSL_SHIM_H
// libcrypto only: digests through the EVP API. (TLS is libcurl's, which links libssl itself.)
#include <openssl/evp.h>
#include <openssl/err.h>
#endif
