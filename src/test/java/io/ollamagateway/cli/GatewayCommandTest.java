package io.ollamagateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.testing.Cli;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's help as a user reads it, whichever subcommands a command line had built (a command line
 * naming one subcommand builds only that one).
 */
class GatewayCommandTest {

  @TempDir
  Path workDir;

  @Test
  void theTopLevelHelpListsEverySubcommand() {
    for (String[] args : new String[][] {{"--help"}, {"help"}}) {
      Cli.Result help = Cli.run(Map.of(), workDir, args);
      assertThat(help.status()).isZero();
      assertThat(help.out()).contains("Usage: ollama-gateway").containsSubsequence("serve", "emulator", "users",
          "keys", "help");
    }
  }

  @Test
  void aSubcommandsHelpNamesItUnderTheGatewayEitherWay() {
    Cli.Result direct = Cli.run(Map.of(), workDir, "serve", "--help");
    Cli.Result viaHelp = Cli.run(Map.of(), workDir, "help", "serve");
    assertThat(direct.status()).isZero();
    assertThat(direct.out()).contains("Usage: ollama-gateway serve").contains("--ollama-url");
    assertThat(viaHelp.out()).isEqualTo(direct.out());
    Cli.Result keys = Cli.run(Map.of(), workDir, "keys", "--help");
    assertThat(keys.out()).contains("Usage: ollama-gateway keys").contains("create", "import", "list", "revoke");
  }

  @Test
  void anUnknownSubcommandIsRefusedWithTheListOfKnownOnes() {
    Cli.Result wrong = Cli.run(Map.of(), workDir, "serv");
    assertThat(wrong.status()).isNotZero();
    assertThat(wrong.err()).contains("serv").contains("serve");
  }
}
