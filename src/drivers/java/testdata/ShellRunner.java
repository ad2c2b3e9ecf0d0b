// Test fixture for the java driver: runs `sh -c <script>`, forwards TERM, INT, HUP and USR1 to it,
// and exits with its exit code, so the driver conformance suite can drive a JVM like a shell.
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;

public class ShellRunner {
  public static void main(String[] args) throws Exception {
    AtomicReference<Process> child = new AtomicReference<>();
    for (String name : new String[] {"TERM", "INT", "HUP", "USR1"}) {
      Signal.handle(new Signal(name), sig -> forward(child, sig.getName()));
    }
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", args[0]).inheritIO();
    child.set(pb.start());
    System.exit(child.get().waitFor());
  }

  private static void forward(AtomicReference<Process> child, String signal) {
    try {
      // The shell may already run (and print) before start() returns and the reference is set.
      while (child.get() == null) Thread.sleep(5);
      Process p = child.get();
      new ProcessBuilder("kill", "-s", signal, Long.toString(p.pid())).inheritIO().start().waitFor();
    } catch (Exception e) {
      e.printStackTrace();
    }
  }
}
