package io.ollamagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelAllowlistTest {

  @Test
  void anEmptyAllowlistAllowsEverything() {
    assertThat(ModelAllowlist.allows(List.of(), "anything:7b")).isTrue();
  }

  @Test
  void globsMatchWholeNamesCaseInsensitively() {
    List<String> patterns = List.of("llama3*", "qwen2.5:0.5b", "phi?");
    assertThat(ModelAllowlist.allows(patterns, "llama3.2:latest")).isTrue();
    assertThat(ModelAllowlist.allows(patterns, "LLAMA3:70b")).isTrue();
    assertThat(ModelAllowlist.allows(patterns, "qwen2.5:0.5b")).isTrue();
    assertThat(ModelAllowlist.allows(patterns, "qwen2.5:7b")).isFalse();
    assertThat(ModelAllowlist.allows(patterns, "phi3")).isTrue();
    assertThat(ModelAllowlist.allows(patterns, "phi35")).isFalse();
    assertThat(ModelAllowlist.allows(patterns, "my-llama3")).isFalse();
    assertThat(ModelAllowlist.allows(List.of("a.b"), "axb")).isFalse();
  }

  @Test
  void aNameWithoutATagIsTheLatestTag() {
    assertThat(ModelAllowlist.allows(List.of("mistral"), "mistral:latest")).isTrue();
    assertThat(ModelAllowlist.allows(List.of("mistral:latest"), "mistral")).isTrue();
    assertThat(ModelAllowlist.allows(List.of("mistral"), "mistral:7b")).isFalse();
  }

  @Test
  void patternsWithCommasOrSpacesAreInvalid() {
    assertThat(ModelAllowlist.isValidPattern("llama3*")).isTrue();
    assertThat(ModelAllowlist.isValidPattern("a,b")).isFalse();
    assertThat(ModelAllowlist.isValidPattern("a b")).isFalse();
    assertThat(ModelAllowlist.isValidPattern(" ")).isFalse();
  }
}
