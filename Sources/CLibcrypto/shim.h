// OpenSSL's libcrypto (Debian: libssl-dev): HMAC-SHA256 for Jupyter message signatures and
// CRYPTO_memcmp for comparing them in constant time.
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
