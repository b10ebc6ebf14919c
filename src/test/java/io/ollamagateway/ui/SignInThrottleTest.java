package io.ollamagateway.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The sign-in slowdown's arithmetic, on a clock the test moves. */
class SignInThrottleTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final SignInThrottle throttle = new SignInThrottle(now::get);

  @Test
  void threeFreeAttemptsThenADoublingWaitUpToThirtySeconds() {
    long[] waits = new long[10];
    for (int i = 0; i < waits.length; i++) {
      waits[i] = throttle.begin("ip:a");
    }
    assertThat(waits).containsExactly(0, 0, 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000);
  }

  @Test
  void theLongerWaitOfAddressAndUserCounts() {
    for (int i = 0; i < 5; i++) {
      throttle.begin("ip:a", "user:bob");
    }
    assertThat(throttle.begin("ip:b", "user:bob")).as("bob from elsewhere").isEqualTo(4000);
    assertThat(throttle.begin("ip:b", "user:carol")).as("carol from b: one earlier attempt").isZero();
  }

  @Test
  void aSuccessAndTimeForgetTheCount() {
    for (int i = 0; i < 5; i++) {
      throttle.begin("ip:a");
    }
    throttle.succeeded("ip:a");
    assertThat(throttle.begin("ip:a")).isZero();
    for (int i = 0; i < 5; i++) {
      throttle.begin("ip:c");
    }
    now.addAndGet(SignInThrottle.FORGET_AFTER_MS + 1);
    assertThat(throttle.begin("ip:c")).isZero();
    throttle.forgetOld();
    assertThat(throttle.attempts("ip:a")).as("last tried before the forgetting time").isZero();
    assertThat(throttle.attempts("ip:c")).as("tried again just now").isEqualTo(1);
  }
}
