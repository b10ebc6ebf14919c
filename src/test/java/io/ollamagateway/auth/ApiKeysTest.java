package io.ollamagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

  @Test
  void keysAreSkAnd43Base62CharactersAndDoNotRepeat() {
    ApiKeys keys = new ApiKeys();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String key = keys.generate();
      assertThat(key).matches("sk-[0-9A-Za-z]{43}");
      assertThat(seen.add(key)).isTrue();
    }
    // 43 base62 digits carry log2(62) * 43 = 256 bits, above the 192 the issue asks for
    assertThat(43 * Math.log(62) / Math.log(2)).isGreaterThan(255);
  }

  @Test
  void theHashIsSha256HexAndThePrefixRevealsEightCharacters() {
    assertThat(ApiKeys.hash("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    String key = new ApiKeys().generate();
    assertThat(ApiKeys.displayPrefix(key)).isEqualTo(key.substring(0, 11) + "…");
    assertThat(ApiKeys.displayPrefix("short")).isEqualTo("…");
    assertThat(ApiKeys.displayPrefix("some-long-shared-token")).isEqualTo("some…");
    assertThat(ApiKeys.displayPrefix("sk-short-but-not-ours-123")).isEqualTo("sk-s…");
  }
}
