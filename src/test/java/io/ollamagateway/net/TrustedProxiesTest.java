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
}
