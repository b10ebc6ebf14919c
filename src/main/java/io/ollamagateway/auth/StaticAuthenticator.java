package io.ollamagateway.auth;

import io.ollamagateway.api.ApiError;
import io.vertx.core.Future;
import java.util.Optional;

/**
 * The simple modes: one shared {@code PROXY_AUTH_TOKEN}, open access when allowed, or both (a caller with the
 * token is an operator, anyone else is anonymous). Holds only the token's hash. Thread-safe, never blocks.
 */
public final class StaticAuthenticator implements Authenticator {

  private static final Future<Principal> SHARED = Future.succeededFuture(Principal.SHARED_TOKEN);
  private static final Future<Principal> ANONYMOUS = Future.succeededFuture(Principal.ANONYMOUS);
  // an ApiError has no stack trace and cannot change: one answer serves every request (an API key's too, which
  // is asked here first)
  private static final Future<Principal> REQUIRED = Future.failedFuture(ApiError.unauthorized(
      "authentication required: send your token as 'Authorization: Bearer <token>' or 'x-api-key: <token>'"));
  private static final Future<Principal> INVALID = Future.failedFuture(ApiError.unauthorized(
      "invalid API key or token"));

  private final byte[] tokenHash;
  private final boolean allowUnauthenticated;

  public StaticAuthenticator(Optional<String> sharedToken, boolean allowUnauthenticated) {
    this.tokenHash = sharedToken.map(Secrets::sha256).orElse(null);
    this.allowUnauthenticated = allowUnauthenticated;
  }

  @Override
  public Future<Principal> authenticate(Credentials credentials) {
    Optional<String> secret = credentials.secret();
    if (tokenHash != null && secret.isPresent() && Secrets.constantTimeEquals(tokenHash, credentials.secretDigest())) {
      return SHARED;
    }
    if (allowUnauthenticated) {
      // Clients such as the openai packages always send some key ("ollama"); in open mode it is ignored,
      // as Ollama itself ignores it.
      return ANONYMOUS;
    }
    return secret.isEmpty() ? REQUIRED : INVALID;
  }
}
