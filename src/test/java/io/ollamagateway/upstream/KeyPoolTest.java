package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.config.UpstreamPolicy;
import io.ollamagateway.config.UpstreamPolicy.KeyStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class KeyPoolTest {

  private final AtomicLong clock = new AtomicLong(1_000_000);

  private KeyPool pool(KeyStrategy strategy, String... keys) {
    UpstreamPolicy policy = new UpstreamPolicy(strategy, Duration.ofSeconds(60), Duration.ofHours(1),
        Duration.ofSeconds(15), 10, Duration.ofSeconds(5));
    return new KeyPool(List.of(keys), policy, clock::get);
  }

  @Test
  void stickyKeepsTheWorkingKeyAndMovesOnOnlyWhenItIsLimited() {
    KeyPool pool = pool(KeyStrategy.STICKY, "key-aaaa", "key-bbbb", "key-cccc");
    assertThat(pool.acquire().getAsInt()).isEqualTo(0);
    assertThat(pool.acquire().getAsInt()).isEqualTo(0);
    pool.rateLimited(0, null, "quota");
    assertThat(pool.acquire().getAsInt()).isEqualTo(1);
    assertThat(pool.acquire().getAsInt()).isEqualTo(1);
  }

  @Test
  void roundRobinTakesTurnsAndSkipsCoolingKeys() {
    KeyPool pool = pool(KeyStrategy.ROUND_ROBIN, "key-aaaa", "key-bbbb", "key-cccc");
    List<Integer> seen = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      seen.add(pool.acquire().getAsInt());
    }
    assertThat(seen).containsExactly(0, 1, 2, 0);
    pool.rateLimited(1, null, "quota");
    assertThat(pool.acquire().getAsInt()).isEqualTo(2);
    assertThat(pool.acquire().getAsInt()).isEqualTo(0);
    assertThat(pool.acquire().getAsInt()).isEqualTo(2);
  }

  @Test
  void leastRecentlyLimitedPrefersKeysLimitedLongestAgo() {
    KeyPool pool = pool(KeyStrategy.LEAST_RECENTLY_LIMITED, "key-aaaa", "key-bbbb");
    pool.rateLimited(0, Duration.ofSeconds(1), "quota");
    clock.addAndGet(500);
    pool.rateLimited(1, Duration.ofSeconds(1), "quota");
    assertThat(pool.acquire()).isEmpty();
    clock.addAndGet(2000);
    assertThat(pool.acquire().getAsInt()).isEqualTo(0);
  }

  @Test
  void cooldownWithoutRetryAfterDoublesUpToTheMaximumAndExpires() {
    KeyPool pool = pool(KeyStrategy.STICKY, "key-aaaa");
    long start = clock.get();
    assertThat(pool.rateLimited(0, null, "quota")).isEqualTo(start + 60_000);
    assertThat(pool.acquire()).isEmpty();
    assertThat(pool.earliestAvailable()).hasValue(start + 60_000);

    clock.set(start + 59_999);
    assertThat(pool.acquire()).isEmpty();
    clock.set(start + 60_000);
    assertThat(pool.acquire()).hasValue(0);

    // the probe fails again: twice as long
    assertThat(pool.rateLimited(0, null, "quota")).isEqualTo(clock.get() + 120_000);
    for (int i = 0; i < 10; i++) {
      clock.set(pool.earliestAvailable().getAsLong());
      pool.rateLimited(0, null, "quota");
    }
    assertThat(pool.earliestAvailable().getAsLong() - clock.get()).isEqualTo(Duration.ofHours(1).toMillis());

    // a success resets the doubling
    clock.set(pool.earliestAvailable().getAsLong());
    pool.succeeded(pool.acquire().getAsInt());
    assertThat(pool.rateLimited(0, null, "quota")).isEqualTo(clock.get() + 60_000);
  }

  @Test
  void retryAfterWinsOverTheDefault() {
    KeyPool pool = pool(KeyStrategy.STICKY, "key-aaaa");
    assertThat(pool.rateLimited(0, Duration.ofSeconds(5), "quota")).isEqualTo(clock.get() + 5000);
  }

  @Test
  void retryAfterZeroStillRestsTheKeyForASecond() {
    KeyPool pool = pool(KeyStrategy.STICKY, "key-aaaa");
    assertThat(pool.rateLimited(0, Duration.ZERO, "quota")).isEqualTo(clock.get() + 1000);
  }

  @Test
  void enableAllGivesDisabledKeysAnotherChanceButKeepsCooldowns() {
    KeyPool pool = pool(KeyStrategy.STICKY, "key-aaaa", "key-bbbb");
    pool.disable(0, "401");
    pool.rateLimited(1, Duration.ofSeconds(10), "quota");
    pool.enableAll();
    assertThat(pool.acquire()).hasValue(0);
    assertThat(pool.states().get(1).cooldownUntilMillis()).isEqualTo(clock.get() + 10_000);
  }

  @Test
  void disabledKeysAreNeverChosenAndHaveNoAvailabilityTime() {
    KeyPool pool = pool(KeyStrategy.ROUND_ROBIN, "key-aaaa", "key-bbbb");
    pool.disable(0, "refused with HTTP 401");
    for (int i = 0; i < 3; i++) {
      assertThat(pool.acquire()).hasValue(1);
    }
    pool.disable(1, "refused with HTTP 403");
    assertThat(pool.acquire()).isEmpty();
    assertThat(pool.earliestAvailable()).isEmpty();
    assertThat(pool.states()).extracting(KeyPool.KeyState::disabledReason)
        .containsExactly("refused with HTTP 401", "refused with HTTP 403");
  }

  @Test
  void statesShowOnlyAShortPrefixOfTheKey() {
    KeyPool pool = pool(KeyStrategy.STICKY, "sk-secret-0123456789");
    assertThat(pool.states().get(0).displayPrefix()).isEqualTo("sk-s...");
    assertThat(pool(KeyStrategy.STICKY, "abc").states().get(0).displayPrefix()).isEqualTo("...");
  }
}
