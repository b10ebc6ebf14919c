package io.ollamagateway.cli;

import io.ollamagateway.admin.IdentityService;
import io.ollamagateway.admin.JsonViews;
import io.ollamagateway.admin.Passwords;
import io.ollamagateway.admin.InvalidInput;
import io.ollamagateway.store.Quota;
import io.ollamagateway.store.User;
import io.vertx.core.json.JsonArray;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code users create|list|update|delete}: manages users directly in the configured store. */
@Command(name = "users", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
    exitCodeOnExecutionException = 1,
    description = "Manage users in the store of DATABASE_URL (works while the server runs).")
final class UsersCommand extends StoreCommand {

  UsersCommand(Map<String, String> environment, Path workDir) {
    super(environment, workDir);
  }

  @Command(name = "list", exitCodeOnInvalidInput = 1, exitCodeOnExecutionException = 1,
      description = "List users.")
  int list() {
    return withStore(service -> {
      if (json) {
        out().println(new JsonArray(service.users().stream().map(JsonViews::user).toList()).encodePrettily());
      } else {
        out().printf("%-6s %-24s %-6s %-7s %s%n", "ID", "NAME", "ROLE", "ACTIVE", "EMAIL");
        for (User user : service.users()) {
          out().printf("%-6d %-24s %-6s %-7s %s%n", user.id(), user.name(), IdentityService.roleName(user.role()),
              user.active() ? "yes" : "no", user.email() == null ? "" : user.email());
        }
      }
      out().flush();
    });
  }

  @Command(name = "create", exitCodeOnInvalidInput = 1, exitCodeOnExecutionException = 1,
      description = "Create a user.")
  int create(@Parameters(paramLabel = "NAME", description = "Unique name") String name,
      @Option(names = "--email", description = "Contact address") String email,
      @Option(names = "--role", defaultValue = "user", description = "admin or user (default ${DEFAULT-VALUE})")
      String role) {
    return withStore(service -> print(service.createUser(StoreAccess.actor(), name,
        email, IdentityService.parseRole(role)), "created"));
  }

  @Command(name = "update", exitCodeOnInvalidInput = 1, exitCodeOnExecutionException = 1,
      description = "Change a user's role, active flag or email.")
  int update(@Parameters(paramLabel = "USER", description = "User id or name") String user,
      @Option(names = "--role", description = "admin or user") String role,
      @Option(names = "--active", arity = "1", description = "true or false") Boolean active,
      @Option(names = "--email", description = "New email ('' clears it)") String email) {
    return withStore(service -> print(service.updateUser(StoreAccess.actor(),
        StoreAccess.user(service, user).id(), email, role == null ? null : IdentityService.parseRole(role), active),
        "updated"));
  }

  @Command(name = "delete", exitCodeOnInvalidInput = 1, exitCodeOnExecutionException = 1,
      description = "Delete a user and all their keys.")
  int delete(@Parameters(paramLabel = "USER", description = "User id or name") String user) {
    return withStore(service -> {
      User found = StoreAccess.user(service, user);
      service.deleteUser(StoreAccess.actor(), found.id());
      if (json) {
        out().println(JsonViews.user(found).put("deleted", true).encodePrettily());
      } else {
        out().println("deleted user " + found.id() + " (" + found.name() + ") and their keys");
      }
      out().flush();
    });
  }

  @Command(name = "quota", exitCodeOnInvalidInput = 1, exitCodeOnExecutionException = 1,
      description = "Show a user's quota, or change the parts given (a number, or 'none' for unlimited).")
  int quota(@Parameters(paramLabel = "USER", description = "User id or name") String user,
      @Option(names = "--daily-tokens", paramLabel = "N|none") String dailyTokens,
      @Option(names = "--monthly-tokens", paramLabel = "N|none") String monthlyTokens,
      @Option(names = "--daily-requests", paramLabel = "N|none") String dailyRequests,
      @Option(names = "--monthly-requests", paramLabel = "N|none") String monthlyRequests) {
    return withStore(service -> {
      User found = StoreAccess.user(service, user);
      Quota quota = service.quota(found.id());
      if (dailyTokens != null || monthlyTokens != null || dailyRequests != null || monthlyRequests != null) {
        quota = service.setQuota(StoreAccess.actor(), found.id(), new Quota(
            amount("--daily-tokens", dailyTokens, quota.dailyTokens()),
            amount("--monthly-tokens", monthlyTokens, quota.monthlyTokens()),
            amount("--daily-requests", dailyRequests, quota.dailyRequests()),
            amount("--monthly-requests", monthlyRequests, quota.monthlyRequests())));
      }
      if (json) {
        out().println(JsonViews.quota(found.id(), quota).encodePrettily());
      } else {
        out().printf("quota of user %d (%s): daily_tokens=%s monthly_tokens=%s daily_requests=%s "
                + "monthly_requests=%s%n", found.id(), found.name(), shown(quota.dailyTokens()),
            shown(quota.monthlyTokens()), shown(quota.dailyRequests()), shown(quota.monthlyRequests()));
      }
      out().flush();
    });
  }

  private static Long amount(String option, String text, Long current) {
    if (text == null) {
      return current;
    }
    if (text.equalsIgnoreCase("none") || text.equalsIgnoreCase("unlimited")) {
      return null;
    }
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new InvalidInput(option, "must be a whole number or 'none'");
    }
  }

  private static String shown(Long value) {
    return value == null ? "unlimited" : value.toString();
  }

  @Command(name = "set-password", exitCodeOnInvalidInput = 1, exitCodeOnExecutionException = 1,
      description = "Set a user's password for the web console (at least " + Passwords.MIN_LENGTH
          + " characters). Typed twice at a terminal; otherwise, or with --password-stdin, the first line of "
          + "standard input.")
  int setPassword(@Parameters(paramLabel = "USER", description = "User id or name") String user,
      @Option(names = "--password-stdin", description = "Read the password from standard input") boolean stdin) {
    String password;
    try {
      password = readPassword(stdin);
    } catch (java.io.IOException e) {
      err().println("cannot read the password: " + e.getMessage());
      err().flush();
      return 1;
    }
    if (password == null) {
      err().println("no password given");
      err().flush();
      return 1;
    }
    return withStore(service -> {
      User found = StoreAccess.user(service, user);
      new Passwords(service.stores()).set(StoreAccess.actor(), found.id(), password);
      if (json) {
        out().println(JsonViews.user(found).put("password_set", true).encodePrettily());
      } else {
        out().println("password set for user " + found.id() + " (" + found.name() + ")");
      }
      out().flush();
    });
  }

  /** The password, never echoed: typed twice at a terminal, else the first line of standard input. */
  private String readPassword(boolean fromStdin) throws java.io.IOException {
    Console console = System.console();
    if (!fromStdin && console != null) {
      char[] first = console.readPassword("New password: ");
      char[] second = console.readPassword("Again: ");
      if (first == null || second == null || !Arrays.equals(first, second)) {
        throw new java.io.IOException("the two passwords differ");
      }
      return new String(first);
    }
    BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line = reader.readLine();
    return line == null || line.isEmpty() ? null : line;
  }

  private void print(User user, String verb) {
    if (json) {
      out().println(JsonViews.user(user).encodePrettily());
    } else {
      out().println(verb + " user " + user.id() + " (" + user.name() + "), role "
          + IdentityService.roleName(user.role()) + (user.active() ? "" : ", inactive"));
    }
    out().flush();
  }
}
