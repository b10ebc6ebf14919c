package io.ollamagateway.limits;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@link Budgets} shared by every gateway instance through Redis. Each window is a hash with {@code used}
 * and {@code reserved} fields that expires a while after its window ends; reserving and settling are Lua
 * scripts, so each is atomic across all the budgets of a claim, whatever the number of instances.
 *
 * <ul>
 *   <li>Every token reservation is also a member of the window's sorted set ({@code <window>:r}), scored with
 *       its expiry ({@code QUOTA_RESERVATION_TTL} from when it was made, on Redis's clock). Each reservation
 *       first gives back the expired ones, so the reservations of a crashed instance, or of a settle that
 *       never arrived, stop holding tokens within that time.</li>
 *   <li>A settle is idempotent (a marker per reservation id) and retried with backoff when Redis fails, so a
 *       usage is counted once even when an answer is lost.</li>
 *   <li>With a {@link UsageBaseline}, each hourly, daily and monthly window (tokens, and requests admitted) is
 *       derived from the usage store (plus this instance's rows not yet written) the first time any instance
 *       needs it, so usage from before a limit was set, or before Redis lost its data, counts. The usage of
 *       other instances not yet written then (one flush interval) is not seen.</li>
 *   <li>A window that exists goes on counting while no limit names it ({@link Claim#tracked}): a limit removed
 *       and set again within its window sees the usage in between.</li>
 * </ul>
 *
 * <p>The scripts name the sorted sets from their windows' keys: a single Redis, not a cluster.
 *
 * <p>Thread-safe; every call is asynchronous. A Redis failure fails the returned future; what the gateway
 * then does (refuse or let through) is the caller's policy.
 */
public final class RedisBudgets implements Budgets {

  // KEYS: request budgets, token budgets, then tracked request windows. ARGV: nRequests, minTokens, maxTokens,
  // reservation id, its ttl (ms), whether windows must have been derived (1/0), nTracked, then per budget its
  // limit, window ttl (ms) and whether it is derived from the store (1/0). Returns {1, grant, available...} or
  // {0, refusing, available...} (available before this reservation), or {2, indexes of windows not derived
  // yet...}. A granted request also counts in each tracked window that exists.
  private static final String RESERVE = """
      local nreq = tonumber(ARGV[1])
      local mint = tonumber(ARGV[2])
      local maxt = tonumber(ARGV[3])
      local id = ARGV[4]
      local rttl = tonumber(ARGV[5])
      local ntr = tonumber(ARGV[7])
      local n = #KEYS - ntr
      if ARGV[6] == '1' then
        local missing = {2}
        for i = 1, n do
          if ARGV[7 + 3 * i] == '1' and redis.call('HEXISTS', KEYS[i], 'init') == 0 then
            missing[#missing + 1] = i
          end
        end
        if #missing > 1 then return missing end
      end
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      for i = nreq + 1, n do
        local rk = KEYS[i] .. ':r'
        local gone = redis.call('ZRANGEBYSCORE', rk, '-inf', now)
        if #gone > 0 then
          local freed = 0
          for _, m in ipairs(gone) do freed = freed + tonumber(string.match(m, ':(%d+)$')) end
          redis.call('ZREMRANGEBYSCORE', rk, '-inf', now)
          local left = redis.call('HINCRBY', KEYS[i], 'reserved', -freed)
          if left < 0 then redis.call('HSET', KEYS[i], 'reserved', 0) end
        end
      end
      local avail = {}
      for i = 1, n do
        local limit = tonumber(ARGV[5 + 3 * i])
        local used = tonumber(redis.call('HGET', KEYS[i], 'used') or '0')
        local reserved = tonumber(redis.call('HGET', KEYS[i], 'reserved') or '0')
        avail[i] = limit - used - reserved
      end
      local refusing = 0
      for i = 1, nreq do
        if refusing == 0 and avail[i] < 1 then refusing = i end
      end
      local grant = maxt
      for i = nreq + 1, n do
        if avail[i] < grant then grant = avail[i] end
        if refusing == 0 and avail[i] < mint then refusing = i end
      end
      if refusing > 0 then
        local out = {0, refusing}
        for i = 1, n do out[#out + 1] = avail[i] end
        return out
      end
      for i = 1, n do
        if i <= nreq then
          redis.call('HINCRBY', KEYS[i], 'used', 1)
        else
          redis.call('HINCRBY', KEYS[i], 'reserved', grant)
          redis.call('ZADD', KEYS[i] .. ':r', now + rttl, id .. ':' .. grant)
          redis.call('PEXPIRE', KEYS[i] .. ':r', ARGV[6 + 3 * i])
        end
        redis.call('HSET', KEYS[i], 'init', 1)
        redis.call('PEXPIRE', KEYS[i], ARGV[6 + 3 * i])
      end
      for i = n + 1, n + ntr do
        if redis.call('HEXISTS', KEYS[i], 'init') == 1 then redis.call('HINCRBY', KEYS[i], 'used', 1) end
      end
      local out = {1, grant}
      for i = 1, n do out[#out + 1] = avail[i] end
      return out
      """;

  // KEYS: the reservation's settled marker, then its token windows. ARGV: id, reserved, actual, marker ttl.
  // A reservation already settled changes nothing; one that expired meanwhile adds its usage only.
  private static final String SETTLE = """
      if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[4]) then return 0 end
      for i = 2, #KEYS do
        if redis.call('EXISTS', KEYS[i]) == 1 then
          if redis.call('ZREM', KEYS[i] .. ':r', ARGV[1] .. ':' .. ARGV[2]) == 1 then
            local left = redis.call('HINCRBY', KEYS[i], 'reserved', -tonumber(ARGV[2]))
            if left < 0 then redis.call('HSET', KEYS[i], 'reserved', 0) end
          end
          redis.call('HINCRBY', KEYS[i], 'used', tonumber(ARGV[3]))
        end
      end
      return 1
      """;

  // KEYS: one window. ARGV: what was derived from the store, ttl (ms), 'max' for request windows. First
  // derivation wins. A request window counted before it was derived (by a gateway older than its derivation)
  // already holds what every instance admitted: it keeps the larger of both, so nothing counts twice.
  private static final String INIT = """
      if redis.call('HEXISTS', KEYS[1], 'init') == 1 then return 0 end
      local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
      if ARGV[3] == 'max' then
        if tonumber(ARGV[1]) > used then redis.call('HSET', KEYS[1], 'used', ARGV[1]) end
      else
        redis.call('HINCRBY', KEYS[1], 'used', tonumber(ARGV[1]))
      end
      redis.call('HSET', KEYS[1], 'init', 1)
      redis.call('PEXPIRE', KEYS[1], ARGV[2])
      return 1
      """;

  // KEYS: request windows a turned away request was counted in. Takes it back out of those that exist.
  private static final String UNCOUNT = """
      for i = 1, #KEYS do
        if redis.call('HEXISTS', KEYS[i], 'init') == 1
            and tonumber(redis.call('HGET', KEYS[i], 'used') or '0') > 0 then
          redis.call('HINCRBY', KEYS[i], 'used', -1)
        end
      end
      return 1
      """;

  private static final Duration KEEP_AFTER_END = Duration.ofHours(1);
  private static final int SETTLE_ATTEMPTS = 6;

  private final Vertx vertx;
  private final RedisAPI redis;
  private final BudgetKeys names;
  private final String prefix;
  private final UsageBaseline baseline;
  private final Duration reservationTtl;

  /** Token windows that start from zero, reservations held for 15 minutes at most: for tests. */
  public RedisBudgets(Vertx vertx, RedisAPI redis, ZoneId zone, String keyPrefix) {
    this(vertx, redis, zone, keyPrefix, null, Duration.ofMinutes(15));
  }

  /**
   * @param keyPrefix starts the name of every Redis key this writes ({@code REDIS_KEY_PREFIX})
   * @param baseline where a token window's first value comes from; {@code null} for zero
   * @param reservationTtl how long a reservation holds tokens when nothing settles it
   */
  public RedisBudgets(Vertx vertx, RedisAPI redis, ZoneId zone, String keyPrefix, UsageBaseline baseline,
      Duration reservationTtl) {
    this.vertx = vertx;
    this.redis = redis;
    this.prefix = keyPrefix + "budget:";
    this.names = new BudgetKeys(prefix, zone);
    this.baseline = baseline;
    this.reservationTtl = reservationTtl;
  }

  @Override
  public Future<Reservation> reserve(Claim claim, Instant now) {
    return reserve(claim, now, 3);
  }

  private Future<Reservation> reserve(Claim claim, Instant now, int derivations) {
    List<Budget> budgets = new ArrayList<>(claim.requestBudgets());
    budgets.addAll(claim.tokenBudgets());
    if (budgets.isEmpty() && claim.tracked().isEmpty()) {
      return Future.succeededFuture(Reservation.unlimited(claim.maxTokens()));
    }
    List<String> trackedRequests = new ArrayList<>(0);
    List<String> trackedTokens = new ArrayList<>(0);
    for (Budget budget : claim.tracked()) {
      String key = names.key(budget, now);
      (budget.metric().equals("requests") ? trackedRequests : trackedTokens).add(key);
    }
    int requests = claim.requestBudgets().size();
    String id = UUID.randomUUID().toString();
    List<Window.Span> spans = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    List<String> args = new ArrayList<>();
    args.add(RESERVE);
    args.add(String.valueOf(budgets.size() + trackedRequests.size()));
    for (Budget budget : budgets) {
      Window.Span span = names.span(budget, now);
      spans.add(span);
      keys.add(names.key(budget, span));
    }
    args.addAll(keys);
    args.addAll(trackedRequests);
    args.add(String.valueOf(requests));
    args.add(String.valueOf(claim.minTokens()));
    args.add(String.valueOf(claim.maxTokens()));
    args.add(id);
    args.add(String.valueOf(Math.max(1, reservationTtl.toMillis())));
    args.add(baseline != null && derivations > 0 ? "1" : "0");
    args.add(String.valueOf(trackedRequests.size()));
    for (int i = 0; i < budgets.size(); i++) {
      args.add(String.valueOf(budgets.get(i).limit()));
      args.add(String.valueOf(ttl(spans.get(i), now)));
      args.add(budgets.get(i).window() == Window.MINUTE ? "0" : "1");
    }
    return redis.eval(args).compose(response -> {
      long outcome = response.get(0).toLong();
      if (outcome == 2) {
        List<Future<Void>> derived = new ArrayList<>();
        for (int i = 1; i < response.size(); i++) {
          int index = response.get(i).toInteger() - 1;
          derived.add(derive(budgets.get(index), spans.get(index), keys.get(index), now));
        }
        return Future.all(derived).compose(all -> reserve(claim, now, derivations - 1));
      }
      long[] available = new long[budgets.size()];
      for (int i = 0; i < available.length; i++) {
        available[i] = response.get(2 + i).toLong();
      }
      if (outcome == 0) {
        int refusing = response.get(1).toInteger() - 1;
        return Future.succeededFuture(new Reservation(false, 0,
            MemoryBudgets.states(budgets, spans, available, false, 0, requests), budgets.get(refusing), List.of()));
      }
      long grant = response.get(1).toLong();
      return Future.succeededFuture(new Reservation(true, budgets.size() > requests ? grant : claim.maxTokens(),
          MemoryBudgets.states(budgets, spans, available, true, grant, requests), null,
          keys.subList(requests, keys.size()), id, requestKeys(keys.subList(0, requests), trackedRequests),
          trackedTokens));
    });
  }

  private static List<String> requestKeys(List<String> claimed, List<String> tracked) {
    List<String> all = new ArrayList<>(claimed);
    all.addAll(tracked);
    return all;
  }

  /** Sets a window's first value from the usage store, unless another instance did first. */
  private Future<Void> derive(Budget budget, Window.Span span, String key, Instant now) {
    long[] total = new long[1];
    return baseline.derive(budget.subject(), budget.metric(), span.start(), span.end(), used -> total[0] = used)
        .compose(v -> redis.eval(List.of(INIT, "1", key, String.valueOf(total[0]),
            String.valueOf(ttl(span, now)), budget.metric().equals("requests") ? "max" : "add")))
        .mapEmpty();
  }

  @Override
  public Future<Void> settle(Reservation reservation, long actualTokens) {
    if (!reservation.granted() || reservation.windowKeys().isEmpty()
        && (reservation.trackedKeys().isEmpty() || actualTokens == 0)) {
      return Future.succeededFuture();
    }
    List<String> args = new ArrayList<>();
    args.add(SETTLE);
    args.add(String.valueOf(reservation.windowKeys().size() + reservation.trackedKeys().size() + 1));
    args.add(prefix + "settled:" + reservation.id());
    args.addAll(reservation.windowKeys());
    args.addAll(reservation.trackedKeys()); // not reserved in: only the usage is added, where they exist
    args.add(reservation.id());
    args.add(String.valueOf(reservation.tokens()));
    args.add(String.valueOf(actualTokens));
    args.add(String.valueOf(reservationTtl.plus(KEEP_AFTER_END).toMillis()));
    Promise<Void> settled = Promise.promise();
    attempt(args, 1, settled);
    return settled.future();
  }

  /**
   * Nothing to do for an admitted request: its reservation counted it in Redis at once. A request turned away
   * after its reservation is taken back out of the windows it was added to.
   */
  @Override
  public Future<Void> requestOver(Reservation reservation, boolean admitted) {
    if (admitted || !reservation.granted() || reservation.requestKeys().isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> args = new ArrayList<>();
    args.add(UNCOUNT);
    args.add(String.valueOf(reservation.requestKeys().size()));
    args.addAll(reservation.requestKeys());
    return redis.eval(args).mapEmpty();
  }

  /** Runs the settle; on failure tries again after 0.5, 1, 2, 4, 8 s, then gives up (the expiry frees it). */
  private void attempt(List<String> args, int attempt, Promise<Void> settled) {
    redis.eval(args).onComplete(done -> {
      if (done.succeeded()) {
        settled.complete();
      } else if (attempt >= SETTLE_ATTEMPTS) {
        settled.fail(done.cause());
      } else {
        vertx.setTimer(250L << attempt, t -> attempt(args, attempt + 1, settled));
      }
    });
  }

  private static long ttl(Window.Span span, Instant now) {
    return Duration.between(now, span.end()).plus(KEEP_AFTER_END).toMillis();
  }

  @Override
  public Future<List<Reservation.State>> peek(List<Budget> budgets, Instant now) {
    List<Future<Reservation.State>> states = new ArrayList<>();
    for (Budget budget : budgets) {
      Window.Span span = names.span(budget, now);
      states.add(redis.hmget(List.of(names.key(budget, span), "used", "reserved")).map(values -> {
        long spent = number(values.get(0)) + number(values.get(1));
        return new Reservation.State(budget, Math.max(0, budget.limit() - spent), span.end());
      }));
    }
    return Future.all(states).map(all -> states.stream().map(Future::result).toList());
  }

  private static long number(Response value) {
    return value == null ? 0 : value.toLong();
  }
}
