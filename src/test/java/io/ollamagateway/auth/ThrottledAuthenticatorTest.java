package io.ollamagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.api.ApiError;
import io.ollamagateway.net.TrustedProxies;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-address throttle of failed authentication, on a hand-driven clock (the end-to-end side is HostileOperationsTest). */
class ThrottledAuthenticatorTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final Authenticator wrongAlways = credentials -> Future.failedFuture(ApiError.unauthorized("invalid"));

  private static Credentials key(String secret) {
    return Credentials.from(MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + secret));
  }

  @Test
  void aBurstOfFailuresCoolsTheAddressDownAndTheCoolDownEnds() {
    ThrottledAuthenticator throttle = new ThrottledAuthenticator(wrongAlways, TrustedProxies.NONE, now::get, 3, 100);
    for (int i = 0; i < 3; i++) {
      assertThat(((ApiError) throttle.authenticate("10.0.0.1", key("k" + i)).cause()).status()).isEqualTo(401);
    }
    ApiError refused = (ApiError) throttle.authenticate("10.0.0.1", key("k")).cause();
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.headers()).containsEntry("Retry-After", "60");
    assertThat(((ApiError) throttle.authenticate("10.0.0.2", key("k")).cause()).status()).isEqualTo(401);

    now.addAndGet(ThrottledAuthenticator.COOLDOWN_MS + 1);
    assertThat(throttle.blockedFor("10.0.0.1")).isZero();
    assertThat(((ApiError) throttle.authenticate("10.0.0.1", key("k")).cause()).status()).isEqualTo(401);
  }

  @Test
  void failuresSpreadOverMoreThanAWindowDoNotAddUp() {
    ThrottledAuthenticator throttle = new ThrottledAuthenticator(wrongAlways, TrustedProxies.NONE, now::get, 3, 100);
    for (int i = 0; i < 10; i++) {
      throttle.authenticate("10.0.0.1", key("k"));
      throttle.authenticate("10.0.0.1", key("k"));
      now.addAndGet(ThrottledAuthenticator.WINDOW_MS + 1);
    }
    assertThat(throttle.blockedFor("10.0.0.1")).isZero();
  }

  @Test
  void aSprayOfAddressesCannotGrowTheTableNorLiftACoolDown() {
    ThrottledAuthenticator throttle = new ThrottledAuthenticator(wrongAlways, TrustedProxies.NONE, now::get, 3, 100);
    for (int i = 0; i < 3; i++) {
      throttle.authenticate("10.0.0.1", key("k"));
    }
    assertThat(throttle.blockedFor("10.0.0.1")).isPositive();
    for (int i = 0; i < 5_000; i++) {
      throttle.authenticate("172.16." + (i / 256) + "." + (i % 256), key("k"));
    }
    assertThat(throttle.tracked()).isLessThanOrEqualTo(100);
    assertThat(throttle.blockedFor("10.0.0.1")).isPositive();
  }

  @Test
  void anIpv6HostCountsByItsSlash64() {
    ThrottledAuthenticator throttle = new ThrottledAuthenticator(wrongAlways, TrustedProxies.NONE, now::get, 3, 100);
    throttle.authenticate("2001:db8:1:2::1", key("k"));
    throttle.authenticate("2001:db8:1:2::ffff", key("k"));
    throttle.authenticate("2001:db8:1:2:aaaa:bbbb:cccc:dddd", key("k"));
    assertThat(throttle.blockedFor("2001:db8:1:2::77")).isPositive();
    assertThat(throttle.blockedFor("2001:db8:1:3::1")).isZero();
  }

  @Test
  void validButUnusableCredentialsAndSuccessesAreNotGuesses() {
    Authenticator forbidden = credentials -> Future.failedFuture(ApiError.forbidden("deactivated"));
    ThrottledAuthenticator throttle = new ThrottledAuthenticator(forbidden, TrustedProxies.NONE, now::get, 3, 100);
    for (int i = 0; i < 10; i++) {
      throttle.authenticate("10.0.0.1", key("k"));
    }
    assertThat(throttle.blockedFor("10.0.0.1")).isZero();
  }

  @Test
  void aLimitOfZeroRefusesNothing() {
    ThrottledAuthenticator throttle = new ThrottledAuthenticator(wrongAlways, TrustedProxies.NONE, now::get, 0, 100);
    for (int i = 0; i < 50; i++) {
      assertThat(((ApiError) throttle.authenticate("10.0.0.1", key("k")).cause()).status()).isEqualTo(401);
    }
  }
}
