package io.ollamagateway.server;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import org.slf4j.LoggerFactory;

/**
 * Sizes what the JVM and Netty would otherwise size for a large server: the gateway usually runs beside Ollama on
 * a small machine, where every megabyte it holds is taken from the model (issue 27). Everything here can be done
 * from inside the process; what needs JVM flags (the collector, the heap's bounds, a class-data archive) is in
 * the distribution's launcher, the Dockerfile and the systemd unit.
 *
 * <p>Every setting is a default: a value given on the command line ({@code -D...}, {@code -XX:...}) wins.
 * Static methods, called by the start-up thread.
 */
public final class JvmFootprint {

  /** Heap kept free after a collection before the JVM gives memory back (JVM default: 70%). */
  static final int MAX_HEAP_FREE_PERCENT = 40;
  /** Heap kept free after a collection before the JVM grows the heap (JVM default: 40%). */
  static final int MIN_HEAP_FREE_PERCENT = 20;
  /** G1 collects (and gives memory back) after this long without any collection: the gateway is idle. */
  static final long IDLE_COLLECTION_MILLIS = 60_000;

  private JvmFootprint() {
  }

  /**
   * Netty's buffer pool, sized for this machine: one arena per CPU (Netty's default is two per CPU, one per
   * event loop of a 2-per-CPU pool; the gateway runs one event loop per CPU, so half of them would only be
   * filled by other threads) and 1 MiB chunks rather than 4 MiB (a chunk is what an arena takes from the system
   * at once; the proxy's buffers are at most 64 KiB, and larger ones are allocated outside the pool). Must run
   * before any Netty buffer class loads: Netty reads these once.
   */
  public static void nettyDefaults() {
    String arenas = Integer.toString(Math.max(1, Runtime.getRuntime().availableProcessors()));
    setDefault("io.netty.allocator.numDirectArenas", arenas);
    setDefault("io.netty.allocator.numHeapArenas", arenas);
    setDefault("io.netty.allocator.maxOrder", "7");
    // Netty 4.2 registers its own JFR events when it loads, which loads and starts the JDK's flight recorder
    // classes (98 of them) in every gateway; with this off, a recording still sees the JVM's own events
    setDefault("io.netty.jfr.enabled", "false");
  }

  /**
   * The size of the Vert.x worker pool (JDBC, name lookups, file reads): Vert.x's default of 20 threads are all
   * created by the first 20 blocking tasks, though the store's connection pool lets at most 4 (SQLite) or 8
   * (PostgreSQL) of them work at once. Four per CPU, at least 8, at most Vert.x's 20.
   */
  public static int workerThreads() {
    return Math.min(20, Math.max(8, 4 * Runtime.getRuntime().availableProcessors()));
  }

  /**
   * Once the gateway is ready: lets the heap shrink back after start-up (class loading, migrations and the
   * tokenizer's tables leave far more garbage than the gateway keeps), and give memory back when idle. The JVM's
   * defaults keep up to 70% of the heap free after a collection and G1 never collects an idle heap; here at most
   * 40% stays free, and G1 collects after a minute without any collection. Under load the heap grows as the
   * collector needs (the minimum free share is lowered to 20% with it). Settings given as JVM flags are kept.
   * Runs one full collection (a few tens of milliseconds, before traffic usually arrives).
   */
  public static void trimAfterStart() {
    try {
      HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      // MinHeapFreeRatio must stay at or below MaxHeapFreeRatio at every step: lower the minimum first
      if (isDefault(vm, "MinHeapFreeRatio") && isDefault(vm, "MaxHeapFreeRatio")) {
        vm.setVMOption("MinHeapFreeRatio", Integer.toString(MIN_HEAP_FREE_PERCENT));
        vm.setVMOption("MaxHeapFreeRatio", Integer.toString(MAX_HEAP_FREE_PERCENT));
      }
      if (usesG1() && isDefault(vm, "G1PeriodicGCInterval")) {
        vm.setVMOption("G1PeriodicGCInterval", Long.toString(IDLE_COLLECTION_MILLIS));
      }
    } catch (RuntimeException | LinkageError e) {
      // another JVM (no HotSpot options): its own defaults stay
      LoggerFactory.getLogger(JvmFootprint.class).debug("heap settings left as they are: {}", e.toString());
    }
    System.gc();
    Thread trimmer = new Thread(JvmFootprint::trimNativeHeapPeriodically, "native-heap-trim");
    trimmer.setDaemon(true);
    trimmer.setPriority(Thread.MIN_PRIORITY);
    trimmer.start();
  }

  /** How often the C library's free memory is given back, once start-up has settled. */
  static final long TRIM_INTERVAL_MILLIS = 30_000;
  /** How often, in the first minute, the JIT is checked for having settled. */
  static final long SETTLE_CHECK_MILLIS = 500;

  /**
   * The JIT keeps compiling for seconds after start-up, and its compilers' memory is what the C library keeps
   * most of: in the first minute the heap is trimmed each time the JIT has just gone quiet (no compilation for
   * half a second since the last check), then every 30 s.
   */
  private static void trimNativeHeapPeriodically() {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
    try {
      long last = timed ? jit.getTotalCompilationTime() : 0;
      boolean trimmed = false;
      for (long waited = 0; timed && waited < 60_000; waited += SETTLE_CHECK_MILLIS) {
        Thread.sleep(SETTLE_CHECK_MILLIS);
        long now = jit.getTotalCompilationTime();
        if (now == last && !trimmed) {
          if (!trimNativeHeap()) {
            return;
          }
          trimmed = true;
        } else if (now != last) {
          trimmed = false;
        }
        last = now;
      }
      while (trimNativeHeap()) {
        Thread.sleep(TRIM_INTERVAL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Gives back to the system the memory that the C library keeps after the JVM freed it (class parsing, the
   * JIT's arenas, inflating the jar): 15-20 MB after start-up on a 2-CPU machine. The same as {@code jcmd PID
   * System.trim_native_heap} (JDK 17.0.9 and later; the JVM flag {@code -XX:TrimNativeHeapInterval} does it
   * periodically too). False when this JVM cannot (an older one, or another C library): then it is not retried.
   */
  static boolean trimNativeHeap() {
    try {
      ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "systemTrimNativeHeap",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      return true;
    } catch (Exception | LinkageError e) {
      LoggerFactory.getLogger(JvmFootprint.class).debug("native heap not trimmed: {}", e.toString());
      return false;
    }
  }

  private static boolean isDefault(HotSpotDiagnosticMXBean vm, String option) {
    return vm.getVMOption(option).getOrigin() == VMOption.Origin.DEFAULT;
  }

  private static boolean usesG1() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc.getName().startsWith("G1 ")) {
        return true;
      }
    }
    return false;
  }

  private static void setDefault(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }
}
