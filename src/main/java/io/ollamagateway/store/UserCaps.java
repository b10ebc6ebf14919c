package io.ollamagateway.store;

import java.util.List;

/**
 * What an admin lets a user give the keys they create themselves (self-service); {@code null} means no cap of
 * that kind. Keys an admin creates are not bound by these.
 *
 * @param maxKeys how many usable (not revoked, not expired) keys the user may hold
 * @param models model names or globs; the user's keys may use only these (an empty list: any model)
 * @param limits the most each of the user's keys may have; a key's limit of a capped kind is at most this
 * @param maxRotationGraceSeconds the longest grace period the user may give a rotated key's old secret
 *     ({@code null}: the gateway's default cap)
 */
public record UserCaps(Integer maxKeys, List<String> models, KeyLimits limits, Long maxRotationGraceSeconds) {

  /** No caps at all. */
  public static final UserCaps NONE = new UserCaps(null, List.of(), KeyLimits.NONE, null);

  public UserCaps {
    models = models == null ? List.of() : List.copyOf(models);
    limits = limits == null ? KeyLimits.NONE : limits;
  }

  public boolean isNone() {
    return maxKeys == null && models.isEmpty() && limits.equals(KeyLimits.NONE) && maxRotationGraceSeconds == null;
  }
}
