#ifndef EDGE_COPENSSL_SHIM_H
#define EDGE_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif
