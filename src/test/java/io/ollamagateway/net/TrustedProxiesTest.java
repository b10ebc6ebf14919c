package io.ollamagateway.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which peers are trusted, and the real client address behind them. */
class TrustedProxiesTest {

  private static MultiMap xff(String value) {
    return MultiMap.caseInsensitiveMultiMap().add("X-Forwarded-For", value);
  }

  @Test
  void addressesAndBlocksOfBothFamilies() {
    TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.0/8", "192.168.1.10", "fd00::/8"));
    assertThat(proxies.trusts("10.200.3.4")).isTrue();
    assertThat(proxies.trusts("11.0.0.1")).isFalse();
    assertThat(proxies.trusts("192.168.1.10")).isTrue();
    assertThat(proxies.trusts("192.168.1.11")).isFalse();
    assertThat(proxies.trusts("fd12::1")).isTrue();
    assertThat(proxies.trusts("fe80::1")).isFalse();
    assertThat(proxies.trusts("::ffff:10.1.1.1")).isTrue();
    assertThat(proxies.trusts("localhost")).isFalse(); // names are never resolved
    assertThat(TrustedProxies.NONE.trusts("127.0.0.1")).isFalse();
  }

  @Test
  void entriesThatAreNotAddressesAreRefused() {
    assertThatThrownBy(() -> TrustedProxies.of(List.of("proxy.internal"))).hasMessageContaining("proxy.internal");
    assertThatThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/33"))).hasMessageContaining("prefix");
  }

  @Test
  void theClientIsTheFirstUntrustedHopFromTheRight() {
    TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.0/8"));
    assertThat(proxies.client("10.0.0.1", xff("6.6.6.6, 7.7.7.7, 10.0.0.2"))).isEqualTo("7.7.7.7");
    assertThat(proxies.client("10.0.0.1", xff("10.0.0.3, 10.0.0.2"))).isEqualTo("10.0.0.3");
    assertThat(proxies.client("10.0.0.1", xff("6.6.6.6, garbage, 10.0.0.2"))).isEqualTo("10.0.0.2");
    assertThat(proxies.client("10.0.0.1", MultiMap.caseInsensitiveMultiMap())).isEqualTo("10.0.0.1");
    assertThat(proxies.client("10.0.0.1", MultiMap.caseInsensitiveMultiMap().add("X-Real-IP", "5.5.5.5")))
        .isEqualTo("5.5.5.5");
  }

  @Test
  void withoutXForwardedForTheStandardForwardedHeaderIsReadTheSameWay() {
    TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.0/8"));
    assertThat(proxies.client("10.0.0.1", forwarded("for=6.6.6.6, for=7.7.7.7;proto=https, for=10.0.0.2")))
        .isEqualTo("7.7.7.7");
    assertThat(proxies.client("10.0.0.1", forwarded("for=\"[2001:db8:cafe::17]:4711\";by=10.0.0.9")))
        .isEqualTo("2001:db8:cafe::17");
    assertThat(proxies.client("10.0.0.1", forwarded("For=\"192.0.2.43:47011\"").add("Forwarded", "for=10.0.0.5")))
        .isEqualTo("192.0.2.43");
    assertThat(proxies.client("10.0.0.1", forwarded("for=6.6.6.6, for=_hidden, for=10.0.0.2")))
        .as("nothing to the left of an obfuscated node is believed").isEqualTo("10.0.0.2");
    assertThat(proxies.client("10.0.0.1", forwarded("for=unknown"))).isEqualTo("10.0.0.1");
    assertThat(proxies.client("10.0.0.1", forwarded("for=6.6.6.6").add("X-Forwarded-For", "8.8.8.8")))
        .as("X-Forwarded-For first").isEqualTo("8.8.8.8");
  }

  private static MultiMap forwarded(String value) {
    return MultiMap.caseInsensitiveMultiMap().add("Forwarded", value);
  }
}
