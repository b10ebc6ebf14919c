package io.ollamagateway.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Finds a free port for "port 0" (tests and tools): several servers must share one concrete port, and each
 * server given 0 would bind a port of its own. Another process could take the port before it is bound again;
 * that window is short and only concerns port 0.
 */
public final class FreePort {

  private FreePort() {
  }

  public static int find(String host) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + host, e);
    }
  }
}
