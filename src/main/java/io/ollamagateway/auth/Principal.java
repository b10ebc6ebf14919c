package io.ollamagateway.auth;

import io.ollamagateway.store.KeyLimits;
import io.ollamagateway.store.Quota;
import io.ollamagateway.store.Role;
import java.util.List;

/**
 * Who is calling, as established by an {@link Authenticator}. Immutable.
 *
 * @param clientId a stable, non-secret id for logs and usage records ({@code anonymous}, {@code shared-token},
 *     or {@code key:<id>} for an API key)
 * @param role what the caller may do
 * @param keyId the API key's id, or {@code null} for the static modes
 * @param userId the key owner's id, or {@code null}
 * @param userName the key owner's name, or {@code null}
 * @param models the key's model allowlist (glob patterns); empty means every model
 * @param limits the key's own rate limits ({@link KeyLimits#NONE} for the static modes)
 * @param quota the key owner's quota ({@link Quota#NONE} for the static modes)
 */
public record Principal(String clientId, Role role, Long keyId, Long userId, String userName, List<String> models,
    KeyLimits limits, Quota quota) {

  /** A caller let in without credentials because open access is allowed. */
  public static final Principal ANONYMOUS = new Principal("anonymous", Role.USER);

  /** A caller holding the one shared {@code PROXY_AUTH_TOKEN}: trusted as an operator. */
  public static final Principal SHARED_TOKEN = new Principal("shared-token", Role.ADMIN);

  public Principal {
    models = models == null ? List.of() : List.copyOf(models);
    limits = limits == null ? KeyLimits.NONE : limits;
    quota = quota == null ? Quota.NONE : quota;
  }

  /** A principal of the static modes: no key, no owner, every model. */
  public Principal(String clientId, Role role) {
    this(clientId, role, null, null, null, List.of(), KeyLimits.NONE, Quota.NONE);
  }

  public boolean isAdmin() {
    return role == Role.ADMIN;
  }

  /** Whether the caller may use this model (its key's allowlist, if any, names it). */
  public boolean mayUse(String model) {
    return models.isEmpty() || ModelAllowlist.allows(models, model);
  }

  /** Whether the caller may use only some models. */
  public boolean hasModelAllowlist() {
    return !models.isEmpty();
  }
}
