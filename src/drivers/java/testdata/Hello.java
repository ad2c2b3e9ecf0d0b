// Test fixture for the java driver: prints its arguments and a system property, exits with args.length.
public class Hello {
  public static void main(String[] args) {
    System.out.println("hello " + String.join(",", args) + " prop=" + System.getProperty("nomad.test"));
    System.exit(args.length);
  }
}
