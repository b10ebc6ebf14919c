package io.ollamagateway.cli;

import io.ollamagateway.admin.IdentityService;
import io.ollamagateway.admin.InvalidInput;
import io.ollamagateway.admin.NotFound;
import io.ollamagateway.auth.ApiKeys;
import io.ollamagateway.config.ConfigException;
import io.ollamagateway.config.ConfigLoader;
import io.ollamagateway.config.IdentityConfig;
import io.ollamagateway.config.Settings;
import io.ollamagateway.store.ConflictException;
import io.ollamagateway.store.Database;
import io.ollamagateway.store.StoreException;
import io.ollamagateway.store.Stores;
import io.ollamagateway.store.User;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * What the {@code users} and {@code keys} commands share: reading {@code DATABASE_URL} from the same settings
 * layers as {@code serve}, opening (and migrating) the store directly, which works while a server runs, and
 * turning user errors into a message and exit status 1 (2 when the store cannot be used), never a stack trace.
 * Changes are audited with the actor {@code cli:<os user>}. Runs on the command's thread; blocks.
 */
final class StoreAccess {

  interface Action {
    void run(IdentityService service) throws Exception;
  }

  private final Map<String, String> environment;
  private final Path workDir;

  StoreAccess(Map<String, String> environment, Path workDir) {
    this.environment = environment;
    this.workDir = workDir;
  }

  /** Runs {@code action} on the store named by the settings (or {@code databaseUrl}); returns the exit status. */
  int run(String databaseUrl, Path configFile, PrintWriter err, Action action) {
    IdentityConfig identity;
    try {
      Map<String, String> commandLine = new HashMap<>();
      if (databaseUrl != null) {
        commandLine.put("DATABASE_URL", databaseUrl);
      }
      identity = new ConfigLoader(Settings.load(commandLine, environment, workDir, configFile)).identity();
    } catch (ConfigException e) {
      err.println("ollama-gateway: configuration error: " + e.getMessage());
      err.flush();
      return 2;
    }
    Clock clock = Clock.systemUTC();
    try (Database database = Database.open(identity.databaseUrl(), workDir)) {
      IdentityService service = new IdentityService(Stores.of(database, clock), new ApiKeys(), clock,
          IdentityService.Invalidation.NONE);
      action.run(service);
      return 0;
    } catch (StoreException e) {
      err.println("ollama-gateway: " + e.getMessage());
      err.flush();
      return 2;
    } catch (InvalidInput | NotFound | ConflictException e) {
      err.println("ollama-gateway: " + e.getMessage());
      err.flush();
      return 1;
    } catch (Exception e) {
      err.println("ollama-gateway: failed: " + e);
      err.flush();
      return 1;
    }
  }

  static String actor() {
    return "cli:" + System.getProperty("user.name", "unknown");
  }

  /** A user by id (digits) or by name. */
  static User user(IdentityService service, String idOrName) {
    if (idOrName.chars().allMatch(Character::isDigit) && !idOrName.isEmpty()) {
      return service.user(Long.parseLong(idOrName));
    }
    return service.stores().users().findByName(idOrName)
        .orElseThrow(() -> new NotFound("no user named '" + idOrName + "'"));
  }
}
