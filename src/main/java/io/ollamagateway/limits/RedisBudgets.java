package io.ollamagateway.limits;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Budgets} shared by every gateway instance through Redis. Each window is a hash with {@code used}
 * and {@code reserved} fields that expires a while after its window ends; reserving and settling are Lua
 * scripts, so each is atomic across all the budgets of a claim, whatever the number of instances.
 *
 * <p>Thread-safe; every call is asynchronous. A Redis failure fails the returned future; what the gateway
 * then does (refuse or let through) is the caller's policy.
 */
public final class RedisBudgets implements Budgets {


  // KEYS: request budgets then token budgets. ARGV: nRequests, minTokens, maxTokens, then limit and ttl (ms)
  // per key. Returns {granted, grant, available...} where available is before this reservation.
  private static final String RESERVE = """
      local nreq = tonumber(ARGV[1])
      local mint = tonumber(ARGV[2])
      local maxt = tonumber(ARGV[3])
      local n = #KEYS
      local avail = {}
      for i = 1, n do
        local limit = tonumber(ARGV[2 + 2 * i])
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
        end
        redis.call('PEXPIRE', KEYS[i], ARGV[3 + 2 * i])
      end
      local out = {1, grant}
      for i = 1, n do out[#out + 1] = avail[i] end
      return out
      """;

  // KEYS: token windows. ARGV: reserved, actual.
  private static final String SETTLE = """
      for i = 1, #KEYS do
        if redis.call('EXISTS', KEYS[i]) == 1 then
          local left = redis.call('HINCRBY', KEYS[i], 'reserved', -tonumber(ARGV[1]))
          if left < 0 then redis.call('HSET', KEYS[i], 'reserved', 0) end
          redis.call('HINCRBY', KEYS[i], 'used', tonumber(ARGV[2]))
        end
      end
      return 1
      """;

  private static final Duration KEEP_AFTER_END = Duration.ofHours(1);

  private final RedisAPI redis;
  private final ZoneId zone;
  private final String prefix;

  /** @param keyPrefix starts the name of every Redis key this writes ({@code REDIS_KEY_PREFIX}) */
  public RedisBudgets(RedisAPI redis, ZoneId zone, String keyPrefix) {
    this.redis = redis;
    this.zone = zone;
    this.prefix = keyPrefix + "budget:";
  }

  @Override
  public Future<Reservation> reserve(Claim claim, Instant now) {
    List<Budget> budgets = new ArrayList<>(claim.requestBudgets());
    budgets.addAll(claim.tokenBudgets());
    if (budgets.isEmpty()) {
      return Future.succeededFuture(Reservation.unlimited(claim.maxTokens()));
    }
    int requests = claim.requestBudgets().size();
    List<Window.Span> spans = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    List<String> args = new ArrayList<>();
    args.add(RESERVE);
    args.add(String.valueOf(budgets.size()));
    for (Budget budget : budgets) {
      Window.Span span = BudgetKeys.span(budget, now, zone);
      spans.add(span);
      keys.add(BudgetKeys.key(prefix, budget, span));
    }
    args.addAll(keys);
    args.add(String.valueOf(requests));
    args.add(String.valueOf(claim.minTokens()));
    args.add(String.valueOf(claim.maxTokens()));
    for (int i = 0; i < budgets.size(); i++) {
      args.add(String.valueOf(budgets.get(i).limit()));
      args.add(String.valueOf(Duration.between(now, spans.get(i).end()).plus(KEEP_AFTER_END).toMillis()));
    }
    return redis.eval(args).map(response -> {
      boolean granted = response.get(0).toLong() == 1;
      long[] available = new long[budgets.size()];
      for (int i = 0; i < available.length; i++) {
        available[i] = response.get(2 + i).toLong();
      }
      if (!granted) {
        int refusing = response.get(1).toInteger() - 1;
        return new Reservation(false, 0, MemoryBudgets.states(budgets, spans, available, false, 0, requests),
            budgets.get(refusing), List.of());
      }
      long grant = response.get(1).toLong();
      return new Reservation(true, budgets.size() > requests ? grant : claim.maxTokens(),
          MemoryBudgets.states(budgets, spans, available, true, grant, requests), null,
          keys.subList(requests, keys.size()));
    });
  }

  @Override
  public Future<Void> settle(Reservation reservation, long actualTokens) {
    if (!reservation.granted() || reservation.windowKeys().isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> args = new ArrayList<>();
    args.add(SETTLE);
    args.add(String.valueOf(reservation.windowKeys().size()));
    args.addAll(reservation.windowKeys());
    args.add(String.valueOf(reservation.tokens()));
    args.add(String.valueOf(actualTokens));
    return redis.eval(args).mapEmpty();
  }

  @Override
  public Future<List<Reservation.State>> peek(List<Budget> budgets, Instant now) {
    List<Future<Reservation.State>> states = new ArrayList<>();
    for (Budget budget : budgets) {
      Window.Span span = BudgetKeys.span(budget, now, zone);
      states.add(redis.hmget(List.of(BudgetKeys.key(prefix, budget, span), "used", "reserved")).map(values -> {
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
