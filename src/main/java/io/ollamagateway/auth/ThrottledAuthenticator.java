package io.ollamagateway.auth;

import io.netty.util.NetUtil;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.net.TrustedProxies;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed authentication throttled per client address: after {@code AUTH_FAILURE_LIMIT} (default
 * {@value #DEFAULT_BURST}) failures (401) from one address
 * within {@link #WINDOW_MS}, every request of that address that needs authentication gets 429 with
 * {@code Retry-After} for {@link #COOLDOWN_MS}, whatever credentials it carries (so that guessing cannot go
 * on at full speed and learn from which guess is not refused). The address is the real client address of
 * {@link TrustedProxies}, so a client cannot change it with {@code X-Forwarded-For}; IPv6 addresses count by
 * their /64, which one host usually has whole.
 *
 * <p>Logging: the first failure of an address's window is one INFO line (address, the key's display prefix,
 * why), the burst that starts a cool-down one WARN line; the failures in between are counted, not logged each.
 * With the limit at 0 nothing is refused, and failures are still logged that way. However many addresses fail,
 * at most {@link #MAX_LINES_PER_WINDOW} such lines are written a minute, then one line says how many were left out. The table of addresses holds at most
 * {@link #MAX_ADDRESSES} entries: when full, entries whose window is over are dropped, then the counts of
 * addresses that are not cooling down; while it is still full (that many addresses cooling down at once) a new
 * address is not tracked. A spray of addresses costs bounded memory.
 * Counts are per process (not shared through Redis).
 *
 * <p>Thread-safe (every event loop); never blocks: the table is a concurrent map, each entry guarded by its
 * own lock for a few field updates.
 */
public final class ThrottledAuthenticator implements Authenticator {

  /** The default of {@code AUTH_FAILURE_LIMIT}. */
  public static final int DEFAULT_BURST = 10;
  static final long WINDOW_MS = 60_000;
  static final long COOLDOWN_MS = 60_000;
  static final int MAX_ADDRESSES = 10_000;
  /** Log lines per minute at most, whatever the number of addresses (a spray must not flood the log). */
  static final int MAX_LINES_PER_WINDOW = 20;

  private static final Logger LOG = LoggerFactory.getLogger(ThrottledAuthenticator.class);

  private static final class Entry {
    long windowStart;
    int failures;
    long blockedUntil;
  }

  private final Authenticator delegate;
  private final TrustedProxies proxies;
  private final LongSupplier clock;
  private final int maxAddresses;
  private final int burst;
  private final Map<String, Entry> table = new ConcurrentHashMap<>();
  private final AtomicLong logWindow = new AtomicLong();
  private final AtomicInteger linesInWindow = new AtomicInteger();
  private final AtomicInteger suppressed = new AtomicInteger();

  /** @param burst failures within a minute that start a cool-down; 0: no throttle */
  public ThrottledAuthenticator(Authenticator delegate, TrustedProxies proxies, LongSupplier clockMillis,
      int burst) {
    this(delegate, proxies, clockMillis, burst, MAX_ADDRESSES);
  }

  ThrottledAuthenticator(Authenticator delegate, TrustedProxies proxies, LongSupplier clockMillis, int burst,
      int maxAddresses) {
    this.burst = burst;
    this.delegate = delegate;
    this.proxies = proxies;
    this.clock = clockMillis;
    this.maxAddresses = maxAddresses;
  }

  /** Without an address: not throttled (callers with their own throttle, such as the console's sign-in). */
  @Override
  public Future<Principal> authenticate(Credentials credentials) {
    return delegate.authenticate(credentials);
  }

  @Override
  public Future<Principal> authenticate(HttpServerRequest request) {
    return authenticate(proxies.client(request), Credentials.from(request.headers()));
  }

  /** Authenticates {@code credentials} presented from {@code address}, unless the address is cooling down. */
  public Future<Principal> authenticate(String address, Credentials credentials) {
    String key = bucket(address);
    long now = clock.getAsLong();
    Entry entry = burst > 0 ? table.get(key) : null;
    if (entry != null) {
      long wait;
      synchronized (entry) {
        wait = entry.blockedUntil - now;
      }
      if (wait > 0) {
        long seconds = Math.max(1, (wait + 999) / 1000);
        return Future.failedFuture(new ApiError(429, "too many failed authentications from your address; retry "
            + "after " + seconds + " s", Map.of("Retry-After", Long.toString(seconds))));
      }
    }
    Future<Principal> answer = delegate.authenticate(credentials);
    if (answer.isComplete()) {
      if (answer.failed()) {
        failed(key, credentials, answer.cause());
      }
      return answer;
    }
    return answer.onFailure(err -> failed(key, credentials, err));
  }

  /** How long {@code address} must still wait, in milliseconds; 0 when it may authenticate. For tests. */
  long blockedFor(String address) {
    Entry entry = table.get(bucket(address));
    if (entry == null) {
      return 0;
    }
    synchronized (entry) {
      return Math.max(0, entry.blockedUntil - clock.getAsLong());
    }
  }

  /** Addresses tracked now. */
  int tracked() {
    return table.size();
  }

  private void failed(String key, Credentials credentials, Throwable err) {
    if (!(err instanceof ApiError e) || e.status() != 401) {
      return; // valid but unusable credentials (403), or the gateway's own trouble: not a guess
    }
    long now = clock.getAsLong();
    Entry entry = table.get(key);
    if (entry == null) {
      if (table.size() >= maxAddresses && !makeRoom(now)) {
        return;
      }
      entry = table.computeIfAbsent(key, k -> new Entry());
    }
    int failures;
    boolean blocked = false;
    synchronized (entry) {
      if (now - entry.windowStart > WINDOW_MS) {
        entry.windowStart = now;
        entry.failures = 0;
      }
      failures = ++entry.failures;
      if (burst > 0 && failures >= burst) {
        entry.blockedUntil = now + COOLDOWN_MS;
        entry.failures = 0;
        entry.windowStart = now;
        blocked = true;
      }
    }
    if ((blocked || failures == 1) && !mayLog(now)) {
      return;
    }
    if (blocked) {
      LOG.warn("{} failed authentications from {} within {} s (the last: {}); its requests get 429 for {} s",
          burst, key, WINDOW_MS / 1000, e.getMessage(), COOLDOWN_MS / 1000);
    } else if (failures == 1) {
      String presented = credentials.secret().map(secret -> "key " + ApiKeys.displayPrefix(secret))
          .orElse("no credentials");
      LOG.info("authentication failed from {} with {}: {} (further failures from this address within {} s are "
          + "counted, not logged each)", key, presented, e.getMessage(), WINDOW_MS / 1000);
    }
  }

  /** Whether one more line fits in this minute's share; tells how many did not fit in the last one. */
  private boolean mayLog(long now) {
    long start = logWindow.get();
    if (now - start > WINDOW_MS && logWindow.compareAndSet(start, now)) {
      linesInWindow.set(0);
      int dropped = suppressed.getAndSet(0);
      if (dropped > 0) {
        LOG.warn("{} more lines about failed authentications from other addresses were left out of the log in the "
            + "last {} s (at most {} a minute)", dropped, WINDOW_MS / 1000, MAX_LINES_PER_WINDOW);
      }
    }
    if (linesInWindow.incrementAndGet() <= MAX_LINES_PER_WINDOW) {
      return true;
    }
    suppressed.incrementAndGet();
    return false;
  }

  /**
   * Drops entries that are neither cooling down nor inside their window, then, if that is not enough, those
   * that are not cooling down; whether there is room now.
   */
  private boolean makeRoom(long now) {
    synchronized (table) { // one sweep at a time; lookups and other entries go on meanwhile
      if (table.size() < maxAddresses) {
        return true;
      }
      sweep(now, true);
      if (table.size() >= maxAddresses) {
        sweep(now, false); // a spray of fresh addresses: forget counts, but never a cool-down
      }
      return table.size() < maxAddresses;
    }
  }

  private void sweep(long now, boolean onlyExpired) {
    for (Iterator<Entry> it = table.values().iterator(); it.hasNext(); ) {
      Entry entry = it.next();
      synchronized (entry) {
        if (entry.blockedUntil <= now && (!onlyExpired || now - entry.windowStart > WINDOW_MS)) {
          it.remove();
        }
      }
    }
  }

  /** The address itself, or the /64 of an IPv6 address. */
  static String bucket(String address) {
    if (address == null || address.indexOf(':') < 0) {
      return address == null ? "unknown" : address;
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
    if (bytes == null || bytes.length != 16) {
      return address;
    }
    for (int i = 8; i < 16; i++) {
      bytes[i] = 0;
    }
    return NetUtil.bytesToIpAddress(bytes) + "/64";
  }
}
