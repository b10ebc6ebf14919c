package io.ollamagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Argon2id hashes: PHC format, salted, verified in both directions, cost read back from the hash. */
class PasswordHasherTest {

  private final PasswordHasher hasher = new PasswordHasher();

  @Test
  void aHashVerifiesItsPasswordOnly() {
    String hash = hasher.hash("correct horse battery staple");
    assertThat(hash).matches("\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}")
        .doesNotContain("correct horse");
    assertThat(hasher.verify("correct horse battery staple", hash)).isTrue();
    assertThat(hasher.verify("correct horse battery stapl", hash)).isFalse();
    assertThat(hasher.verify("", hash)).isFalse();
  }

  @Test
  void eachHashHasItsOwnSalt() {
    assertThat(hasher.hash("same password here")).isNotEqualTo(hasher.hash("same password here"));
  }

  @Test
  void theCostIsReadFromTheStoredHash() {
    // Verification uses the parameters written in the hash: changing them changes the result. (With fixed
    // parameters the edited hash would still verify.) So the cost can be raised without breaking old hashes.
    String hash = hasher.hash("cost travels along");
    String[] parts = hash.split("\\$");
    assertThat(parts[3]).isEqualTo("m=19456,t=2,p=1");
    String tampered = hash.replace("m=19456,t=2,p=1", "m=1024,t=1,p=1");
    assertThat(hasher.verify("cost travels along", tampered)).as("other parameters give another hash").isFalse();
  }

  @Test
  void missingOrMalformedHashesMatchNothing() {
    assertThat(hasher.verify("anything at all", null)).isFalse();
    assertThat(hasher.verify("anything at all", "")).isFalse();
    assertThat(hasher.verify("anything at all", "$2a$10$abcdefghijklmnopqrstuv")).isFalse();
    assertThat(hasher.verify("anything at all", "$argon2id$v=19$m=19456,t=2,p=1$!!$!!")).isFalse();
  }
}
