package io.ollamagateway.admin;

import io.ollamagateway.auth.ApiKeys;
import io.ollamagateway.store.Role;
import io.ollamagateway.auth.ModelAllowlist;
import io.ollamagateway.store.ApiKey;
import io.ollamagateway.store.ConflictException;
import io.ollamagateway.store.KeyLimits;
import io.ollamagateway.store.KeyStore;
import io.ollamagateway.store.Quota;
import io.ollamagateway.store.Stores;
import io.ollamagateway.store.User;
import io.ollamagateway.store.UserCaps;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The administrative operations on users and keys, shared by the admin API and the CLI so that both validate,
 * audit and invalidate alike. Every change is written to the audit log with its actor; key secrets are
 * generated here, returned once in {@link CreatedKey} and never stored, logged or audited.
 *
 * <p>Blocks on the store: call from a worker thread. Thread-safe.
 */
public final class IdentityService {

  /** Told after a change, so that cached authentication state is dropped at once. */
  public interface Invalidation {
    Invalidation NONE = new Invalidation() {
    };

    default void keyChanged(long keyId) {
    }

    default void userChanged(long userId) {
    }
  }

  /** A new key and its secret, which is shown once and exists nowhere else. */
  public record CreatedKey(ApiKey key, String secret) {
  }

  private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  private final Stores stores;
  private final ApiKeys apiKeys;
  private final Clock clock;
  private final Invalidation invalidation;

  public IdentityService(Stores stores, ApiKeys apiKeys, Clock clock, Invalidation invalidation) {
    this.stores = stores;
    this.apiKeys = apiKeys;
    this.clock = clock;
    this.invalidation = invalidation;
  }

  public Stores stores() {
    return stores;
  }

  /**
   * This service, auditing each change with the id of the admin request it came from ({@code X-Request-Id});
   * itself when {@code requestId} is null. Cheap: made per admin request.
   */
  public IdentityService forRequest(String requestId) {
    return requestId == null ? this : new IdentityService(stores.forRequest(requestId), apiKeys, clock, invalidation);
  }

  public List<User> users() {
    return stores.users().list();
  }

  public User user(long id) {
    return stores.users().find(id).orElseThrow(() -> new NotFound("no user with id " + id));
  }

  public User createUser(String actor, String name, String email, Role role) {
    if (name == null || !USER_NAME.matcher(name).matches()) {
      throw new InvalidInput("name", "required, 1 to 64 letters, digits or . _ - @");
    }
    checkEmail(email);
    try {
      User user = stores.users().create(name, email, role == null ? Role.USER : role);
      stores.audit().record(actor, "user.create", "user:" + user.id(), "name=" + name + " role=" + roleName(user.role()));
      return user;
    } catch (ConflictException e) {
      throw new ConflictException("a user named '" + name + "' already exists");
    }
  }

  /** Changes what is not null: {@code email} ("" clears it), {@code role}, {@code active}. */
  public User updateUser(String actor, long id, String email, Role role, Boolean active) {
    User user = user(id);
    String newEmail = email == null ? user.email() : email.isEmpty() ? null : email;
    checkEmail(newEmail);
    User changed = user.withChanges(newEmail, role == null ? user.role() : role,
        active == null ? user.active() : active);
    if (isActiveAdmin(user) && !isActiveAdmin(changed)) {
      requireAnotherActiveAdmin(user);
    }
    User saved = stores.users().update(changed).orElseThrow(() -> new NotFound("no user with id " + id));
    invalidation.userChanged(id);
    stores.audit().record(actor, "user.update", "user:" + id, "role=" + roleName(saved.role()) + " active="
        + saved.active() + (email == null ? "" : " email changed"));
    return saved;
  }

  public void deleteUser(String actor, long id) {
    User user = user(id);
    if (isActiveAdmin(user)) {
      requireAnotherActiveAdmin(user);
    }
    if (!stores.users().delete(id)) {
      throw new NotFound("no user with id " + id);
    }
    invalidation.userChanged(id);
    stores.audit().record(actor, "user.delete", "user:" + id, "name=" + user.name());
  }

  public List<ApiKey> keys(Long userId) {
    if (userId != null) {
      user(userId);
    }
    return stores.keys().list(userId);
  }

  public ApiKey key(long id) {
    return stores.keys().find(id).orElseThrow(() -> new NotFound("no API key with id " + id));
  }

  public CreatedKey createKey(String actor, long userId, String name, Instant expiresAt, List<String> models,
      KeyLimits limits) {
    KeyLimits checked = limits == null ? KeyLimits.NONE : limits;
    checkKeySettings(name, expiresAt, models, checked, true);
    user(userId);
    String secret = apiKeys.generate();
    ApiKey key = stores.keys().create(userId, name, ApiKeys.hash(secret), ApiKeys.displayPrefix(secret), expiresAt,
        models == null ? List.of() : models, checked);
    stores.audit().record(actor, "key.create", "key:" + key.id(), "user:" + userId + " name=" + name
        + " prefix=" + key.prefix());
    return new CreatedKey(key, secret);
  }

  /**
   * Brings over client keys of another proxy, all or none: each is stored as its SHA-256 hash with a display
   * prefix of at most 8 characters ({@link ApiKeys#importedPrefix}), owned by {@code userId}, named by its label
   * in the file or else {@code name} ({@code name-2}, {@code name-3}... when there are several), with the given
   * expiry, models and limits ({@code null} limits: the role's defaults, as for created keys). A key already in
   * the store is refused, naming the entry and the stored key's id, and then nothing is imported. The secrets
   * are neither returned nor audited. With {@code hashed}, the entries are the SHA-256 hex of keys (what a proxy
   * that stored only hashes has), stored as they are and shown as {@code sha256:1a2b…}.
   *
   * @throws ConflictException when a key is already stored
   */
  public List<ApiKey> importKeys(String actor, long userId, List<KeyImport.Entry> entries, boolean hashed,
      String name, Instant expiresAt, List<String> models, KeyLimits limits) {
    KeyLimits checked = limits == null ? KeyLimits.NONE : limits;
    String base = name == null || name.isBlank() ? "imported" : name.strip();
    checkKeySettings(base, expiresAt, models, checked, true);
    user(userId);
    List<KeyStore.NewKey> keys = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      KeyImport.Entry entry = entries.get(i);
      String keyName = entry.label() != null ? entry.label() : entries.size() == 1 || i == 0 ? base : base + "-"
          + (i + 1);
      if (keyName.length() > 64) {
        keyName = keyName.substring(0, 64);
      }
      try {
        checkKeySettings(keyName, null, null, KeyLimits.NONE, false);
      } catch (InvalidInput e) {
        throw new InvalidInput("keys", entry.where() + ": its label is not a usable key name (1 to 64 printable "
            + "characters)");
      }
      String hash = hashed ? entry.secret() : ApiKeys.hash(entry.secret());
      String prefix = hashed ? "sha256:" + hash.substring(0, 4) + "…" : ApiKeys.importedPrefix(entry.secret());
      ApiKey existing = stores.keys().findByHash(hash).map(grant -> grant.key()).orElse(null);
      if (existing != null) {
        throw new ConflictException(entry.where() + " (" + prefix + ") is already "
            + "in the store as key " + existing.id() + " '" + existing.name() + "' of user " + existing.userId()
            + "; nothing was imported. Remove it from the input and import again");
      }
      keys.add(new KeyStore.NewKey(keyName, hash, prefix));
    }
    List<ApiKey> created;
    try {
      created = stores.keys().createAll(userId, keys, expiresAt, models == null ? List.of() : models, checked);
    } catch (ConflictException e) {
      // another import or create won the race for one of the hashes
      throw new ConflictException("one of the keys was stored by someone else meanwhile; nothing was imported");
    }
    for (ApiKey key : created) {
      stores.audit().record(actor, "key.import", "key:" + key.id(), "user:" + userId + " name=" + key.name()
          + " prefix=" + key.prefix());
    }
    return created;
  }

  /** Writes the settings of {@code changed} (name, expiry, active, models, rate limit) to key {@code id}. */
  public ApiKey updateKey(String actor, ApiKey changed) {
    ApiKey current = key(changed.id());
    checkKeySettings(changed.name(), null, changed.models(), changed.limits(), false);
    if (current.revokedAt() != null && changed.active()) {
      throw new ConflictException("API key " + current.id() + " is revoked and cannot be reactivated");
    }
    ApiKey saved = stores.keys().update(changed).orElseThrow(() -> new NotFound("no API key with id "
        + changed.id()));
    invalidation.keyChanged(saved.id());
    stores.audit().record(actor, "key.update", "key:" + saved.id(), "name=" + saved.name() + " active="
        + saved.active() + " expires_at=" + saved.expiresAt() + " models=" + String.join(",", saved.models())
        + " " + describe(saved.limits()));
    return saved;
  }

  public Quota quota(long userId) {
    user(userId);
    return stores.users().quota(userId);
  }

  /** Replaces a user's quota ({@code null} fields are unlimited); takes effect on their next request. */
  public Quota setQuota(String actor, long userId, Quota quota) {
    String unlimited = "must be a whole number >= 0, or null for unlimited";
    atLeast("daily_tokens", quota.dailyTokens(), 0, unlimited);
    atLeast("monthly_tokens", quota.monthlyTokens(), 0, unlimited);
    atLeast("daily_requests", quota.dailyRequests(), 0, unlimited);
    atLeast("monthly_requests", quota.monthlyRequests(), 0, unlimited);
    if (!stores.users().setQuota(userId, quota)) {
      throw new NotFound("no user with id " + userId);
    }
    invalidation.userChanged(userId);
    stores.audit().record(actor, "user.quota", "user:" + userId, "daily_tokens=" + quota.dailyTokens()
        + " monthly_tokens=" + quota.monthlyTokens() + " daily_requests=" + quota.dailyRequests()
        + " monthly_requests=" + quota.monthlyRequests());
    return stores.users().quota(userId);
  }

  public UserCaps caps(long userId) {
    user(userId);
    return stores.users().caps(userId);
  }

  /**
   * Replaces a user's self-service caps ({@code null} fields: no cap); binds what the user does from now on,
   * not the keys they already hold.
   */
  public UserCaps setCaps(String actor, long userId, UserCaps caps) {
    if (caps.maxKeys() != null && caps.maxKeys() < 0) {
      throw new InvalidInput("max_keys", "must be a whole number >= 0, or null for no cap");
    }
    for (String pattern : caps.models()) {
      if (!ModelAllowlist.isValidPattern(pattern)) {
        throw new InvalidInput("models", "each entry is a model name or glob such as 'llama3*', without commas or "
            + "spaces");
      }
    }
    String none = "must be a positive whole number, or null for no cap";
    atLeast("requests_per_minute", caps.limits().requestsPerMinute(), 1, none);
    atLeast("requests_per_hour", caps.limits().requestsPerHour(), 1, none);
    atLeast("tokens_per_minute", caps.limits().tokensPerMinute(), 1, none);
    atLeast("max_concurrent", caps.limits().maxConcurrent(), 1, none);
    atLeast("max_rotation_grace_seconds", caps.maxRotationGraceSeconds(), 0,
        "must be a whole number of seconds >= 0, or null for the default cap");
    if (!stores.users().setCaps(userId, caps)) {
      throw new NotFound("no user with id " + userId);
    }
    stores.audit().record(actor, "user.caps", "user:" + userId, "max_keys=" + caps.maxKeys() + " models="
        + String.join(",", caps.models()) + " " + describe(caps.limits()) + " max_rotation_grace_seconds="
        + caps.maxRotationGraceSeconds());
    return stores.users().caps(userId);
  }

  private static String describe(KeyLimits limits) {
    return "requests_per_minute=" + limits.requestsPerMinute() + " requests_per_hour=" + limits.requestsPerHour()
        + " tokens_per_minute=" + limits.tokensPerMinute() + " max_concurrent=" + limits.maxConcurrent();
  }

  public ApiKey revokeKey(String actor, long id) {
    key(id);
    ApiKey revoked = stores.keys().revoke(id, Instant.ofEpochMilli(clock.millis()))
        .orElseThrow(() -> new NotFound("no API key with id " + id));
    invalidation.keyChanged(id);
    stores.audit().record(actor, "key.revoke", "key:" + id, "prefix=" + revoked.prefix());
    return revoked;
  }

  private static boolean isActiveAdmin(User user) {
    return user.active() && user.role() == Role.ADMIN;
  }

  /** Keeps at least one active admin, so that the admin API cannot lock everybody out. */
  private void requireAnotherActiveAdmin(User leaving) {
    boolean another = stores.users().list().stream().anyMatch(u -> u.id() != leaving.id() && isActiveAdmin(u));
    if (!another) {
      throw new ConflictException("user " + leaving.id() + " (" + leaving.name() + ") is the last active admin; "
          + "make another user admin first");
    }
  }

  private void checkKeySettings(String name, Instant expiresAt, List<String> models, KeyLimits limits,
      boolean creating) {
    if (name == null || name.isBlank() || name.length() > 64 || name.chars().anyMatch(Character::isISOControl)) {
      throw new InvalidInput("name", "required, 1 to 64 printable characters");
    }
    if (creating && expiresAt != null && !expiresAt.isAfter(clock.instant())) {
      throw new InvalidInput("expires_at", "must be in the future");
    }
    if (models != null) {
      for (String pattern : models) {
        if (!ModelAllowlist.isValidPattern(pattern)) {
          throw new InvalidInput("models", "each entry is a model name or glob such as 'llama3*', without "
              + "commas or spaces");
        }
      }
    }
    String none = "must be a positive whole number, or null for no limit";
    atLeast("requests_per_minute", limits.requestsPerMinute(), 1, none);
    atLeast("requests_per_hour", limits.requestsPerHour(), 1, none);
    atLeast("tokens_per_minute", limits.tokensPerMinute(), 1, none);
    atLeast("max_concurrent", limits.maxConcurrent(), 1, none);
  }

  private static void atLeast(String field, Long value, long min, String message) {
    if (value != null && value < min) {
      throw new InvalidInput(field, message);
    }
  }

  private static void checkEmail(String email) {
    if (email != null && (email.length() > 254 || !email.matches("[^@\\s]+@[^@\\s]+"))) {
      throw new InvalidInput("email", "not an email address");
    }
  }

  public static String roleName(Role role) {
    return role.name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code admin} or {@code user}. */
  public static Role parseRole(String text) {
    if (text != null) {
      switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "admin":
          return Role.ADMIN;
        case "user":
          return Role.USER;
        default:
          break;
      }
    }
    throw new InvalidInput("role", "must be 'admin' or 'user'");
  }
}
