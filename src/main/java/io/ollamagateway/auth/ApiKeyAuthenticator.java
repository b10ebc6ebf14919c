package io.ollamagateway.auth;

import io.ollamagateway.api.ApiError;
import io.ollamagateway.store.ApiKey;
import io.ollamagateway.store.KeyGrant;
import io.ollamagateway.store.KeyStore;
import io.ollamagateway.store.User;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates the API keys of the store, in front of the static modes ({@code PROXY_AUTH_TOKEN}, open access)
 * which keep working alongside.
 *
 * <p>The hot path never touches the store: keys are held in memory by SHA-256 hash, loaded at {@link #start}.
 * A hash the cache does not know (a key just made by the CLI in another process) is looked up once on a worker
 * thread; a hash the store does not know either is remembered for a short time in a bounded negative cache,
 * and at most a few look-ups run at once, so that random keys cannot flood the store. Revocation,
 * deactivation and deletion through the admin API invalidate at once ({@link #invalidateKey},
 * {@link #invalidateUser}); changes made elsewhere (another gateway instance sharing the store, the CLI) are
 * noticed by a cheap poll of a change mark (the audit log's newest id) every {@code changePoll}, which then
 * reloads the keys; a full reload also runs every {@code refreshEvery} as a safety net.
 * Expiry is checked against the clock on every request. Last-use times are written in batches, off the hot
 * path.
 *
 * <p>A key is found by the SHA-256 of the presented secret, whatever its format ({@code sk-...} keys made here,
 * keys imported from other proxies): no secret is ever compared with a stored one, so the time an answer takes
 * tells nothing about any stored key.
 *
 * <p>{@link #authenticate} runs on event loops and never blocks; the caches are concurrent maps shared by all
 * event loops. Failed authentications are logged with at most the key's display prefix, and counted.
 */
public final class ApiKeyAuthenticator implements Authenticator {

  private static final Logger LOG = LoggerFactory.getLogger("auth");
  private static final int MAX_NEGATIVE = 10_000;
  private static final int MAX_LOOKUPS_IN_FLIGHT = 4;

  private final Vertx vertx;
  private final KeyStore keys;
  private final Authenticator fallback;
  private final Clock clock;
  private final Duration refreshEvery;
  private final Duration negativeTtl;
  private final LongSupplier changeMark;
  private final Duration changePoll;
  private volatile long lastMark = Long.MIN_VALUE;
  private final Map<String, Known> cache = new ConcurrentHashMap<>();
  private final Map<String, Long> negative = new ConcurrentHashMap<>();
  private final Map<Long, Long> lastUsed = new ConcurrentHashMap<>();
  private final Map<String, Future<Optional<KeyGrant>>> lookups = new ConcurrentHashMap<>();
  /** Guards writes of store answers into the cache against invalidations; never held on a hit. */
  private final Object cacheLock = new Object();
  /** Counts invalidations, so that a store answer read before one is not cached after it. */
  private final AtomicLong generation = new AtomicLong();
  private final AtomicInteger lookupsInFlight = new AtomicInteger();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong storeLookups = new AtomicLong();
  private long refreshTimer = -1;
  private long flushTimer = -1;
  private long changeTimer = -1;

  /**
   * @param fallback the static modes, asked first for the shared token and last for callers without a key
   * @param refreshEvery how often the whole key set is reloaded from the store (picks up CLI changes)
   * @param negativeTtl how long an unknown key is answered from memory
   * @param changeMark reads the store's change mark (blocks; called on a worker)
   * @param changePoll how often the change mark is read
   */
  public ApiKeyAuthenticator(Vertx vertx, KeyStore keys, Authenticator fallback, Clock clock, Duration refreshEvery,
      Duration negativeTtl, LongSupplier changeMark, Duration changePoll) {
    this.changeMark = changeMark;
    this.changePoll = changePoll;
    this.vertx = vertx;
    this.keys = keys;
    this.fallback = fallback;
    this.clock = clock;
    this.refreshEvery = refreshEvery;
    this.negativeTtl = negativeTtl;
  }

  /** Loads the usable keys and starts the refresh and last-use timers. Blocks: call at start-up, off loops. */
  public void start() {
    lastMark = changeMark.getAsLong();
    keys.usable().forEach((hash, grant) -> cache.put(hash, Known.of(grant)));
    changeTimer = vertx.setPeriodic(changePoll.toMillis(), id -> vertx.executeBlocking(() -> {
      refreshIfChanged();
      return null;
    }, false));
    refreshTimer = vertx.setPeriodic(refreshEvery.toMillis(), id -> vertx.executeBlocking(() -> {
      refresh();
      return null;
    }, false));
    flushTimer = vertx.setPeriodic(5_000, id -> vertx.executeBlocking(() -> {
      flushLastUsed();
      return null;
    }, false));
  }

  /** How many keys in the store can authenticate now (as last loaded). */
  public int usableKeys() {
    return cache.size();
  }

  /** Stops the timers and writes pending last-use times. Blocks: call off event loops. */
  public void stop() {
    vertx.cancelTimer(refreshTimer);
    vertx.cancelTimer(flushTimer);
    vertx.cancelTimer(changeTimer);
    flushLastUsed();
  }

  @Override
  public Future<Principal> authenticate(Credentials credentials) {
    Optional<String> secret = credentials.secret();
    if (secret.isEmpty()) {
      return counted(fallback.authenticate(credentials), null);
    }
    Future<Principal> staticAnswer = fallback.authenticate(credentials);
    if (staticAnswer.succeeded() && staticAnswer.result() != Principal.ANONYMOUS) {
      return staticAnswer;
    }
    String hash = ApiKeys.hex(credentials.secretDigest());
    Known known = cache.get(hash);
    if (known != null) {
      return decide(known, secret.get());
    }
    Long unknownUntil = negative.get(hash);
    if (unknownUntil != null && unknownUntil > clock.millis()) {
      return counted(staticAnswer, secret.get());
    }
    return lookUp(hash).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(new ApiError(503, "the gateway cannot check API keys right now; retry"));
      }
      if (ar.result().isEmpty()) {
        return counted(staticAnswer, secret.get());
      }
      return decide(Known.of(ar.result().get()), secret.get());
    });
  }

  /**
   * Reads a hash the cache does not know from the store, on a worker. Concurrent requests with the same key
   * share one look-up (a burst of requests with a key just made by the CLI must not be refused); different
   * unknown keys are capped at a few look-ups at once, and the others answered as unknown.
   */
  private Future<Optional<KeyGrant>> lookUp(String hash) {
    Future<Optional<KeyGrant>> pending = lookups.get(hash);
    if (pending != null) {
      return pending;
    }
    if (lookupsInFlight.incrementAndGet() > MAX_LOOKUPS_IN_FLIGHT) {
      lookupsInFlight.decrementAndGet();
      return Future.succeededFuture(Optional.empty());
    }
    long startGeneration = generation.get();
    storeLookups.incrementAndGet();
    Future<Optional<KeyGrant>> lookup = vertx.executeBlocking(() -> {
      Optional<KeyGrant> found = keys.findByHash(hash);
      if (found.isEmpty()) {
        rememberUnknown(hash);
      } else {
        synchronized (cacheLock) {
          if (generation.get() == startGeneration) {
            cache.put(hash, Known.of(found.get()));
          }
        }
      }
      return found;
    }, false);
    Future<Optional<KeyGrant>> shared = lookups.putIfAbsent(hash, lookup);
    lookup.onComplete(ar -> {
      lookups.remove(hash, lookup);
      lookupsInFlight.decrementAndGet();
      if (ar.failed()) {
        LOG.warn("cannot look up an API key in the store: {}", ar.cause().getMessage());
      }
    });
    return shared != null ? shared : lookup;
  }

  private Future<Principal> decide(Known known, String secret) {
    ApiKey key = known.grant().key();
    User user = known.grant().user();
    Instant now = clock.instant();
    String problem = switch (key.status(now)) {
      case "revoked" -> "this API key has been revoked";
      case "inactive" -> "this API key is deactivated";
      case "expired" -> "this API key has expired";
      default -> user.active() ? null : "the user of this API key is deactivated";
    };
    if (problem != null) {
      failures.incrementAndGet();
      // DEBUG: a failure is logged per address and burst by ThrottledAuthenticator, not once per request; the
      // stored prefix, because for an imported key it shows less than displayPrefix would
      LOG.debug("authentication failed: {} (key {}, key:{})", problem, key.prefix(), key.id());
      return Future.failedFuture(ApiError.unauthorized(problem));
    }
    lastUsed.put(key.id(), now.toEpochMilli());
    return known.answer();
  }

  /**
   * A usable key as the cache holds it: its grant, and the answer for it, made once (a principal is immutable,
   * and so is a completed future without a context).
   */
  private record Known(KeyGrant grant, Future<Principal> answer) {

    static Known of(KeyGrant grant) {
      ApiKey key = grant.key();
      User user = grant.user();
      return new Known(grant, Future.succeededFuture(new Principal("key:" + key.id(), user.role(), key.id(),
          user.id(), user.name(), key.models(), key.limits(), grant.quota())));
    }
  }

  private Future<Principal> counted(Future<Principal> answer, String secret) {
    if (answer.failed()) {
      failures.incrementAndGet();
      if (secret != null) {
        LOG.debug("authentication failed: unknown API key {}", ApiKeys.displayPrefix(secret));
      } else {
        LOG.debug("authentication failed: no credentials");
      }
    }
    return answer;
  }

  private void rememberUnknown(String hash) {
    long now = clock.millis();
    if (negative.size() >= MAX_NEGATIVE) {
      negative.values().removeIf(until -> until <= now);
      if (negative.size() >= MAX_NEGATIVE) {
        negative.clear();
      }
    }
    negative.put(hash, now + negativeTtl.toMillis());
  }

  /** Forgets what is cached about a key: the next request with it reads the store. Call after any change. */
  public void invalidateKey(long keyId) {
    synchronized (cacheLock) {
      generation.incrementAndGet();
      cache.values().removeIf(known -> known.grant().key().id() == keyId);
    }
  }

  /** Forgets every key of a user. Call after a user's role or active flag changed, or the user was deleted. */
  public void invalidateUser(long userId) {
    synchronized (cacheLock) {
      generation.incrementAndGet();
      cache.values().removeIf(known -> known.grant().user().id() == userId);
    }
  }

  /** Reloads the keys when the store's change mark moved since the last look. Blocks: call on a worker. */
  public void refreshIfChanged() {
    try {
      long mark = changeMark.getAsLong();
      if (mark != lastMark) {
        refresh();
        lastMark = mark; // after the reload: a failed one is tried again at the next poll
      }
    } catch (RuntimeException e) {
      LOG.warn("cannot check the store for changes to keys: {}", e.getMessage());
    }
  }

  /** Reloads the usable keys from the store. Blocks: call on a worker. */
  public void refresh() {
    long startGeneration = generation.get();
    Map<String, KeyGrant> fresh = keys.usable();
    synchronized (cacheLock) {
      if (generation.get() != startGeneration) {
        return; // an admin change raced with the load: this snapshot may be stale; the next refresh is not
      }
      cache.keySet().retainAll(fresh.keySet());
      fresh.forEach((hash, grant) -> cache.put(hash, Known.of(grant)));
    }
  }

  /** Writes the last-use times gathered since the previous call. Blocks: call on a worker. */
  public void flushLastUsed() {
    if (lastUsed.isEmpty()) {
      return;
    }
    Map<Long, Long> batch = new java.util.HashMap<>();
    for (Long id : lastUsed.keySet()) {
      Long at = lastUsed.remove(id);
      if (at != null) {
        batch.put(id, at);
      }
    }
    try {
      keys.touch(batch);
    } catch (RuntimeException e) {
      LOG.warn("cannot record API key last-use times: {}", e.getMessage());
    }
  }

  /** Failed authentications since start. */
  public long failures() {
    return failures.get();
  }

  /** Store look-ups made for keys the cache did not know, since start. */
  public long storeLookups() {
    return storeLookups.get();
  }
}
