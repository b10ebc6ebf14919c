package io.ollamagateway.config;

import java.nio.file.Path;

/**
 * HTTPS for the gateway's listeners. Immutable; built by {@link ConfigLoader}, which has checked that both files
 * are readable PEM.
 *
 * @param certFile {@code TLS_CERT_FILE}: the certificate chain, server certificate first
 * @param keyFile {@code TLS_KEY_FILE}: its private key (PKCS#8, or PKCS#1 RSA / SEC1 EC), unencrypted
 */
public record TlsConfig(Path certFile, Path keyFile) {
}
