package io.ollamagateway.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ollamagateway.alerts.Alerts;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.api.Futures;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.proxy.Endpoint;
import io.ollamagateway.proxy.Exchange;
import io.ollamagateway.proxy.ExchangeListener;
import io.ollamagateway.proxy.RequestStage;
import io.ollamagateway.usage.PromptText;
import io.ollamagateway.usage.TokenEstimator;
import io.ollamagateway.usage.Usage;
import io.ollamagateway.usage.UsageRecorder;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admit and settle: holds every request to its caller's {@link Plan} before it is forwarded.
 *
 * <ul>
 *   <li>Reserves one request from each request budget and, on generation and embedding routes, the most the
 *       request can cost from each token budget: the calibrated prompt estimate plus its output cap. A
 *       generation without a cap reserves {@code outputReserve} answer tokens; when the budgets have less left
 *       than the request could use, its {@code num_predict} / {@code max_tokens} is lowered to what is left,
 *       so that no generation can run past a limit.</li>
 *   <li>Admits the token-metered requests of one account one at a time ({@link BudgetGate}) while what its
 *       quotas have left (as its last reservation saw it) is within {@value #CAREFUL_MARGIN} reservations of
 *       the request's, or within 8 times that while its prompt estimate for the model is not calibrated yet
 *       (before its first answer): a concurrent burst then overshoots by at most one request's estimation
 *       error. Requests far from their limits do not wait.</li>
 *   <li>Takes a concurrency slot when the key caps its concurrent requests.</li>
 *   <li>Refuses with 429 naming the limit and when it resets, with {@code Retry-After} and
 *       {@code X-RateLimit-Limit/-Remaining/-Reset}; admitted requests carry the same headers.</li>
 *   <li>When the answer is over, settles the reservation to the real count ({@link UsageRecorder}) and frees
 *       the slot; a request that produced no usage settles to zero tokens ({@link ExchangeListener}).</li>
 *   <li>Marks each request it lets through as admitted ({@link Exchange#markAdmitted}), which its usage row
 *       records for the request quotas; when the request is over (its row collected, as listeners run in
 *       order), the request it reserved is handed over to that row ({@link Budgets#requestOver}).</li>
 *   <li>When the counters cannot be reached (Redis down), refuses with 503 saying why, or lets the request
 *       through unlimited when configured to fail open.</li>
 * </ul>
 *
 * <p>Runs on event loops and never blocks; what a request holds lives in a concurrent map keyed by its
 * exchange until it is settled.
 */
public final class Admission implements RequestStage, UsageRecorder, ExchangeListener {

  private static final Logger LOG = LoggerFactory.getLogger(Admission.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How many requests may wait for one budget's turn; more are refused with 429. */
  private static final int MAX_WAITING = 1_000;
  private static final int MAX_REMEMBERED = 100_000;
  /** Closer to a limit than this many times a request's reservation, its requests go one at a time. */
  private static final long CAREFUL_MARGIN = 4;
  /** How much wider the margin is while the estimate is not calibrated: the calibration's largest ratio. */
  private static final long UNCALIBRATED_FACTOR = (long) Calibration.MAX_RATIO;
  private static final BudgetGate.Turn NO_TURN = () -> { };

  /** What a request holds until it is settled. */
  private record Held(Reservation reservation, Concurrency.Slot lease, BudgetGate.Turn turn, String tenant,
      String model, long rawPrompt) {
  }

  private final LimitPlans plans;
  private final Budgets budgets;
  private final Concurrency concurrency;
  private final TokenEstimator estimator;
  private final Calibration calibration;
  private final long outputReserve;
  private final boolean failOpen;
  private final Supplier<Instant> clock;
  private final Consumer<String> refused;
  private final Map<Exchange, Held> held = new ConcurrentHashMap<>();
  private final Map<Exchange, Reservation> counting = new ConcurrentHashMap<>();
  private final Alerts.QuotaListener quotas;
  private final BudgetGate gate = new BudgetGate(MAX_WAITING);
  private final Map<String, Long> lastLeft = new ConcurrentHashMap<>();

  /**
   * @param refused told the name of the limit each time one refuses a request (metrics), on the event loop
   */
  public Admission(LimitPlans plans, Budgets budgets, Concurrency concurrency, TokenEstimator estimator,
      Calibration calibration, long outputReserve, boolean failOpen, Supplier<Instant> clock,
      Consumer<String> refused) {
    this(plans, budgets, concurrency, estimator, calibration, outputReserve, failOpen, clock, refused,
        Alerts.QuotaListener.NONE);
  }

  /** @param quotas told where each caller stands against its daily and monthly quotas (alerts) */
  public Admission(LimitPlans plans, Budgets budgets, Concurrency concurrency, TokenEstimator estimator,
      Calibration calibration, long outputReserve, boolean failOpen, Supplier<Instant> clock,
      Consumer<String> refused, Alerts.QuotaListener quotas) {
    this.quotas = quotas;
    this.refused = refused;
    this.plans = plans;
    this.budgets = budgets;
    this.concurrency = concurrency;
    this.estimator = estimator;
    this.calibration = calibration;
    this.outputReserve = outputReserve;
    this.failOpen = failOpen;
    this.clock = clock;
  }

  @Override
  public Future<Void> apply(Exchange exchange) {
    Plan plan = plans.plan(exchange.principal());
    if (plan.isEmpty() && plan.tracked().isEmpty()) {
      exchange.markAdmitted();
      return Future.succeededFuture();
    }
    Endpoint endpoint = exchange.endpoint();
    // what each route is (generation, embedding) is the endpoint table's
    boolean generation = endpoint.kind() == Endpoint.Kind.GENERATES;
    Buffer body = exchange.body() == null ? null : exchange.body().bytes();
    List<Budget> tokenBudgets = body != null && endpoint.metered()
        ? plan.tokenBudgets() : List.of();
    long raw = 0;
    long prompt = 0;
    Long cap = null;
    long minTokens = 0;
    long maxTokens = 0;
    JsonNode root = null;
    if (!tokenBudgets.isEmpty()) {
      root = exchange.body().tree(); // the prompt's text, the caller's cap and the lowered cap all come from it
      raw = PromptText.tokens(root, estimator);
      prompt = calibration.estimate(plan.tenant(), exchange.model(), raw);
      cap = generation ? outputCap(root) : null;
      minTokens = prompt + (generation ? 1 : 0);
      maxTokens = generation ? prompt + Math.max(1, cap == null ? outputReserve : cap) : prompt;
    }
    Claim claim = new Claim(plan.requestBudgets(), tokenBudgets, minTokens, maxTokens, plan.tracked());
    String tenant = plan.tenant();
    String gated = tokenBudgets.isEmpty() ? null : gateKey(tokenBudgets);
    Future<BudgetGate.Turn> turned = Future.succeededFuture(NO_TURN);
    if (gated != null) {
      // an estimate not calibrated yet may be off by up to the calibration's bound: more margin for it
      long margin = (calibration.isCalibrated(tenant, exchange.model()) ? 1 : UNCALIBRATED_FACTOR)
          * CAREFUL_MARGIN * maxTokens;
      Long known = lastLeft.get(gated);
      Future<Long> left = known != null ? Future.succeededFuture(known)
          : budgets.peek(tokenBudgets, clock.get()).map(Admission::tightestTokens).otherwise(0L);
      turned = Futures.then(left, l -> l < margin ? gate.acquire(gated) : Future.succeededFuture(NO_TURN));
    }
    long promptEstimate = prompt;
    long rawPrompt = raw;
    Long askedCap = cap;
    JsonNode parsed = root;
    return Futures.then(turned, turn -> {
      if (turn == null) {
        refused.accept("requests waiting for a quota");
        return Future.failedFuture(new ApiError(429, "too many requests are waiting for this account's "
            + "quota; retry shortly", Map.of("Retry-After", "1")));
      }
      Future<Reservation> reserved = claim.isEmpty()
          ? Future.succeededFuture(Reservation.unlimited(0))
          : budgets.reserve(claim, clock.get());
      if (!reserved.succeeded()) {
        reserved = reserved
          // failing open grants what the request asked for, so that its own cap (or the reserve) still applies;
          // a caller without limits was only counting in its tracked windows: nothing to enforce, it goes on
          .recover(err -> plan.isEmpty() ? untracked(err, claim)
              : unavailable("usage limits", err, Reservation.unlimited(claim.maxTokens())))
          .onFailure(err -> turn.release());
      }
      return Futures.then(reserved, reservation -> {
        reportQuotas(reservation);
        if (gated != null) {
          remember(gated, reservation);
        }
        if (!reservation.granted()) {
          turn.release();
          refused.accept(reservation.exceeded().describe());
          return Future.failedFuture(refusal(reservation, clock.get()));
        }
        long answerTokens = reservation.tokens() - promptEstimate;
        if (generation && !tokenBudgets.isEmpty() && (askedCap == null || answerTokens < askedCap)) {
          setOutputCap(exchange, parsed, Math.max(1, answerTokens));
        }
        return Futures.then(acquire(plan), lease -> {
          if (lease == null) {
            turn.release();
            refused.accept("concurrent requests");
            budgets.settle(reservation, 0);
            budgets.requestOver(reservation, false);
            return Future.failedFuture(new ApiError(429, "too many concurrent requests for this key (limit "
                + plan.maxConcurrent() + "); wait for one to finish", Map.of("Retry-After", "1")));
          }
          headers(exchange.request().response(), reservation);
          held.put(exchange, new Held(reservation, lease, turn, tenant, exchange.model(), rawPrompt));
          if (!reservation.requestKeys().isEmpty()) {
            counting.put(exchange, reservation);
          }
          exchange.markAdmitted();
          return Future.<Void>succeededFuture();
        });
      });
    });
  }

  private static long tightestTokens(List<Reservation.State> states) {
    long left = Long.MAX_VALUE;
    for (Reservation.State state : states) {
      if (state.budget().metric().equals("tokens")) {
        left = Math.min(left, state.remaining());
      }
    }
    return left;
  }

  /**
   * The budget whose turn a careful request waits for: its user's, which every key of the user shares, or
   * its key's.
   */
  private static String gateKey(List<Budget> tokenBudgets) {
    for (Budget budget : tokenBudgets) {
      if (budget.subject().startsWith("user:")) {
        return budget.subject();
      }
    }
    return tokenBudgets.get(0).subject();
  }

  /** Remembers what the tightest token budget of {@code gated} has left, to know when to be careful. */
  private void remember(String gated, Reservation reservation) {
    long left = tightestTokens(reservation.states());
    if (left != Long.MAX_VALUE) {
      lastLeft.put(gated, left);
      if (lastLeft.size() > MAX_REMEMBERED) {
        lastLeft.clear(); // rare: forgetting only makes the next request of each budget careful
      }
    }
  }

  /** Tells the alerts where the caller stands against its quotas (daily and monthly budgets). */
  private void reportQuotas(Reservation reservation) {
    if (quotas == Alerts.QuotaListener.NONE) {
      return;
    }
    for (Reservation.State state : reservation.states()) {
      Budget budget = state.budget();
      if (budget.window() == Window.DAY || budget.window() == Window.MONTH) {
        long used = budget.equals(reservation.exceeded()) ? budget.limit() : budget.limit() - state.remaining();
        quotas.quota(budget.subject(), budget.describe(), String.valueOf(state.resetAt()), used, budget.limit());
      }
    }
  }

  /** The caller's limits and where it stands against each now, taking nothing (for self-service). */
  public Future<Standing> standing(Principal principal) {
    Plan plan = plans.plan(principal);
    List<Budget> all = new ArrayList<>(plan.requestBudgets());
    all.addAll(plan.tokenBudgets());
    Future<List<Reservation.State>> states = all.isEmpty() ? Future.succeededFuture(List.of())
        : budgets.peek(all, clock.get());
    return states.map(list -> new Standing(list, plan.maxConcurrent()));
  }

  /**
   * A caller's limits as they stand.
   *
   * @param budgets each limit with what remains of it and when it resets
   * @param maxConcurrent the cap on requests under way at once, 0 for none
   */
  public record Standing(List<Reservation.State> budgets, long maxConcurrent) {
  }

  private Future<Concurrency.Slot> acquire(Plan plan) {
    if (plan.maxConcurrent() <= 0) {
      return Future.succeededFuture(Concurrency.Slot.NONE);
    }
    int limit = (int) Math.min(Integer.MAX_VALUE, plan.maxConcurrent());
    return concurrency.acquire(plan.subject(), limit)
        .recover(err -> unavailable("concurrency limits", err, Concurrency.Slot.NONE));
  }

  private static Future<Reservation> untracked(Throwable err, Claim claim) {
    LOG.warn("usage of a caller without limits cannot be counted in its windows ({}); letting it through",
        err.getMessage());
    return Future.succeededFuture(Reservation.unlimited(claim.maxTokens()));
  }

  private <T> Future<T> unavailable(String what, Throwable err, T unlimited) {
    if (failOpen) {
      LOG.warn("{} cannot be checked ({}); letting the request through (LIMITS_FAIL_OPEN=true)", what,
          err.getMessage());
      return Future.succeededFuture(unlimited);
    }
    LOG.warn("{} cannot be checked ({}); refusing the request (LIMITS_FAIL_OPEN=false)", what, err.getMessage());
    refused.accept("limits store unavailable");
    return Future.failedFuture(new ApiError(503, what + " cannot be checked right now: the limits store (Redis) "
        + "does not answer (" + err.getMessage() + "); try again shortly", Map.of("Retry-After", "5")));
  }

  @Override
  public void record(Exchange exchange, Usage usage, Throwable error) {
    Held h = held.remove(exchange);
    if (h == null) {
      return;
    }
    if (!usage.estimated()) {
      calibration.learn(h.tenant(), h.model(), h.rawPrompt(), usage.promptTokens());
    }
    release(h, usage.totalTokens());
  }

  @Override
  public void onFinish(Exchange exchange, int status, String note) {
    Held h = held.remove(exchange);
    if (h != null) {
      release(h, 0); // no usage was recorded: the request failed, or its route is not metered
    }
    Reservation admitted = counting.remove(exchange);
    if (admitted != null) {
      budgets.requestOver(admitted, true); // the usage ledger, an earlier listener, has counted it by now
    }
  }

  private void release(Held h, long tokens) {
    h.lease().release();
    // the turn passes once the settle is done: the next careful request then sees this one's real cost
    budgets.settle(h.reservation(), tokens).onComplete(done -> {
      h.turn().release();
      if (done.failed()) {
        LOG.warn("cannot settle a reservation: {}", done.cause().getMessage());
      }
    });
  }

  private static ApiError refusal(Reservation reservation, Instant now) {
    Budget budget = reservation.exceeded();
    Reservation.State state = reservation.tightest();
    long wait = Math.max(1, Duration.between(now, state.resetAt()).toSeconds());
    String scope = budget.subject().startsWith("user:") ? "your account's" : "this key's";
    String message = "rate limit exceeded: " + scope + " limit of " + budget.limit() + " " + budget.describe()
        + " is used up; it resets at " + state.resetAt() + " (in " + wait + " s)";
    return new ApiError(429, message, Map.of("Retry-After", String.valueOf(wait),
        "X-RateLimit-Limit", String.valueOf(budget.limit()), "X-RateLimit-Remaining", "0",
        "X-RateLimit-Reset", String.valueOf(state.resetAt().getEpochSecond())));
  }

  private static void headers(HttpServerResponse response, Reservation reservation) {
    Reservation.State state = reservation.tightest();
    if (state == null) {
      return;
    }
    response.putHeader("X-RateLimit-Limit", String.valueOf(state.budget().limit()));
    response.putHeader("X-RateLimit-Remaining", String.valueOf(state.remaining()));
    response.putHeader("X-RateLimit-Reset", String.valueOf(state.resetAt().getEpochSecond()));
  }

  /** The output cap the caller set ({@code num_predict}, {@code max_tokens}...), or {@code null}. */
  private static Long outputCap(JsonNode root) {
    for (JsonNode cap : new JsonNode[] {root.path("options").path("num_predict"), root.path("max_tokens"),
        root.path("max_completion_tokens"), root.path("max_output_tokens")}) {
      if (cap.canConvertToLong() && cap.asLong() >= 0) {
        return cap.asLong();
      }
    }
    return null;
  }

  /** Writes {@code cap} into the request's body, from its parsed {@code root}. */
  private static void setOutputCap(Exchange exchange, JsonNode root, long cap) {
    if (!(root instanceof ObjectNode object)) {
      return;
    }
    Endpoint endpoint = exchange.endpoint();
    // the usual case, a body without any cap: the field is added at the end of the client's own bytes, which a
    // rewrite of the whole tree would give too (an added field goes last), without serializing it again
    String added = switch (endpoint) {
      case GENERATE, CHAT -> object.has("options") ? null : "\"options\":{\"num_predict\":" + cap + "}";
      case OPENAI_RESPONSES -> object.has("max_output_tokens") ? null : "\"max_output_tokens\":" + cap;
      default -> object.has("max_tokens") || object.has("max_completion_tokens") ? null : "\"max_tokens\":" + cap;
    };
    if (added != null) {
      exchange.replaceBody(appendField(exchange.body().bytes(), object.isEmpty(), added));
      return;
    }
    try {
      switch (endpoint) {
        case GENERATE, CHAT -> {
          JsonNode options = object.path("options");
          (options instanceof ObjectNode o ? o : object.putObject("options")).put("num_predict", cap);
        }
        case OPENAI_RESPONSES -> object.put("max_output_tokens", cap);
        default -> {
          object.put("max_tokens", cap);
          if (object.has("max_completion_tokens")) {
            object.put("max_completion_tokens", cap);
          }
        }
      }
      exchange.replaceBody(Buffer.buffer(JSON.writeValueAsBytes(object)));
    } catch (IOException e) {
      throw new IllegalStateException("Jackson cannot write a tree it parsed", e);
    }
  }

  /**
   * {@code body}, one JSON object (with nothing but whitespace after it, as the gateway checked), with
   * {@code field} ({@code "name":value}) added as its last member.
   */
  private static Buffer appendField(Buffer body, boolean empty, String field) {
    int end = body.length() - 1;
    while (body.getByte(end) != '}') {
      end--;
    }
    Buffer out = Buffer.buffer(end + field.length() + 2).appendBuffer(body, 0, end);
    if (!empty) {
      out.appendByte((byte) ',');
    }
    return out.appendString(field).appendByte((byte) '}');
  }
}
