package io.ollamagateway.admin;

import io.ollamagateway.auth.ModelAllowlist;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.store.ApiKey;
import io.ollamagateway.store.ConflictException;
import io.ollamagateway.store.KeyLimits;
import io.ollamagateway.store.User;
import io.ollamagateway.store.UserCaps;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a signed-in user may do with their own keys: list, create, rename, rotate and revoke, within the caps an
 * admin set for them ({@link UserCaps}). Each operation names the caller's user; a key of another user is
 * answered exactly as a key that does not exist ({@link NotFound}), so ids reveal nothing. Changes go through
 * {@link IdentityService}, so they are validated, invalidated and audited alike (actor: the user's client id and
 * name; target: the key id; never the secret). Rotation is also audited as {@code key.rotate}.
 *
 * <p>Caps bind what a user does here; keys an admin creates or changes through the admin API are not bound.
 *
 * <p>Blocks on the store: call from a worker thread. Thread-safe.
 */
public final class SelfService {

  /** The grace period of a rotation that names none (shortened to the user's cap). */
  public static final Duration DEFAULT_GRACE = Duration.ofHours(1);

  /** A rotation's result: the new key with its secret, and the old key as it stands now. */
  public record Rotated(IdentityService.CreatedKey created, ApiKey old, long graceSeconds) {
  }

  private final IdentityService service;
  private final Clock clock;
  private final Duration maxGrace;

  /**
   * @param maxGrace {@code KEY_ROTATION_MAX_GRACE}: the longest rotation grace of a user for whom an admin set
   *     none (24 hours by default)
   */
  public SelfService(IdentityService service, Clock clock, Duration maxGrace) {
    this.service = service;
    this.clock = clock;
    this.maxGrace = maxGrace;
  }

  /** The same, with the audit entries it writes carrying {@code requestId} (see {@link IdentityService#forRequest}). */
  public SelfService forRequest(String requestId) {
    return requestId == null ? this : new SelfService(service.forRequest(requestId), clock, maxGrace);
  }

  /** The caller's user id; the shared token and open access have none and cannot serve themselves. */
  public static long userOf(Principal principal) {
    if (principal.userId() == null) {
      throw new Forbidden("self-service needs a user's API key or password; '" + principal.clientId()
          + "' belongs to no user");
    }
    return principal.userId();
  }

  public User user(long userId) {
    return service.user(userId);
  }

  public UserCaps caps(long userId) {
    service.user(userId);
    return service.stores().users().caps(userId);
  }

  /** The longest grace period this user may choose, in seconds. */
  public long maxGraceSeconds(UserCaps caps) {
    return caps.maxRotationGraceSeconds() != null ? caps.maxRotationGraceSeconds() : maxGrace.toSeconds();
  }

  public List<ApiKey> keys(long userId) {
    return service.keys(userId);
  }

  /** One of the user's keys; another user's key is "not found", as a missing one. */
  public ApiKey key(long userId, long keyId) {
    return service.stores().keys().find(keyId).filter(k -> k.userId() == userId)
        .orElseThrow(() -> new NotFound("no API key with id " + keyId));
  }

  /**
   * Creates a key for the user: models and limits that are left out take the user's caps; those given must lie
   * within them; the number of usable keys must stay within {@code max_keys}.
   */
  public IdentityService.CreatedKey createKey(String actor, long userId, String name, Instant expiresAt,
      List<String> models, KeyLimits limits) {
    UserCaps caps = caps(userId);
    if (caps.maxKeys() != null) {
      Instant now = clock.instant();
      long usable = service.stores().keys().list(userId).stream().filter(k -> isUsable(k, now)).count();
      if (usable >= caps.maxKeys()) {
        throw new ConflictException("you have " + usable + " usable keys and may hold at most " + caps.maxKeys()
            + "; revoke one first, or ask an admin to raise your cap");
      }
    }
    return service.createKey(actor, userId, name, expiresAt, withinModels(caps, models),
        withinLimits(caps, limits == null ? KeyLimits.NONE : limits));
  }

  /** Renames one of the user's keys. */
  public ApiKey renameKey(String actor, long userId, long keyId, String name) {
    ApiKey key = key(userId, keyId);
    return service.updateKey(actor, key.withSettings(name, key.expiresAt(), key.active(), key.models(),
        key.limits()));
  }

  /**
   * Gives the key a new secret: a new key with the same name, models, limits and expiry, and the old secret
   * stays valid for {@code graceSeconds} ({@code null}: {@link #DEFAULT_GRACE}, shortened to the cap), after
   * which it expires; 0 revokes it at once. Needs no free {@code max_keys} slot (the old key is on its way out),
   * but a user already over the cap (an earlier rotation's old key still in its grace) must wait for it to
   * expire or revoke it: so rotations cannot pile up keys beyond {@code max_keys + 1}. Only an active key can be
   * rotated.
   */
  public Rotated rotateKey(String actor, long userId, long keyId, Long graceSeconds) {
    ApiKey old = key(userId, keyId);
    Instant now = clock.instant();
    if (!isUsable(old, now) || !old.active()) {
      throw new ConflictException("API key " + keyId + " is " + old.status(now) + "; only an active key can be "
          + "rotated");
    }
    UserCaps caps = caps(userId);
    long max = maxGraceSeconds(caps);
    long grace;
    if (graceSeconds == null) {
      grace = Math.min(DEFAULT_GRACE.toSeconds(), max);
    } else if (graceSeconds < 0 || graceSeconds > max) {
      throw new InvalidInput("grace_seconds", "must be between 0 and " + max + " (your cap, in seconds)");
    } else {
      grace = graceSeconds;
    }
    if (grace > 0 && caps.maxKeys() != null) {
      long usable = service.stores().keys().list(userId).stream().filter(k -> isUsable(k, now)).count();
      if (usable > caps.maxKeys()) {
        throw new ConflictException("you hold " + usable + " usable keys, more than your cap of " + caps.maxKeys()
            + ", while an earlier rotation's old secret is in its grace; revoke a key or rotate with "
            + "grace_seconds 0");
      }
    }
    IdentityService.CreatedKey created = service.createKey(actor, userId, old.name(), old.expiresAt(), old.models(),
        old.limits());
    ApiKey after;
    if (grace == 0) {
      after = service.revokeKey(actor, keyId);
    } else {
      Instant until = now.plusSeconds(grace);
      Instant expires = old.expiresAt() != null && old.expiresAt().isBefore(until) ? old.expiresAt() : until;
      after = service.updateKey(actor, old.withSettings(old.name(), expires, true, old.models(), old.limits()));
    }
    service.stores().audit().record(actor, "key.rotate", "key:" + keyId, "new=key:" + created.key().id()
        + " grace_seconds=" + grace + " prefix=" + created.key().prefix());
    return new Rotated(created, after, grace);
  }

  /** Revokes one of the user's keys, at once. */
  public ApiKey revokeKey(String actor, long userId, long keyId) {
    key(userId, keyId);
    return service.revokeKey(actor, keyId);
  }

  private static boolean isUsable(ApiKey key, Instant now) {
    String status = key.status(now);
    return status.equals("active") || status.equals("inactive");
  }

  /** The key's models: the caps' when none are asked; otherwise each must be a name or pattern the caps allow. */
  private static List<String> withinModels(UserCaps caps, List<String> asked) {
    if (caps.models().isEmpty()) {
      return asked;
    }
    if (asked == null || asked.isEmpty()) {
      return caps.models();
    }
    List<String> kept = new ArrayList<>();
    for (String model : asked) {
      // A glob is accepted only as one of the caps' own patterns: whether one glob lies within another is not
      // decided by matching it as a name.
      boolean wildcard = model.indexOf('*') >= 0 || model.indexOf('?') >= 0;
      boolean sameAsCap = caps.models().stream().anyMatch(cap -> cap.trim().toLowerCase(Locale.ROOT)
          .equals(model.trim().toLowerCase(Locale.ROOT)));
      if (!sameAsCap && (wildcard || !ModelAllowlist.isValidPattern(model)
          || !ModelAllowlist.allows(caps.models(), model))) {
        throw new InvalidInput("models", "'" + model + "' is not among the models you may use: "
            + String.join(", ", caps.models()));
      }
      kept.add(model);
    }
    return kept;
  }

  private static KeyLimits withinLimits(UserCaps caps, KeyLimits asked) {
    KeyLimits cap = caps.limits();
    return new KeyLimits(
        within("requests_per_minute", asked.requestsPerMinute(), cap.requestsPerMinute()),
        within("requests_per_hour", asked.requestsPerHour(), cap.requestsPerHour()),
        within("tokens_per_minute", asked.tokensPerMinute(), cap.tokensPerMinute()),
        within("max_concurrent", asked.maxConcurrent(), cap.maxConcurrent()));
  }

  private static Long within(String field, Long asked, Long cap) {
    if (cap == null) {
      return asked;
    }
    if (asked == null) {
      return cap;
    }
    if (asked > cap) {
      throw new InvalidInput(field, "must be at most " + cap + " (your cap)");
    }
    return asked;
  }
}
