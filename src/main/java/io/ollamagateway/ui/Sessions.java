package io.ollamagateway.ui;

import io.ollamagateway.auth.Principal;
import io.ollamagateway.auth.Secrets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The web console's sign-in sessions, in memory (a restart signs everybody out). A session id is 256 random
 * bits, given to the browser once in its cookie; only its SHA-256 is kept as the map key, so a heap dump does
 * not hand out live sessions. Each session has its own CSRF token. A session unused for longer than the idle
 * timeout is gone.
 *
 * <p>Thread-safe (requests of one session may arrive on several event loops); never blocks.
 */
final class Sessions {

  /** How a session was opened; {@code keyId} and {@code userId} are null for the shared token. */
  static final class Session {
    final Principal principal;
    final Long userId;
    final Long keyId;
    final String method;
    final String csrfToken;
    private final String idHash;
    private volatile long lastSeenMillis;

    private Session(String idHash, Principal principal, Long userId, Long keyId, String method, String csrfToken,
        long now) {
      this.idHash = idHash;
      this.principal = principal;
      this.userId = userId;
      this.keyId = keyId;
      this.method = method;
      this.csrfToken = csrfToken;
      this.lastSeenMillis = now;
    }

    /** Whether {@code presented} is this session's CSRF token, compared in constant time. */
    boolean csrfMatches(String presented) {
      return presented != null && MessageDigest.isEqual(csrfToken.getBytes(StandardCharsets.UTF_8),
          presented.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A new session and the id that goes into the cookie (the only place the id exists). */
  record Created(String id, Session session) {
  }

  private static final int MAX_SESSIONS = 10_000;
  private static final Base64.Encoder TOKEN = Base64.getUrlEncoder().withoutPadding();

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final long idleMillis;
  private final LongSupplier clock;

  Sessions(long idleMillis, LongSupplier clock) {
    this.idleMillis = idleMillis;
    this.clock = clock;
  }

  long idleMillis() {
    return idleMillis;
  }

  Created create(Principal principal, Long userId, Long keyId, String method) {
    if (sessions.size() >= MAX_SESSIONS) {
      expire();
      sessions.values().stream().min(Comparator.comparingLong(s -> s.lastSeenMillis))
          .ifPresent(oldest -> sessions.remove(oldest.idHash));
    }
    String id = token();
    Session session = new Session(hash(id), principal, userId, keyId, method, token(), clock.getAsLong());
    sessions.put(session.idHash, session);
    return new Created(id, session);
  }

  /** The live session of a cookie's id, marked as used now; empty when unknown, signed out or idle too long. */
  Optional<Session> use(String id) {
    if (id == null || id.isEmpty() || id.length() > 100) {
      return Optional.empty();
    }
    String key = hash(id);
    Session session = sessions.get(key);
    if (session == null) {
      return Optional.empty();
    }
    long now = clock.getAsLong();
    if (now - session.lastSeenMillis > idleMillis) {
      sessions.remove(key, session);
      return Optional.empty();
    }
    session.lastSeenMillis = now;
    return Optional.of(session);
  }

  /** Ends the session of a cookie's id; false when there was none. */
  boolean remove(String id) {
    return id != null && sessions.remove(hash(id)) != null;
  }

  /** Drops the sessions that have been idle too long. */
  void expire() {
    long now = clock.getAsLong();
    sessions.values().removeIf(s -> now - s.lastSeenMillis > idleMillis);
  }

  private String token() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return TOKEN.encodeToString(bytes);
  }

  private static String hash(String id) {
    return HexFormat.of().formatHex(Secrets.sha256(id));
  }
}
