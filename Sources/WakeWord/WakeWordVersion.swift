/// The toolkit's version, recorded in every model file it writes.
public enum WakeWordVersion {
    public static let current = "0.1.0"
}
