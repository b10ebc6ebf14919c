package io.ollamagateway.limits;

import io.ollamagateway.auth.Principal;
import io.ollamagateway.config.LimitsConfig;
import io.ollamagateway.store.KeyLimits;
import io.ollamagateway.store.Quota;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which limits apply to a caller: its key's own limits (requests per minute and per hour, tokens per minute,
 * concurrency), the default hourly request limit of its role when the key sets none, and its user's daily and
 * monthly quotas. The static modes ({@code PROXY_AUTH_TOKEN}, open access) have no key and are not limited.
 *
 * <p>When the counters are shared (Redis), a plan also names the windows of a key or user that could carry a
 * limit (requests per hour of the key; requests and tokens per day and month of the user) but carry none now:
 * their counters, once they exist, go on counting, so that a limit removed and set again within a window
 * sees the usage in between. Counters in this process need none: they are fed by every usage row.
 *
 * <p>Answers from the principal alone, which the authenticator built from memory: safe on event loops. A plan
 * depends on nothing else, so each principal's is made once and remembered (a bounded number of them).
 * Thread-safe.
 */
public final class LimitPlans {

  private static final int MAX_REMEMBERED = 10_000;

  private final long userRequestsPerHour;
  private final long adminRequestsPerHour;
  private final boolean track;
  private final Map<Principal, Plan> made = new ConcurrentHashMap<>();

  public LimitPlans(LimitsConfig config) {
    this(config, false);
  }

  /** @param track whether plans name the windows without a limit ({@link Plan#tracked}) */
  public LimitPlans(LimitsConfig config, boolean track) {
    this.userRequestsPerHour = config.userRequestsPerHour();
    this.adminRequestsPerHour = config.adminRequestsPerHour();
    this.track = track;
  }

  public Plan plan(Principal principal) {
    if (principal.keyId() == null) {
      return Plan.NONE;
    }
    Plan plan = made.get(principal);
    if (plan == null) {
      if (made.size() >= MAX_REMEMBERED) {
        made.clear(); // rare: each plan is then made once more
      }
      plan = make(principal);
      made.put(principal, plan);
    }
    return plan;
  }

  private Plan make(Principal principal) {
    String key = "key:" + principal.keyId();
    String user = "user:" + principal.userId();
    KeyLimits limits = principal.limits();
    Quota quota = principal.quota();
    List<Budget> requests = new ArrayList<>(4);
    List<Budget> tokens = new ArrayList<>(3);
    add(requests, key, "requests", limits.requestsPerMinute(), Window.MINUTE);
    Long perHour = limits.requestsPerHour() != null ? limits.requestsPerHour()
        : positiveOrNull(principal.isAdmin() ? adminRequestsPerHour : userRequestsPerHour);
    add(requests, key, "requests", perHour, Window.HOUR);
    add(requests, user, "requests", quota.dailyRequests(), Window.DAY);
    add(requests, user, "requests", quota.monthlyRequests(), Window.MONTH);
    add(tokens, key, "tokens", limits.tokensPerMinute(), Window.MINUTE);
    add(tokens, user, "tokens", quota.dailyTokens(), Window.DAY);
    add(tokens, user, "tokens", quota.monthlyTokens(), Window.MONTH);
    long concurrent = limits.maxConcurrent() == null ? 0 : limits.maxConcurrent();
    List<Budget> tracked = new ArrayList<>(0);
    if (track) {
      track(tracked, requests, key, "requests", Window.HOUR);
      if (principal.userId() != null) {
        track(tracked, requests, user, "requests", Window.DAY);
        track(tracked, requests, user, "requests", Window.MONTH);
        track(tracked, tokens, user, "tokens", Window.DAY);
        track(tracked, tokens, user, "tokens", Window.MONTH);
      }
    }
    return new Plan(key, requests, tokens, concurrent, tracked, principal.userId() != null ? user : key);
  }

  private static void track(List<Budget> tracked, List<Budget> limited, String subject, String metric,
      Window window) {
    for (Budget budget : limited) {
      if (budget.subject().equals(subject) && budget.window() == window) {
        return;
      }
    }
    tracked.add(new Budget(subject, metric, Long.MAX_VALUE, window));
  }

  private static void add(List<Budget> budgets, String subject, String metric, Long limit, Window window) {
    if (limit != null) {
      budgets.add(new Budget(subject, metric, limit, window));
    }
  }

  private static Long positiveOrNull(long value) {
    return value > 0 ? value : null;
  }
}
