package io.ollamagateway.auth;

/**
 * Who is calling, as established by an {@link Authenticator}. Immutable.
 *
 * @param clientId a stable, non-secret id for logs and usage records ({@code anonymous}, {@code shared-token},
 *     or an API key's id in later modes)
 * @param role what the caller may do
 */
public record Principal(String clientId, Role role) {

  /** A caller let in without credentials because open access is allowed. */
  public static final Principal ANONYMOUS = new Principal("anonymous", Role.USER);

  /** A caller holding the one shared {@code PROXY_AUTH_TOKEN}: trusted as an operator. */
  public static final Principal SHARED_TOKEN = new Principal("shared-token", Role.ADMIN);

  public boolean isAdmin() {
    return role == Role.ADMIN;
  }
}
